/**
 * `kubestrap certs check` (beyond kubeadm): checks the node's PKI and kubeconfig files, and
 * names, for each problem, the file and the command that repairs it.
 *
 * - every key matches its certificate (public keys compared as DER SubjectPublicKeyInfo);
 * - every certificate verifies against its CA on disk (lib/pki/verify.ts: OpenSSL's
 *   X509_verify_cert, any key usage, as pkiutil.VerifyCertChain), and is inside its validity
 *   period;
 * - the apiserver certificate is valid for every name and IP kubeadm puts in it (the control-plane
 *   endpoint, the advertise address, the Service IP, the kubernetes.default names and
 *   apiServer.certSANs; not the node name, a guess without --config), checked by OpenSSL's
 *   X509_check_host / X509_check_ip_asc;
 * - sa.key and sa.pub are one key pair;
 * - each kubeconfig's CA is ca.crt, its client certificate is signed by ca.crt and matches its
 *   client key;
 * - the expiration of each certificate: `certs check-expiration`'s data
 *   (fetchCertificateExpirationInfo), unchanged.
 *
 * Missing files are listed, not failures (a joined control plane has no super-admin.conf; a
 * worker has no PKI). With an external CA (no ca.key), the fixes point at the external CA
 * instead of `certs renew`, which cannot sign without the key (kubeadm's check-expiration shows
 * these certificates as externally managed).
 */
import * as path from "@std/path";
import type { PkiFS } from "../pki/fs.ts";
import { decodePemBlocks, parsePrivateKeyPEM, type PrivateKey, spkiDer } from "../pki/keys.ts";
import { bytesEqual, type Certificate, parseCertsPEM } from "../pki/x509.ts";
import { verifyCertificate, verifyHostname } from "../pki/verify.ts";
import {
  apiServerAltNames,
  certList,
  type KubeadmCert,
  type PkiInputs,
  SA_KEY_BASE_NAME,
} from "../pki/certlist.ts";
import {
  certPeriodProblem,
  loadCertChain,
  loadKey,
  pathForCert,
  pathForKey,
  pathForPublicKey,
} from "../pki/store.ts";
import { type KubeConfig, parseKubeConfig } from "../kubeconfig/kubeconfig.ts";
import {
  ADMIN_KUBECONFIG,
  CONTROLLER_MANAGER_KUBECONFIG,
  KUBELET_KUBECONFIG,
  SCHEDULER_KUBECONFIG,
  SUPER_ADMIN_KUBECONFIG,
} from "../kubeconfig/files.ts";
import {
  type CertificateExpirationInfo,
  fetchCertificateExpirationInfo,
  fileExists,
  type RenewalInputs,
} from "./renewal.ts";
import { renewableCerts } from "./inventory.ts";
import { pendingRenewals } from "./staged.ts";

/** One problem: what is wrong (naming the file) and the command that repairs it. */
export interface CheckProblem {
  message: string;
  fix: string;
}

/** One checked item: a certificate (with its key), a CA, the sa pair or a kubeconfig file. */
export interface CheckItem {
  /** check-expiration's name (apiserver, ca, admin.conf, ...), "sa" for the key pair. */
  name: string;
  kind: "certificate" | "ca" | "keypair" | "kubeconfig";
  /** The files looked at. */
  files: string[];
  /** "ok", "failed", or "missing" (not on this node: not a failure). */
  status: "ok" | "failed" | "missing";
  externallyManaged: boolean;
  notAfter?: Date;
  problems: CheckProblem[];
}

export interface CheckResult {
  items: CheckItem[];
  /** `certs check-expiration`'s data for the same tree (undefined when it could not be read). */
  expiration?: CertificateExpirationInfo;
  /** Problems not tied to one item (check-expiration's own error). */
  problems: CheckProblem[];
  ok: boolean;
}

export interface CheckInputs extends RenewalInputs {
  /** What the apiserver certificate must cover (the node's configuration). */
  pki: PkiInputs;
  /** How the fix commands name the program ("kubestrap"). */
  program?: string;
  now?: Date;
}

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function sameKey(key: PrivateKey, cert: Certificate): boolean {
  return bytesEqual(spkiDer(key), cert.spki);
}

/** A time inside the certificate's validity (to check its signature apart from its period). */
function insidePeriod(cert: Certificate, now: Date): Date {
  if (now >= cert.notBefore && now <= cert.notAfter) return now;
  return new Date((cert.notBefore.getTime() + cert.notAfter.getTime()) / 2);
}

interface CA {
  cert: Certificate;
  intermediates: Certificate[];
  external: boolean;
}

