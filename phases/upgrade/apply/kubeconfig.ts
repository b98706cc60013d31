/**
 * The hidden `kubeconfig` phase of `kubeadm upgrade apply` (kubeadm's cmd/phases/upgrade/
 * apply/kubeconfig.go): kubelet.conf pointed at the local API server where kubeadm does that.
 */
import { KubestrapError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeData } from "../data.ts";
import type { UpgradeApplyData } from "./data.ts";

/** The hidden `kubeconfig` phase of `kubeadm upgrade apply` (no subcommand). */
export const kubeconfigPhase: Phase<UpgradeApplyData> = {
  name: "kubeconfig",
  short: "Upgrade kubeconfig files for this node",
  run: upgradeKubeconfigs,
  hidden: true,
  inheritFlags: ["config", "dry-run", "kubeconfig"],
};

/** runKubeconfig of `upgrade apply` and `upgrade node`. */
export async function upgradeKubeconfigs(d: UpgradeData): Promise<void> {
  const { tryRestartKubelet } = await import("../../../lib/kubelet/mod.ts");
  const { updateKubeletKubeconfigServer } = await import("../../../lib/upgrade/postupgrade.ts");
  let changed: boolean;
  try {
    changed = await updateKubeletKubeconfigServer(d.host, d.init, d.kubernetesDir, d.dryRun, d.out);
  } catch (e) {
    throw new KubestrapError(`failed to update kubelet local mode: ${(e as Error).message}`);
  }
  if (changed) {
    await tryRestartKubelet(d.host, {
      output: (s) => d.write(s),
      warn: (s) => d.err(s),
    });
  }
  d.out("[upgrade/kubeconfig] The kubeconfig files for this node were successfully upgraded!");
}
