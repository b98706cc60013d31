import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase wait-control-plane`. */
export const waitControlPlanePhase: Phase<InitData> = {
  name: "wait-control-plane",
  short: "Wait for the control plane to start",
  run: runWaitControlPlane,
};

async function runWaitControlPlane(data: InitData): Promise<void> {
  const { waitControlPlane } = await import("./wait.ts");
  await waitControlPlane(data);
}
