/** The phases of `kubeadm join`, in kubeadm's order (check-etcd is hidden). */
import type { Phase } from "../../lib/workflow.ts";
import { checkEtcdPhase } from "./check_etcd.ts";
import { controlPlaneJoinPhase } from "./control_plane_join.ts";
import { controlPlanePreparePhase } from "./control_plane_prepare.ts";
import type { JoinData } from "./data.ts";
import { etcdJoinPhase } from "./etcd_join.ts";
import { kubeletStartPhase } from "./kubelet_start.ts";
import { kubeletWaitBootstrapPhase } from "./kubelet_wait_bootstrap.ts";
import { preflightPhase } from "./preflight.ts";
import { waitControlPlanePhase } from "./wait_control_plane.ts";

export const joinPhases: Phase<JoinData>[] = [
  preflightPhase,
  controlPlanePreparePhase,
  checkEtcdPhase,
  kubeletStartPhase,
  etcdJoinPhase,
  kubeletWaitBootstrapPhase,
  controlPlaneJoinPhase,
  waitControlPlanePhase,
];
