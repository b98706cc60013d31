/**
 * The data of the `kubeadm upgrade node` workflow (kubeadm's cmd/upgrade/node.go newNodeData):
 * a control-plane node (its kube-apiserver manifest exists) upgrades its control-plane instance
 * and kubelet configuration, a worker only its kubelet configuration, both to the version the
 * cluster's kubeadm-config names (which `upgrade apply` wrote).
 */
import { KubestrapError } from "../../../lib/errors.ts";
import {
  settleAfterUnfinishedRun,
  type UpgradeData,
  upgradeDataOf,
  type UpgradeInputs,
} from "../data.ts";

export type UpgradeNodeData = UpgradeData;

export interface NodeInputs extends UpgradeInputs {
  isControlPlaneNode: boolean;
}

/** newNodeData. */
export async function newUpgradeNodeData(i: NodeInputs): Promise<UpgradeNodeData> {
  const { readClusterConfig } = await import("../../../lib/upgrade/requirements.ts");
  if (i.isControlPlaneNode) await settleAfterUnfinishedRun(i);
  let init;
  try {
    init = await readClusterConfig(i, "upgrade", i.isControlPlaneNode);
  } catch (e) {
    throw new KubestrapError(
      `unable to fetch the kubeadm-config ConfigMap: ${(e as Error).message}`,
    );
  }
  return await upgradeDataOf(i, i.upgrade.node, init, i.isControlPlaneNode);
}
