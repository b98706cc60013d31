/**
 * `kubeadm init phase mark-control-plane` (cmd/phases/init/markcontrolplane.go): the
 * control-plane label and taints on this node, once its kubelet registered it.
 */
import { examples } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase mark-control-plane`. */
export const markControlPlanePhase: Phase<InitData> = {
  name: "mark-control-plane",
  writes: "api",
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
  const client = await data.client();
  const { markControlPlane, CONTROL_PLANE_TAINT } = await import(
    "../../lib/apiobjects/markcontrolplane.ts"
  );
  const { apiPhaseError } = await import("../../lib/apiobjects/client.ts");
  const nr = data.cfg.init.nodeRegistration;
  const taints = nr.taints ?? [CONTROL_PLANE_TAINT];
  const timeoutMs = data.timeouts.kubernetesAPICallMs;
  try {
    await markControlPlane(client, nr.name ?? "", taints, data.out, { timeoutMs });
  } catch (e) {
    throw apiPhaseError(
      `error patching Node "${nr.name}" (waited for it to be registered by its kubelet)`,
      e,
      timeoutMs,
    );
  }
}
