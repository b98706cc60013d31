/**
 * The run bodies of `kubeadm config print|migrate|validate|images list` (kubeadm v1.37.2
 * app/cmd/config.go), loaded lazily by lib/commands/config.ts: each returns what to print and
 * throws KubestrapError (exit code 1) on failure.
 */
import { KubestrapError, UsageError } from "../errors.ts";
import { Host } from "../host.ts";
import { toPrinter } from "../output/printers.ts";
import * as C from "../config/constants.ts";
import { decodeConfigBytes, splitDocuments } from "../config/decode.ts";
import {
  defaultClusterConfiguration,
  defaultComponentConfigs,
  defaultInitConfiguration,
  defaultJoinConfiguration,
  defaultResetConfiguration,
  defaultUpgradeConfiguration,
  setInitDynamicDefaults,
} from "../config/defaults.ts";
import { type HostFacts, systemHostFacts } from "../config/host_facts.ts";
import { ciImageRepositoryFor, controlPlaneImages } from "../config/images.ts";
import {
  documentsToInitConfig,
  documentsToJoinConfig,
  documentsToResetConfig,
  documentsToUpgradeConfig,
  osErr,
  parseFeatureGates,
  readConfigBytes,
  readConfigFile,
  validateKnownGVKs,
} from "../config/load.ts";
import {
  applyV1beta3TimeoutsInit,
  applyV1beta3TimeoutsJoin,
  convertV1beta3Documents,
  isV1beta3,
  restoreV1beta3Warnings,
  V1BETA3_MIGRATE_NOTICE,
} from "../config/v1beta3.ts";
import {
  marshalInitConfig,
  marshalJoinConfiguration,
  marshalKubeletConfiguration,
  marshalKubeProxyConfiguration,
  marshalResetConfiguration,
  marshalUpgradeConfiguration,
  YAML_SEPARATOR,
} from "../config/serialize.ts";
import {
  type ClusterConfiguration,
  type ComponentConfigs,
  type InitConfig,
  OUTPUT_API,
} from "../config/types.ts";
import { clusterWarnings, throwIfErrors, validateInitConfig } from "../config/validate.ts";

const SEP = YAML_SEPARATOR;

/** Output of a command: stdout text and warnings for stderr. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** configutil.DefaultedStaticInitConfiguration: placeholders, no host look-ups. */
function defaultedStaticInitConfiguration(): InitConfig {
  const init = defaultInitConfiguration({
    localAPIEndpoint: { advertiseAddress: "1.2.3.4" },
    bootstrapTokens: [{ token: C.PLACEHOLDER_TOKEN }],
    nodeRegistration: { criSocket: C.DEFAULT_CRI_SOCKET, name: "node" },
  });
  const cluster = defaultClusterConfiguration({
    kubernetesVersion: C.CURRENT_KUBERNETES_VERSION,
  });
  const warnings: string[] = [];
  const componentConfigs = defaultComponentConfigs(cluster, init.localAPIEndpoint, {}, warnings);
  return { init, cluster, componentConfigs, warnings };
}

const COMPONENT_KINDS = ["KubeProxyConfiguration", "KubeletConfiguration"];

/** `kubeadm config print {init,join,reset,upgrade}-defaults`. */
export function printDefaults(
  kind: "init" | "join" | "reset" | "upgrade",
  opts: { componentConfigs?: string[] } = {},
): string {
  const kinds = opts.componentConfigs ?? [];
  for (const k of kinds) {
    if (!COMPONENT_KINDS.includes(k)) {
      throw new UsageError(
        `--component-configs needs to contain some of [${COMPONENT_KINDS.join(" ")}]`,
      );
    }
  }
  const docs: string[] = [];
  switch (kind) {
    case "init": {
      const cfg = defaultedStaticInitConfiguration();
      docs.push(marshalInitConfig(cfg.init, cfg.cluster));
      break;
    }
    case "join": {
      const join = defaultJoinConfiguration({
        discovery: {
          bootstrapToken: {
            token: C.PLACEHOLDER_TOKEN,
            apiServerEndpoint: "kube-apiserver:6443",
            unsafeSkipCAVerification: true,
          },
        },
      });
      // DefaultedJoinConfiguration runs the dynamic defaults: the node name is the hostname.
      join.nodeRegistration.name = hostnameForPrint();
      join.nodeRegistration.criSocket = C.DEFAULT_CRI_SOCKET;
      docs.push(marshalJoinConfiguration(join));
      break;
    }
    case "reset": {
      const reset = defaultResetConfiguration({});
      reset.criSocket = C.DEFAULT_CRI_SOCKET;
      docs.push(marshalResetConfiguration(reset));
      break;
    }
    case "upgrade":
      docs.push(marshalUpgradeConfiguration(defaultUpgradeConfiguration({})));
      break;
  }
  if (kinds.length > 0) {
    const cc = defaultedStaticInitConfiguration().componentConfigs;
    for (const k of kinds) {
      docs.push(
        k === "KubeletConfiguration"
          ? marshalKubeletConfiguration(cc.kubelet)
          : marshalKubeProxyConfiguration(cc.kubeProxy),
      );
    }
  }
  return docs.join(SEP);
}

