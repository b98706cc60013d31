/**
 * `kubeadm upgrade apply phase bootstrap-token` (kubeadm's cmd/phases/upgrade/apply/
 * bootstraptoken.go): the RBAC rules of bootstrap tokens and cluster-info re-applied.
 */
import { KubestrapError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeApplyData } from "./data.ts";

/** `kubeadm upgrade apply phase bootstrap-token`. */
export const bootstrapTokenPhase: Phase<UpgradeApplyData> = {
  name: "bootstrap-token",
  short: "Configures bootstrap token and cluster-info RBAC rules",
  inheritFlags: ["config", "kubeconfig", "dry-run"],
  run: runBootstrapToken,
};

async function runBootstrapToken(d: UpgradeApplyData): Promise<void> {
  const { applyBootstrapTokenRBAC } = await import("../../../lib/apiobjects/bootstraptoken.ts");
  if (d.dryRun) {
    d.out("[dryrun] Would configure bootstrap token and cluster-info RBAC rules");
    return;
  }
  d.out("[upgrade/bootstrap-token] Configuring bootstrap token and cluster-info RBAC rules");
  const errs = await applyBootstrapTokenRBAC(d.client, { timeoutMs: d.apiCallTimeoutMs });
  // utilerrors.NewAggregate: one error as is, several as "[a, b]".
  if (errs.length === 1) throw new KubestrapError(errs[0]);
  if (errs.length > 1) throw new KubestrapError(`[${errs.join(", ")}]`);
}