/** Runs every check on the tree described by `inputs` (read through `fs`). */
export async function checkPKI(inputs: CheckInputs, fs: PkiFS): Promise<CheckResult> {
  const now = inputs.now ?? new Date();
  const prog = inputs.program ?? "kubestrap";
  const dir = inputs.certificatesDir;
  const items: CheckItem[] = [];
  const problems: CheckProblem[] = [];
  const list = certList(inputs.externalEtcd);
  const cas = new Map<string, CA>();

  // --- certificate authorities
  for (const c of list.filter((x) => !x.caName)) {
    const item = newItem(c.name, "ca", [pathForCert(dir, c.baseName), pathForKey(dir, c.baseName)]);
    items.push(item);
    if (!(await fileExists(fs, pathForCert(dir, c.baseName)))) {
      item.status = "missing";
      continue;
    }
    let chain;
    try {
      chain = await loadCertChain(fs, dir, c.baseName);
    } catch (e) {
      fail(item, errMsg(e), restoreCA(c));
      continue;
    }
    item.notAfter = chain.cert.notAfter;
    if (!chain.cert.isCA) {
      fail(item, `${pathForCert(dir, c.baseName)} is not a CA certificate`, restoreCA(c));
    }
    const period = certPeriodProblem(chain.cert, now);
    if (period) {
      fail(
        item,
        `${pathForCert(dir, c.baseName)}: ${period}`,
        `a CA cannot be renewed in place: see https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/`,
      );
    }
    const keyPath = pathForKey(dir, c.baseName);
    const external = !(await fs.exists(keyPath));
    item.externallyManaged = external;
    if (!external) {
      try {
        const key = await loadKey(fs, dir, c.baseName);
        if (!sameKey(key, chain.cert)) {
          fail(
            item,
            `${keyPath} is not the private key of ${pathForCert(dir, c.baseName)}`,
            restoreCA(c),
          );
        }
      } catch (e) {
        fail(item, errMsg(e), restoreCA(c));
      }
    }
    cas.set(c.name, { cert: chain.cert, intermediates: chain.intermediates, external });
  }

  // --- certificates signed by those CAs
  for (const c of list.filter((x) => x.caName)) {
    const ca = cas.get(c.caName!);
    const caCert = list.find((x) => x.name === c.caName)!;
    const crt = pathForCert(dir, c.baseName);
    const keyPath = pathForKey(dir, c.baseName);
    const item = newItem(c.name, "certificate", [crt, keyPath]);
    items.push(item);
    if (!(await fileExists(fs, crt))) {
      item.status = "missing";
      continue;
    }
    item.externallyManaged = ca?.external ?? false;
    const renew = ca?.external
      ? `have the external CA ${
        pathForCert(dir, caCert.baseName)
      } sign a new certificate for ${keyPath} (${prog} certs generate-csr writes the request); ${prog} certs renew cannot sign without ${
        pathForKey(dir, caCert.baseName)
      }`
      : `${prog} certs renew ${c.name}`;
    let chain;
    try {
      chain = await loadCertChain(fs, dir, c.baseName);
    } catch (e) {
      fail(item, errMsg(e), renew);
      continue;
    }
    const cert = chain.cert;
    item.notAfter = cert.notAfter;
    try {
      const key = await loadKey(fs, dir, c.baseName);
      if (!sameKey(key, cert)) fail(item, `${keyPath} is not the private key of ${crt}`, renew);
    } catch (e) {
      fail(item, errMsg(e), renew);
    }
    const period = certPeriodProblem(cert, now);
    if (period) fail(item, `${crt}: ${period}`, renew);
    if (!ca) {
      fail(
        item,
        `${crt} cannot be verified: its CA ${pathForCert(dir, caCert.baseName)} is missing`,
        restoreCA(caCert),
      );
    } else {
      try {
        verifyCertificate(cert, {
          roots: [ca.cert],
          intermediates: [...chain.intermediates, ...ca.intermediates],
          usage: "any",
          now: insidePeriod(cert, now),
        });
      } catch (e) {
        fail(
          item,
          `${crt} is not signed by ${pathForCert(dir, caCert.baseName)}: ${errMsg(e)}`,
          renew,
        );
      }
    }
    if (c.name === "apiserver") checkAPIServerSANs(item, cert, inputs, prog);
  }

  // --- the service account key pair
  items.push(await checkSAPair(fs, dir));

  // --- kubeconfig files
  const ca = cas.get("ca");
  for (const f of KUBECONFIG_FILES) {
    items.push(await checkKubeconfig(fs, inputs, f, ca, now, prog));
  }

  // --- pending renewals (a renewal killed between its two renames)
  for (const p of await pendingRenewals(fs, inputs)) {
    problems.push({
      message: `an interrupted renewal left ${p.staged}`,
      fix: `${prog} certs renew ${p.name}`,
    });
  }

  let expiration: CertificateExpirationInfo | undefined;
  try {
    expiration = await fetchCertificateExpirationInfo(inputs, fs, now);
  } catch (e) {
    problems.push({ message: errMsg(e), fix: "repair the certificate authority named above" });
  }
  for (const i of items) if (i.status !== "missing" && i.problems.length > 0) i.status = "failed";
  const ok = problems.length === 0 && items.every((i) => i.status !== "failed");
  return { items, expiration, problems, ok };
}

