/**
 * /var/lib/kubelet/config.yaml as kubeadm v1.37.2 writes it (phases/kubelet/config.go
 * WriteConfigToDisk): the cluster-wide KubeletConfiguration with the node-local mutation
 * (resolvConf when systemd-resolved is active), marshalled as the versioned Go struct,
 * `kubeletconfiguration` patches applied, then instance-config.yaml applied as a strategic
 * merge patch, and the JSON converted back to YAML.
 */
import { KubestrapError } from "../errors.ts";
import { KUBELET_SCHEMA, KUBELET_ZERO } from "../config/componentconfig_schema.ts";
import { toGoValue } from "../config/marshal.ts";
import { KUBELET_CONFIG_API } from "../config/types.ts";
import { marshalGoYAML } from "../util/goyaml.ts";
import { canonicalDuration, formatDuration } from "../util/duration.ts";
import {
  createPatchSet,
  KUBELET_CONFIGURATION_TARGET,
  type Output,
  PatchManager,
  STRATEGIC_MERGE_PATCH,
} from "../patches/patches.ts";
import { goQuote } from "../util/goquote.ts";

const SYSTEMD_RESOLVER_CONFIG = "/run/systemd/resolve/resolv.conf";

/** metav1.Duration fields of KubeletConfiguration (dotted paths). */
const DURATION_FIELDS = [
  "authentication.webhook.cacheTTL",
  "authorization.webhook.cacheAuthorizedTTL",
  "authorization.webhook.cacheUnauthorizedTTL",
  "containerLogMonitorInterval",
  "cpuCFSQuotaPeriod",
  "cpuManagerReconcilePeriod",
  "crashLoopBackOff.maxContainerRestartPeriod",
  "evictionPressureTransitionPeriod",
  "fileCheckFrequency",
  "httpCheckFrequency",
  "imageMaximumGCAge",
  "imageMinimumGCAge",
  "nodeStatusReportFrequency",
  "nodeStatusUpdateFrequency",
  "runtimeRequestTimeout",
  "shutdownGracePeriod",
  "shutdownGracePeriodCriticalPods",
  "streamingConnectionIdleTimeout",
  "syncFrequency",
  "volumeStatsAggPeriod",
];

/** Go's time.Duration.String() of a number of seconds. */
export function formatGoDuration(seconds: number): string {
  return formatDuration(BigInt(Math.round(seconds * 1e9)));
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The JSON value of the versioned KubeletConfiguration (k8s.io/kubelet v0.37.2, the version
 * kubeadm v1.37.2 embeds) as Go marshals it: the struct tags decide (`omitempty` drops a
 * non-pointer field's zero value such as `serverTLSBootstrap: false`, a set pointer field stays
 * even at false or 0, fields without `omitempty` and struct values are always there),
 * apiVersion/kind set, durations in canonical form. `null` members (unset pointers) are dropped.
 */
function kubeletConfigObject(cfg: Record<string, unknown>): Record<string, unknown> {
  const clean = JSON.parse(JSON.stringify(cfg, (_k, v) => (v === null ? undefined : v)));
  const out = toGoValue(clean ?? {}, KUBELET_SCHEMA, KUBELET_ZERO) as Record<string, unknown>;
  out.apiVersion = KUBELET_CONFIG_API;
  out.kind = "KubeletConfiguration";
  for (const f of DURATION_FIELDS) {
    const parts = f.split(".");
    let o: unknown = out;
    for (const p of parts.slice(0, -1)) o = isObj(o) ? o[p] : undefined;
    const last = parts[parts.length - 1];
    if (isObj(o) && typeof o[last] === "string") {
      try {
        o[last] = canonicalDuration(o[last] as string);
      } catch {
        // left as given; the config loader validates durations
      }
    }
  }
  return out;
}

/** The ConfigMap `kubelet-config` / upload form: `Marshal()` of the cluster-wide config. */
export function marshalKubeletConfig(cfg: Record<string, unknown>): string {
  return marshalGoYAML(kubeletConfigObject(cfg));
}

/**
 * mutateResolverConfig: when systemd-resolved is active, resolvConf defaults to
 * /run/systemd/resolve/resolv.conf; a different value is kept with kubeadm's warning.
 */
function mutateKubeletConfig(
  cfg: Record<string, unknown>,
  systemdResolvedActive: boolean,
  warn: (msg: string) => void = () => {},
): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(cfg));
  if (systemdResolvedActive) {
    if (out.resolvConf === undefined || out.resolvConf === null) {
      out.resolvConf = SYSTEMD_RESOLVER_CONFIG;
    } else if (out.resolvConf !== SYSTEMD_RESOLVER_CONFIG) {
      warn(
        `The recommended value for "resolvConf" in "KubeletConfiguration" is: ${SYSTEMD_RESOLVER_CONFIG}; the provided value is: ${out.resolvConf}`,
      );
    }
  }
  return out;
}

/** instance-config.yaml (WriteInstanceConfigToDisk): `containerRuntimeEndpoint: %q`. */
export function instanceConfigContent(criSocket: string): string {
  return `containerRuntimeEndpoint: ${goQuote(criSocket)}\n`;
}

export interface KubeletConfigFileOptions {
  /** The instance-config.yaml content applied last (default: none). */
  instanceConfig?: string;
  /** Patch manager of the --patches directory (target `kubeletconfiguration`). */
  patches?: PatchManager;
  /** Receives the `[patches] ...` lines. */
  output?: Output;
  /** Whether `systemctl is-active systemd-resolved` says active (Mutate). */
  systemdResolvedActive?: boolean;
  warn?: (msg: string) => void;
}

/** WriteConfigToDisk's wrapping of the `kubeletconfiguration` patches' errors. */
export const PATCHES_FAILED = "could not apply patches to the KubeletConfiguration";

/**
 * The bytes of /var/lib/kubelet/config.yaml for a defaulted cluster-wide
 * KubeletConfiguration (wire field names).
 */
export function kubeletConfigFileContent(
  cfg: Record<string, unknown>,
  opts: KubeletConfigFileOptions = {},
): string {
  const out = opts.output ?? (() => {});
  let data: unknown = kubeletConfigObject(
    mutateKubeletConfig(cfg, opts.systemdResolvedActive ?? false, opts.warn),
  );
  if (opts.patches) {
    const target = { name: KUBELET_CONFIGURATION_TARGET, data };
    try {
      opts.patches.applyPatchesToTarget(target);
    } catch (e) {
      throw new KubestrapError(`${PATCHES_FAILED}: ${e instanceof Error ? e.message : e}`);
    }
    data = target.data;
  }
  if (opts.instanceConfig !== undefined) {
    // applyKubeletConfigPatchFromFile: the file is one strategic merge patch set.
    const set = createPatchSet(
      KUBELET_CONFIGURATION_TARGET,
      STRATEGIC_MERGE_PATCH,
      opts.instanceConfig,
    );
    const pm = new PatchManager([set], [KUBELET_CONFIGURATION_TARGET], out);
    const target = { name: KUBELET_CONFIGURATION_TARGET, data };
    pm.applyPatchesToTarget(target);
    data = target.data;
  }
  return marshalGoYAML(data);
}
