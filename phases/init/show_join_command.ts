import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase show-join-command`. */
export const showJoinCommandPhase: Phase<InitData> = {
  name: "show-join-command",
  short: "Show the join command for control-plane and worker node",
  run: showJoinCommand,
  dependencies: ["bootstrap-token", "upload-certs"],
};

async function showJoinCommand(data: InitData): Promise<void> {
  const { showJoinCommandRun } = await import("./api_phases.ts");
  await showJoinCommandRun(data);
}
