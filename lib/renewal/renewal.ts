/**
 * `kubeadm certs certificate-key | check-expiration | renew | generate-csr` support and the CA
 * public key pin used by join (phases/certs/renewal/manager.go, kubeadm v1.37.2). The renewal
 * manager covers the PKI's certificate files and the certificates embedded in kubeconfig files,
 * so it sits above lib/pki and lib/kubeconfig (which itself builds on lib/pki).
 */
import * as nodeCrypto from "node:crypto";
import * as path from "@std/path";
import type { PkiFS } from "../pki/fs.ts";
import {
  DEFAULT_ENCRYPTION_ALGORITHM,
  encodePrivateKeyPEM,
  type EncryptionAlgorithm,
  generatePrivateKey,
} from "../pki/keys.ts";
import { type Certificate, createCertificateRequest, parseCertsPEM } from "../pki/x509.ts";
import { EXTERNAL_CA_SPECS, newSignedCert, validateSignedCertWithCA } from "../pki/certs.ts";
import {
  certConfigFor,
  CERTIFICATE_BACKDATE,
  CERTIFICATE_VALIDITY_PERIOD,
  certList,
  defaultClock,
  type PkiInputs,
  removeDuplicateAltNames,
} from "../pki/certlist.ts";
import { KEY_MODE, loadCert, loadCertAndKey, pathForCSR, pathForKey } from "../pki/store.ts";
import { currentAuthInfo, parseKubeConfig, serializeKubeConfig } from "../kubeconfig/kubeconfig.ts";
import { createWithCerts } from "../kubeconfig/kubeconfig.ts";
import { KubestrapError } from "../errors.ts";
import { certificateAuthorities, type RenewableCert, renewableCerts } from "./inventory.ts";
import { parseDurationMs } from "../util/duration.ts";
import { type RenewalFS, replaceCertAndKey } from "./staged.ts";

/** `kubeadm certs certificate-key`: 32 random bytes as 64 lowercase hex characters. */
export function certificateKey(): string {
  return nodeCrypto.randomBytes(32).toString("hex");
}

export interface RenewalInputs {
  certificatesDir: string;
  /** Directory of the kubeconfig files (/etc/kubernetes). */
  kubeconfigDir: string;
  externalEtcd?: boolean;
  encryptionAlgorithm?: EncryptionAlgorithm;
  certificateValidityPeriod?: number;
  clock?: () => Date;
}

/**
 * The renewal manager's inputs for a cluster configuration (renewal.NewManager(cfg,
 * kubernetesDir)): its certificates directory, algorithm and validity period.
 */
export function renewalInputsFromConfig(
  cluster: {
    certificatesDir?: string;
    etcd?: { external?: unknown };
    encryptionAlgorithm?: string;
    certificateValidityPeriod?: string;
  },
  kubeconfigDir = "/etc/kubernetes",
): RenewalInputs {
  return {
    certificatesDir: cluster.certificatesDir || "/etc/kubernetes/pki",
    kubeconfigDir,
    externalEtcd: cluster.etcd?.external !== undefined,
    encryptionAlgorithm: (cluster.encryptionAlgorithm || "RSA-2048") as EncryptionAlgorithm,
    certificateValidityPeriod: cluster.certificateValidityPeriod
      ? parseDurationMs(cluster.certificateValidityPeriod)
      : undefined,
  };
}

/** Reads the certificate of an inventory entry (kubeconfig: the current user's client cert). */
export async function readRenewableCert(
  inputs: RenewalInputs,
  fs: PkiFS,
  item: RenewableCert,
): Promise<Certificate> {
  if (item.kind === "pki") return await loadCert(fs, inputs.certificatesDir, item.fileName);
  const p = path.join(inputs.kubeconfigDir, item.fileName);
  const data = await fs.readFile(p);
  if (data === undefined) {
    throw new KubestrapError(
      `failed to load kubeConfig file ${p}: open ${p}: no such file or directory`,
    );
  }
  const kc = parseKubeConfig(data);
  const ctx = kc.contexts[kc.currentContext];
  if (!ctx) {
    throw new KubestrapError(`invalid kubeConfig file ${p}: missing context ${kc.currentContext}`);
  }
  if (!kc.clusters[ctx.cluster]) {
    throw new KubestrapError(`invalid kubeConfig file ${p}: missing cluster ${ctx.cluster}`);
  }
  if (!kc.clusters[ctx.cluster]["certificate-authority-data"]?.length) {
    throw new KubestrapError(`kubeConfig file ${p} does not have an embedded server certificate`);
  }
  const user = kc.users[ctx.user];
  if (!user) throw new KubestrapError(`invalid kubeConfig file ${p}: missing authInfo ${ctx.user}`);
  const data2 = user["client-certificate-data"];
  if (!data2 || data2.length === 0) {
    throw new KubestrapError(`kubeConfig file ${p} does not have an embedded client certificate`);
  }
  return parseCertsPEM(data2)[0];
}

