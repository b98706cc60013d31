import { examples } from "../../lib/cli.ts";
import { NotImplementedError } from "../../lib/errors.ts";
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

function runKubeletStart(_data: InitData): Promise<void> {
  throw new NotImplementedError("kubeadm init phase kubelet-start");
}
