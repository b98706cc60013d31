/**
 * `kubeadm upgrade diff [version]` (kubeadm v1.37.2's cmd/upgrade/diff.go): the unified diff of
 * each control-plane static Pod manifest on the node against the one kubeadm would write for the
 * target version, from the cluster's own configuration.
 *
 * As kubeadm: the three manifests must exist before anything else happens; the UpgradeConfiguration
 * (`--config` or defaults) gives `diff.kubernetesVersion`, `diff.contextLines` and the timeouts
 * (the startup probes); the cluster's configuration is read back from the kubeadm-config
 * ConfigMap (no component configs); the version is the cluster's, then the configuration's, then
 * the argument's. The new Pods are controlplane.GetStaticPodSpecs's: no patches, the proxy
 * variables of this process, the ca-certs paths and external-CA state of this node. Without
 * `--context-lines` the context is `diff.contextLines`, which has no default: 0.
 *
 * kubeadm walks a Go map, so its order of components changes from run to run; kubestrap prints
 * kube-apiserver, kube-controller-manager, kube-scheduler. The diff is go-difflib's, byte for byte
 * (lib/util/difflib.ts), on the bytes of the files.
 */
import { fetchInitConfigurationFromCluster } from "../apiobjects/clusterconfig.ts";
import { ADMIN_KUBECONFIG_PATH, DEFAULT_MANIFESTS_DIR } from "../config/constants.ts";
import { imageContextOf, imagesFor } from "../config/images.ts";
import { decodeConfigBytes } from "../config/decode.ts";
import { loadUpgradeConfig, osErr, readConfigBytes } from "../config/load.ts";
import type { InitConfig, UpgradeConfiguration } from "../config/types.ts";
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import type { KubeClient } from "../kube/client.ts";
import { clientFromKubeconfig } from "../kube/kubeconfig.ts";
import {
  apiServerPod,
  controllerManagerPod,
  detectCACertsExtraPaths,
  getProxyEnvVars,
  marshalPod,
  type Pod,
  type PodOptions,
  schedulerPod,
  staticPodFilepath,
} from "../manifests/mod.ts";
import { usingExternalCA } from "../pki/certs.ts";
import { hostPkiFS } from "../pki/fs.ts";
import { binaryToBytes, bytesToBinary, splitLines, unifiedDiff } from "../util/difflib.ts";
import { parseDurationMs } from "../util/duration.ts";
import { goQuote } from "../util/goquote.ts";
import { klogLine } from "../util/klog.ts";
import { parseSemantic } from "../util/version.ts";
import { CONTROL_PLANE, type ControlPlaneComponent } from "./staticpods.ts";

/** The control-plane components `upgrade diff` compares, in the order kubestrap prints them. */
export const DIFF_COMPONENTS = CONTROL_PLANE;

export type DiffComponent = ControlPlaneComponent;

/** What `upgrade diff` runs with. */
export interface UpgradeDiffOptions {
  /** The node's filesystem (`--rootfs`): manifests, kubeconfig, PKI, kubelet files. */
  host: Host;
  /** The command's arguments ([version]). */
  args: string[];
  /** `--kubeconfig` (default /etc/kubernetes/admin.conf), read through `host`. */
  kubeconfigPath?: string;
  /** `--config`, read from the machine (kubestrap reads every `--config` there). */
  configPath?: string;
  /** `--context-lines` when given on the command line (it then wins over the configuration). */
  contextLines?: number;
  /**
   * kubeadm's ValidateMixedArguments, which runs after the manifest check and before the
   * configuration is loaded (the command's flags are the caller's).
   */
  validateFlags?: () => void;
  /** The process environment the proxy variables come from (default: Deno.env). */
  environment?: Record<string, string>;
  /** An API client instead of one from `kubeconfigPath` (tests). */
  client?: KubeClient;
  /** Text for stdout. */
  out(text: string): void;
  /** Bytes for stdout, for a diff that is no UTF-8 text (default: `out` with U+FFFD). */
  outBytes?(bytes: Uint8Array): void;
  /** Text for stderr. */
  err(text: string): void;
}

/**
 * validateManifestsPath: each manifest must exist (os.Stat, following links) and be no
 * directory, with kubeadm's errors.
 */