// ---------------------------------------------------------------------------------------------
// certs check-expiration

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * certsphase.UsingExternalCA / UsingExternalFrontProxyCA / UsingExternalEtcdCA, wrapped as the
 * renewal manager does: a missing or non-CA certificate is an error, a present key means "not
 * external", and an external CA's leaf certificates must load and chain to it.
 */
async function isExternallyManaged(
  fs: PkiFS,
  dir: string,
  caBaseName: string,
  now: Date,
): Promise<boolean> {
  const spec = EXTERNAL_CA_SPECS[caBaseName];
  if (!spec) throw new KubestrapError(`unknown certificate authority ${caBaseName}`);
  const wrap = (msg: string) =>
    new KubestrapError(
      `Error checking external CA condition for ${caBaseName} certificate authority: ${msg}`,
    );
  let caCert: Certificate;
  try {
    caCert = await loadCert(fs, dir, caBaseName);
  } catch (e) {
    throw wrap(`failure loading certificate for ${spec.ux}: ${errMsg(e)}`);
  }
  if (!caCert.isCA) throw wrap(`certificate ${spec.ux} is not a CA`);
  if (await fs.exists(pathForKey(dir, caBaseName))) return false;
  for (const [base, ux] of spec.leaves) {
    try {
      await validateSignedCertWithCA(fs, dir, base, ux, caCert, now);
    } catch (e) {
      throw wrap(errMsg(e));
    }
  }
  return true;
}

/** One entry of output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo. */
export interface ExpirationEntry {
  name: string;
  /** undefined (JSON null) for missing entries. */
  expirationDate?: Date;
  /** Seconds, truncated toward zero. */
  residualTime: number;
  externallyManaged: boolean;
  /** Certificates only (omitempty). */
  caName?: string;
  missing: boolean;
}

export interface CertificateExpirationInfo {
  certificates: ExpirationEntry[];
  certificateAuthorities: ExpirationEntry[];
}

/** cmd/certs.go fetchCertificateExpirationInfo, with the renewal manager's errors. */
export async function fetchCertificateExpirationInfo(
  inputs: RenewalInputs,
  fs: PkiFS,
  now: Date = new Date(),
): Promise<CertificateExpirationInfo> {
  const residual = (d: Date) => Math.trunc((d.getTime() - now.getTime()) / 1000);
  const info: CertificateExpirationInfo = { certificates: [], certificateAuthorities: [] };
  for (const item of renewableCerts(inputs.externalEtcd)) {
    if (!(await certificateExists(inputs, fs, item))) {
      info.certificates.push({
        name: item.name,
        residualTime: 0,
        externallyManaged: false,
        missing: true,
      });
      continue;
    }
    const external = await isExternallyManaged(fs, inputs.certificatesDir, item.caBaseName, now);
    let cert: Certificate;
    try {
      cert = await readRenewableCert(inputs, fs, item);
    } catch (e) {
      throw item.kind === "pki"
        ? new KubestrapError(`failed to load existing certificate ${item.fileName}: ${errMsg(e)}`)
        : e;
    }
    info.certificates.push({
      name: item.name,
      expirationDate: cert.notAfter,
      residualTime: residual(cert.notAfter),
      caName: item.caName,
      externallyManaged: external,
      missing: false,
    });
  }
  for (const ca of certificateAuthorities(inputs.externalEtcd)) {
    if (!(await fileExists(fs, path.join(inputs.certificatesDir, `${ca.baseName}.crt`)))) {
      info.certificateAuthorities.push({
        name: ca.name,
        residualTime: 0,
        externallyManaged: false,
        missing: true,
      });
      continue;
    }
    const external = await isExternallyManaged(fs, inputs.certificatesDir, ca.baseName, now);
    let cert: Certificate;
    try {
      cert = await loadCert(fs, inputs.certificatesDir, ca.baseName);
    } catch (e) {
      throw new KubestrapError(`failed to load existing certificate ${ca.baseName}: ${errMsg(e)}`);
    }
    info.certificateAuthorities.push({
      name: ca.name,
      expirationDate: cert.notAfter,
      residualTime: residual(cert.notAfter),
      externallyManaged: external,
      missing: false,
    });
  }
  return info;
}

