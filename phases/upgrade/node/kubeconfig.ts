import { NotImplementedError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeNodeData } from "./data.ts";

/** The hidden `kubeconfig` phase of `kubeadm upgrade node` (no subcommand). */
export const kubeconfigPhase: Phase<UpgradeNodeData> = {
  name: "kubeconfig",
  short: "Upgrade kubeconfig files for this node",
  run: runKubeconfig,
  hidden: true,
  inheritFlags: ["config", "dry-run", "kubeconfig"],
};

function runKubeconfig(_data: UpgradeNodeData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade node phase kubeconfig");
}
