import { examples } from "../../lib/cli.ts";
import { KubestrapError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

/** The flags of the control-plane-join sub-phases (and etcd-join, as "etcd"). */
export function controlPlaneJoinPhaseFlags(name: string): string[] {
  const flags = ["config", "control-plane", "node-name"];
  if (name === "etcd" || name === "all") flags.push("patches");
  if (name !== "mark-control-plane") flags.push("apiserver-advertise-address");
  if (name !== "update-status") flags.push("dry-run");
  return flags;
}

/** `kubeadm join phase control-plane-join` (no run of its own) and its sub-phases. */
export const controlPlaneJoinPhase: Phase<JoinData> = {
  name: "control-plane-join",
  short: "Join a machine as a control plane instance",
  example: examples(`
    # Joins a machine as a control plane instance
    kubeadm join phase control-plane-join all
  `),
  phases: [
    {
      name: "all",
      short: "Join a machine as a control plane instance",
      inheritFlags: controlPlaneJoinPhaseFlags("all"),
      runAllSiblings: true,
      args: { kind: "none" },
    },
    {
      name: "mark-control-plane",
      short: "Mark a node as a control-plane",
      run: runMarkControlPlane,
      inheritFlags: controlPlaneJoinPhaseFlags("mark-control-plane"),
      args: { kind: "none" },
    },
  ],
};

async function runMarkControlPlane(data: JoinData): Promise<void> {
  if (!data.controlPlane) return;
  const cfg = await data.initCfg();
  const nodeName = data.nodeName();
  if (data.dryRun) {
    data.out(`[control-plane-join] Would mark node ${nodeName} as a control-plane`);
    return;
  }
  const { markControlPlane, CONTROL_PLANE_TAINT } = await import(
    "../../lib/apiobjects/markcontrolplane.ts"
  );
  const taints = cfg.init.nodeRegistration.taints ?? [CONTROL_PLANE_TAINT];
  const client = await data.adminClient();
  try {
    await markControlPlane(client, nodeName, taints as never, data.out, {
      timeoutMs: data.timeouts.kubernetesAPICallMs,
    } as never);
  } catch (e) {
    throw new KubestrapError(
      `error applying control-plane label and taints: ${(e as Error).message}`,
    );
  } finally {
    client.close();
  }
}
