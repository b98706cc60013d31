import { longDesc } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** A certificate of kubeadm's default list (GetDefaultCertList), in generation order. */
interface CertEntry {
  name: string;
  longName: string;
  baseName: string;
  /** Empty for CAs. */
  caName: string;
  /** "Default SANs are ..." as kubeadm computes it from a defaulted config; "" when none. */
  sans: string;
}

/** kubeadm's default certificate list, each CA before the certificates it signs. */
export const defaultCertList: CertEntry[] = [
  {
    name: "ca",
    longName: "self-signed Kubernetes CA to provision identities for other Kubernetes components",
    baseName: "ca",
    caName: "",
    sans: "",
  },
  {
    name: "apiserver",
    longName: "certificate for serving the Kubernetes API",
    baseName: "apiserver",
    caName: "ca",
    // kubeadm computes none: its defaulted InitConfiguration has no service subnet yet.
    sans: "",
  },
  {
    name: "apiserver-kubelet-client",
    longName: "certificate for the API server to connect to kubelet",
    baseName: "apiserver-kubelet-client",
    caName: "ca",
    sans: "",
  },
  {
    name: "front-proxy-ca",
    longName: "self-signed CA to provision identities for front proxy",
    baseName: "front-proxy-ca",
    caName: "",
    sans: "",
  },
  {
    name: "front-proxy-client",
    longName: "certificate for the front proxy client",
    baseName: "front-proxy-client",
    caName: "front-proxy-ca",
    sans: "",
  },
  {
    name: "etcd-ca",
    longName: "self-signed CA to provision identities for etcd",
    baseName: "etcd/ca",
    caName: "",
    sans: "",
  },
  {
    name: "etcd-server",
    longName: "certificate for serving etcd",
    baseName: "etcd/server",
    caName: "etcd-ca",
    sans: "localhost, 127.0.0.1, 127.0.0.1, ::1",
  },
  {
    name: "etcd-peer",
    longName: "certificate for etcd nodes to communicate with each other",
    baseName: "etcd/peer",
    caName: "etcd-ca",
    sans: "localhost, 127.0.0.1, 127.0.0.1, ::1",
  },
  {
    name: "etcd-healthcheck-client",
    longName: "certificate for liveness probes to healthcheck etcd",
    baseName: "etcd/healthcheck-client",
    caName: "etcd-ca",
    sans: "",
  },
  {
    name: "apiserver-etcd-client",
    longName: "certificate the apiserver uses to access etcd",
    baseName: "apiserver-etcd-client",
    caName: "etcd-ca",
    sans: "",
  },
];

function certPhaseFlags(name: string): string[] {
  const flags = ["cert-dir", "config", "kubernetes-version", "dry-run"];
  if (name === "all" || name === "apiserver") {
    flags.push(
      "apiserver-advertise-address",
      "control-plane-endpoint",
      "apiserver-cert-extra-sans",
      "service-dns-domain",
      "service-cidr",
    );
  }
  return flags;
}

function certLong(c: CertEntry): string {
  const [first, rest] = longDesc(`
    Generate the %[1]s, and save them into %[2]s.crt and %[2]s.key files.%[3]s

    If both files already exist, kubeadm skips the generation step and existing files will be used.
  `).split("%[3]s");
  return first.replaceAll("%[1]s", c.longName).replaceAll("%[2]s", c.baseName) +
    (c.sans ? `\n\nDefault SANs are ${c.sans}` : "") + rest;
}

function certSubPhase(c: CertEntry): Phase<InitData> {
  return {
    name: c.name,
    short: `Generate the ${c.longName}`,
    long: certLong(c),
    run: (data) => c.caName === "" ? runCA(data, c) : runCert(data, c),
    prefetch: (data) => prefetchKey(data, c.baseName),
    inheritFlags: certPhaseFlags(c.name),
  };
}

/** `kubeadm init phase certs` and its sub-phases. */
export const certsPhase: Phase<InitData> = {
  name: "certs",
  short: "Certificate generation",
  phases: [
    {
      name: "all",
      short: "Generate all certificates",
      inheritFlags: certPhaseFlags("all"),
      runAllSiblings: true,
    },
    ...defaultCertList.map(certSubPhase),
    {
      name: "sa",
      short: "Generate a private key for signing service account tokens along with its public key",
      long: longDesc(`
        Generate the private key for signing service account tokens along with its public key, and save them into
        sa.key and sa.pub files.

        If both files already exist, kubeadm skips the generation step and existing files will be used.
      `),
      run: runSA,
      prefetch: (data) => prefetchKey(data, "sa"),
      inheritFlags: certPhaseFlags("sa"),
    },
  ],
  run: runCerts,
};

/** The `certs` parent: reports the certificate directory. */
function runCerts(data: InitData): Promise<void> {
  data.out(`[certs] Using certificateDir folder "${data.certificatesDir}"`);
  return Promise.resolve();
}

/**
 * Starts generating the key of `baseName` when its file is missing, so that every key the
 * selected phases need is made in parallel before they run one after another (kubeadm makes
 * them one by one). With an external CA nothing is generated here.
 */
async function prefetchKey(data: InitData, baseName: string): Promise<void> {
  if (data.externalCA) return;
  const { pathForKey } = await import("../../lib/pki/store.ts");
  if (await data.fs.exists(pathForKey(data.certificatesDir, baseName))) return;
  const { primeKeyPool } = await import("../../lib/pki/keys.ts");
  primeKeyPool(data.pkiInputs().encryptionAlgorithm ?? "RSA-2048", 1);
}

/** Runs one sub-phase of lib/pki's certs phase and prints kubeadm's lines. */
async function runCertsPhase(data: InitData, name: string): Promise<void> {
  const { createCerts } = await import("../../lib/pki/certs.ts");
  const result = await createCerts(data.pkiInputs(), data.fs, { only: [name] });
  for (const w of result.warnings) data.warn(w);
  for (const line of result.lines) data.out(line);
}

/** A self-signed CA (ca, front-proxy-ca, etcd-ca). */
function runCA(data: InitData, cert: CertEntry): Promise<void> {
  return runCertsPhase(data, cert.name);
}

/** A certificate signed by `cert.caName`. */
function runCert(data: InitData, cert: CertEntry): Promise<void> {
  return runCertsPhase(data, cert.name);
}

/** The service-account key pair (sa.key, sa.pub). */
function runSA(data: InitData): Promise<void> {
  return runCertsPhase(data, "sa");
}
