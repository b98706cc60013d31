import { NotImplementedError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeApplyData } from "./data.ts";

/** `kubeadm upgrade apply phase control-plane`. */
export const controlPlanePhase: Phase<UpgradeApplyData> = {
  name: "control-plane",
  short: "Upgrade the control plane",
  run: runControlPlane,
  inheritFlags: [
    "config",
    "kubeconfig",
    "dry-run",
    "certificate-renewal",
    "etcd-upgrade",
    "patches",
  ],
};

function runControlPlane(_data: UpgradeApplyData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade apply phase control-plane");
}