const KUBECONFIG_FILES = [
  ADMIN_KUBECONFIG,
  SUPER_ADMIN_KUBECONFIG,
  CONTROLLER_MANAGER_KUBECONFIG,
  SCHEDULER_KUBECONFIG,
  KUBELET_KUBECONFIG,
];

function newItem(name: string, kind: CheckItem["kind"], files: string[]): CheckItem {
  return { name, kind, files, status: "ok", externallyManaged: false, problems: [] };
}

function fail(item: CheckItem, message: string, fix: string): void {
  item.problems.push({ message, fix });
}

function restoreCA(c: KubeadmCert): string {
  return `restore ${c.baseName}.crt and ${c.baseName}.key from a backup (a new CA invalidates every certificate it signed)`;
}

function checkAPIServerSANs(
  item: CheckItem,
  cert: Certificate,
  inputs: CheckInputs,
  prog: string,
): void {
  let want;
  try {
    // The node name is left out: without --config it is this host's name, a guess.
    want = apiServerAltNames({ ...inputs.pki, nodeName: "" });
  } catch (e) {
    fail(item, `the apiserver SANs cannot be computed: ${errMsg(e)}`, "fix the configuration");
    return;
  }
  const missing: string[] = [];
  for (const name of [...want.ips, ...want.dnsNames]) {
    try {
      verifyHostname(cert, name);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length === 0) return;
  const dir = inputs.certificatesDir;
  fail(
    item,
    `${pathForCert(dir, "apiserver")} is not valid for ${
      missing.join(", ")
    } (the control-plane endpoint, advertise address, Service IP and API server names must all be SANs)`,
    `rm ${pathForCert(dir, "apiserver")} ${
      pathForKey(dir, "apiserver")
    } && ${prog} init phase certs apiserver --config <your configuration> (${prog} certs renew keeps the old SANs), then restart the kube-apiserver`,
  );
}

async function checkSAPair(fs: PkiFS, dir: string): Promise<CheckItem> {
  const keyPath = pathForKey(dir, SA_KEY_BASE_NAME);
  const pubPath = pathForPublicKey(dir, SA_KEY_BASE_NAME);
  const item = newItem("sa", "keypair", [keyPath, pubPath]);
  const hasKey = await fileExists(fs, keyPath);
  const hasPub = await fileExists(fs, pubPath);
  if (!hasKey && !hasPub) {
    item.status = "missing";
    return item;
  }
  // sa.key signs the service account tokens: keep it and derive sa.pub from it.
  const fix = `openssl pkey -in ${keyPath} -pubout -out ${pubPath}`;
  if (!hasKey) {
    fail(
      item,
      `${keyPath} is missing while ${pubPath} exists`,
      `restore ${keyPath} from a backup`,
    );
    return item;
  }
  let key: PrivateKey;
  try {
    key = await loadKey(fs, dir, SA_KEY_BASE_NAME);
  } catch (e) {
    fail(item, errMsg(e), `restore ${keyPath} from a backup`);
    return item;
  }
  if (!hasPub) {
    fail(item, `${pubPath} is missing`, fix);
    return item;
  }
  const blocks = decodePemBlocks((await fs.readFile(pubPath))!).filter((b) =>
    b.type === "PUBLIC KEY"
  );
  if (blocks.length === 0) {
    fail(item, `${pubPath} holds no PUBLIC KEY block`, fix);
  } else if (!bytesEqual(blocks[0].bytes, spkiDer(key))) {
    fail(item, `${pubPath} is not the public key of ${keyPath}`, fix);
  }
  return item;
}

/** The bytes of a kubeconfig's `<field>-data` or of the file its `<field>` names. */
async function dataOrFile(
  fs: PkiFS,
  data: Uint8Array | undefined,
  file: string | undefined,
  kubeconfigDir: string,
): Promise<{ bytes?: Uint8Array; file?: string }> {
  if (data && data.length > 0) return { bytes: data };
  if (!file) return {};
  const p = path.isAbsolute(file) ? file : path.join(kubeconfigDir, file);
  return { bytes: await fs.readFile(p), file: p };
}

async function checkKubeconfig(
  fs: PkiFS,
  inputs: CheckInputs,
  fileName: string,
  ca: CA | undefined,
  now: Date,
  prog: string,
): Promise<CheckItem> {
  const p = path.join(inputs.kubeconfigDir, fileName);
  const item = newItem(fileName, "kubeconfig", [p]);
  if (!(await fileExists(fs, p))) {
    item.status = "missing";
    return item;
  }
  item.externallyManaged = ca?.external ?? false;
  const renewable = renewableCerts(inputs.externalEtcd).some((c) => c.name === fileName);
  const phase = fileName.replace(/\.conf$/, "");
  const fix = ca?.external
    ? `have the external CA ${
      pathForCert(inputs.certificatesDir, "ca")
    } sign a new client certificate for ${p}`
    : renewable
    ? `${prog} certs renew ${fileName}`
    : `rm ${p} && ${prog} init phase kubeconfig ${phase} --config <your configuration>, then restart the kubelet`;
  let kc: KubeConfig;
  try {
    kc = parseKubeConfig((await fs.readFile(p))!);
  } catch (e) {
    fail(item, `${p}: ${errMsg(e)}`, fix);
    return item;
  }
  const ctx = kc.contexts[kc.currentContext];
  const cluster = ctx ? kc.clusters[ctx.cluster] : undefined;
  const user = ctx ? kc.users[ctx.user] : undefined;
  if (!ctx || !cluster || !user) {
    fail(item, `${p}: the current context ${JSON.stringify(kc.currentContext)} is incomplete`, fix);
    return item;
  }
  // The cluster's CA must be ca.crt.
  const caData = await dataOrFile(
    fs,
    cluster["certificate-authority-data"],
    cluster["certificate-authority"],
    inputs.kubeconfigDir,
  );
  if (caData.file) item.files.push(caData.file);
  let kcCAs: Certificate[] = [];
  try {
    kcCAs = parseCertsPEM(caData.bytes ?? "");
  } catch {
    fail(item, `${caData.file ?? p} holds no CA certificate`, fix);
  }
  if (ca && kcCAs.length > 0 && !bytesEqual(kcCAs[0].der, ca.cert.der)) {
    fail(
      item,
      `the CA of ${p} (current context ${JSON.stringify(kc.currentContext)}) is not ${
        pathForCert(inputs.certificatesDir, "ca")
      }`,
      fix,
    );
  }
  // The client certificate must be signed by ca.crt and match the client key.
  const certData = await dataOrFile(
    fs,
    user["client-certificate-data"],
    user["client-certificate"],
    inputs.kubeconfigDir,
  );
  if (certData.file) item.files.push(certData.file);
  if (!certData.bytes) {
    // A token user (none written by kubeadm) has nothing to check here.
    if (user.token || user.tokenFile) return item;
    fail(item, `${certData.file ?? p} has no client certificate`, fix);
    return item;
  }
  let cert: Certificate;
  try {
    cert = parseCertsPEM(certData.bytes)[0];
  } catch (e) {
    fail(item, `${certData.file ?? p}: ${errMsg(e)}`, fix);
    return item;
  }
  item.notAfter = cert.notAfter;
  const period = certPeriodProblem(cert, now);
  if (period) fail(item, `the client certificate of ${p}: ${period}`, fix);
  if (ca) {
    try {
      verifyCertificate(cert, {
        roots: [ca.cert],
        intermediates: ca.intermediates,
        usage: "any",
        now: insidePeriod(cert, now),
      });
    } catch (e) {
      fail(
        item,
        `the client certificate of ${p} is not signed by ${
          pathForCert(inputs.certificatesDir, "ca")
        }: ${errMsg(e)}`,
        fix,
      );
    }
  }
  const keyData = await dataOrFile(
    fs,
    user["client-key-data"],
    user["client-key"],
    inputs.kubeconfigDir,
  );
  if (keyData.file && !item.files.includes(keyData.file)) item.files.push(keyData.file);
  try {
    if (!sameKey(parsePrivateKeyPEM(keyData.bytes ?? ""), cert)) {
      fail(item, `the client key of ${p} is not the key of its client certificate`, fix);
    }
  } catch (e) {
    fail(item, `the client key of ${keyData.file ?? p}: ${errMsg(e)}`, fix);
  }
  return item;
}
