import { examples } from "../../lib/cli.ts";
import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";
import { controlPlaneJoinPhaseFlags } from "./control_plane_join.ts";

/** `kubeadm join phase etcd-join`. */
export const etcdJoinPhase: Phase<JoinData> = {
  name: "etcd-join",
  short: "Join etcd for control plane nodes",
  run: runEtcdJoin,
  example: examples(`
    # Joins etcd for a control plane instance
    kubeadm join phase control-plane-join-etcd all
  `),
  inheritFlags: controlPlaneJoinPhaseFlags("etcd"),
  args: { kind: "none" },
};

function runEtcdJoin(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase etcd-join");
}
