/**
 * Loading kubeadm configuration the way kubeadm v1.37.2's util/config does it (document map →
 * versioned decode → static defaults → dynamic defaults → validation). What the command line set
 * arrives already mapped onto configuration fields (lib/commands/flags_to_config.ts): the
 * configuration made from flags when there is no file, and the options applied on top of either.
 */
import { KubestrapError, UsageError } from "../errors.ts";
import { Host } from "../host.ts";
import * as C from "./constants.ts";
import {
  boundProblems,
  ConfigDecodeError,
  decodeConfigBytes,
  decodeDocument,
  gvkGoSyntax,
  gvkString,
  gvString,
  MAX_CONFIG_BYTES,
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
import type { HostFacts } from "./host_facts.ts";
import { parseIPValue } from "./netutil.ts";
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
  UpgradeApplyConfiguration,
  UpgradeConfig,
  UpgradeConfiguration,
  UpgradeDiffConfiguration,
  UpgradeNodeConfiguration,
  UpgradePlanConfiguration,
} from "./types.ts";
import {
  clusterWarnings,
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

/**
 * The bytes of a `--config` file, at most MAX_CONFIG_BYTES of them, from `host` (default: the
 * machine kubestrap runs on; relative paths as Host.absolute makes them). Throws the file
 * system's error (or the size limit's KubestrapError) for the caller to word.
 */
export function readConfigBytes(path: string, host = new Host()): Uint8Array {
  const bytes = host.readFileSyncBounded(host.absolute(path), MAX_CONFIG_BYTES);
  if (bytes === undefined) throw new Deno.errors.NotFound();
  return bytes;
}

/**
 * Reads the file like kubeadm's Load*ConfigurationFromFile, and decodes it with go-yaml's reader
 * checks (decodeConfigBytes: invalid UTF-8 is a FILE:LINE:COL error).
 */
export function readConfigFile(path: string, host = new Host()): string {
  let bytes: Uint8Array;
  try {
    bytes = readConfigBytes(path, host);
  } catch (e) {
    throw new KubestrapError(
      `unable to read config from ${JSON.stringify(path)} : ${osErr(e, path)}`,
    );
  }
  return decodeConfigBytes(bytes, path);
}

/** Go-style `open PATH: reason` text for a file-system error (kubestrap's own errors as they are). */
export function osErr(e: unknown, path: string): string {
  if (e instanceof KubestrapError) return e.message;
  if (e instanceof Deno.errors.NotFound) return `open ${path}: no such file or directory`;
  if (e instanceof Deno.errors.PermissionDenied) return `open ${path}: permission denied`;
  if (e instanceof Deno.errors.IsADirectory) return `read ${path}: is a directory`;
  return `open ${path}: ${(e as Error).message}`;
}

/** validateSupportedVersion: old API → error; experimental without permission → error. */
function checkSupportedVersion(
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
    const msg = boundProblems(d.strictProblems).join("\n");
    if (strictErrors) throw new ConfigDecodeError(d.strictProblems);
    warnings.push(
      `strict decoding error (ignored, as kubeadm does outside 'config validate'):\n${msg}`,
    );
  }
  return d.value;
}

/**
 * runtime.DecodeInto for a document of a kind the command reads (kubeadm decides by the kind
 * alone): a version kubeadm's scheme does not know (`kubeadm.k8s.io/v1beta5`, or the group in
 * upper case) fails, with kubeadm's text after the document's position.
 */
