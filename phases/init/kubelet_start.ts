import { examples } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase kubelet-start`. */
export const kubeletStartPhase: Phase<InitData> = {
  name: "kubelet-start",
  short: "Write kubelet settings and (re)start the kubelet",
  long: "Write a file with KubeletConfiguration and an environment file with node specific " +
    "kubelet settings, and then (re)start kubelet.",
  example: examples(`
    # Writes a dynamic environment file with kubelet flags from a InitConfiguration file.
    kubeadm init phase kubelet-start --config config.yaml
  `),
  run: runKubeletStart,
  inheritFlags: ["config", "image-repository", "cri-socket", "node-name", "patches", "dry-run"],
};

async function runKubeletStart(data: InitData): Promise<void> {
  const { runKubeletStart } = await import("../../lib/kubelet/mod.ts");
  await runKubeletStart(data.host, {
    init: data.cfg.init,
    kubeletConfig: data.cfg.componentConfigs.kubelet as Record<string, unknown>,
  }, {
    kubeletDir: data.kubeletDir,
    patchesDir: data.patchesDir,
    output: (s) => data.out(s.replace(/\n$/, "")),
    warn: (s) => data.warn(s.replace(/\n$/, "")),
    dryRun: data.dryRun,
  });
}