/** Manager.CertificateExists: the inventory entry's certificate or kubeconfig file exists. */
export async function certificateExists(
  inputs: RenewalInputs,
  fs: PkiFS,
  item: RenewableCert,
): Promise<boolean> {
  return item.kind === "pki"
    ? await fileExists(fs, path.join(inputs.certificatesDir, `${item.fileName}.crt`))
    : await fileExists(fs, path.join(inputs.kubeconfigDir, item.fileName));
}

/** The renewal readwriters' fileExists: a regular (non-directory) file. */
export async function fileExists(fs: PkiFS, p: string): Promise<boolean> {
  if (!(await fs.exists(p))) return false;
  try {
    return (await fs.readFile(p)) !== undefined;
  } catch {
    return false; // a directory
  }
}

export interface RenewResult {
  /** "renewed" | "missing" | "external" */
  status: "renewed" | "missing" | "external";
  /** kubeadm's console line for this certificate. */
  line: string;
  written: string[];
}

/**
 * `kubeadm certs renew <name>`: copies CN, O, SANs and EKUs of the existing certificate, signs a
 * new certificate for a NEW key (encryptionAlgorithm) with NotBefore = start - 5m and
 * NotAfter = start + certificateValidityPeriod. Kubeconfig files get the new client cert/key and
 * the current CA; everything else in them is preserved.
 */
export async function renewCertificate(
  inputs: RenewalInputs,
  fs: RenewalFS,
  name: string,
): Promise<RenewResult> {
  const item = renewableCerts(inputs.externalEtcd).find((c) => c.name === name);
  if (!item) throw new KubestrapError(`${name} is not a valid certificate for this cluster`);
  if (!(await certificateExists(inputs, fs, item))) {
    return { status: "missing", line: `MISSING! ${item.longName}`, written: [] };
  }
  const start = (inputs.clock ?? defaultClock)();
  if (await isExternallyManaged(fs, inputs.certificatesDir, item.caBaseName, start)) {
    return {
      status: "external",
      line: `Detected external ${item.caBaseName}, ${item.longName} can't be renewed`,
      written: [],
    };
  }
  const old = await readRenewableCert(inputs, fs, item);
  const { cert: caCert, key: caKey } = await loadCertAndKey(
    fs,
    inputs.certificatesDir,
    item.caBaseName,
  ).catch((e) => {
    throw new KubestrapError(
      `failure loading ${item.caBaseName} certificate authority: ${(e as Error).message}`,
    );
  });
  if (!caCert.isCA) {
    throw new KubestrapError(`${item.caBaseName} certificate is not a certificate authority`);
  }
  const key = await generatePrivateKey(inputs.encryptionAlgorithm ?? DEFAULT_ENCRYPTION_ALGORITHM);
  const cert = newSignedCert(
    {
      commonName: old.subject.commonName,
      organization: old.subject.organization,
      altNames: { dnsNames: old.dnsNames, ips: old.ipAddresses },
      usages: old.extKeyUsage,
      notBefore: new Date(start.getTime() - CERTIFICATE_BACKDATE),
      notAfter: new Date(
        start.getTime() + (inputs.certificateValidityPeriod ?? CERTIFICATE_VALIDITY_PERIOD),
      ),
    },
    key,
    caCert,
    caKey,
  );
  let written: string[];
  if (item.kind === "pki") {
    // Staged and renamed so that a kill never leaves the new key beside the old certificate
    // (kubeadm writes the key, then the certificate).
    written = await replaceCertAndKey(fs, inputs.certificatesDir, item.fileName, cert, key);
  } else {
    const p = path.join(inputs.kubeconfigDir, item.fileName);
    const kc = parseKubeConfig((await fs.readFile(p))!);
    const ctx = kc.contexts[kc.currentContext];
    kc.clusters[ctx.cluster]["certificate-authority-data"] = new TextEncoder().encode(caCert.pem);
    const user = currentAuthInfo(kc)!.user;
    user["client-key-data"] = new TextEncoder().encode(encodePrivateKeyPEM(key));
    user["client-certificate-data"] = new TextEncoder().encode(cert.pem);
    await fs.writeFile(p, serializeKubeConfig(kc), 0o600, 0o755);
    written = [p];
  }
  return { status: "renewed", line: `${item.longName} renewed`, written };
}

