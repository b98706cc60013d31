import { NotImplementedError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeApplyData } from "./data.ts";

/** `kubeadm upgrade apply phase bootstrap-token`. */
export const bootstrapTokenPhase: Phase<UpgradeApplyData> = {
  name: "bootstrap-token",
  short: "Configures bootstrap token and cluster-info RBAC rules",
  inheritFlags: ["config", "kubeconfig", "dry-run"],
  run: runBootstrapToken,
};

function runBootstrapToken(_data: UpgradeApplyData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade apply phase bootstrap-token");
}
