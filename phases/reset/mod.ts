/** The phases of `kubeadm reset`, in kubeadm's order. */
import type { Phase } from "../../lib/workflow.ts";
import { cleanupNodePhase } from "./cleanup_node.ts";
import type { ResetData } from "./data.ts";
import { preflightPhase } from "./preflight.ts";
import { removeEtcdMemberPhase } from "./remove_etcd_member.ts";

export const resetPhases: Phase<ResetData>[] = [
  preflightPhase,
  removeEtcdMemberPhase,
  cleanupNodePhase,
];
