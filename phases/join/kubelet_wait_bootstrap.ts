import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

/** `kubeadm join phase kubelet-wait-bootstrap`. */
export const kubeletWaitBootstrapPhase: Phase<JoinData> = {
  name: "kubelet-wait-bootstrap",
  short: "Wait for the kubelet to bootstrap itself",
  run: runKubeletWaitBootstrap,
  inheritFlags: ["config", "cri-socket", "dry-run"],
};

function runKubeletWaitBootstrap(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase kubelet-wait-bootstrap");
}
