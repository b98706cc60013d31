import { examples } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase mark-control-plane`. */
export const markControlPlanePhase: Phase<InitData> = {
  name: "mark-control-plane",
  short: "Mark a node as a control-plane",
  example: examples(`
    # Applies control-plane label and taint to the current node, functionally equivalent to what executed by kubeadm init.
    kubeadm init phase mark-control-plane --config config.yaml

    # Applies control-plane label and taint to a specific node
    kubeadm init phase mark-control-plane --node-name myNode
  `),
  inheritFlags: ["node-name", "config", "dry-run"],
  run: runMarkControlPlane,
};

async function runMarkControlPlane(data: InitData): Promise<void> {
  const { markControlPlanePhaseRun } = await import("./api_phases.ts");
  await markControlPlanePhaseRun(data);
}
