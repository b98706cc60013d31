import { longDesc } from "../../lib/cli.ts";
import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { UpgradeData } from "./data.ts";

/**
 * The `kubelet-config` phase shared by `upgrade node` and `upgrade apply`; `workflow` is the
 * command path ("kubeadm upgrade node").
 */
export function kubeletConfigPhase<D extends UpgradeData>(workflow: string): Phase<D> {
  return {
    name: "kubelet-config",
    short: "Upgrade the kubelet configuration for this node",
    long: longDesc(`
      Upgrade the kubelet configuration for this node by downloading it from the kubelet-config ConfigMap stored in the cluster
    `),
    run: (data) => runKubeletConfig(data, workflow),
    inheritFlags: ["config", "dry-run", "kubeconfig", "patches"],
  };
}

function runKubeletConfig(_data: UpgradeData, workflow: string): Promise<void> {
  throw new NotImplementedError(`${workflow} phase kubelet-config`);
}