async function validateManifestsPath(host: Host, paths: string[]): Promise<void> {
  for (const p of paths) {
    let st: Deno.FileInfo | undefined;
    try {
      st = await host.stat(p);
    } catch (e) {
      throw new KubestrapError(
        `error obtaining stats for manifest file ${goQuote(p)}: stat ${p}: ${errnoText(e)}`,
      );
    }
    if (!st) {
      throw new KubestrapError(
        `the manifest file ${goQuote(p)} does not exist: stat ${p}: no such file or directory`,
      );
    }
    if (st.isDirectory) throw new KubestrapError(`${goQuote(p)} is a directory`);
  }
}

/** An OS error as Go's errno text ("permission denied"). */
function errnoText(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\(os error \d+\).*$/s, "");
  return msg.charAt(0).toLowerCase() + msg.slice(1);
}

/** cmdutil.ValidateExactArgNumber for `[version]`. */
function validateExactArgNumber(args: string[], supported: string[]): void {
  let valid = 0;
  for (const a of args) {
    if (a.length > 0) valid++;
    if (valid > supported.length) {
      throw new KubestrapError(
        `too many arguments. Required arguments: [${supported.join(" ")}]`,
      );
    }
  }
  if (valid < supported.length) {
    throw new KubestrapError(
      `missing one or more required arguments. Required arguments: [${supported.join(" ")}]`,
    );
  }
}

/** LoadOrDefaultUpgradeConfiguration, with its warnings on stderr as kubeadm's klog lines. */
function loadConfig(o: UpgradeDiffOptions): UpgradeConfiguration {
  let configText: string | undefined;
  if (o.configPath) {
    let bytes: Uint8Array;
    try {
      bytes = readConfigBytes(o.configPath); // --config is read from the machine
    } catch (e) {
      throw new KubestrapError(
        `unable to load config from file ${goQuote(o.configPath)}: ${osErr(e, o.configPath)}`,
      );
    }
    configText = decodeConfigBytes(bytes, o.configPath);
  }
  const loaded = loadUpgradeConfig({ configPath: o.configPath || undefined, configText });
  for (const w of loaded.warnings) {
    const at = w.startsWith("[config] WARNING: Ignored")
      ? "upgradeconfiguration.go:42"
      : "upgradeconfiguration.go:54";
    o.err(klogLine("W", at, w) + "\n");
  }
  return loaded.upgrade;
}

/**
 * The target version: the cluster's kubernetesVersion, then `diff.kubernetesVersion`, then the
 * argument; it must be a semantic version (kubeadm's errors).
 */
export function diffVersion(
  clusterVersion: string | undefined,
  u: UpgradeConfiguration,
  args: string[],
): string {
  let v = clusterVersion ?? "";
  if (u.diff.kubernetesVersion) v = u.diff.kubernetesVersion;
  if (v === "") validateExactArgNumber(args, ["version"]);
  if (args.length === 1) v = args[0];
  try {
    parseSemantic(v);
  } catch (e) {
    throw new KubestrapError((e as Error).message);
  }
  return v;
}

/**
 * controlplane.GetStaticPodSpecs for `init` (the cluster's configuration, its kubernetesVersion
 * already the target) on `host`: the startup probes from the UpgradeConfiguration's timeouts
 * (kubeadm's active timeouts), no patches.
 */
export async function staticPodSpecs(
  host: Host,
  init: InitConfig,
  u: UpgradeConfiguration,
  opts: { environment?: Record<string, string>; warn?: (msg: string) => void } = {},
): Promise<Record<DiffComponent, Pod>> {
  const images = imagesFor(imageContextOf(init));
  // UsingExternalCA's error is ignored by getControllerManagerCommand: an external CA whose
  // certificates do not check out is still an external CA.
  const externalCA = await usingExternalCA(
    hostPkiFS(host),
    init.cluster.certificatesDir ?? "/etc/kubernetes/pki",
    "ca",
  ).catch(() => true);
  const podOpts: PodOptions = {
    images: {
      apiServer: images.kubeAPIServer,
      controllerManager: images.kubeControllerManager,
      scheduler: images.kubeScheduler,
      etcd: images.etcd ?? "",
    },
    proxyEnvs: getProxyEnvVars(opts.environment),
    caCertsExtraPaths: await detectCACertsExtraPaths(host),
    externalCA,
    warn: opts.warn,
  };
  const cfg = {
    cluster: init.cluster,
    init: {
      ...init.init,
      timeouts: {
        ...init.init.timeouts,
        controlPlaneComponentHealthCheck: u.timeouts?.controlPlaneComponentHealthCheck,
      },
    },
  };
  return {
    "kube-apiserver": apiServerPod(cfg, podOpts),
    "kube-controller-manager": controllerManagerPod(cfg, podOpts),
    "kube-scheduler": schedulerPod(cfg, podOpts),
  };
}

