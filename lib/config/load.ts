/**
 * Loading kubeadm configuration the way kubeadm v1.37.2's util/config does it (document map →
 * versioned decode → static defaults → dynamic defaults → validation), plus the command-line flag
 * handling of `kubeadm init|join|reset|upgrade` (which flags may accompany `--config`, and how
 * flags map onto fields).
 */
import { KubestrapError, UsageError } from "../errors.ts";
import * as C from "./constants.ts";
import {
  ConfigDecodeError,
  decodeDocument,
  gvkGoSyntax,
  gvkString,
  gvString,
  type RawDocument,
  splitDocuments,
} from "./decode.ts";
import {
  defaultClusterConfiguration,
  defaultInitConfiguration,
  defaultJoinConfiguration,
  defaultResetConfiguration,
  defaultUpgradeConfiguration,
  setInitDynamicDefaults,
  setJoinDynamicDefaults,
  setResetDynamicDefaults,
} from "./defaults.ts";
import { canonicalDuration } from "./duration.ts";
import type { HostFacts } from "./host_facts.ts";
import { parseIP } from "./netutil.ts";
import { KUBELET_SCHEMA, KUBEPROXY_SCHEMA } from "./componentconfig_schema.ts";
import { KUBEADM_SCHEMAS, type SchemaNode } from "./schema.ts";
import { V1BETA3, v1beta3Hint } from "./v1beta3.ts";
import type {
  ClusterConfiguration,
  ComponentConfigs,
  InitConfig,
  InitConfiguration,
  JoinConfig,
  JoinConfiguration,
  ResetConfig,
  ResetConfiguration,
  UpgradeConfig,
  UpgradeConfiguration,
} from "./types.ts";
import {
  clusterWarnings,
  isValidBootstrapToken,
  throwIfErrors,
  validateIgnorePreflightErrors,
  validateInitConfig,
  validateJoinConfiguration,
  validateResetConfiguration,
  validateUpgradeConfiguration,
} from "./validate.ts";

const KUBEADM_KINDS = new Set(Object.keys(KUBEADM_SCHEMAS));
const KUBEADM_GVS = new Set(["kubeadm.k8s.io/v1beta4", "kubeadm.k8s.io/v1"]);
const COMPONENT_GROUPS: Record<string, { version: string; kind: string; schema: SchemaNode }> = {
  "kubelet.config.k8s.io": {
    version: "v1beta1",
    kind: "KubeletConfiguration",
    schema: KUBELET_SCHEMA,
  },
  "kubeproxy.config.k8s.io": {
    version: "v1alpha1",
    kind: "KubeProxyConfiguration",
    schema: KUBEPROXY_SCHEMA,
  },
};

/** Options shared by all loaders. */
export interface DecodeOptions {
  /** Name used in messages (defaults to the path or "<config>"). */
  fileName?: string;
  /** Unknown/duplicate fields are errors (config validate/migrate) instead of warnings. */
  strictErrors?: boolean;
  allowExperimentalApi?: boolean;
  skipCRIDetect?: boolean;
}

/** Reads the file like kubeadm's Load*ConfigurationFromFile. */
export function readConfigFile(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    throw new KubestrapError(
      `unable to read config from ${JSON.stringify(path)} : ${osErr(e, path)}`,
    );
  }
}

/** Go-style `open PATH: reason` text for a file-system error. */
export function osErr(e: unknown, path: string): string {
  if (e instanceof Deno.errors.NotFound) return `open ${path}: no such file or directory`;
  if (e instanceof Deno.errors.PermissionDenied) return `open ${path}: permission denied`;
  if (e instanceof Deno.errors.IsADirectory) return `read ${path}: is a directory`;
  return `open ${path}: ${(e as Error).message}`;
}

/** validateSupportedVersion: old API → error; experimental without permission → error. */
export function checkSupportedVersion(
  doc: RawDocument,
  allowExperimental: boolean,
  file = "<file>",
): void {
  const gv = gvString(doc.gvk);
  const old = C.OLD_KNOWN_API_VERSIONS[gv];
  if (old) {
    throw new KubestrapError(
      `your configuration file uses an old API spec: ${JSON.stringify(gv)} (kind: ${
        JSON.stringify(doc.gvk.kind)
      }). Please use kubeadm ${old} instead and run 'kubeadm config migrate --old-config old-config-file --new-config new-config-file', which will write the new, similar spec using a newer API version.${
        gv === V1BETA3 ? v1beta3Hint(file) : ""
      }`,
    );
  }
  if (C.EXPERIMENTAL_API_VERSIONS.has(gv) && !allowExperimental) {
    throw new KubestrapError(
      `experimental API spec: ${JSON.stringify(gv)} (kind: ${
        JSON.stringify(doc.gvk.kind)
      }) is not allowed. You can use the --allow-experimental-api flag if the command supports it.`,
    );
  }
}

