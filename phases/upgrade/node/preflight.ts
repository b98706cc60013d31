import { NotImplementedError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeNodeData } from "./data.ts";

/** `kubeadm upgrade node phase preflight`. */
export const preflightPhase: Phase<UpgradeNodeData> = {
  name: "preflight",
  short: "Run upgrade node pre-flight checks",
  long: "Run pre-flight checks for kubeadm upgrade node.",
  run: runPreflight,
  inheritFlags: ["config", "ignore-preflight-errors"],
};

function runPreflight(_data: UpgradeNodeData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade node phase preflight");
}
