/**
 * The `post-upgrade` phase of `upgrade apply` and `upgrade node` (kubeadm's
 * cmd/phases/upgrade/postupgrade.go). kubeadm v1.37 removes no kubelet flags (its list of
 * unwanted flags is empty), so the phase changes nothing.
 */
import type { Phase } from "../../lib/workflow.ts";
import type { UpgradeData } from "./data.ts";

/** The `post-upgrade` phase shared by `upgrade node` and `upgrade apply`. */
export function postUpgradePhase<D extends UpgradeData>(_workflow: string): Phase<D> {
  return {
    name: "post-upgrade",
    short: "Run post upgrade tasks",
    run: () => Promise.resolve(), // RemoveKubeletArgsFromFile with no unwanted flags: nothing
    inheritFlags: ["config", "kubeconfig", "dry-run"],
  };
}
