/**
 * The `certs` phase: creates kubeadm's PKI under certificatesDir.
 *
 * Two flavours, as in kubeadm v1.37.2:
 * - `createCerts` = `kubeadm init phase certs ...` (cmd/phases/init/certs.go): a CA whose cert
 *   loads is reused (keyless if its key is missing); a leaf whose cert loads is reused when it
 *   chains to its CA ("Using existing ... certificate and key on disk"). kubeadm does not check
 *   SANs there; `strictSANs: true` adds that check (kubestrap extension).
 * - `createPKIAssets` = certsphase.CreatePKIAssets (join --control-plane): existing leaves must
 *   chain to the CA AND contain every expected SAN.
 *
 * Unlike kubeadm, every decision (and every possible validation error) is made before anything
 * is written, so a failing run leaves the directory untouched.
 *
 * Also unlike kubeadm, a rerun repairs what a killed run left (keys are written before their
 * certificates, sa.key before sa.pub): an existing pair is used only when the key matches the
 * certificate; a leaf pair that is incomplete or inconsistent is replaced when its CA's key is
 * at hand (a leaf signs nothing); a CA pair only while none of the certificates it signs exists
 * (createCerts only; join never replaces a CA); sa.pub is derived from sa.key.
 */
import * as nodeCrypto from "node:crypto";
import type { PkiFS } from "./fs.ts";
import { DEFAULT_ENCRYPTION_ALGORITHM, generatePrivateKey, type PrivateKey } from "./keys.ts";
import { type AltNames, type Certificate, createCertificate, KeyUsage } from "./x509.ts";
import { keyMatchesCertificate, verifyCertChain, verifyHostname } from "./verify.ts";
import {
  CA_CERTIFICATE_VALIDITY_PERIOD,
  certConfigFor,
  CERTIFICATE_BACKDATE,
  CERTIFICATE_VALIDITY_PERIOD,
  certList,
  defaultClock,
  type KubeadmCert,
  type PkiInputs,
  removeDuplicateAltNames,
  SA_KEY_BASE_NAME,
} from "./certlist.ts";
import {
  certOrKeyExist,
  loadCert,
  loadCertChain,
  LoadError,
  loadKey,
  pathForCert,
  pathForKey,
  pathForPublicKey,
  periodWarning,
  publicKeyMatches,
  writeCertAndKey,
  writeKeyPair,
  writePublicKey,
} from "./store.ts";
import { KubestrapError } from "../errors.ts";

export interface CertsResult {
  /** Console lines, exactly as kubeadm prints them (without trailing newline). */
  lines: string[];
  /** klog-style warnings (expired certificates, dropped SANs). */
  warnings: string[];
  /** Paths written, in order. */
  written: string[];
}

export interface CreateCertsOptions {
  /**
   * Sub-phase names to run (`ca`, `apiserver`, ..., `etcd-ca`, ..., `sa`), in kubeadm's order.
   * Default: all of them, preceded by the parent phase's "Using certificateDir folder" line.
   */
  only?: string[];
  /** Also require reused serving certificates to contain every expected SAN. */
  strictSANs?: boolean;
}

/** A random serial in [1, 2^63-1), as pkiutil does. */
function randomSerial(): bigint {
  const max = (1n << 63n) - 2n; // MaxInt64 - 1
  while (true) {
    const b = nodeCrypto.randomBytes(8);
    b[0] &= 0x7f;
    const v = b.readBigUInt64BE(0);
    if (v < max) return v + 1n;
  }
}

export interface SigningConfig {
  commonName: string;
  organization?: string[];
  altNames?: AltNames;
  usages: ("serverAuth" | "clientAuth")[];
  notBefore?: Date;
  notAfter?: Date;
}

/** pkiutil.NewSelfSignedCACert: NotAfter defaults to NotBefore + 10 years. */
function newSelfSignedCACert(cfg: SigningConfig, key: PrivateKey, now: Date): Certificate {
  const notBefore = cfg.notBefore ?? now;
  const notAfter = cfg.notAfter ?? new Date(notBefore.getTime() + CA_CERTIFICATE_VALIDITY_PERIOD);
  return createCertificate(
    {
      commonName: cfg.commonName,
      organization: cfg.organization,
      altNames: cfg.commonName ? { dnsNames: [cfg.commonName], ips: [] } : undefined,
      serial: randomSerial(),
      notBefore,
      notAfter,
      isCA: true,
      keyUsage: KeyUsage.KeyEncipherment | KeyUsage.DigitalSignature | KeyUsage.CertSign,
    },
    key,
    key,
  );
}

