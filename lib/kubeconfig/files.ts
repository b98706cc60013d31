/**
 * The `kubeconfig` phase (phases/kubeconfig/kubeconfig.go + cmd/phases/init/kubeconfig.go,
 * kubeadm v1.37.2) and `kubeadm kubeconfig user`.
 */
import * as path from "@std/path";
import type { PkiFS } from "../pki/fs.ts";
import {
  DEFAULT_ENCRYPTION_ALGORITHM,
  encodePrivateKeyPEM,
  type EncryptionAlgorithm,
  generatePrivateKey,
  type PrivateKey,
} from "../pki/keys.ts";
import { type Certificate, parseCertsPEM } from "../pki/x509.ts";
import { newSignedCert } from "../pki/certs.ts";
import { CERTIFICATE_VALIDITY_PERIOD, defaultClock, pkiInputsFromConfig } from "../pki/certlist.ts";
import type { InitConfig } from "../config/types.ts";
import {
  loadCertAndKey,
  loadCertChain,
  LoadError,
  pathForKey,
  periodWarning,
} from "../pki/store.ts";
import { joinHostPort, parseHostPort } from "../util/net.ts";
import { parseIPSloppy } from "../util/net.ts";
import {
  createWithCerts,
  createWithToken,
  type KubeConfig,
  parseKubeConfig,
  serializeKubeConfig,
} from "./kubeconfig.ts";
import { KubestrapError } from "../errors.ts";

const KUBECONFIG_MODE = 0o600;

export const ADMIN_KUBECONFIG = "admin.conf";
export const SUPER_ADMIN_KUBECONFIG = "super-admin.conf";
export const KUBELET_KUBECONFIG = "kubelet.conf";
export const CONTROLLER_MANAGER_KUBECONFIG = "controller-manager.conf";
export const SCHEDULER_KUBECONFIG = "scheduler.conf";

/** Files of the init `kubeconfig` phase, in order. */
export const KUBECONFIG_FILES = [
  ADMIN_KUBECONFIG,
  SUPER_ADMIN_KUBECONFIG,
  KUBELET_KUBECONFIG,
  CONTROLLER_MANAGER_KUBECONFIG,
  SCHEDULER_KUBECONFIG,
] as const;

/** `kubeadm init phase kubeconfig <name>`: phase names and help, as kubeadm v1.37.2. */
const KUBECONFIG_PHASES: { name: string; file: string; short: string; long: string }[] = [
  {
    name: "admin",
    file: ADMIN_KUBECONFIG,
    short: "Generate a kubeconfig file for the admin to use and for kubeadm itself",
    long:
      "Generate the kubeconfig file for the admin and for kubeadm itself, and save it to admin.conf file.",
  },
  {
    name: "super-admin",
    file: SUPER_ADMIN_KUBECONFIG,
    short: "Generate a kubeconfig file for the super-admin",
    long: "Generate a kubeconfig file for the super-admin, and save it to super-admin.conf file.",
  },
  {
    name: "kubelet",
    file: KUBELET_KUBECONFIG,
    short:
      "Generate a kubeconfig file for the kubelet to use *only* for cluster bootstrapping purposes",
    long:
      "Generate the kubeconfig file for the kubelet to use and save it to kubelet.conf file.\n\n" +
      "Please note that this should *only* be used for cluster bootstrapping purposes. After your control plane is up, you should request all kubelet credentials from the CSR API.",
  },
  {
    name: "controller-manager",
    file: CONTROLLER_MANAGER_KUBECONFIG,
    short: "Generate a kubeconfig file for the controller manager to use",
    long:
      "Generate the kubeconfig file for the controller manager to use and save it to controller-manager.conf file",
  },
  {
    name: "scheduler",
    file: SCHEDULER_KUBECONFIG,
    short: "Generate a kubeconfig file for the scheduler to use",
    long:
      "Generate the kubeconfig file for the scheduler to use and save it to scheduler.conf file.",
  },
];

export interface KubeconfigInputs {
  /** --kubeconfig-dir, default /etc/kubernetes */
  kubeconfigDir: string;
  certificatesDir: string;
  /** clusterName, default "kubernetes" */
  clusterName?: string;
  nodeName: string;
  advertiseAddress: string;
  /** localAPIEndpoint.bindPort, default 6443 */
  bindPort?: number;
  controlPlaneEndpoint?: string;
  encryptionAlgorithm?: EncryptionAlgorithm;
  /** certificateValidityPeriod in ms (default 8760h). */
  certificateValidityPeriod?: number;
  clock?: () => Date;
}

