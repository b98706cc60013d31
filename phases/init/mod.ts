/** The phases of `kubeadm init`, in kubeadm's order. */
import type { Phase } from "../../lib/workflow.ts";
import { addonPhase } from "./addon.ts";
import { bootstrapTokenPhase } from "./bootstrap_token.ts";
import { certsPhase } from "./certs.ts";
import { controlPlanePhase } from "./control_plane.ts";
import type { InitData } from "./data.ts";
import { etcdPhase } from "./etcd.ts";
import { kubeconfigPhase } from "./kubeconfig.ts";
import { kubeletFinalizePhase } from "./kubelet_finalize.ts";
import { kubeletStartPhase } from "./kubelet_start.ts";
import { markControlPlanePhase } from "./mark_control_plane.ts";
import { preflightPhase } from "./preflight.ts";
import { showJoinCommandPhase } from "./show_join_command.ts";
import { uploadCertsPhase } from "./upload_certs.ts";
import { uploadConfigPhase } from "./upload_config.ts";
import { waitControlPlanePhase } from "./wait_control_plane.ts";

export const initPhases: Phase<InitData>[] = [
  preflightPhase,
  certsPhase,
  kubeconfigPhase,
  etcdPhase,
  controlPlanePhase,
  kubeletStartPhase,
  waitControlPlanePhase,
  uploadConfigPhase,
  uploadCertsPhase,
  markControlPlanePhase,
  bootstrapTokenPhase,
  kubeletFinalizePhase,
  addonPhase,
  showJoinCommandPhase,
];