/**
 * pkiutil.NewSignedCert (isCA=false): NotBefore defaults to the CA's NotBefore, NotAfter to
 * NotBefore + 1 year; SANs de-duplicated (DNS sorted).
 */
export function newSignedCert(
  cfg: SigningConfig,
  key: PrivateKey,
  caCert: Certificate,
  caKey: PrivateKey,
): Certificate {
  if (!cfg.commonName) throw new KubestrapError("must specify a CommonName");
  if (cfg.usages.length === 0) throw new KubestrapError("must specify at least one ExtKeyUsage");
  const notBefore = cfg.notBefore ?? caCert.notBefore;
  const notAfter = cfg.notAfter ?? new Date(notBefore.getTime() + CERTIFICATE_VALIDITY_PERIOD);
  return createCertificate(
    {
      commonName: cfg.commonName,
      organization: cfg.organization,
      altNames: removeDuplicateAltNames(cfg.altNames ?? { dnsNames: [], ips: [] }),
      usages: cfg.usages,
      serial: randomSerial(),
      notBefore,
      notAfter,
      isCA: false,
      keyUsage: KeyUsage.KeyEncipherment | KeyUsage.DigitalSignature,
    },
    key,
    caKey,
    caCert,
  );
}

/** KubeadmCert.GetConfig: subject/SANs plus validity from the start time. */
function certSigningConfig(
  cert: KubeadmCert,
  inputs: PkiInputs,
  start: Date,
  warnings: string[] = [],
): SigningConfig {
  const base = certConfigFor(cert, inputs, warnings);
  const isCA = !cert.caName;
  const period = isCA
    ? inputs.caCertificateValidityPeriod ?? CA_CERTIFICATE_VALIDITY_PERIOD
    : inputs.certificateValidityPeriod ?? CERTIFICATE_VALIDITY_PERIOD;
  return {
    commonName: base.commonName,
    organization: base.organization,
    altNames: base.altNames,
    usages: cert.usages,
    notBefore: new Date(start.getTime() - CERTIFICATE_BACKDATE),
    notAfter: new Date(start.getTime() + period),
  };
}

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Go's %v of []string / []net.IP. */
function goList(xs: string[]): string {
  return `[${xs.join(" ")}]`;
}

function servingLine(baseName: string, cert: Certificate): string | undefined {
  if (!cert.extKeyUsage.includes("serverAuth")) return undefined;
  return `[certs] ${baseName} serving cert is signed for DNS names ${
    goList(cert.dnsNames)
  } and IPs ${goList(cert.ipAddresses)}`;
}

/** SAN check of validateCertificateWithConfig. */
function validateCertificateWithConfig(cert: Certificate, baseName: string, alt: AltNames): void {
  const want = removeDuplicateAltNames(alt);
  for (const name of [...want.dnsNames, ...want.ips]) {
    try {
      verifyHostname(cert, name);
    } catch (e) {
      throw new KubestrapError(`certificate ${baseName} is invalid: ${errMsg(e)}`);
    }
  }
}

type Step =
  | { kind: "line"; text: string }
  | { kind: "ca"; cert: KubeadmCert; cfg: SigningConfig }
  | { kind: "leaf"; cert: KubeadmCert; cfg: SigningConfig; caName: string }
  | { kind: "sa" }
  | { kind: "sapub"; key: PrivateKey };

interface CAState {
  cert?: Certificate;
  key?: PrivateKey;
  /** Generated in this run (cert/key filled in during execution). */
  pending?: boolean;
}

interface Ctx {
  inputs: PkiInputs;
  fs: PkiFS;
  dir: string;
  now: Date;
  result: CertsResult;
  cas: Map<string, CAState>;
  steps: Step[];
  periodChecked: Set<string>;
}

function checkPeriod(ctx: Ctx, name: string, cert: Certificate): void {
  if (ctx.periodChecked.has(name)) return;
  ctx.periodChecked.add(name);
  const w = periodWarning(name, cert, ctx.now);
  if (w) ctx.result.warnings.push(w);
}

async function loadCAState(ctx: Ctx, ca: KubeadmCert): Promise<CAState> {
  let st = ctx.cas.get(ca.name);
  if (st) return st;
  st = {};
  try {
    st.cert = await loadCert(ctx.fs, ctx.dir, ca.baseName);
    try {
      st.key = await loadKey(ctx.fs, ctx.dir, ca.baseName);
    } catch (e) {
      if (!(e instanceof LoadError)) throw e;
    }
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
  }
  ctx.cas.set(ca.name, st);
  return st;
}