/** The kubeconfig inputs of a (defaulted) init configuration, written under `kubeconfigDir`. */
export function kubeconfigInputsFromConfig(
  cfg: InitConfig,
  kubeconfigDir = "/etc/kubernetes",
): KubeconfigInputs {
  const p = pkiInputsFromConfig(cfg);
  return {
    kubeconfigDir,
    certificatesDir: p.certificatesDir,
    clusterName: cfg.cluster.clusterName,
    nodeName: p.nodeName,
    advertiseAddress: p.advertiseAddress,
    bindPort: cfg.init.localAPIEndpoint.bindPort,
    controlPlaneEndpoint: p.controlPlaneEndpoint,
    encryptionAlgorithm: p.encryptionAlgorithm,
    certificateValidityPeriod: p.certificateValidityPeriod,
  };
}

export interface KubeconfigResult {
  lines: string[];
  warnings: string[];
  written: string[];
}

/** kubeadmutil.GetLocalAPIEndpoint */
export function localAPIEndpoint(advertiseAddress: string, bindPort = 6443): string {
  if (!(bindPort >= 1 && bindPort <= 65535)) {
    throw new KubestrapError(
      `invalid value "${bindPort}" given for api.bindPort: port must be a valid number between 1 and 65535, inclusive`,
    );
  }
  if (!parseIPSloppy(advertiseAddress)) {
    throw new KubestrapError(
      `invalid value \`${advertiseAddress}\` given for api.advertiseAddress`,
    );
  }
  return `https://${joinHostPort(advertiseAddress, bindPort)}`;
}

/** kubeadmutil.GetControlPlaneEndpoint (port from the endpoint, else bindPort). */
export function controlPlaneEndpointURL(
  controlPlaneEndpoint: string | undefined,
  advertiseAddress: string,
  bindPort = 6443,
  warnings: string[] = [],
): string {
  const local = localAPIEndpoint(advertiseAddress, bindPort);
  if (!controlPlaneEndpoint) return local;
  const hp = parseHostPort(controlPlaneEndpoint);
  if (hp instanceof Error) {
    throw new KubestrapError(
      `invalid value ${
        JSON.stringify(controlPlaneEndpoint)
      } given for controlPlaneEndpoint: ${hp.message}`,
    );
  }
  const host = hp.host;
  let port = hp.port;
  if (port !== "") {
    if (port !== String(bindPort)) {
      warnings.push(
        "[endpoint] WARNING: port specified in controlPlaneEndpoint overrides bindPort in the controlplane address",
      );
    }
  } else port = String(bindPort);
  return `https://${joinHostPort(host, port)}`;
}

export interface KubeconfigSpec {
  apiServer: string;
  clientName: string;
  organizations: string[];
  notAfter: Date;
}

/**
 * getKubeConfigSpecsBase. With `kubeletLocal` (what `init phase kubeconfig kubelet` does by
 * clearing controlPlaneEndpoint) kubelet.conf points at the local API endpoint.
 */
export function kubeconfigSpecs(
  inputs: KubeconfigInputs,
  opts: { kubeletLocal?: boolean; warnings?: string[] } = {},
): Record<string, KubeconfigSpec> {
  const warnings = opts.warnings ?? [];
  const bindPort = inputs.bindPort ?? 6443;
  const cpe = controlPlaneEndpointURL(
    inputs.controlPlaneEndpoint,
    inputs.advertiseAddress,
    bindPort,
    warnings,
  );
  const local = localAPIEndpoint(inputs.advertiseAddress, bindPort);
  const start = (inputs.clock ?? defaultClock)();
  const notAfter = new Date(
    start.getTime() + (inputs.certificateValidityPeriod ?? CERTIFICATE_VALIDITY_PERIOD),
  );
  return {
    [ADMIN_KUBECONFIG]: {
      apiServer: cpe,
      clientName: "kubernetes-admin",
      organizations: ["kubeadm:cluster-admins"],
      notAfter,
    },
    [SUPER_ADMIN_KUBECONFIG]: {
      apiServer: cpe,
      clientName: "kubernetes-super-admin",
      organizations: ["system:masters"],
      notAfter,
    },
    [KUBELET_KUBECONFIG]: {
      apiServer: opts.kubeletLocal ? local : cpe,
      clientName: `system:node:${inputs.nodeName}`,
      organizations: ["system:nodes"],
      notAfter,
    },
    [CONTROLLER_MANAGER_KUBECONFIG]: {
      apiServer: local,
      clientName: "system:kube-controller-manager",
      organizations: [],
      notAfter,
    },
    [SCHEDULER_KUBECONFIG]: {
      apiServer: local,
      clientName: "system:kube-scheduler",
      organizations: [],
      notAfter,
    },
  };
}

