/**
 * `kubeadm upgrade node phase control-plane` (kubeadm's cmd/phases/upgrade/node/
 * controlplane.go): this node's control-plane instance to the cluster's version; nothing on a
 * worker.
 */
import { KubestrapError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeNodeData } from "./data.ts";

/** `kubeadm upgrade node phase control-plane`. */
export const controlPlanePhase: Phase<UpgradeNodeData> = {
  name: "control-plane",
  short: "Upgrade the control plane instance deployed on this node, if any",
  run: runNodeControlPlane,
  inheritFlags: [
    "config",
    "dry-run",
    "kubeconfig",
    "certificate-renewal",
    "etcd-upgrade",
    "patches",
  ],
};

async function runNodeControlPlane(d: UpgradeNodeData): Promise<void> {
  const { dryRunStaticPodUpgrade, performStaticPodUpgrade } = await import(
    "../../../lib/upgrade/controlplane.ts"
  );
  if (!d.isControlPlaneNode) {
    d.out("[upgrade/control-plane] Skipping phase. Not a control plane node.");
    return;
  }
  const version = d.init.cluster.kubernetesVersion ?? "";
  d.out(
    `[upgrade/control-plane] Upgrading your Static Pod-hosted control plane instance to version "${version}"...`,
  );
  if (d.dryRun) {
    d.write(`[dryrun] Would upgrade your static Pod-hosted control plane to version "${version}"`);
    await dryRunStaticPodUpgrade({
      host: d.host,
      init: d.init,
      patchesDir: d.patchesDir,
      kubernetesDir: d.kubernetesDir,
      out: d.out,
      warn: d.warn,
    });
    return;
  }
  try {
    await performStaticPodUpgrade({
      host: d.host,
      client: d.client,
      init: d.init,
      etcdUpgrade: d.etcdUpgrade,
      renewCerts: d.renewCerts,
      patchesDir: d.patchesDir,
      timeoutMs: d.upgradeManifestsTimeoutMs,
      kubernetesDir: d.kubernetesDir,
      out: d.out,
      warn: d.warn,
    });
  } catch (e) {
    throw new KubestrapError(`couldn't complete the static pod upgrade: ${(e as Error).message}`);
  }
  d.out(
    "[upgrade/control-plane] The control plane instance for this node was successfully upgraded!",
  );
}