/** The files a step writes. */
function stepPaths(ctx: Ctx, step: Step): string[] {
  switch (step.kind) {
    case "ca":
    case "leaf":
      return [pathForKey(ctx.dir, step.cert.baseName), pathForCert(ctx.dir, step.cert.baseName)];
    case "sa":
      return [pathForKey(ctx.dir, SA_KEY_BASE_NAME), pathForPublicKey(ctx.dir, SA_KEY_BASE_NAME)];
    case "sapub":
      return [pathForPublicKey(ctx.dir, SA_KEY_BASE_NAME)];
    default:
      return [];
  }
}

/**
 * Checks that every file of the PKI (`certList` and sa) could be written, before the first one
 * is: a regular file where pki/etcd must be fails here, naming it, not after ten certificates.
 */
export async function checkPkiPaths(inputs: PkiInputs, fs: PkiFS): Promise<void> {
  if (!fs.checkWritable) return;
  const dir = inputs.certificatesDir;
  for (const c of certList(inputs.externalEtcd ?? false)) {
    await fs.checkWritable(pathForKey(dir, c.baseName));
    await fs.checkWritable(pathForCert(dir, c.baseName));
  }
  await fs.checkWritable(pathForKey(dir, SA_KEY_BASE_NAME));
  await fs.checkWritable(pathForPublicKey(dir, SA_KEY_BASE_NAME));
}

/** Executes planned steps: keys in parallel, then certificates and files in order. */
async function execute(ctx: Ctx): Promise<void> {
  for (const step of ctx.steps) {
    for (const p of stepPaths(ctx, step)) await ctx.fs.checkWritable?.(p);
  }
  const alg = ctx.inputs.encryptionAlgorithm ?? DEFAULT_ENCRYPTION_ALGORITHM;
  const needKeys = ctx.steps.filter((s) => s.kind !== "line" && s.kind !== "sapub").length;
  const keys = await Promise.all(Array.from({ length: needKeys }, () => generatePrivateKey(alg)));
  let k = 0;
  for (const step of ctx.steps) {
    switch (step.kind) {
      case "line":
        ctx.result.lines.push(step.text);
        break;
      case "ca": {
        const key = keys[k++];
        const cert = newSelfSignedCACert(step.cfg, key, ctx.now);
        ctx.result.lines.push(`[certs] Generating "${step.cert.baseName}" certificate and key`);
        ctx.result.written.push(
          ...await writeCertAndKey(ctx.fs, ctx.dir, step.cert.baseName, cert, key),
        );
        ctx.cas.set(step.cert.name, { cert, key });
        break;
      }
      case "leaf": {
        const key = keys[k++];
        const ca = ctx.cas.get(step.caName)!;
        const cert = newSignedCert(step.cfg, key, ca.cert!, ca.key!);
        ctx.result.lines.push(`[certs] Generating "${step.cert.baseName}" certificate and key`);
        ctx.result.written.push(
          ...await writeCertAndKey(ctx.fs, ctx.dir, step.cert.baseName, cert, key),
        );
        const sl = servingLine(step.cert.baseName, cert);
        if (sl) ctx.result.lines.push(sl);
        break;
      }
      case "sa": {
        const key = keys[k++];
        ctx.result.lines.push(`[certs] Generating "sa" key and public key`);
        ctx.result.written.push(...await writeKeyPair(ctx.fs, ctx.dir, SA_KEY_BASE_NAME, key));
        break;
      }
      case "sapub":
        ctx.result.written.push(
          await writePublicKey(ctx.fs, ctx.dir, SA_KEY_BASE_NAME, step.key),
        );
        break;
    }
  }
}

