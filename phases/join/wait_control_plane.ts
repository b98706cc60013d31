import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

/** `kubeadm join phase wait-control-plane`. */
export const waitControlPlanePhase: Phase<JoinData> = {
  name: "wait-control-plane",
  short: "Wait for the control plane to start",
  run: runWaitControlPlane,
};

function runWaitControlPlane(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase wait-control-plane");
}
