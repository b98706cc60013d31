import { longDesc } from "../../lib/cli.ts";
import { DEFAULT_CERT_LIST, type KubeadmCert } from "../../lib/pki/certlist.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

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

/**
 * The "Default SANs are ..." note kubeadm computes from a defaulted configuration: its
 * defaulted InitConfiguration has no service subnet yet, so only the etcd certificates get one.
 */
function defaultSANs(c: KubeadmCert): string {
  return c.altNames === "etcd-server" || c.altNames === "etcd-peer"
    ? "localhost, 127.0.0.1, 127.0.0.1, ::1"
    : "";
}

function certLong(c: KubeadmCert): string {
  const [first, rest] = longDesc(`
    Generate the %[1]s, and save them into %[2]s.crt and %[2]s.key files.%[3]s

    If both files already exist, kubeadm skips the generation step and existing files will be used.
  `).split("%[3]s");
  const sans = defaultSANs(c);
  return first.replaceAll("%[1]s", c.longName).replaceAll("%[2]s", c.baseName) +
    (sans ? `\n\nDefault SANs are ${sans}` : "") + rest;
}

function certSubPhase(c: KubeadmCert): Phase<InitData> {
  return {
    name: c.name,
    short: `Generate the ${c.longName}`,
    long: certLong(c),
    run: (data) => runCertsPhase(data, c.name),
    prefetch: (data) => prefetchKey(data, c.baseName),
    inheritFlags: certPhaseFlags(c.name),
  };
}

/** `kubeadm init phase certs` and its sub-phases. */
export const certsPhase: Phase<InitData> = {
  name: "certs",
  writes: "certificatesDir",
  short: "Certificate generation",
  phases: [
    {
      name: "all",
      short: "Generate all certificates",
      inheritFlags: certPhaseFlags("all"),
      runAllSiblings: true,
    },
    ...DEFAULT_CERT_LIST.map(certSubPhase),
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

/**
 * The `certs` parent: reports the certificate directory, and checks that every file of the PKI
 * can be written before a sub-phase writes the first one.
 */
async function runCerts(data: InitData): Promise<void> {
  data.out(`[certs] Using certificateDir folder "${data.certificatesDir}"`);
  const { checkPkiPaths } = await import("../../lib/pki/certs.ts");
  await checkPkiPaths(data.pkiInputs(), data.fs);
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

/** The service-account key pair (sa.key, sa.pub). */
function runSA(data: InitData): Promise<void> {
  return runCertsPhase(data, "sa");
}
