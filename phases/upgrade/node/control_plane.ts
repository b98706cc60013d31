import { NotImplementedError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeNodeData } from "./data.ts";

/** `kubeadm upgrade node phase control-plane`. */
export const controlPlanePhase: Phase<UpgradeNodeData> = {
  name: "control-plane",
  short: "Upgrade the control plane instance deployed on this node, if any",
  run: runControlPlane,
  inheritFlags: [
    "config",
    "dry-run",
    "kubeconfig",
    "certificate-renewal",
    "etcd-upgrade",
    "patches",
  ],
};

function runControlPlane(_data: UpgradeNodeData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade node phase control-plane");
}
