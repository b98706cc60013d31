import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { ResetData } from "./data.ts";

/** `kubeadm reset phase remove-etcd-member`. */
export const removeEtcdMemberPhase: Phase<ResetData> = {
  name: "remove-etcd-member",
  short: "Remove a local etcd member.",
  long: "Remove a local etcd member for a control plane node.",
  run: runRemoveEtcdMember,
  inheritFlags: ["kubeconfig", "dry-run"],
};

function runRemoveEtcdMember(_data: ResetData): Promise<void> {
  throw new NotImplementedError("kubeadm reset phase remove-etcd-member");
}
