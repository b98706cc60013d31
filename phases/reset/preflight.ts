import { KubestrapError } from "../../lib/errors.ts";
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

async function runPreflight(data: ResetData): Promise<void> {
  if (!data.force && !data.dryRun) {
    data.warn(
      "[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.",
    );
    data.out("[reset] Are you sure you want to proceed? [y/N]: ".replace(/\n$/, ""));
    const answer = (await data.readLine()).trim().toLowerCase();
    if (answer !== "y" && answer !== "yes") {
      throw new KubestrapError(
        "won't proceed; the user didn't answer (Y|y) in order to continue",
      );
    }
  }
  data.out("[preflight] Running pre-flight checks");
  const pf = await import("../../lib/preflight/mod.ts");
  const r = await pf.runChecks(
    pf.rootChecks(),
    data.ignorePreflightErrors,
    pf.defaultCheckContext(data.host),
    "root",
  );
  pf.writeOutput(r.output, { stdout: data.out, stderr: (s) => data.warn(s.replace(/\n$/, "")) });
  if (r.failed) throw new KubestrapError(pf.PREFLIGHT_FAILED);
}