/** getAPIServerCommand's warnings carry its source position in kubeadm's klog lines. */
function manifestsWarning(msg: string): string {
  return klogLine(
    "W",
    msg.startsWith("ignoring unknown") ? "manifests.go:296" : "manifests.go:307",
    msg,
  );
}

/** The UTF-8 bytes of `s` as a binary string (go-difflib compares Go strings: bytes). */
function binary(s: string): string {
  return bytesToBinary(new TextEncoder().encode(s));
}

/** `kubeadm upgrade diff`: checks, loads, fetches, builds and prints each component's diff. */
export async function upgradeDiff(o: UpgradeDiffOptions): Promise<void> {
  const { host } = o;
  // kubeadm's diffFlags.*ManifestPath: the default paths (v1.37.2 has no flags for them).
  const paths = Object.fromEntries(
    DIFF_COMPONENTS.map((c) => [c, staticPodFilepath(c)]),
  ) as Record<DiffComponent, string>;
  await validateManifestsPath(host, DIFF_COMPONENTS.map((c) => paths[c]));
  o.validateFlags?.();

  const u = loadConfig(o);
  const kubeconfigPath = o.kubeconfigPath || ADMIN_KUBECONFIG_PATH;
  let client = o.client;
  if (!client) {
    try {
      client = await clientFromKubeconfig({ host, path: kubeconfigPath });
    } catch (e) {
      throw new KubestrapError(
        `couldn't create a Kubernetes client from file ${goQuote(kubeconfigPath)}: ${
          (e as Error).message
        }`,
      );
    }
  }
  const warn = (at: string, msg: string) => o.err(klogLine("W", at, msg) + "\n");
  const apiCall = u.timeouts?.kubernetesAPICall;
  const init = await fetchInitConfigurationFromCluster({
    client,
    host,
    logPrefix: "upgrade/diff",
    out: (line) => o.out(line + "\n"),
    warn,
    getNodeRegistration: true,
    // staticpodutil.IsControlPlaneNode: the default path, whatever the manifest flags say.
    getAPIEndpoint: await host.exists(`${DEFAULT_MANIFESTS_DIR}/kube-apiserver.yaml`),
    getComponentConfigs: false,
    retryTimeoutMs: apiCall ? parseDurationMs(apiCall) : undefined,
  });
  for (const w of init.warnings) warn("cluster.go:130", w);

  init.cluster.kubernetesVersion = diffVersion(init.cluster.kubernetesVersion, u, o.args);
  const specs = await staticPodSpecs(host, init, u, {
    environment: o.environment,
    warn: (msg) => o.err(manifestsWarning(msg) + "\n"),
  });
  const context = o.contextLines ?? u.diff.contextLines ?? 0;
  for (const component of DIFF_COMPONENTS) {
    const path = paths[component];
    const newManifest = marshalPod(specs[component]);
    let existing: Uint8Array | undefined;
    try {
      existing = await host.readFile(path);
    } catch (e) {
      throw new KubestrapError(osErr(e, path));
    }
    if (existing === undefined) {
      throw new KubestrapError(`open ${path}: no such file or directory`);
    }
    const diff = unifiedDiff({
      a: splitLines(bytesToBinary(existing)),
      b: splitLines(binary(newManifest)),
      fromFile: binary(path),
      toFile: "new manifest",
      context,
    });
    if (diff === "") continue;
    write(o, binaryToBytes(diff));
  }
}

function write(o: UpgradeDiffOptions, bytes: Uint8Array): void {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    if (o.outBytes) return o.outBytes(bytes);
    text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  }
  o.out(text);
}
