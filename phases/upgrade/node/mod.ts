/** The phases of `kubeadm upgrade node`, in kubeadm's order (kubeconfig is hidden). */
import type { Phase } from "../../../lib/workflow.ts";
import { addonPhase } from "../addon.ts";
import { kubeletConfigPhase } from "../kubelet_config.ts";
import { postUpgradePhase } from "../post_upgrade.ts";
import { controlPlanePhase } from "./control_plane.ts";
import type { UpgradeNodeData } from "./data.ts";
import { kubeconfigPhase } from "./kubeconfig.ts";
import { preflightPhase } from "./preflight.ts";

const workflow = "kubeadm upgrade node";

export const upgradeNodePhases: Phase<UpgradeNodeData>[] = [
  preflightPhase,
  controlPlanePhase,
  kubeconfigPhase,
  kubeletConfigPhase<UpgradeNodeData>(workflow),
  addonPhase<UpgradeNodeData>(workflow),
  postUpgradePhase<UpgradeNodeData>(workflow),
];