/** buildKubeConfigFromSpec with a client certificate (NotBefore = the CA's NotBefore). */
function buildKubeconfigWithCert(
  spec: KubeconfigSpec,
  clusterName: string,
  caCert: Certificate,
  caKey: PrivateKey,
  clientKey: PrivateKey,
): { config: KubeConfig; cert: Certificate } {
  const cert = newSignedCert(
    {
      commonName: spec.clientName,
      organization: spec.organizations,
      usages: ["clientAuth"],
      notAfter: spec.notAfter,
    },
    clientKey,
    caCert,
    caKey,
  );
  const config = createWithCerts(
    spec.apiServer,
    clusterName,
    spec.clientName,
    caCert.pem,
    encodePrivateKeyPEM(clientKey),
    cert.pem,
  );
  return { config, cert };
}

async function loadCA(fs: PkiFS, dir: string, warnings: string[], now: Date) {
  let caCert: Certificate, caKey: PrivateKey;
  try {
    ({ cert: caCert, key: caKey } = await loadCertAndKey(fs, dir, "ca"));
  } catch (e) {
    if (e instanceof LoadError && e.notExist) {
      throw new KubestrapError(
        `the CA files do not exist, please run \`kubeadm init phase certs ca\` to generate it: ${e.message}`,
      );
    }
    throw new KubestrapError(
      `couldn't create a kubeconfig; the CA files couldn't be loaded: ${(e as Error).message}`,
    );
  }
  const w = periodWarning("ca", caCert, now);
  if (w) warnings.push(w);
  return { caCert, caKey };
}

/**
 * validateKubeConfig: undefined when the file does not exist; throws when it exists but is not
 * usable (unreadable, no current context/cluster, CA not trusted); a server mismatch is a warning.
 */
async function validateKubeconfigFile(
  fs: PkiFS,
  filePath: string,
  expectedCA: Certificate[],
  expectedServer: string,
  warnings: string[],
): Promise<boolean> {
  const data = await fs.readFile(filePath);
  if (data === undefined) return false;
  let current: KubeConfig;
  try {
    current = parseKubeConfig(data);
  } catch (e) {
    throw new KubestrapError(
      `failed to load kubeconfig file ${filePath} that already exists on disk: ${
        (e as Error).message
      }`,
    );
  }
  const ctx = current.contexts[current.currentContext];
  if (!ctx) {
    throw new KubestrapError(
      `failed to find CurrentContext in Contexts of the kubeconfig file ${filePath}`,
    );
  }
  const cluster = current.clusters[ctx.cluster];
  if (!cluster) {
    throw new KubestrapError(
      `failed to find the given CurrentContext Cluster in Clusters of the kubeconfig file ${filePath}`,
    );
  }
  let caData: Uint8Array | string | undefined = cluster["certificate-authority-data"];
  if ((!caData || caData.length === 0) && cluster["certificate-authority"]) {
    caData = await fs.readFile(cluster["certificate-authority"]);
    if (caData === undefined) {
      warnings.push(
        `failed to load CA cert from "${
          cluster["certificate-authority"]
        }" for kubeconfig "${filePath}"`,
      );
    }
  }
  let currentCAs: Certificate[];
  try {
    currentCAs = parseCertsPEM(caData ?? "");
  } catch {
    throw new KubestrapError(`the kubeconfig file "${filePath}" contains an invalid CA cert`);
  }
  const first = currentCAs[0];
  const trusted = expectedCA.some((c) =>
    c.der.length === first.der.length && c.der.every((b, i) => b === first.der[i])
  );
  if (!trusted) {
    throw new KubestrapError(
      `a kubeconfig file "${filePath}" exists but does not contain a trusted CA in its current context's cluster. Total CA certificates found: ${currentCAs.length}`,
    );
  }
  if (cluster.server !== expectedServer) {
    warnings.push(
      `a kubeconfig file "${filePath}" exists already but has an unexpected API Server URL: expected: ${expectedServer}, got: ${cluster.server}`,
    );
  }
  return true;
}

