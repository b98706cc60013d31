import { NotImplementedError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeApplyData } from "./data.ts";

/** `kubeadm upgrade apply phase preflight`. */
export const preflightPhase: Phase<UpgradeApplyData> = {
  name: "preflight",
  short: "Run preflight checks before upgrade",
  run: runPreflight,
  inheritFlags: [
    "config",
    "kubeconfig",
    "force",
    "dry-run",
    "ignore-preflight-errors",
    "allow-experimental-upgrades",
    "allow-release-candidate-upgrades",
    "yes",
  ],
};

function runPreflight(_data: UpgradeApplyData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade apply phase preflight");
}
