import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase wait-control-plane`. */
export const waitControlPlanePhase: Phase<InitData> = {
  name: "wait-control-plane",
  short: "Wait for the control plane to start",
  run: runWaitControlPlane,
};

function runWaitControlPlane(_data: InitData): Promise<void> {
  throw new NotImplementedError("kubeadm init phase wait-control-plane");
}