let hostnameOverride: string | undefined;
/** Tests may fix the hostname used by `print join-defaults` (kubeadm uses os.Hostname()). */
export function setPrintHostname(name: string | undefined): void {
  hostnameOverride = name;
}
function hostnameForPrint(): string {
  if (hostnameOverride !== undefined) return hostnameOverride;
  try {
    return new Host().hostname().trim().toLowerCase();
  } catch {
    return "node";
  }
}

function hasKind(docs: { gvk: { kind: string } }[], kind: string): boolean {
  return docs.some((d) => d.gvk.kind === kind);
}

/** `kubeadm config validate --config PATH`. */
export async function validateConfig(
  path: string,
  opts: { allowExperimentalApi?: boolean; allowDeprecatedApi?: boolean; host?: HostFacts } = {},
): Promise<CommandOutput> {
  if (!path) throw new UsageError("the --config flag is mandatory");
  const text = machineText(path);
  const host = opts.host ?? systemHostFacts();
  const docs = splitDocuments(text, path);
  validateKnownGVKs(docs);
  const warnings: string[] = [];
  const common = {
    file: path,
    strictErrors: true,
    skipCRIDetect: true,
    allowExperimentalApi: opts.allowExperimentalApi,
  };
  if (hasKind(docs, "InitConfiguration") || hasKind(docs, "ClusterConfiguration")) {
    warnings.push(...(await documentsToInitConfig(docs, host, common)).warnings);
  }
  if (hasKind(docs, "JoinConfiguration")) {
    warnings.push(...(await documentsToJoinConfig(docs, host, common)).warnings);
  }
  if (hasKind(docs, "ResetConfiguration")) {
    warnings.push(...(await documentsToResetConfig(docs, host, common)).warnings);
  }
  if (hasKind(docs, "UpgradeConfiguration")) {
    warnings.push(...documentsToUpgradeConfig(docs, common).warnings);
  }
  return { stdout: "ok\n", stderr: warnings.map((w) => w + "\n").join("") };
}

/** A file of the machine kubestrap runs on, where the `config` commands read their files. */
function machineText(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readConfigBytes(path);
  } catch (e) {
    throw new KubestrapError(osErr(e, path));
  }
  return decodeConfigBytes(bytes, path);
}

/**
 * Writes a file of the machine atomically (Host.writeFile: temp file in the same directory +
 * rename), mode 0644 like kubeadm. The directory must exist, as for kubeadm's os.WriteFile.
 */
async function writeFileAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  const machine = new Host();
  const abs = machine.absolute(path);
  try {
    if (!(await machine.stat(abs.slice(0, abs.lastIndexOf("/")) || "/"))?.isDirectory) {
      throw new Deno.errors.NotFound();
    }
    await machine.writeFile(abs, data, { mode });
  } catch (e) {
    throw new KubestrapError(
      `failed to write the new configuration to the file ${JSON.stringify(path)}: ${
        osErr(e, path)
      }`,
    );
  }
}

/** `kubeadm config migrate --old-config OLD [--new-config NEW]`. */
export async function migrateConfig(opts: {
  oldConfigPath: string;
  newConfigPath?: string;
  allowExperimentalApi?: boolean;
  host?: HostFacts;
}): Promise<CommandOutput> {
  if (!opts.oldConfigPath) throw new UsageError("the --old-config flag is mandatory");
  const text = machineText(opts.oldConfigPath);
  const host = opts.host ?? systemHostFacts();
  const file = opts.oldConfigPath;
  let docs = splitDocuments(text, file);
  validateKnownGVKs(docs);
  // kubestrap extension: v1beta3 is converted as kubeadm v1.36 did (lib/config/v1beta3.ts).
  const v3 = docs.some(isV1beta3) ? convertV1beta3Documents(docs, file) : undefined;
  if (v3) docs = v3.docs;
  const common = {
    file,
    strictErrors: true,
    skipCRIDetect: false,
    allowExperimentalApi: opts.allowExperimentalApi,
  };
  const out: string[] = [];
  const warnings: string[] = [];
  if (hasKind(docs, "InitConfiguration") || hasKind(docs, "ClusterConfiguration")) {
    const cfg = await documentsToInitConfig(docs, host, common);
    warnings.push(...cfg.warnings);
    if (v3) warnings.push(...applyV1beta3TimeoutsInit(v3, cfg.init));
    out.push(marshalInitConfig(cfg.init, cfg.cluster));
  }
  if (hasKind(docs, "JoinConfiguration")) {
    const cfg = await documentsToJoinConfig(docs, host, common);
    warnings.push(...cfg.warnings);
    if (v3) applyV1beta3TimeoutsJoin(v3, cfg.join);
    out.push(marshalJoinConfiguration(cfg.join));
  }
  if (hasKind(docs, "ResetConfiguration")) {
    const cfg = await documentsToResetConfig(docs, host, common);
    warnings.push(...cfg.warnings);
    out.push(marshalResetConfiguration(cfg.reset));
  }
  if (hasKind(docs, "UpgradeConfiguration")) {
    const cfg = documentsToUpgradeConfig(docs, common);
    warnings.push(...cfg.warnings);
    out.push(marshalUpgradeConfiguration(cfg.upgrade));
  }
  const result = out.join(SEP);
  const all = v3 ? [V1BETA3_MIGRATE_NOTICE, ...restoreV1beta3Warnings(v3, warnings)] : warnings;
  const stderr = all.map((w) => w + "\n").join("");
  if (opts.newConfigPath) {
    await writeFileAtomic(opts.newConfigPath, result);
    return { stdout: "", stderr };
  }
  return { stdout: result, stderr };
}