async function planSA(ctx: Ctx): Promise<void> {
  const p = pathForKey(ctx.dir, SA_KEY_BASE_NAME);
  let key: PrivateKey;
  try {
    key = await loadKey(ctx.fs, ctx.dir, SA_KEY_BASE_NAME);
  } catch (e) {
    if (e instanceof LoadError && e.notExist) {
      ctx.steps.push({ kind: "sa" });
      return;
    }
    throw new KubestrapError(
      // keyutil.PrivateKeyFromFile's error, as kubeadm wraps it (it names the file)
      `file sa.key existed but it could not be loaded properly: ${
        e instanceof LoadError ? e.readError : `${errMsg(e)} (${p})`
      }`,
    );
  }
  ctx.steps.push({ kind: "line", text: `[certs] Using the existing "sa" key` });
  // sa.key is written before sa.pub: a run killed in between leaves sa.key alone. sa.key signs
  // the service account tokens, so sa.pub is derived from it (kubeadm only checks that sa.key
  // loads).
  const matches = await publicKeyMatches(ctx.fs, ctx.dir, SA_KEY_BASE_NAME, key);
  if (matches === true) return;
  const pp = pathForPublicKey(ctx.dir, SA_KEY_BASE_NAME);
  ctx.steps.push({
    kind: "line",
    text: matches === undefined
      ? `[certs] Writing the missing ${pp} from ${p} (left by an interrupted run)`
      : `[certs] Rewriting ${pp}: it does not match ${p}`,
  });
  ctx.steps.push({ kind: "sapub", key });
}

/**
 * The certificate and key files of the certificates `ca` signs that are on disk (a CA pair may
 * only be replaced while this is empty: nothing it signed can be in use).
 */
async function signedFilesOnDisk(ctx: Ctx, caBaseName: string): Promise<string[]> {
  const out: string[] = [];
  for (const [leaf] of EXTERNAL_CA_SPECS[caBaseName]?.leaves ?? []) {
    for (const p of [pathForCert(ctx.dir, leaf), pathForKey(ctx.dir, leaf)]) {
      if (await ctx.fs.exists(p)) {
        out.push(p);
        break;
      }
    }
  }
  return out;
}

/** The error for a CA pair that cannot be replaced because certificates it signed exist. */
function caInUseError(why: string, caBaseName: string, ctx: Ctx, signed: string[]): Error {
  const cp = pathForCert(ctx.dir, caBaseName);
  const kp = pathForKey(ctx.dir, caBaseName);
  return new KubestrapError(
    `${why}, and ${signed.join(", ")}, which it may have signed, ${
      signed.length === 1 ? "exists" : "exist"
    }: restore ${cp}, or remove ${kp} and the certificates and keys it signed to have a new CA generated`,
  );
}

/**
 * A leaf's key as it stands next to its loaded certificate: undefined when it loads and matches,
 * else why not (the key is missing, does not load, or belongs to another certificate).
 */
async function leafKeyProblem(
  ctx: Ctx,
  baseName: string,
  cert: Certificate,
): Promise<{ why: string; incomplete: boolean } | undefined> {
  const cp = pathForCert(ctx.dir, baseName);
  const kp = pathForKey(ctx.dir, baseName);
  try {
    const key = await loadKey(ctx.fs, ctx.dir, baseName);
    if (keyMatchesCertificate(key, cert)) return undefined;
    return { why: `${kp} does not match ${cp}`, incomplete: false };
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    if (e.notExist) {
      return { why: `${cp} exists without ${kp} (left by an interrupted run)`, incomplete: true };
    }
    return { why: errMsg(e), incomplete: false };
  }
}

/** The console line of a pair replaced by this run. */
function replacingLine(baseName: string, p: { why: string; incomplete: boolean }): Step {
  return {
    kind: "line",
    text: `[certs] Replacing the ${
      p.incomplete ? "incomplete" : "inconsistent"
    } "${baseName}" certificate and key: ${p.why}`,
  };
}

/** The leaves (base name, kubeadm's UX name) each CA must have signed when it is external. */
export const EXTERNAL_CA_SPECS: Record<string, { ux: string; leaves: [string, string][] }> = {
  "ca": {
    ux: "CA",
    leaves: [["apiserver", "API server"], [
      "apiserver-kubelet-client",
      "API server kubelet client",
    ]],
  },
  "front-proxy-ca": {
    ux: "front-proxy CA",
    leaves: [["front-proxy-client", "front-proxy client"]],
  },
  "etcd/ca": {
    ux: "etcd CA",
    leaves: [
      ["apiserver-etcd-client", "apiserver etcd client"],
      ["etcd/server", "etcd server"],
      ["etcd/peer", "etcd peer"],
      ["etcd/healthcheck-client", "etcd health-check client"],
    ],
  },
};

/**
 * certsphase.UsingExternalCA / UsingExternalFrontProxyCA / UsingExternalEtcdCA: a CA is external
 * when its certificate is a valid CA and its key file does not exist. The certificates it signs
 * must then exist (with keys) and chain to it, else kubeadm's error is thrown.
 */
