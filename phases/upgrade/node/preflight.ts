/** `kubeadm upgrade node phase preflight` (kubeadm's cmd/phases/upgrade/node/preflight.go). */
import type { Phase } from "../../../lib/workflow.ts";
import { envOf, pullImages } from "../apply/preflight.ts";
import type { UpgradeNodeData } from "./data.ts";

/** `kubeadm upgrade node phase preflight`. */
export const preflightPhase: Phase<UpgradeNodeData> = {
  name: "preflight",
  short: "Run upgrade node pre-flight checks",
  long: "Run pre-flight checks for kubeadm upgrade node.",
  run: runNodePreflight,
  inheritFlags: ["config", "ignore-preflight-errors"],
};

async function runNodePreflight(d: UpgradeNodeData): Promise<void> {
  const { isPrivilegedUserCheck } = await import("../../../lib/preflight/checks.ts");
  const { runPreflight } = await import("../../../lib/upgrade/requirements.ts");
  const { nodeUpgradeChecks } = await import("../../../lib/upgrade/preflight.ts");
  d.out("[upgrade/preflight] Running pre-flight checks");
  const env = envOf(d);
  await runPreflight(env, [isPrivilegedUserCheck()], d.ignorePreflightErrors);
  await runPreflight(env, nodeUpgradeChecks(d.init), d.ignorePreflightErrors);
  if (!d.isControlPlaneNode) {
    d.out("[upgrade/preflight] Skipping prepull. Not a control plane node.");
    return;
  }
  // The node part's imagePullPolicy/imagePullSerial are in the node registration already.
  await pullImages(
    d,
    "[upgrade/preflight] Would pull the required images (like 'kubeadm config images pull')",
  );
}
