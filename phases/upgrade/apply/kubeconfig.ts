import { NotImplementedError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeApplyData } from "./data.ts";

/** The hidden `kubeconfig` phase of `kubeadm upgrade apply` (no subcommand). */
export const kubeconfigPhase: Phase<UpgradeApplyData> = {
  name: "kubeconfig",
  short: "Upgrade kubeconfig files for this node",
  run: runKubeconfig,
  hidden: true,
  inheritFlags: ["config", "dry-run", "kubeconfig"],
};

function runKubeconfig(_data: UpgradeApplyData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade apply phase kubeconfig");
}
