/**
 * The data of the `kubeadm upgrade node` workflow (kubeadm's cmd/upgrade/node.go newNodeData):
 * a control-plane node (its kube-apiserver manifest exists) upgrades its control-plane instance
 * and kubelet configuration, a worker only its kubelet configuration, both to the version the
 * cluster's kubeadm-config names (which `upgrade apply` wrote).
 */
import { fetchInitConfigurationFromCluster } from "../../../lib/apiobjects/clusterconfig.ts";
import type { UpgradeConfiguration } from "../../../lib/config/types.ts";
import { KubestrapError } from "../../../lib/errors.ts";
import type { Host } from "../../../lib/host.ts";
import type { KubeClient } from "../../../lib/kube/client.ts";
import { validateIgnorePreflightErrors } from "../../../lib/preflight/runner.ts";
import { parseDurationMs } from "../../../lib/util/duration.ts";
import type { UpgradeData } from "../data.ts";

export type UpgradeNodeData = UpgradeData;

/** staticpodutil.IsControlPlaneNode: this node runs a kube-apiserver static Pod. */
export function isControlPlaneNode(
  host: Host,
  kubernetesDir = "/etc/kubernetes",
): Promise<boolean> {
  return host.exists(`${kubernetesDir}/manifests/kube-apiserver.yaml`);
}

export interface NodeInputs {
  host: Host;
  client: KubeClient;
  upgrade: UpgradeConfiguration;
  isControlPlaneNode: boolean;
  dryRunKubeletDir?: string;
  out(line: string): void;
  write(text: string): void;
  err(text: string): void;
  warn(at: string, msg: string): void;
}

/** newNodeData. */
export async function newUpgradeNodeData(i: NodeInputs): Promise<UpgradeNodeData> {
  const n = i.upgrade.node;
  let init;
  try {
    init = await fetchInitConfigurationFromCluster({
      client: i.client,
      host: i.host,
      logPrefix: "upgrade",
      out: i.out,
      warn: i.warn,
      getNodeRegistration: true,
      getAPIEndpoint: i.isControlPlaneNode,
      getComponentConfigs: true,
    });
  } catch (e) {
    throw new KubestrapError(
      `unable to fetch the kubeadm-config ConfigMap: ${(e as Error).message}`,
    );
  }
  for (const w of init.warnings) i.warn("cluster.go:130", w);
  const ignore = validateIgnorePreflightErrors([], n.ignorePreflightErrors ?? []);
  init.init.nodeRegistration.ignorePreflightErrors = [...ignore].sort();
  const dryRun = n.dryRun ?? false;
  const timeouts = i.upgrade.timeouts ?? {};
  return {
    host: i.host,
    client: i.client,
    init,
    upgrade: i.upgrade,
    dryRun,
    etcdUpgrade: n.etcdUpgrade ?? false,
    renewCerts: n.certificateRenewal ?? false,
    patchesDir: n.patches?.directory || undefined,
    ignorePreflightErrors: ignore,
    kubernetesDir: "/etc/kubernetes",
    kubeletDir: dryRun && i.dryRunKubeletDir ? i.dryRunKubeletDir : "/var/lib/kubelet",
    isControlPlaneNode: i.isControlPlaneNode,
    apiCallTimeoutMs: parseDurationMs(timeouts.kubernetesAPICall ?? "1m0s"),
    upgradeManifestsTimeoutMs: parseDurationMs(timeouts.upgradeManifests ?? "5m0s"),
    skipPhases: n.skipPhases,
    out: i.out,
    write: i.write,
    err: i.err,
    warn: i.warn,
  };
}
