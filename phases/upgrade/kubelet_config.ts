/**
 * The `kubelet-config` phase of `upgrade apply` and `upgrade node` (kubeadm's
 * cmd/phases/upgrade/kubeletconfig.go): this node's /var/lib/kubelet/config.yaml from the
 * cluster's KubeletConfiguration, the old one backed up.
 */
import { longDesc } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { UpgradeData } from "./data.ts";

/**
 * The `kubelet-config` phase shared by `upgrade node` and `upgrade apply`; `workflow` is the
 * command path ("kubeadm upgrade node").
 */
export function kubeletConfigPhase<D extends UpgradeData>(_workflow: string): Phase<D> {
  return {
    name: "kubelet-config",
    short: "Upgrade the kubelet configuration for this node",
    long: longDesc(`
      Upgrade the kubelet configuration for this node by downloading it from the kubelet-config ConfigMap stored in the cluster
    `),
    run: runKubeletConfig,
    inheritFlags: ["config", "dry-run", "kubeconfig", "patches"],
  };
}

async function runKubeletConfig(d: UpgradeData): Promise<void> {
  const { writeKubeletConfigFiles } = await import("../../lib/upgrade/postupgrade.ts");
  await writeKubeletConfigFiles(d.host, d.init, {
    kubeletDir: d.kubeletDir,
    realKubeletDir: "/var/lib/kubelet",
    // kubeadm's KubeConfigDir(): the dry-run directory in dry-run.
    kubernetesDir: d.dryRun ? d.kubeletDir : d.kubernetesDir,
    patchesDir: d.patchesDir,
    dryRun: d.dryRun,
    io: { out: d.out, warn: d.warn },
  });
  d.out(
    "[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!",
  );
}