function decodeKind<T>(
  doc: RawDocument,
  file: string,
  strictErrors: boolean,
  warnings: string[],
): T {
  const value = verifyAndDecode<T>(doc, file, strictErrors, warnings);
  if (value === undefined && !schemaFor(doc)) {
    throw new KubestrapError(
      `${file}:${doc.startLine}:1: no kind ${JSON.stringify(doc.gvk.kind)} is registered for ` +
        `version ${JSON.stringify(gvString(doc.gvk))} in scheme "pkg/runtime/scheme.go:111"`,
    );
  }
  return value ?? ({} as T);
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

/**
 * The document of `kind` in a file that must hold one (join, reset, upgrade): decoded with its
 * strict problems as warnings; a later one wins, other kinds are ignored with a warning.
 */
function documentOfKind<T extends object>(
  docs: RawDocument[],
  kind: string,
  opts: DecodeOptions & { file: string },
  warnings: string[],
): T {
  let found: T | undefined;
  for (const doc of docs) {
    if (doc.gvk.kind !== kind) {
      warnings.push(ignoredWarning(doc));
      continue;
    }
    checkSupportedVersion(doc, !!opts.allowExperimentalApi, opts.file);
    found = stripTypeMeta(decodeKind<T>(doc, opts.file, !!opts.strictErrors, warnings));
  }
  if (!found) throw new KubestrapError(`no ${kind} found in the supplied config`);
  return found;
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
    const strict = !!opts.strictErrors;
    if (doc.gvk.kind === "InitConfiguration") {
      init = stripTypeMeta(
        decodeKind<Partial<InitConfiguration>>(doc, opts.file, strict, warnings),
      );
      continue;
    }
    if (doc.gvk.kind === "ClusterConfiguration") {
      cluster = stripTypeMeta(
        decodeKind<Partial<ClusterConfiguration>>(doc, opts.file, strict, warnings),
      );
      continue;
    }
    verifyAndDecode(doc, opts.file, strict, warnings);
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
    if (d.strictProblems.length > 0) warnings.push(...boundProblems(d.strictProblems));
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
  const join = documentOfKind<Partial<JoinConfiguration>>(
    docs,
    "JoinConfiguration",
    opts,
    warnings,
  );
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
  const reset = documentOfKind<Partial<ResetConfiguration>>(
    docs,
    "ResetConfiguration",
    opts,
    warnings,
  );
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
  const upgrade = documentOfKind<Partial<UpgradeConfiguration>>(
    docs,
    "UpgradeConfiguration",
    opts,
    warnings,
  );
  const cfg = defaultUpgradeConfiguration(upgrade);
  throwIfErrors(validateUpgradeConfiguration(cfg));
  return { upgrade: cfg, warnings };
}

// ---------------------------------------------------------------------------------------------
// What the command line set, as configuration

/**
 * `kubeadm init`'s command line as configuration: kubeadm's flag-bound InitConfiguration and
 * ClusterConfiguration (used when there is no configuration file) and the options applied to the
 * loaded configuration either way.
 */
export interface InitOptions {
  init?: Partial<InitConfiguration>;
  cluster?: Partial<ClusterConfiguration>;
  nodeName?: string;
  ignorePreflightErrors?: string[];
  skipPhases?: string[];
  patchesDir?: string;
  dryRun?: boolean;
  uploadCerts?: boolean;
  /** Warnings about the command line, listed before the configuration's. */
  warnings?: string[];
}

/** `kubeadm join`'s command line as configuration (see InitOptions). */
export interface JoinOptions {
  join?: Partial<JoinConfiguration>;
  nodeName?: string;
  criSocket?: string;
  ignorePreflightErrors?: string[];
  skipPhases?: string[];
  patchesDir?: string;
  dryRun?: boolean;
  /** Warnings about the command line, listed before the configuration's. */
  warnings?: string[];
}

/** `kubeadm reset`'s command line as configuration: each set field wins over the file's. */
export interface ResetOptions {
  certificatesDir?: string;
  criSocket?: string;
  dryRun?: boolean;
  force?: boolean;
  cleanupTmpDir?: boolean;
  ignorePreflightErrors?: string[];
  skipPhases?: string[];
}

/** `kubeadm upgrade`'s command line as configuration: fields set on top of the file's. */
export interface UpgradeOptions {
  apply?: Partial<UpgradeApplyConfiguration>;
  node?: Partial<UpgradeNodeConfiguration>;
  plan?: Partial<UpgradePlanConfiguration>;
  diff?: Partial<UpgradeDiffConfiguration>;
  ignorePreflightErrors?: string[];
}

/** features.NewFeatureGate: parses a feature-gates value `k=v,...`. */
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
function parseGoBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** Inputs of the load* functions. */
export interface LoadInput<O> {
  configPath?: string;
  /** Configuration text (instead of reading configPath). */
  configText?: string;
  /** What the command line set, as configuration. */
  options?: O;
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

/** How the documents of `src` are decoded: the file named in errors and the loader's switches. */
function decodeOptions(input: LoadInput<unknown>, src: { file: string }) {
  return {
    file: src.file,
    skipCRIDetect: input.skipCRIDetect,
    allowExperimentalApi: input.allowExperimentalApi,
  };
}

/**
 * ValidateIgnorePreflightErrors over the command line's list and the configuration's
 * (`into.ignorePreflightErrors`): the union, also stored into the configuration (unset when empty).
 */
function mergeIgnorePreflightErrors(
  flag: string[] | undefined,
  into: { ignorePreflightErrors?: string[] },
): string[] {
  const ignore = validateIgnorePreflightErrors(flag ?? [], into.ignorePreflightErrors ?? []);
  into.ignorePreflightErrors = ignore.length > 0 ? ignore : undefined;
  return ignore;
}

/** The phases to skip: the command line's list when it names any, else the configuration's. */
function skipPhasesOf(flag: string[] | undefined, config: string[] | undefined): string[] {
  return flag && flag.length > 0 ? flag : config ?? [];
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
export async function loadInitConfig(input: LoadInput<InitOptions>): Promise<LoadedInit> {
  const o = input.options ?? {};
  const src = configSource(input);
  let cfg: InitConfig;
  if (src) {
    const docs = splitDocuments(src.text, src.file);
    cfg = await documentsToInitConfig(docs, input.host, decodeOptions(input, src));
  } else {
    const warnings: string[] = [];
    cfg = {
      init: defaultInitConfiguration({ localAPIEndpoint: {}, nodeRegistration: {}, ...o.init }),
      cluster: defaultClusterConfiguration({ networking: {}, apiServer: {}, ...o.cluster }),
      componentConfigs: { kubelet: {}, kubeProxy: {} },
      warnings,
    };
    await setInitDynamicDefaults(cfg, input.host, { skipCRIDetect: input.skipCRIDetect });
    throwIfErrors(validateInitConfig(cfg));
    warnings.push(...clusterWarnings(cfg.cluster));
  }
  cfg.warnings.unshift(...(o.warnings ?? []));
  const ignore = mergeIgnorePreflightErrors(o.ignorePreflightErrors, cfg.init.nodeRegistration);
  if (o.nodeName) cfg.init.nodeRegistration.name = o.nodeName;
  verifyAPIServerBindAddress(cfg.init.localAPIEndpoint.advertiseAddress ?? "");
  return {
    ...cfg,
    ignorePreflightErrors: ignore,
    skipPhases: skipPhasesOf(o.skipPhases, cfg.init.skipPhases),
    patchesDir: o.patchesDir ?? cfg.init.patches?.directory,
    dryRun: !!o.dryRun || !!cfg.init.dryRun,
    uploadCerts: !!o.uploadCerts,
  };
}

/** configutil.VerifyAPIServerBindAddress. */
function verifyAPIServerBindAddress(address: string): void {
  const ip = parseIPValue(address);
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
export async function loadJoinConfig(input: LoadInput<JoinOptions>): Promise<LoadedJoin> {
  const o = input.options ?? {};
  const src = configSource(input);
  let result: JoinConfig;
  if (src) {
    const docs = splitDocuments(src.text, src.file);
    result = await documentsToJoinConfig(docs, input.host, decodeOptions(input, src));
  } else {
    const warnings: string[] = [];
    const cfg = defaultJoinConfiguration({ ...o.join });
    await setJoinDynamicDefaults(cfg, input.host, { skipCRIDetect: input.skipCRIDetect }, warnings);
    throwIfErrors(validateJoinConfiguration(cfg));
    result = { join: cfg, warnings };
  }
  result.warnings.unshift(...(o.warnings ?? []));
  const ignore = mergeIgnorePreflightErrors(
    o.ignorePreflightErrors,
    result.join.nodeRegistration,
  );
  if (o.nodeName) result.join.nodeRegistration.name = o.nodeName;
  if (o.criSocket) result.join.nodeRegistration.criSocket = o.criSocket;
  return {
    ...result,
    ignorePreflightErrors: ignore,
    skipPhases: skipPhasesOf(o.skipPhases, result.join.skipPhases),
    patchesDir: o.patchesDir ?? result.join.patches?.directory,
    dryRun: !!o.dryRun || !!result.join.dryRun,
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
export async function loadResetConfig(input: LoadInput<ResetOptions>): Promise<LoadedReset> {
  const o = input.options ?? {};
  const src = configSource(input);
  let result: ResetConfig;
  if (src) {
    result = await documentsToResetConfig(
      splitDocuments(src.text, src.file),
      input.host,
      decodeOptions(input, src),
    );
  } else {
    const warnings: string[] = [];
    const r = defaultResetConfiguration({
      certificatesDir: o.certificatesDir,
      criSocket: o.criSocket,
    });
    await setResetDynamicDefaults(r, input.host, { skipCRIDetect: input.skipCRIDetect }, warnings);
    throwIfErrors(validateResetConfiguration(r));
    result = { reset: r, warnings, criSocketGiven: o.criSocket !== undefined };
  }
  const r = result.reset;
  const ignore = mergeIgnorePreflightErrors(o.ignorePreflightErrors, r);
  return {
    ...result,
    ignorePreflightErrors: ignore,
    skipPhases: skipPhasesOf(o.skipPhases, r.skipPhases),
    dryRun: o.dryRun ?? !!r.dryRun,
    force: o.force ?? !!r.force,
    cleanupTmpDir: o.cleanupTmpDir ?? !!r.cleanupTmpDir,
    certificatesDir: o.certificatesDir ?? r.certificatesDir ?? C.DEFAULT_CERTIFICATES_DIR,
    criSocket: o.criSocket ?? r.criSocket ?? C.DEFAULT_CRI_SOCKET,
  };
}

/** kubeadm upgrade's UpgradeConfiguration (file or defaults) with the command line's fields on top. */
export function loadUpgradeConfig(input: Omit<LoadInput<UpgradeOptions>, "host">): UpgradeConfig {
  const o = input.options ?? {};
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
  Object.assign(u.apply, o.apply);
  Object.assign(u.node, o.node);
  Object.assign(u.plan, o.plan);
  Object.assign(u.diff, o.diff);
  for (const part of [u.apply, u.node, u.plan]) {
    mergeIgnorePreflightErrors(o.ignorePreflightErrors, part);
  }
  return result;
}

/** Parses a configuration text into documents (exported for the config commands). */
export function parseConfigText(text: string, file: string): RawDocument[] {
  return splitDocuments(text, file);
}

export { ConfigDecodeError };