/** `kubeadm config images list`. */
export async function listImages(opts: {
  configPath?: string;
  kubernetesVersion?: string;
  imageRepository?: string;
  featureGates?: string;
  /** `-o`: text, json, yaml or a template printer (output.PrintFlags). */
  output?: string;
  allowMissingTemplateKeys?: boolean;
  host?: HostFacts;
}): Promise<CommandOutput & { error?: KubestrapError }> {
  const warnings: string[] = [];
  const featureGates = parseFeatureGates(opts.featureGates, warnings);
  const printer = await toPrinter({
    output: opts.output ?? "text",
    allowMissingTemplateKeys: opts.allowMissingTemplateKeys ?? true,
    showManagedFields: false,
  });
  const host = opts.host ?? systemHostFacts();
  let cfg: InitConfig;
  let rawVersion: string;
  try {
    if (opts.configPath) {
      const text = readConfigFile(opts.configPath);
      const docs = splitDocuments(text, opts.configPath);
      const clusterDoc = docs.find((d) => d.gvk.kind === "ClusterConfiguration");
      rawVersion = rawKubernetesVersion(clusterDoc?.node);
      cfg = await documentsToInitConfig(docs, host, {
        file: opts.configPath,
        skipCRIDetect: true,
      });
    } else {
      const cluster: Partial<ClusterConfiguration> = {};
      if (opts.kubernetesVersion) cluster.kubernetesVersion = opts.kubernetesVersion;
      if (opts.imageRepository) cluster.imageRepository = opts.imageRepository;
      if (Object.keys(featureGates).length > 0) cluster.featureGates = featureGates;
      rawVersion = opts.kubernetesVersion ?? C.DEFAULT_KUBERNETES_VERSION;
      cfg = {
        init: defaultInitConfiguration({}),
        cluster: defaultClusterConfiguration(cluster),
        componentConfigs: {} as ComponentConfigs,
        warnings: [],
      };
      await setInitDynamicDefaults(cfg, host, { skipCRIDetect: true });
      throwIfErrors(validateInitConfig(cfg));
      cfg.warnings.push(...clusterWarnings(cfg.cluster));
    }
  } catch (e) {
    if (e instanceof KubestrapError) {
      throw new KubestrapError(`could not convert cfg to an internal cfg: ${e.message}`);
    }
    throw e;
  }
  warnings.push(...cfg.warnings);
  const images = controlPlaneImages({
    cluster: cfg.cluster,
    ciImageRepository: cfg.ciImageRepository ??
      ciImageRepositoryFor(rawVersion, cfg.cluster.imageRepository ?? ""),
  });
  const stderr = warnings.map((w) => w + "\n").join("");
  if (printer.kind === "text") return { stdout: images.join("\n") + "\n", stderr };
  let stdout = "";
  try {
    printer.print({ kind: "Images", apiVersion: OUTPUT_API, images }, (s) => void (stdout += s));
  } catch (e) {
    if (!(e instanceof KubestrapError)) throw e;
    return {
      stdout,
      stderr,
      error: new KubestrapError(`unable to print images: ${e.message}`),
    };
  }
  return { stdout, stderr };
}

function rawKubernetesVersion(node: unknown): string {
  const n = node as { k?: string; entries?: { key: string; value: { k: string; v?: unknown } }[] };
  if (n?.k === "map") {
    const e = n.entries?.find((x) => x.key === "kubernetesVersion");
    if (e && e.value.k === "str") return String(e.value.v);
  }
  return C.DEFAULT_KUBERNETES_VERSION;
}
