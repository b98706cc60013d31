import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { ResetData } from "./data.ts";

/** `kubeadm reset phase preflight`. */
export const preflightPhase: Phase<ResetData> = {
  name: "preflight",
  aliases: ["pre-flight"],
  short: "Run reset pre-flight checks",
  long: "Run pre-flight checks for kubeadm reset.",
  run: runPreflight,
  inheritFlags: ["ignore-preflight-errors", "force", "dry-run"],
};

function runPreflight(_data: ResetData): Promise<void> {
  throw new NotImplementedError("kubeadm reset phase preflight");
}
