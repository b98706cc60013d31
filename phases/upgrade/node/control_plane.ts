/**
 * `kubeadm upgrade node phase control-plane` (kubeadm's cmd/phases/upgrade/node/
 * controlplane.go): this node's control-plane instance to the cluster's version; nothing on a
 * worker.
 */
import type { Phase } from "../../../lib/workflow.ts";
import { upgradeControlPlane } from "../apply/control_plane.ts";
import type { UpgradeNodeData } from "./data.ts";

/** `kubeadm upgrade node phase control-plane`. */
export const controlPlanePhase: Phase<UpgradeNodeData> = {
  name: "control-plane",
  short: "Upgrade the control plane instance deployed on this node, if any",
  run: (d) => {
    if (!d.isControlPlaneNode) {
      d.out("[upgrade/control-plane] Skipping phase. Not a control plane node.");
      return Promise.resolve();
    }
    return upgradeControlPlane(d, "node");
  },
  inheritFlags: [
    "config",
    "dry-run",
    "kubeconfig",
    "certificate-renewal",
    "etcd-upgrade",
    "patches",
  ],
};
