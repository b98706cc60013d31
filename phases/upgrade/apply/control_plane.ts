/**
 * `kubeadm upgrade apply phase control-plane` (kubeadm's cmd/phases/upgrade/apply/
 * controlplane.go): this node's static-Pod control plane (and local etcd) to the target version,
 * or in dry-run the manifests it would write. `upgrade node` runs the same upgrade with its own
 * first line.
 */
import { KubestrapError } from "../../../lib/errors.ts";
import { formatDurationMs } from "../../../lib/util/duration.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeData } from "../data.ts";
import type { UpgradeApplyData } from "./data.ts";

/** `kubeadm upgrade apply phase control-plane`. */
export const controlPlanePhase: Phase<UpgradeApplyData> = {
  name: "control-plane",
  short: "Upgrade the control plane",
  run: (d) => upgradeControlPlane(d, "apply"),
  inheritFlags: [
    "config",
    "kubeconfig",
    "dry-run",
    "certificate-renewal",
    "etcd-upgrade",
    "patches",
  ],
};

/**
 * The control-plane upgrade of `upgrade apply` and `upgrade node` (PerformStaticPodUpgrade or
 * its dry run); they differ only in the line they start with.
 */
export async function upgradeControlPlane(
  d: UpgradeData,
  command: "apply" | "node",
): Promise<void> {
  const { dryRunStaticPodUpgrade, performStaticPodUpgrade } = await import(
    "../../../lib/upgrade/controlplane.ts"
  );
  const version = d.init.cluster.kubernetesVersion ?? "";
  if (command === "node") {
    d.out(
      `[upgrade/control-plane] Upgrading your Static Pod-hosted control plane instance to version "${version}"...`,
    );
  }
  if (d.dryRun) {
    // kubeadm prints this line without a newline; the manifests follow on the same line.
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
  if (command === "apply") {
    d.out(
      `[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version "${version}" (timeout: ${
        formatDurationMs(d.upgradeManifestsTimeoutMs)
      })...`,
    );
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
