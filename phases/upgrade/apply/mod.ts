/** The phases of `kubeadm upgrade apply`, in kubeadm's order (kubeconfig is hidden). */
import type { Phase } from "../../../lib/workflow.ts";
import { addonPhase } from "../addon.ts";
import { kubeletConfigPhase } from "../kubelet_config.ts";
import { postUpgradePhase } from "../post_upgrade.ts";
import { bootstrapTokenPhase } from "./bootstrap_token.ts";
import { controlPlanePhase } from "./control_plane.ts";
import type { UpgradeApplyData } from "./data.ts";
import { kubeconfigPhase } from "./kubeconfig.ts";
import { preflightPhase } from "./preflight.ts";
import { uploadConfigPhase } from "./upload_config.ts";

const workflow = "kubeadm upgrade apply";

export const upgradeApplyPhases: Phase<UpgradeApplyData>[] = [
  preflightPhase,
  controlPlanePhase,
  uploadConfigPhase,
  kubeconfigPhase,
  kubeletConfigPhase<UpgradeApplyData>(workflow),
  bootstrapTokenPhase,
  addonPhase<UpgradeApplyData>(workflow),
  postUpgradePhase<UpgradeApplyData>(workflow),
];