export interface CreateKubeconfigOptions {
  /** Files (admin.conf, ...) or phase names (admin, ...) to create; default all five. */
  only?: string[];
  /** External CA mode (certs.checkExternalCAs().externalCA): nothing is generated. */
  externalCA?: boolean;
  /**
   * true (default) = `kubeadm init` semantics: kubelet.conf uses the local API endpoint.
   * false = plain CreateKubeConfigFile semantics (controlPlaneEndpoint for kubelet.conf).
   */
  kubeletLocal?: boolean;
}

/**
 * `kubeadm init phase kubeconfig [all|<name>...]`. Existing files are kept when their CA is
 * the cluster CA (server mismatch: warning); otherwise KubestrapError and nothing is written.
 */
export async function createKubeconfigFiles(
  inputs: KubeconfigInputs,
  fs: PkiFS,
  opts: CreateKubeconfigOptions = {},
): Promise<KubeconfigResult> {
  const result: KubeconfigResult = { lines: [], warnings: [], written: [] };
  const files = KUBECONFIG_FILES.filter((f) =>
    !opts.only || opts.only.includes(f) ||
    opts.only.includes(KUBECONFIG_PHASES.find((p) => p.file === f)!.name)
  );
  if (!opts.only) {
    result.lines.push(`[kubeconfig] Using kubeconfig folder "${inputs.kubeconfigDir}"`);
  }
  if (opts.externalCA) {
    for (const f of files) {
      result.lines.push(`[kubeconfig] External CA mode: Using user provided ${f}`);
    }
    return result;
  }
  return await createFiles(inputs, fs, files, opts.kubeletLocal ?? true, result);
}

async function createFiles(
  inputs: KubeconfigInputs,
  fs: PkiFS,
  files: readonly string[],
  kubeletLocal: boolean,
  result: KubeconfigResult,
): Promise<KubeconfigResult> {
  const now = (inputs.clock ?? defaultClock)();
  const { caCert, caKey } = await loadCA(fs, inputs.certificatesDir, result.warnings, now);
  const specs = kubeconfigSpecs(inputs, { kubeletLocal, warnings: result.warnings });
  const clusterName = inputs.clusterName ?? "kubernetes";
  const toWrite: string[] = [];
  const plan: { file: string; existing: boolean }[] = [];
  for (const f of files) {
    const p = path.join(inputs.kubeconfigDir, f);
    const existing = await validateKubeconfigFile(
      fs,
      p,
      [caCert],
      specs[f].apiServer,
      result.warnings,
    );
    plan.push({ file: f, existing });
    if (!existing) toWrite.push(f);
  }
  for (const f of toWrite) await fs.checkWritable?.(path.join(inputs.kubeconfigDir, f));
  const alg = inputs.encryptionAlgorithm ?? DEFAULT_ENCRYPTION_ALGORITHM;
  const keys = await Promise.all(toWrite.map(() => generatePrivateKey(alg)));
  for (const { file, existing } of plan) {
    const p = path.join(inputs.kubeconfigDir, file);
    if (existing) {
      result.lines.push(`[kubeconfig] Using existing kubeconfig file: "${p}"`);
      continue;
    }
    const key = keys[toWrite.indexOf(file)];
    const { config } = buildKubeconfigWithCert(specs[file], clusterName, caCert, caKey, key);
    result.lines.push(`[kubeconfig] Writing "${file}" kubeconfig file`);
    await fs.writeFile(p, serializeKubeConfig(config), KUBECONFIG_MODE, 0o755);
    result.written.push(p);
  }
  return result;
}

/**
 * CreateJoinControlPlaneKubeConfigFiles: admin.conf, controller-manager.conf, scheduler.conf
 * (admin.conf on the controlPlaneEndpoint); external CA = ca.key missing.
 */
export async function createJoinControlPlaneKubeconfigFiles(
  inputs: KubeconfigInputs,
  fs: PkiFS,
): Promise<KubeconfigResult> {
  const result: KubeconfigResult = { lines: [], warnings: [], written: [] };
  const files = [ADMIN_KUBECONFIG, CONTROLLER_MANAGER_KUBECONFIG, SCHEDULER_KUBECONFIG];
  if (!(await fs.exists(pathForKey(inputs.certificatesDir, "ca")))) {
    for (const f of files) {
      result.lines.push(`[kubeconfig] External CA mode: Using user provided ${f}`);
    }
    return result;
  }
  return await createFiles(inputs, fs, files, false, result);
}