export async function usingExternalCA(
  fs: PkiFS,
  dir: string,
  which: "ca" | "front-proxy-ca" | "etcd-ca",
  now: Date = new Date(),
): Promise<boolean> {
  const base = which === "etcd-ca" ? "etcd/ca" : which;
  const spec = { base, ...EXTERNAL_CA_SPECS[base] };
  let caCert: Certificate;
  try {
    caCert = await loadCert(fs, dir, spec.base);
  } catch {
    return false;
  }
  if (!caCert.isCA) return false;
  if (await fs.exists(pathForKey(dir, spec.base))) return false;
  for (const [base, ux] of spec.leaves) {
    await validateSignedCertWithCA(fs, dir, base, ux, caCert, now);
  }
  return true;
}

/** The leaf's key loads and its certificate chains to `caCert` (kubeadm's error texts). */
export async function validateSignedCertWithCA(
  fs: PkiFS,
  dir: string,
  baseName: string,
  uxName: string,
  caCert: Certificate,
  now: Date,
): Promise<void> {
  try {
    await loadKey(fs, dir, baseName);
  } catch (e) {
    throw new KubestrapError(`failure loading key for ${baseName}: ${errMsg(e)}`);
  }
  let chain;
  try {
    chain = await loadCertChain(fs, dir, baseName);
  } catch (e) {
    throw new KubestrapError(`failure loading certificate for ${uxName}: ${errMsg(e)}`);
  }
  try {
    verifyCertChain(chain.cert, chain.intermediates, caCert, now);
  } catch (e) {
    throw new KubestrapError(
      `certificate ${uxName} is not signed by corresponding CA: ${errMsg(e)}`,
    );
  }
}

/** The external-CA status kubeadm init computes up front (newInitData). */
export interface ExternalCAStatus {
  externalCA: boolean;
  externalFrontProxyCA: boolean;
}

/**
 * newInitData's checks: errors "invalid or incomplete external (front-proxy) CA: ...". With an
 * external CA, `onExternalCA` runs before the front-proxy CA is looked at (init passes
 * kubeconfigphase.ValidateKubeconfigsForExternalCA there, as kubeadm does).
 */
export async function checkExternalCAs(
  inputs: PkiInputs,
  fs: PkiFS,
  onExternalCA?: () => Promise<void>,
): Promise<ExternalCAStatus> {
  const now = (inputs.clock ?? defaultClock)();
  let externalCA = false;
  let externalFrontProxyCA = false;
  try {
    externalCA = await usingExternalCA(fs, inputs.certificatesDir, "ca", now);
  } catch (e) {
    throw new KubestrapError(`invalid or incomplete external CA: ${errMsg(e)}`);
  }
  if (externalCA) await onExternalCA?.();
  try {
    externalFrontProxyCA = await usingExternalCA(fs, inputs.certificatesDir, "front-proxy-ca", now);
  } catch (e) {
    throw new KubestrapError(`invalid or incomplete external front-proxy CA: ${errMsg(e)}`);
  }
  return { externalCA, externalFrontProxyCA };
}

function newCtx(inputs: PkiInputs, fs: PkiFS): Ctx {
  return {
    inputs,
    fs,
    dir: inputs.certificatesDir,
    now: (inputs.clock ?? defaultClock)(),
    result: { lines: [], warnings: [], written: [] },
    cas: new Map(),
    steps: [],
    periodChecked: new Set(),
  };
}

const ALL_PHASES = [
  "ca",
  "apiserver",
  "apiserver-kubelet-client",
  "front-proxy-ca",
  "front-proxy-client",
  "etcd-ca",
  "etcd-server",
  "etcd-peer",
  "etcd-healthcheck-client",
  "apiserver-etcd-client",
  "sa",
];

/**
 * `kubeadm init phase certs [all|<name>...]`. Returns kubeadm's console lines. Throws
 * KubestrapError (nothing written) when existing files cannot be used.
 */
