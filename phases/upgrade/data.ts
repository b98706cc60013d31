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