/** Final line of `kubeadm certs renew all` (printed after a blank line). */
export const RENEW_ALL_DONE =
  "Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.";

export interface CsrInputs extends PkiInputs {
  kubeconfigDir: string;
  clusterName?: string;
  bindPort?: number;
}

/**
 * `kubeadm certs generate-csr`: a key + CSR for every leaf certificate of the default list in
 * certificatesDir, and for each kubeconfig file a kubeconfig holding only the client key plus
 * `<file>.csr` in kubeconfigDir. Existing keys/CSRs/kubeconfigs are an error.
 */
export async function generateCSRs(
  inputs: CsrInputs,
  fs: PkiFS,
): Promise<{ lines: string[]; written: string[] }> {
  const { kubeconfigSpecs } = await import("../kubeconfig/files.ts");
  const alg = inputs.encryptionAlgorithm ?? DEFAULT_ENCRYPTION_ALGORITHM;
  const lines: string[] = [];
  const written: string[] = [];
  const leaves = certList(false).filter((c) => c.caName);
  // leafCertificates() iterates a Go map of CAs; we use the list order.
  for (const c of leaves) {
    if (
      (await fs.exists(pathForCSR(inputs.certificatesDir, c.baseName))) ||
      (await fs.exists(pathForKey(inputs.certificatesDir, c.baseName)))
    ) {
      throw new KubestrapError(
        `file already exists: key or CSR ${inputs.certificatesDir}/${c.baseName}`,
      );
    }
  }
  const specs = kubeconfigSpecs({
    kubeconfigDir: inputs.kubeconfigDir,
    certificatesDir: inputs.certificatesDir,
    nodeName: inputs.nodeName,
    advertiseAddress: inputs.advertiseAddress,
    bindPort: inputs.bindPort,
    controlPlaneEndpoint: inputs.controlPlaneEndpoint,
    clock: inputs.clock,
  });
  const kcNames = Object.keys(specs);
  for (const n of kcNames) {
    const p = path.join(inputs.kubeconfigDir, n);
    if (await fs.exists(p)) throw new KubestrapError(`file already exists: kube config: ${p}`);
    if (
      (await fs.exists(pathForCSR(inputs.kubeconfigDir, n))) ||
      (await fs.exists(pathForKey(inputs.kubeconfigDir, n)))
    ) {
      throw new KubestrapError(`file already exists: csr: ${p}`);
    }
  }
  const keys = await Promise.all([...leaves, ...kcNames].map(() => generatePrivateKey(alg)));
  lines.push(`generating keys and CSRs in ${inputs.certificatesDir}`);
  let k = 0;
  for (const c of leaves) {
    const cfg = certConfigFor(c, inputs);
    const key = keys[k++];
    const csr = createCertificateRequest(
      cfg.commonName,
      cfg.organization,
      removeDuplicateAltNames(cfg.altNames),
      key,
    );
    const kp = pathForKey(inputs.certificatesDir, c.baseName);
    const cp = pathForCSR(inputs.certificatesDir, c.baseName);
    await fs.writeFile(kp, encodePrivateKeyPEM(key), KEY_MODE, 0o755);
    await fs.writeFile(cp, csr.pem, 0o600, 0o700);
    written.push(kp, cp);
    lines.push(`  ${c.baseName}`);
  }
  lines.push(`generating keys and CSRs in ${inputs.kubeconfigDir}`);
  for (const n of kcNames) {
    const spec = specs[n];
    const key = keys[k++];
    const csr = createCertificateRequest(spec.clientName, spec.organizations, {
      dnsNames: [],
      ips: [],
    }, key);
    const kc = createWithCerts(
      spec.apiServer,
      inputs.clusterName ?? "kubernetes",
      spec.clientName,
      undefined,
      encodePrivateKeyPEM(key),
      undefined,
    );
    const p = path.join(inputs.kubeconfigDir, n);
    await fs.writeFile(p, serializeKubeConfig(kc), 0o600, 0o755);
    const cp = pathForCSR(inputs.kubeconfigDir, n);
    await fs.writeFile(cp, csr.pem, 0o600, 0o700);
    written.push(p, cp);
    lines.push(`  ${n}`);
  }
  return { lines, written };
}
