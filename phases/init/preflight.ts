import { examples } from "../../lib/cli.ts";
import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase preflight`. */
export const preflightPhase: Phase<InitData> = {
  name: "preflight",
  short: "Run pre-flight checks",
  long: "Run pre-flight checks for kubeadm init.",
  example: examples(`
    # Run pre-flight checks for kubeadm init using a config file.
    kubeadm init phase preflight --config kubeadm-config.yaml
  `),
  run: runPreflight,
  inheritFlags: ["config", "image-repository", "cri-socket", "ignore-preflight-errors", "dry-run"],
};

function runPreflight(_data: InitData): Promise<void> {
  throw new NotImplementedError("kubeadm init phase preflight");
}
