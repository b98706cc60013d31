/**
 * The data shared by the phases of `kubeadm upgrade apply` and `kubeadm upgrade node`
 * (kubeadm's cmd/phases/upgrade Data): the node, the cluster's configuration for the target
 * version, the API client (a dry-run client with `--dry-run`) and the run's options.
 */
import type { InitConfig, UpgradeConfiguration } from "../../lib/config/types.ts";
import type { Host } from "../../lib/host.ts";
import type { KubeClient } from "../../lib/kube/client.ts";

export interface UpgradeData {
  /** The node's filesystem (`--rootfs`). */
  host: Host;
  client: KubeClient;
  /** The cluster's configuration, kubernetesVersion set to the target. */
  init: InitConfig;
  upgrade: UpgradeConfiguration;
  dryRun: boolean;
  etcdUpgrade: boolean;
  renewCerts: boolean;
  /** `--patches` (or the configuration's patches directory). */
  patchesDir?: string;
  ignorePreflightErrors: Set<string>;
  /** /etc/kubernetes. */
  kubernetesDir: string;
  /** /var/lib/kubelet, or a temporary directory in dry-run. */
  kubeletDir: string;
  isControlPlaneNode: boolean;
  /** timeouts.kubernetesAPICall in ms. */
  apiCallTimeoutMs: number;
  /** `upgradeManifests` timeout in ms. */
  upgradeManifestsTimeoutMs: number;
  /** Phases to skip (the configuration's skipPhases when no flag named any). */
  skipPhases?: string[];
  /** One line of stdout (without its newline). */
  out(line: string): void;
  /** Raw text to stdout (kubeadm's few lines without a newline). */
  write(text: string): void;
  /** Raw text to stderr. */
  err(text: string): void;
  /** A klog warning from kubeadm's source position `at`. */
  warn(at: string, msg: string): void;
}

/** What both workflows' data factories receive from the command layer. */
export interface UpgradeInputs {
  host: Host;
  client: KubeClient;
  upgrade: UpgradeConfiguration;
  /** A temporary kubelet directory for dry-run. */
  dryRunKubeletDir?: string;
  out(line: string): void;
  write(text: string): void;
  err(text: string): void;
  warn(at: string, msg: string): void;
}

/** The part of UpgradeConfiguration both `apply` and `node` read the same way. */
interface CommonPart {
  certificateRenewal?: boolean;
  dryRun?: boolean;
  etcdUpgrade?: boolean;
  ignorePreflightErrors?: string[];
  patches?: { directory?: string };
  skipPhases?: string[];
  imagePullPolicy?: string;
  imagePullSerial?: boolean;
}

/**
 * The fields of UpgradeData from the cluster's configuration `init` and the `apply` or `node`
 * part of the UpgradeConfiguration (the ignored preflight errors and image pull settings go
 * into `init`'s node registration, as kubeadm sets them).
 */
export async function upgradeDataOf(
  i: UpgradeInputs,
  part: CommonPart,
  init: InitConfig,
  isControlPlaneNode: boolean,
): Promise<UpgradeData> {
  const { validateIgnorePreflightErrors } = await import("../../lib/preflight/runner.ts");
  const { parseDurationMs } = await import("../../lib/util/duration.ts");
  const ignore = validateIgnorePreflightErrors([], part.ignorePreflightErrors ?? []);
  const reg = init.init.nodeRegistration;
  reg.ignorePreflightErrors = [...ignore].sort();
  if (part.imagePullPolicy) {
    reg.imagePullPolicy = part.imagePullPolicy as typeof reg.imagePullPolicy;
  }
  if (part.imagePullSerial !== undefined) reg.imagePullSerial = part.imagePullSerial;
  const dryRun = part.dryRun ?? false;
  const timeouts = i.upgrade.timeouts ?? {};
  return {
    host: i.host,
    client: i.client,
    init,
    upgrade: i.upgrade,
    dryRun,
    etcdUpgrade: part.etcdUpgrade ?? false,
    renewCerts: part.certificateRenewal ?? false,
    patchesDir: part.patches?.directory || undefined,
    ignorePreflightErrors: ignore,
    kubernetesDir: "/etc/kubernetes",
    kubeletDir: dryRun && i.dryRunKubeletDir ? i.dryRunKubeletDir : "/var/lib/kubelet",
    isControlPlaneNode,
    apiCallTimeoutMs: parseDurationMs(timeouts.kubernetesAPICall ?? "1m0s"),
    upgradeManifestsTimeoutMs: parseDurationMs(timeouts.upgradeManifests ?? "5m0s"),
    skipPhases: part.skipPhases,
    out: i.out,
    write: i.write,
    err: i.err,
    warn: i.warn,
  };
}

/**
 * Before a control-plane node's upgrade reads the cluster: when an earlier run on this node did
 * not finish, wait (up to `timeouts.upgradeManifests`) for its control plane to come back
 * (lib/upgrade/interrupted.ts; kubestrap only).
 */
export async function settleAfterUnfinishedRun(i: UpgradeInputs): Promise<void> {
  const { parseDurationMs } = await import("../../lib/util/duration.ts");
  const { settleAfterUnfinishedUpgrade } = await import("../../lib/upgrade/interrupted.ts");
  await settleAfterUnfinishedUpgrade({
    host: i.host,
    client: i.client,
    kubernetesDir: "/etc/kubernetes",
    timeoutMs: parseDurationMs(i.upgrade.timeouts?.upgradeManifests ?? "5m0s"),
    out: i.out,
  });
}