export async function createCerts(
  inputs: PkiInputs,
  fs: PkiFS,
  opts: CreateCertsOptions = {},
): Promise<CertsResult> {
  const ctx = newCtx(inputs, fs);
  for (const n of opts.only ?? []) {
    if (!ALL_PHASES.includes(n)) {
      throw new KubestrapError(`unknown certs phase ${JSON.stringify(n)}`);
    }
  }
  const selected = new Set(opts.only ?? ALL_PHASES);
  const external = await checkExternalCAs(inputs, fs);
  if (!opts.only) {
    ctx.steps.push({ kind: "line", text: `[certs] Using certificateDir folder "${ctx.dir}"` });
  }
  const all = certList(false);
  const warnings = ctx.result.warnings;

  for (const name of ALL_PHASES) {
    if (!selected.has(name)) continue;
    if (name === "sa") {
      if (external.externalCA) {
        ctx.steps.push({ kind: "line", text: "[certs] Using existing sa keys" });
      } else await planSA(ctx);
      continue;
    }
    const spec = all.find((c) => c.name === name)!;
    if (!spec.caName) {
      // runCAPhase
      if (inputs.externalEtcd && spec.name === "etcd-ca") {
        ctx.steps.push({
          kind: "line",
          text:
            `[certs] External etcd mode: Skipping ${spec.baseName} certificate authority generation`,
        });
        continue;
      }
      const st = await loadCAState(ctx, spec);
      const caCertPath = pathForCert(ctx.dir, spec.baseName);
      const caKeyPath = pathForKey(ctx.dir, spec.baseName);
      // A CA pair that is incomplete (a run killed between the key and the certificate) or
      // inconsistent is replaced only while no certificate it signs exists.
      const replaceCA = async (why: string, incomplete: boolean) => {
        const signed = await signedFilesOnDisk(ctx, spec.baseName);
        if (signed.length > 0) throw caInUseError(why, spec.baseName, ctx, signed);
        const line = incomplete ? `${why} (left by an interrupted run)` : why;
        ctx.steps.push(replacingLine(spec.baseName, { why: line, incomplete }));
      };
      if (st.cert) {
        checkPeriod(ctx, spec.baseName, st.cert);
        if (st.key && !keyMatchesCertificate(st.key, st.cert)) {
          await replaceCA(`${caKeyPath} does not match ${caCertPath}`, false);
        } else {
          ctx.steps.push({
            kind: "line",
            text: st.key
              ? `[certs] Using existing ${spec.baseName} certificate authority`
              : `[certs] Using existing ${spec.baseName} keyless certificate authority`,
          });
          continue;
        }
      } else if (await certOrKeyExist(fs, ctx.dir, spec.baseName)) {
        // CreateCACertAndKeyFiles → writeCertificateAuthorityFilesIfNotExist: the cert did not
        // load but something is on disk.
        if (!(await fs.exists(caCertPath))) {
          await replaceCA(`${caKeyPath} exists without ${caCertPath}`, true);
        } else {
          try {
            await loadCert(fs, ctx.dir, spec.baseName);
          } catch (e) {
            throw new KubestrapError(
              `failure loading ${spec.baseName} certificate: failed to load certificate: ${
                errMsg(e)
              }`,
            );
          }
        }
      }
      const cfg = certSigningConfig(spec, inputs, ctx.now, warnings);
      ctx.steps.push({ kind: "ca", cert: spec, cfg });
      ctx.cas.set(spec.name, { pending: true });
      continue;
    }
    // runCertPhase
    const caSpec = all.find((c) => c.name === spec.caName)!;
    if (inputs.externalEtcd && spec.caName === "etcd-ca") {
      ctx.steps.push({
        kind: "line",
        text: `[certs] External etcd mode: Skipping ${spec.baseName} certificate generation`,
      });
      continue;
    }
    const cfg = certSigningConfig(spec, inputs, ctx.now, warnings);
    let existing: Awaited<ReturnType<typeof loadCertChain>> | undefined;
    try {
      existing = await loadCertChain(fs, ctx.dir, spec.baseName);
    } catch (e) {
      if (!(e instanceof LoadError)) throw e;
    }
    const ca = await loadCAState(ctx, caSpec);
    if (existing) {
      checkPeriod(ctx, spec.baseName, existing.cert);
      if (ca.pending) {
        throw new KubestrapError(
          `[certs] certificate ${spec.baseName} not signed by CA certificate ${caSpec.baseName}: x509: certificate signed by unknown authority (the CA is being generated by this run; remove ${
            pathForCert(ctx.dir, spec.baseName)
          } or provide the CA that signed it)`,
        );
      }
      if (!ca.cert) {
        throw new KubestrapError(
          `couldn't load CA certificate ${caSpec.name}: couldn't load the certificate file ${
            pathForCert(ctx.dir, caSpec.baseName)
          }: open ${pathForCert(ctx.dir, caSpec.baseName)}: no such file or directory`,
        );
      }
      checkPeriod(ctx, caSpec.baseName, ca.cert);
      try {
        verifyCertChain(existing.cert, existing.intermediates, ca.cert, ctx.now);
      } catch (e) {
        throw new KubestrapError(
          `[certs] certificate ${spec.baseName} not signed by CA certificate ${caSpec.baseName}: ${
            errMsg(e)
          } (${pathForCert(ctx.dir, spec.baseName)})`,
        );
      }
      // "Using existing" only for a key that matches the certificate. A leaf signs nothing, so
      // a pair left incomplete or inconsistent is replaced whenever the CA's key is at hand.
      const keyProblem = await leafKeyProblem(ctx, spec.baseName, existing.cert);
      if (keyProblem) {
        if (!ca.key) {
          throw new KubestrapError(
            `[certs] ${keyProblem.why}: put the matching key in place (or a certificate and key signed by ${
              pathForCert(ctx.dir, caSpec.baseName)
            }); a new ${spec.baseName} certificate cannot be signed without ${
              pathForKey(ctx.dir, caSpec.baseName)
            }`,
          );
        }
        ctx.steps.push(replacingLine(spec.baseName, keyProblem));
        ctx.steps.push({ kind: "leaf", cert: spec, cfg, caName: caSpec.name });
        continue;
      }
      if (opts.strictSANs && cfg.altNames) {
        validateCertificateWithConfig(existing.cert, spec.baseName, cfg.altNames);
      }
      ctx.steps.push({
        kind: "line",
        text: `[certs] Using existing ${spec.baseName} certificate and key on disk`,
      });
      continue;
    }
    // CreateCertAndKeyFilesWithCA → LoadCertificateAuthority
    if (!ca.pending) {
      const caExists = await certOrKeyExist(fs, ctx.dir, caSpec.baseName);
      if (!caExists) {
        throw new KubestrapError(
          `couldn't load CA certificate ${caSpec.name}: couldn't load ${caSpec.baseName} certificate authority from ${ctx.dir}`,
        );
      }
      if (!ca.cert) {
        const e = await loadCert(fs, ctx.dir, caSpec.baseName).then(() => "", (e) => errMsg(e));
        throw new KubestrapError(
          `couldn't load CA certificate ${caSpec.name}: failure loading ${caSpec.baseName} certificate authority: failed to load certificate: ${e}`,
        );
      }
      if (!ca.key) {
        const e = await loadKey(fs, ctx.dir, caSpec.baseName).then(() => "", (e) => errMsg(e));
        throw new KubestrapError(
          `couldn't load CA certificate ${caSpec.name}: failure loading ${caSpec.baseName} certificate authority: failed to load key: ${e}`,
        );
      }
      if (!ca.cert.isCA) {
        throw new KubestrapError(
          `couldn't load CA certificate ${caSpec.name}: ${caSpec.baseName} certificate is not a certificate authority`,
        );
      }
    }
    // writeCertificateFilesIfNotExist: only the key can be on disk here (the cert did not load).
    if (await certOrKeyExist(fs, ctx.dir, spec.baseName)) {
      const certPath = pathForCert(ctx.dir, spec.baseName);
      if (!(await fs.exists(certPath))) {
        // A run killed between the key and the certificate: the CA (on disk with its key, or
        // generated by this run) signs a new pair.
        ctx.steps.push(replacingLine(spec.baseName, {
          why: `${
            pathForKey(ctx.dir, spec.baseName)
          } exists without ${certPath} (left by an interrupted run)`,
          incomplete: true,
        }));
        ctx.steps.push({ kind: "leaf", cert: spec, cfg, caName: caSpec.name });
        continue;
      }
      const why = await loadKey(fs, ctx.dir, spec.baseName).then(
        () =>
          `failure loading ${spec.baseName} certificate: failed to load certificate: couldn't load the certificate file ${certPath}`,
        (e) => `failure loading ${spec.baseName} key: ${errMsg(e)}`,
      );
      throw new KubestrapError(`failed to write or validate certificate "${spec.name}": ${why}`);
    }
    ctx.steps.push({ kind: "leaf", cert: spec, cfg, caName: caSpec.name });
  }
  await execute(ctx);
  return ctx.result;
}