/** ValidateKubeconfigsForExternalCA: all five files must exist and trust ca.crt. */
export async function validateKubeconfigsForExternalCA(
  inputs: KubeconfigInputs,
  fs: PkiFS,
): Promise<string[]> {
  const warnings: string[] = [];
  let chain;
  try {
    chain = await loadCertChain(fs, inputs.certificatesDir, "ca");
  } catch (e) {
    throw new KubestrapError(`the CA file couldn't be loaded: ${(e as Error).message}`);
  }
  const cas = [chain.cert, ...chain.intermediates];
  const now = (inputs.clock ?? defaultClock)();
  for (const c of cas) {
    const w = periodWarning("ca", c, now);
    if (w) warnings.push(w);
  }
  const bindPort = inputs.bindPort ?? 6443;
  const local = localAPIEndpoint(inputs.advertiseAddress, bindPort);
  const cpe = controlPlaneEndpointURL(
    inputs.controlPlaneEndpoint,
    inputs.advertiseAddress,
    bindPort,
    warnings,
  );
  const check: [string, string][] = [
    [CONTROLLER_MANAGER_KUBECONFIG, local],
    [SCHEDULER_KUBECONFIG, local],
    [ADMIN_KUBECONFIG, cpe],
    [SUPER_ADMIN_KUBECONFIG, cpe],
    [KUBELET_KUBECONFIG, cpe],
  ];
  for (const [f, server] of check) {
    const p = path.join(inputs.kubeconfigDir, f);
    let ok: boolean;
    try {
      ok = await validateKubeconfigFile(fs, p, cas, server, warnings);
    } catch (e) {
      throw new KubestrapError(
        `the ${f} file does not exists or it is not valid: ${(e as Error).message}`,
      );
    }
    if (!ok) {
      throw new KubestrapError(
        `the ${f} file does not exists or it is not valid: stat ${p}: no such file or directory`,
      );
    }
  }
  return warnings;
}

export interface KubeconfigUserOptions {
  clientName: string;
  organizations?: string[];
  /** Use a token instead of a client certificate. */
  token?: string;
  /** Client certificate validity in ms (default 8760h). */
  validityPeriod?: number;
}

/**
 * `kubeadm kubeconfig user`: the kubeconfig YAML (server = controlPlaneEndpoint or the local
 * endpoint). kubeadm prints it with Fprintln, i.e. followed by one extra newline.
 */
export async function kubeconfigUser(
  inputs: KubeconfigInputs,
  fs: PkiFS,
  opts: KubeconfigUserOptions,
): Promise<{ yaml: string; warnings: string[] }> {
  const warnings: string[] = [];
  if (!opts.clientName) throw new KubestrapError("missing required flag: --client-name");
  const now = (inputs.clock ?? defaultClock)();
  const clusterName = inputs.clusterName ?? "kubernetes";
  const server = controlPlaneEndpointURL(
    inputs.controlPlaneEndpoint,
    inputs.advertiseAddress,
    inputs.bindPort ?? 6443,
    warnings,
  );
  if (opts.token !== undefined) {
    let caCert: Certificate;
    try {
      caCert = (await loadCertAndKey(fs, inputs.certificatesDir, "ca")).cert;
    } catch (e) {
      throw new KubestrapError(
        `couldn't create a kubeconfig; the CA files couldn't be loaded: ${(e as Error).message}`,
      );
    }
    const cfg = createWithToken(server, clusterName, opts.clientName, caCert.pem, opts.token);
    return { yaml: serializeKubeConfig(cfg), warnings };
  }
  let caCert: Certificate, caKey: PrivateKey;
  try {
    ({ cert: caCert, key: caKey } = await loadCertAndKey(fs, inputs.certificatesDir, "ca"));
  } catch (e) {
    throw new KubestrapError(
      `couldn't create a kubeconfig; the CA files couldn't be loaded: ${(e as Error).message}`,
    );
  }
  const w = periodWarning("ca", caCert, now);
  if (w) warnings.push(w);
  const key = await generatePrivateKey(inputs.encryptionAlgorithm ?? DEFAULT_ENCRYPTION_ALGORITHM);
  const spec: KubeconfigSpec = {
    apiServer: server,
    clientName: opts.clientName,
    organizations: opts.organizations ?? [],
    notAfter: new Date(now.getTime() + (opts.validityPeriod ?? CERTIFICATE_VALIDITY_PERIOD)),
  };
  const { config } = buildKubeconfigWithCert(spec, clusterName, caCert, caKey, key);
  return { yaml: serializeKubeConfig(config), warnings };
}
