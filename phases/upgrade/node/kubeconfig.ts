/** The hidden `kubeconfig` phase of `kubeadm upgrade node` (cmd/phases/upgrade/node/kubeconfig.go). */
import type { Phase } from "../../../lib/workflow.ts";
import { upgradeKubeconfigs } from "../apply/kubeconfig.ts";
import type { UpgradeNodeData } from "./data.ts";

/** The hidden `kubeconfig` phase of `kubeadm upgrade node` (no subcommand). */
export const kubeconfigPhase: Phase<UpgradeNodeData> = {
  name: "kubeconfig",
  short: "Upgrade kubeconfig files for this node",
  run: (d) => {
    if (!d.isControlPlaneNode) {
      d.out("[upgrade/kubeconfig] Skipping phase. Not a control plane node.");
      return Promise.resolve();
    }
    return upgradeKubeconfigs(d);
  },
  hidden: true,
  inheritFlags: ["config", "dry-run", "kubeconfig"],
};
