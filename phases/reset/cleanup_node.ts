import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { ResetData } from "./data.ts";

/** `kubeadm reset phase cleanup-node`. */
export const cleanupNodePhase: Phase<ResetData> = {
  name: "cleanup-node",
  aliases: ["cleanupnode"],
  short: "Run cleanup node.",
  run: runCleanupNode,
  inheritFlags: ["cert-dir", "cri-socket", "cleanup-tmp-dir", "dry-run"],
};

function runCleanupNode(_data: ResetData): Promise<void> {
  throw new NotImplementedError("kubeadm reset phase cleanup-node");
}