/**
 * certsphase.CreatePKIAssets (used by `join --control-plane`): every CA and certificate of the
 * list (without etcd when external), existing files used only when they chain to their CA and
 * carry every expected SAN, then the "sa" key pair.
 */
export async function createPKIAssets(inputs: PkiInputs, fs: PkiFS): Promise<CertsResult> {
  const ctx = newCtx(inputs, fs);
  const list = certList(inputs.externalEtcd ?? false);
  const warnings = ctx.result.warnings;
  const wrap = (m: string) => new KubestrapError(`error creating PKI assets: ${m}`);
  for (const ca of list.filter((c) => !c.caName)) {
    const leaves = list.filter((c) => c.caName === ca.name);
    let caCert: Certificate | undefined;
    try {
      caCert = await loadCert(fs, ctx.dir, ca.baseName);
    } catch (e) {
      if (!(e instanceof LoadError)) throw e;
    }
    let keyless = false;
    if (caCert) {
      checkPeriod(ctx, ca.baseName, caCert);
      if (!caCert.isCA) throw wrap(`certificate "${ca.name}" is not a CA`);
      const st = await loadCAState(ctx, ca);
      if (!st.key) {
        keyless = true;
        for (const leaf of leaves) {
          try {
            await validateSignedCertWithCA(fs, ctx.dir, leaf.baseName, leaf.name, caCert, ctx.now);
          } catch (e) {
            throw wrap(
              `could not load expected certificate "${leaf.name}" or validate the existence of key "${ca.name}" for it: ${
                errMsg(e)
              }`,
            );
          }
        }
      }
    } else {
      if (await certOrKeyExist(fs, ctx.dir, ca.baseName)) {
        throw wrap(
          `failure loading ${ca.baseName} certificate: failed to load certificate: couldn't load the certificate file ${
            pathForCert(ctx.dir, ca.baseName)
          }`,
        );
      }
      ctx.steps.push({
        kind: "ca",
        cert: ca,
        cfg: certSigningConfig(ca, inputs, ctx.now, warnings),
      });
      ctx.cas.set(ca.name, { pending: true });
    }
    if (keyless) continue;
    const st = ctx.cas.get(ca.name)!;
    for (const leaf of leaves) {
      const cfg = certSigningConfig(leaf, inputs, ctx.now, warnings);
      if (!(await certOrKeyExist(fs, ctx.dir, leaf.baseName))) {
        ctx.steps.push({ kind: "leaf", cert: leaf, cfg, caName: ca.name });
        continue;
      }
      const fail = (m: string) =>
        wrap(`failed to write or validate certificate "${leaf.name}": ${m}`);
      const leafCert = pathForCert(ctx.dir, leaf.baseName);
      if (!(await fs.exists(leafCert))) {
        // A run killed between the key and the certificate: the CA signs a new pair.
        ctx.steps.push(replacingLine(leaf.baseName, {
          why: `${
            pathForKey(ctx.dir, leaf.baseName)
          } exists without ${leafCert} (left by an interrupted run)`,
          incomplete: true,
        }));
        ctx.steps.push({ kind: "leaf", cert: leaf, cfg, caName: ca.name });
        continue;
      }
      let chain;
      try {
        chain = await loadCertChain(fs, ctx.dir, leaf.baseName);
      } catch (e) {
        throw fail(`failure loading ${leaf.baseName} certificate: ${errMsg(e)}`);
      }
      checkPeriod(ctx, leaf.baseName, chain.cert);
      if (st.pending || !st.cert) {
        throw fail(`certificate ${leaf.baseName} is not signed by corresponding CA`);
      }
      try {
        verifyCertChain(chain.cert, chain.intermediates, st.cert, ctx.now);
      } catch {
        throw fail(`certificate ${leaf.baseName} is not signed by corresponding CA`);
      }
      const keyProblem = await leafKeyProblem(ctx, leaf.baseName, chain.cert);
      if (keyProblem) {
        // Only a CA with its key gets here (a keyless CA's leaves were validated above).
        ctx.steps.push(replacingLine(leaf.baseName, keyProblem));
        ctx.steps.push({ kind: "leaf", cert: leaf, cfg, caName: ca.name });
        continue;
      }
      try {
        validateCertificateWithConfig(
          chain.cert,
          leaf.baseName,
          cfg.altNames ?? { dnsNames: [], ips: [] },
        );
      } catch (e) {
        throw fail(errMsg(e));
      }
      ctx.steps.push({
        kind: "line",
        text: `[certs] Using the existing "${leaf.baseName}" certificate and key`,
      });
    }
  }
  ctx.steps.push({
    kind: "line",
    text: `[certs] Valid certificates and keys now exist in "${ctx.dir}"`,
  });
  await planSA(ctx);
  await execute(ctx);
  return ctx.result;
}