function isOldOrExperimental(doc: RawDocument): boolean {
  const gv = gvString(doc.gvk);
  return !!C.OLD_KNOWN_API_VERSIONS[gv] || C.EXPERIMENTAL_API_VERSIONS.has(gv);
}

function schemaFor(doc: RawDocument): SchemaNode | undefined {
  const gv = gvString(doc.gvk);
  if (KUBEADM_GVS.has(gv) && KUBEADM_KINDS.has(doc.gvk.kind)) return KUBEADM_SCHEMAS[doc.gvk.kind];
  const cc = COMPONENT_GROUPS[doc.gvk.group];
  if (cc && cc.version === doc.gvk.version && cc.kind === doc.gvk.kind) return cc.schema;
  return undefined;
}

/** validateKnownGVKs (config validate / migrate). */
export function validateKnownGVKs(docs: RawDocument[]): void {
  const unknown = docs.filter((d) => !isOldOrExperimental(d) && !schemaFor(d));
  if (unknown.length > 0) {
    throw new KubestrapError(
      `unknown configuration APIs: []schema.GroupVersionKind{${
        unknown.map((d) => gvkGoSyntax(d.gvk)).join(", ")
      }}`,
    );
  }
}

function sortedByGVK(docs: RawDocument[]): RawDocument[] {
  return [...docs].sort((a, b) => {
    const x = gvkString(a.gvk);
    const y = gvkString(b.gvk);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * strict.VerifyUnmarshalStrict + decode: fatal decoding problems throw; strict problems throw when
 * `strictErrors`, else become warnings.
 */
function verifyAndDecode<T>(
  doc: RawDocument,
  file: string,
  strictErrors: boolean,
  warnings: string[],
): T | undefined {
  const schema = schemaFor(doc);
  if (!schema) {
    const msg = `unknown configuration ${gvkGoSyntax(doc.gvk)}`;
    if (strictErrors) throw new KubestrapError(msg);
    warnings.push(msg);
    return undefined;
  }
  const d = decodeDocument<T>(doc, schema, file);
  if (d.strictProblems.length > 0) {
    const msg = d.strictProblems.join("\n");
    if (strictErrors) throw new ConfigDecodeError(d.strictProblems);
    warnings.push(
      `strict decoding error (ignored, as kubeadm does outside 'config validate'):\n${msg}`,
    );
  }
  return d.value;
}

function ignoredWarning(doc: RawDocument): string {
  return `[config] WARNING: Ignored configuration document with GroupVersionKind ${
    gvkString(doc.gvk)
  }`;
}

function stripTypeMeta<T extends object>(o: T): T {
  const c = { ...o } as Record<string, unknown>;
  delete c.apiVersion;
  delete c.kind;
  return c as T;
}

/** documentMapToInitConfiguration. */
export async function documentsToInitConfig(
  docs: RawDocument[],
  host: HostFacts,
  opts: DecodeOptions & { file: string },
): Promise<InitConfig> {
  const warnings: string[] = [];
  let init: Partial<InitConfiguration> | undefined;
  let cluster: Partial<ClusterConfiguration> | undefined;
  for (const doc of sortedByGVK(docs)) {
    checkSupportedVersion(doc, !!opts.allowExperimentalApi, opts.file);
    const value = verifyAndDecode<Record<string, unknown>>(
      doc,
      opts.file,
      !!opts.strictErrors,
      warnings,
    );
    if (doc.gvk.kind === "InitConfiguration") {
      init = stripTypeMeta(value ?? {}) as Partial<InitConfiguration>;
      continue;
    }
    if (doc.gvk.kind === "ClusterConfiguration") {
      cluster = stripTypeMeta(value ?? {}) as Partial<ClusterConfiguration>;
      continue;
    }
    if (!COMPONENT_GROUPS[doc.gvk.group]) warnings.push(ignoredWarning(doc));
  }
  if (!init && !cluster) {
    throw new KubestrapError(
      "no InitConfiguration or ClusterConfiguration kind was found in the configuration file",
    );
  }
  const given = componentConfigsFromDocs(docs, opts.file, warnings);
  const cfg: InitConfig = {
    init: defaultInitConfiguration(init ?? {}),
    cluster: defaultClusterConfiguration(cluster ?? {}),
    componentConfigs: { kubelet: {}, kubeProxy: {} },
    warnings,
  };
  await setInitDynamicDefaults(cfg, host, { skipCRIDetect: opts.skipCRIDetect }, given);
  throwIfErrors(validateInitConfig(cfg));
  warnings.push(...clusterWarnings(cfg.cluster));
  return cfg;
}

/** componentconfigs.FetchFromDocumentMap. */
function componentConfigsFromDocs(
  docs: RawDocument[],
  file: string,
  warnings: string[],
): Partial<ComponentConfigs> {
  const out: Partial<ComponentConfigs> = {};
  for (const [group, cc] of Object.entries(COMPONENT_GROUPS)) {
    const doc = docs.find((d) => d.gvk.group === group);
    if (!doc) continue;
    if (doc.gvk.version !== cc.version) {
      throw new KubestrapError(
        `unsupported apiVersion ${JSON.stringify(gvString(doc.gvk))}, you may have to do manual ` +
          `conversion to ${JSON.stringify(`${group}/${cc.version}`)} and run kubeadm again`,
      );
    }
    const d = decodeDocument<Record<string, unknown>>(doc, cc.schema, file);
    if (d.strictProblems.length > 0) warnings.push(...d.strictProblems);
    if (group === "kubelet.config.k8s.io") out.kubelet = d.value;
    else out.kubeProxy = d.value;
  }
  return out;
}

/** documentMapToJoinConfiguration. */
export async function documentsToJoinConfig(
  docs: RawDocument[],
  host: HostFacts,
  opts: DecodeOptions & { file: string },
): Promise<JoinConfig> {
  const warnings: string[] = [];
  let join: Partial<JoinConfiguration> | undefined;
  for (const doc of docs) {
    if (doc.gvk.kind !== "JoinConfiguration") {
      warnings.push(ignoredWarning(doc));
      continue;
    }
    checkSupportedVersion(doc, !!opts.allowExperimentalApi, opts.file);
    join = stripTypeMeta(
      verifyAndDecode<Partial<JoinConfiguration>>(doc, opts.file, !!opts.strictErrors, warnings) ??
        {},
    );
  }
  if (!join) throw new KubestrapError("no JoinConfiguration found in the supplied config");
  const cfg = defaultJoinConfiguration(join);
  await setJoinDynamicDefaults(cfg, host, { skipCRIDetect: opts.skipCRIDetect }, warnings);
  throwIfErrors(validateJoinConfiguration(cfg));
  return { join: cfg, warnings };
}

/** documentMapToResetConfiguration. */
export async function documentsToResetConfig(
  docs: RawDocument[],
  host: HostFacts,
  opts: DecodeOptions & { file: string },
): Promise<ResetConfig> {
  const warnings: string[] = [];
  let reset: Partial<ResetConfiguration> | undefined;
  for (const doc of docs) {
    if (doc.gvk.kind !== "ResetConfiguration") {
      warnings.push(ignoredWarning(doc));
      continue;
    }
    checkSupportedVersion(doc, !!opts.allowExperimentalApi, opts.file);
    reset = stripTypeMeta(
      verifyAndDecode<Partial<ResetConfiguration>>(doc, opts.file, !!opts.strictErrors, warnings) ??
        {},
    );
  }
  if (!reset) throw new KubestrapError("no ResetConfiguration found in the supplied config");
  const criSocketGiven = !!reset.criSocket;
  const cfg = defaultResetConfiguration(reset);
  await setResetDynamicDefaults(cfg, host, { skipCRIDetect: opts.skipCRIDetect }, warnings);
  throwIfErrors(validateResetConfiguration(cfg));
  return { reset: cfg, warnings, criSocketGiven };
}

/** documentMapToUpgradeConfiguration. */
export function documentsToUpgradeConfig(
  docs: RawDocument[],
  opts: DecodeOptions & { file: string },
): UpgradeConfig {
  const warnings: string[] = [];
  let upgrade: Partial<UpgradeConfiguration> | undefined;
  for (const doc of docs) {
    if (doc.gvk.kind !== "UpgradeConfiguration") {
      warnings.push(ignoredWarning(doc));
      continue;
    }
    checkSupportedVersion(doc, !!opts.allowExperimentalApi, opts.file);
    upgrade = stripTypeMeta(
      verifyAndDecode<Partial<UpgradeConfiguration>>(
        doc,
        opts.file,
        !!opts.strictErrors,
        warnings,
      ) ?? {},
    );
  }
  if (!upgrade) throw new KubestrapError("no UpgradeConfiguration found in the supplied config");
  const cfg = defaultUpgradeConfiguration(upgrade);
  throwIfErrors(validateUpgradeConfiguration(cfg));
  return { upgrade: cfg, warnings };
}

// ---------------------------------------------------------------------------------------------
// Flags

/** `kubeadm init` flags that feed the configuration. */
export interface InitFlags {
  config: string;
  apiserverAdvertiseAddress: string;
  apiserverBindPort: number;
  apiserverCertExtraSans: string[];
  certDir: string;
  certificateKey: string;
  controlPlaneEndpoint: string;
  criSocket: string;
  dryRun: boolean;
  featureGates: string;
  ignorePreflightErrors: string[];
  imageRepository: string;
  kubernetesVersion: string;
  nodeName: string;
  patches: string;
  podNetworkCidr: string;
  serviceCidr: string;
  serviceDnsDomain: string;
  /** The deprecated `--*-extra-args` flags (`name=value`, each already split at commas). */
  apiserverExtraArgs: string[];
  controllerManagerExtraArgs: string[];
  schedulerExtraArgs: string[];
  skipCertificateKeyPrint: boolean;
  skipPhases: string[];
  skipTokenPrint: boolean;
  token: string;
  tokenTtl: string;
  uploadCerts: boolean;
  /** Other global flags that may be set (they only matter for the `--config` mixing rule). */
  rootfs: string;
  v: string;
}

/** `kubeadm join` flags. */
export interface JoinFlags {
  config: string;
  apiserverAdvertiseAddress: string;
  apiserverBindPort: number;
  certificateKey: string;
  controlPlane: boolean;
  criSocket: string;
  discoveryFile: string;
  discoveryToken: string;
  discoveryTokenCaCertHash: string[];
  discoveryTokenUnsafeSkipCaVerification: boolean;
  dryRun: boolean;
  ignorePreflightErrors: string[];
  nodeName: string;
  patches: string;
  skipPhases: string[];
  tlsBootstrapToken: string;
  token: string;
  /** Positional arguments: the API server endpoint(s) for token discovery. */
  args: string[];
  rootfs: string;
  v: string;
}

/** `kubeadm reset` flags. */
export interface ResetFlags {
  config: string;
  certDir: string;
  cleanupTmpDir: boolean;
  criSocket: string;
  dryRun: boolean;
  force: boolean;
  ignorePreflightErrors: string[];
  kubeconfig: string;
  skipPhases: string[];
  rootfs: string;
  v: string;
}

/** `kubeadm upgrade apply|node|plan|diff` flags that map onto UpgradeConfiguration. */
export interface UpgradeFlags {
  config: string;
  kubernetesVersion: string;
  allowExperimentalUpgrades: boolean;
  allowReleaseCandidateUpgrades: boolean;
  certificateRenewal: boolean;
  dryRun: boolean;
  etcdUpgrade: boolean;
  force: boolean;
  yes: boolean;
  ignorePreflightErrors: string[];
  patches: string;
  printConfig: boolean;
  skipPhases: string[];
  contextLines: number;
  kubeconfig: string;
  featureGates: string;
  rootfs: string;
  v: string;
}

/**
 * kubeadm's argSlice.Set for `--<component>-extra-args`: each `name=value` pair becomes an Arg;
 * anything else is a usage error naming the flag.
 */
function argSlice(flag: string, values: string[]): { name: string; value: string }[] {
  return values.flatMap((v) => v.split(",")).map((p) => {
    const m = p.split("=");
    if (m.length !== 2) {
      throw new UsageError(
        `invalid argument ${JSON.stringify(p)} for "--${flag}" flag: ` +
          `malformed key=value pair in flag value: ${p}`,
      );
    }
    return { name: m[0], value: m[1] };
  });
}

/** camelCase property → kebab-case flag name. */
export function flagName(prop: string): string {
  const special: Record<string, string> = {
    podNetworkCidr: "pod-network-cidr",
    serviceCidr: "service-cidr",
    discoveryTokenCaCertHash: "discovery-token-ca-cert-hash",
    discoveryTokenUnsafeSkipCaVerification: "discovery-token-unsafe-skip-ca-verification",
  };
  return special[prop] ?? prop.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

const MIX_ALLOWED = new Set([
  "config",
  "ignore-preflight-errors",
  "dry-run",
  "kubeconfig",
  "node-name",
  "kubeconfig-dir",
  "upload-certs",
  "print-manifest",
  "allow-missing-template-keys",
  "output",
  "show-managed-fields",
  "print-join-command",
  "rootfs",
  "v",
  "log-file",
  "yes",
]);

/**
 * validation.ValidateMixedArguments: with `--config`, only an allow-list of flags (and `skip-*`)
 * may be set. `flags` holds the flags that were explicitly set (camelCase keys).
 */
export function validateMixedArguments(flags: Record<string, unknown>): void {
  if (flags.config === undefined) return;
  const bad = Object.keys(flags)
    .filter((k) => flags[k] !== undefined && k !== "args")
    .map(flagName)
    .filter((n) => !MIX_ALLOWED.has(n) && !n.startsWith("skip-"))
    .sort();
  if (bad.length > 0) {
    throw new UsageError(`can not mix '--config' with arguments [${bad.join(" ")}]`);
  }
}

/** features.NewFeatureGate: parses `--feature-gates k=v,...`. */
export function parseFeatureGates(value: string | undefined, warnings: string[] = []) {
  const out: Record<string, boolean> = {};
  for (const s of (value ?? "").split(",")) {
    if (s.length === 0) continue;
    const eq = s.indexOf("=");
    if (eq < 0) throw new UsageError(`missing bool value for feature-gate key:${s}`);
    const k = s.slice(0, eq).trim();
    const v = s.slice(eq + 1).trim();
    const spec = C.FEATURE_GATES[k];
    if (!spec) throw new UsageError(`unrecognized feature-gate key: ${k}`);
    if (spec.preRelease === "Deprecated") {
      warnings.push(
        `Setting deprecated feature gate ${k}=${v}. It will be removed in a future release.`,
      );
    }
    const b = parseGoBool(v);
    if (b === undefined) {
      throw new UsageError(`invalid value ${v} for feature-gate key: ${k}, use true|false instead`);
    }
    out[k] = b;
  }
  return out;
}

/** strconv.ParseBool. */
export function parseGoBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

function definedFlags<T extends object>(flags: Partial<T> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/** Inputs of the load* functions. */
export interface LoadInput<F> {
  configPath?: string;
  /** Configuration text (instead of reading configPath). */
  configText?: string;
  flags?: Partial<F>;
  host: HostFacts;
  skipCRIDetect?: boolean;
  allowExperimentalApi?: boolean;
}

function configSource(input: LoadInput<unknown>): { text: string; file: string } | undefined {
  if (input.configText !== undefined) {
    return { text: input.configText, file: input.configPath ?? "<config>" };
  }
  if (input.configPath) return { text: readConfigFile(input.configPath), file: input.configPath };
  return undefined;
}

/** Result of a load: the internal config plus resolved runtime options. */
export interface LoadedInit extends InitConfig {
  ignorePreflightErrors: string[];
  skipPhases: string[];
  patchesDir?: string;
  dryRun: boolean;
  uploadCerts: boolean;
}

/**
 * kubeadm init's configuration: `--config` file or flags, defaulted, validated, with kubeadm's
 * post-load overrides (node name, ignore-preflight-errors union, skip-phases, patches, dry-run).
 */
export async function loadInitConfig(input: LoadInput<InitFlags>): Promise<LoadedInit> {
  const flags = definedFlags(input.flags) as Partial<InitFlags>;
  const fgWarnings: string[] = [];
  const featureGates = parseFeatureGates(flags.featureGates, fgWarnings);
  if (input.configPath !== undefined || input.configText !== undefined) {
    flags.config = input.configPath ?? "<config>";
  }
  validateMixedArguments(flags as Record<string, unknown>);
  const src = configSource(input);
  let cfg: InitConfig;
  if (src) {
    const docs = splitDocuments(src.text, src.file);
    cfg = await documentsToInitConfig(docs, input.host, {
      file: src.file,
      skipCRIDetect: input.skipCRIDetect,
      allowExperimentalApi: input.allowExperimentalApi,
    });
  } else {
    const init: Partial<InitConfiguration> = {
      localAPIEndpoint: {},
      nodeRegistration: {},
    };
    const cluster: Partial<ClusterConfiguration> = { networking: {}, apiServer: {} };
    if (flags.apiserverAdvertiseAddress !== undefined) {
      init.localAPIEndpoint!.advertiseAddress = flags.apiserverAdvertiseAddress;
    }
    if (flags.apiserverBindPort !== undefined) {
      init.localAPIEndpoint!.bindPort = flags.apiserverBindPort;
    }
    if (flags.nodeName !== undefined) init.nodeRegistration!.name = flags.nodeName;
    if (flags.criSocket !== undefined) init.nodeRegistration!.criSocket = flags.criSocket;
    if (flags.certificateKey !== undefined) init.certificateKey = flags.certificateKey;
    if (flags.dryRun) init.dryRun = true;
    if (flags.skipPhases) init.skipPhases = flags.skipPhases;
    if (flags.patches) init.patches = { directory: flags.patches };
    if (flags.serviceCidr !== undefined) cluster.networking!.serviceSubnet = flags.serviceCidr;
    if (flags.podNetworkCidr !== undefined) cluster.networking!.podSubnet = flags.podNetworkCidr;
    if (flags.serviceDnsDomain !== undefined) {
      cluster.networking!.dnsDomain = flags.serviceDnsDomain;
    }
    if (flags.controlPlaneEndpoint !== undefined) {
      cluster.controlPlaneEndpoint = flags.controlPlaneEndpoint;
    }
    if (flags.kubernetesVersion !== undefined) cluster.kubernetesVersion = flags.kubernetesVersion;
    if (flags.certDir !== undefined) cluster.certificatesDir = flags.certDir;
    if (flags.apiserverCertExtraSans !== undefined) {
      cluster.apiServer!.certSANs = flags.apiserverCertExtraSans;
    }
    if (flags.imageRepository !== undefined) cluster.imageRepository = flags.imageRepository;
    if (Object.keys(featureGates).length > 0) cluster.featureGates = featureGates;
    // The deprecated extra-args flags (kubeadm's argSlice): appended to the components' extraArgs.
    if (flags.apiserverExtraArgs !== undefined) {
      cluster.apiServer!.extraArgs = argSlice("apiserver-extra-args", flags.apiserverExtraArgs);
    }
    if (flags.controllerManagerExtraArgs !== undefined) {
      cluster.controllerManager = {
        extraArgs: argSlice("controller-manager-extra-args", flags.controllerManagerExtraArgs),
      };
    }
    if (flags.schedulerExtraArgs !== undefined) {
      cluster.scheduler = {
        extraArgs: argSlice("scheduler-extra-args", flags.schedulerExtraArgs),
      };
    }
    // BootstrapTokenOptions.ApplyTo
    const bt: Record<string, unknown> = {};
    if (flags.token) {
      if (!isValidBootstrapToken(flags.token)) {
        throw new UsageError(
          `the bootstrap token given with --token was not of the form ` +
            `"\\\\A([a-z0-9]{6})\\\\.([a-z0-9]{16})\\\\z" (value not shown)`,
        );
      }
      bt.token = flags.token;
    }
    try {
      bt.ttl = canonicalDuration(flags.tokenTtl ?? "24h0m0s");
    } catch (e) {
      throw new UsageError(
        `invalid argument ${JSON.stringify(flags.tokenTtl)} for "--token-ttl" flag: ${
          (e as Error).message
        }`,
      );
    }
    init.bootstrapTokens = [bt];
    const warnings: string[] = [];
    cfg = {
      init: defaultInitConfiguration(init),
      cluster: defaultClusterConfiguration(cluster),
      componentConfigs: { kubelet: {}, kubeProxy: {} },
      warnings,
    };
    await setInitDynamicDefaults(cfg, input.host, { skipCRIDetect: input.skipCRIDetect });
    throwIfErrors(validateInitConfig(cfg));
    warnings.push(...clusterWarnings(cfg.cluster));
  }
  cfg.warnings.unshift(...fgWarnings);
  const ignore = validateIgnorePreflightErrors(
    flags.ignorePreflightErrors ?? [],
    cfg.init.nodeRegistration.ignorePreflightErrors ?? [],
  );
  cfg.init.nodeRegistration.ignorePreflightErrors = ignore.length > 0 ? ignore : undefined;
  if (flags.nodeName) cfg.init.nodeRegistration.name = flags.nodeName;
  verifyAPIServerBindAddress(cfg.init.localAPIEndpoint.advertiseAddress ?? "");
  const skipPhases = flags.skipPhases && flags.skipPhases.length > 0
    ? flags.skipPhases
    : cfg.init.skipPhases ?? [];
  return {
    ...cfg,
    ignorePreflightErrors: ignore,
    skipPhases,
    patchesDir: flags.patches ?? cfg.init.patches?.directory,
    dryRun: !!flags.dryRun || !!cfg.init.dryRun,
    uploadCerts: !!flags.uploadCerts,
  };
}

/** configutil.VerifyAPIServerBindAddress. */
export function verifyAPIServerBindAddress(address: string): void {
  const ip = parseIP(address);
  if (!ip) throw new KubestrapError(`cannot parse IP address: ${address}`);
  if (ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n) return;
  const globalUnicast = ip.family === 4
    ? !(ip.value === 0n || ip.value === 0xffffffffn || ip.value >> 28n === 0xen ||
      (ip.value >> 16n) === 0xa9fen)
    : !(ip.value === 0n || ip.value >> 120n === 0xffn || ip.value >> 118n === 0x3fan);
  if (!globalUnicast) {
    throw new KubestrapError(
      `cannot use ${JSON.stringify(address)} as the bind address for the API Server`,
    );
  }
}

export interface LoadedJoin extends JoinConfig {
  ignorePreflightErrors: string[];
  skipPhases: string[];
  patchesDir?: string;
  dryRun: boolean;
}

/** kubeadm join's configuration (file or flags) — newJoinData. */
export async function loadJoinConfig(input: LoadInput<JoinFlags>): Promise<LoadedJoin> {
  const flags = definedFlags(input.flags) as Partial<JoinFlags>;
  if (input.configPath !== undefined || input.configText !== undefined) {
    flags.config = input.configPath ?? "<config>";
  }
  validateMixedArguments(flags as Record<string, unknown>);
  const src = configSource(input);
  let result: JoinConfig;
  if (src) {
    const docs = splitDocuments(src.text, src.file);
    result = await documentsToJoinConfig(docs, input.host, {
      file: src.file,
      skipCRIDetect: input.skipCRIDetect,
      allowExperimentalApi: input.allowExperimentalApi,
    });
  } else {
    const warnings: string[] = [];
    const j: Partial<JoinConfiguration> = {
      nodeRegistration: {},
      discovery: {
        bootstrapToken: {
          token: flags.discoveryToken ?? "",
          caCertHashes: flags.discoveryTokenCaCertHash,
          unsafeSkipCAVerification: flags.discoveryTokenUnsafeSkipCaVerification,
        },
        file: { kubeConfigPath: flags.discoveryFile ?? "" },
        tlsBootstrapToken: flags.tlsBootstrapToken,
      },
      controlPlane: {
        localAPIEndpoint: {
          advertiseAddress: flags.apiserverAdvertiseAddress,
          bindPort: flags.apiserverBindPort,
        },
        certificateKey: flags.certificateKey,
      },
    };
    if (flags.nodeName !== undefined) j.nodeRegistration!.name = flags.nodeName;
    if (flags.criSocket !== undefined) j.nodeRegistration!.criSocket = flags.criSocket;
    if (flags.dryRun) j.dryRun = true;
    if (flags.skipPhases) j.skipPhases = flags.skipPhases;
    if (flags.patches) j.patches = { directory: flags.patches };
    const d = j.discovery!;
    if (flags.token) {
      if (!d.tlsBootstrapToken) d.tlsBootstrapToken = flags.token;
      if (!d.bootstrapToken!.token) d.bootstrapToken!.token = flags.token;
    }
    if (!d.file!.kubeConfigPath) delete d.file;
    const args = flags.args ?? [];
    if (args.length === 0) delete d.bootstrapToken;
    else {
      if (args.length > 1) {
        warnings.push(
          `[preflight] WARNING: More than one API server endpoint supplied on command line [${
            args.join(" ")
          }]. Using the first one.`,
        );
      }
      d.bootstrapToken!.apiServerEndpoint = args[0];
    }
    if (!flags.controlPlane) {
      const cp = j.controlPlane!;
      const ep = cp.localAPIEndpoint;
      if (
        ep.advertiseAddress || (ep.bindPort !== undefined && ep.bindPort !== 6443) ||
        cp.certificateKey
      ) {
        warnings.push(
          "[preflight] WARNING: --control-plane is also required when passing control-plane " +
            "related flags such as [certificate-key, apiserver-advertise-address, apiserver-bind-port]",
        );
      }
      delete j.controlPlane;
    }
    const cfg = defaultJoinConfiguration(j);
    await setJoinDynamicDefaults(cfg, input.host, { skipCRIDetect: input.skipCRIDetect }, warnings);
    throwIfErrors(validateJoinConfiguration(cfg));
    result = { join: cfg, warnings };
  }
  const ignore = validateIgnorePreflightErrors(
    flags.ignorePreflightErrors ?? [],
    result.join.nodeRegistration.ignorePreflightErrors ?? [],
  );
  result.join.nodeRegistration.ignorePreflightErrors = ignore.length > 0 ? ignore : undefined;
  if (flags.nodeName) result.join.nodeRegistration.name = flags.nodeName;
  if (flags.criSocket) result.join.nodeRegistration.criSocket = flags.criSocket;
  const skipPhases = flags.skipPhases && flags.skipPhases.length > 0
    ? flags.skipPhases
    : result.join.skipPhases ?? [];
  return {
    ...result,
    ignorePreflightErrors: ignore,
    skipPhases,
    patchesDir: flags.patches ?? result.join.patches?.directory,
    dryRun: !!flags.dryRun || !!result.join.dryRun,
  };
}

export interface LoadedReset extends ResetConfig {
  ignorePreflightErrors: string[];
  skipPhases: string[];
  dryRun: boolean;
  force: boolean;
  cleanupTmpDir: boolean;
  certificatesDir: string;
  criSocket: string;
}

/** kubeadm reset's configuration (newResetData): flags win only when explicitly set. */
export async function loadResetConfig(input: LoadInput<ResetFlags>): Promise<LoadedReset> {
  const flags = definedFlags(input.flags) as Partial<ResetFlags>;
  if (input.configPath !== undefined || input.configText !== undefined) {
    flags.config = input.configPath ?? "<config>";
  }
  validateMixedArguments(flags as Record<string, unknown>);
  const src = configSource(input);
  let result: ResetConfig;
  if (src) {
    result = await documentsToResetConfig(splitDocuments(src.text, src.file), input.host, {
      file: src.file,
      skipCRIDetect: input.skipCRIDetect,
      allowExperimentalApi: input.allowExperimentalApi,
    });
  } else {
    const warnings: string[] = [];
    const r = defaultResetConfiguration({
      certificatesDir: flags.certDir,
      criSocket: flags.criSocket,
    });
    await setResetDynamicDefaults(r, input.host, { skipCRIDetect: input.skipCRIDetect }, warnings);
    throwIfErrors(validateResetConfiguration(r));
    result = { reset: r, warnings, criSocketGiven: flags.criSocket !== undefined };
  }
  const r = result.reset;
  const ignore = validateIgnorePreflightErrors(
    flags.ignorePreflightErrors ?? [],
    r.ignorePreflightErrors ?? [],
  );
  r.ignorePreflightErrors = ignore.length > 0 ? ignore : undefined;
  return {
    ...result,
    ignorePreflightErrors: ignore,
    skipPhases: flags.skipPhases && flags.skipPhases.length > 0
      ? flags.skipPhases
      : r.skipPhases ?? [],
    dryRun: flags.dryRun ?? !!r.dryRun,
    force: flags.force ?? !!r.force,
    cleanupTmpDir: flags.cleanupTmpDir ?? !!r.cleanupTmpDir,
    certificatesDir: flags.certDir ?? r.certificatesDir ?? C.DEFAULT_CERTIFICATES_DIR,
    criSocket: flags.criSocket ?? r.criSocket ?? C.DEFAULT_CRI_SOCKET,
  };
}

/** kubeadm upgrade's UpgradeConfiguration (file or defaults) with flags applied on top. */
export function loadUpgradeConfig(input: Omit<LoadInput<UpgradeFlags>, "host">): UpgradeConfig {
  const flags = definedFlags(input.flags) as Partial<UpgradeFlags>;
  if (input.configPath !== undefined || input.configText !== undefined) {
    flags.config = input.configPath ?? "<config>";
  }
  validateMixedArguments(flags as Record<string, unknown>);
  const src = configSource(input as LoadInput<unknown>);
  let result: UpgradeConfig;
  if (src) {
    result = documentsToUpgradeConfig(splitDocuments(src.text, src.file), {
      file: src.file,
      allowExperimentalApi: input.allowExperimentalApi,
    });
  } else {
    const u = defaultUpgradeConfiguration({});
    throwIfErrors(validateUpgradeConfiguration(u));
    result = { upgrade: u, warnings: [] };
  }
  const u = result.upgrade;
  const set = <K extends keyof UpgradeFlags>(k: K, f: (v: UpgradeFlags[K]) => void) => {
    if (flags[k] !== undefined) f(flags[k] as UpgradeFlags[K]);
  };
  set("kubernetesVersion", (v) => {
    u.apply.kubernetesVersion = v;
    u.plan.kubernetesVersion = v;
    u.diff.kubernetesVersion = v;
  });
  set("allowExperimentalUpgrades", (v) => {
    u.apply.allowExperimentalUpgrades = v;
    u.plan.allowExperimentalUpgrades = v;
  });
  set("allowReleaseCandidateUpgrades", (v) => {
    u.apply.allowRCUpgrades = v;
    u.plan.allowRCUpgrades = v;
  });
  set("certificateRenewal", (v) => {
    u.apply.certificateRenewal = v;
    u.node.certificateRenewal = v;
  });
  set("etcdUpgrade", (v) => {
    u.apply.etcdUpgrade = v;
    u.node.etcdUpgrade = v;
    u.plan.etcdUpgrade = v;
  });
  set("dryRun", (v) => {
    u.apply.dryRun = v;
    u.node.dryRun = v;
    u.plan.dryRun = v;
  });
  set("force", (v) => (u.apply.forceUpgrade = v));
  set("printConfig", (v) => {
    u.apply.printConfig = v;
    u.plan.printConfig = v;
  });
  set("patches", (v) => {
    u.apply.patches = { directory: v };
    u.node.patches = { directory: v };
  });
  set("skipPhases", (v) => {
    u.apply.skipPhases = v;
    u.node.skipPhases = v;
  });
  set("contextLines", (v) => (u.diff.contextLines = v));
  for (const part of [u.apply, u.node, u.plan]) {
    const ignore = validateIgnorePreflightErrors(
      flags.ignorePreflightErrors ?? [],
      part.ignorePreflightErrors ?? [],
    );
    part.ignorePreflightErrors = ignore.length > 0 ? ignore : undefined;
  }
  return result;
}

/** Parses a configuration text into documents (exported for the config commands). */
export function parseConfigText(text: string, file: string): RawDocument[] {
  return splitDocuments(text, file);
}

export { ConfigDecodeError };
