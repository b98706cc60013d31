/** `kubeadm reset`: flags of reset.go, bound to the reset workflow. */
import { type CommandContext, type CommandSpec, dedent, type FlagSpec } from "../cli.ts";
import { Workflow, type WorkflowOptions } from "../workflow.ts";
import type { ResetData } from "../../phases/reset/data.ts";
import { resetPhases } from "../../phases/reset/mod.ts";
import {
  configFlag,
  criSocketFlag,
  DRY_RUN_USAGE,
  dryRunFlag,
  ignorePreflightErrorsFlag,
  kubeconfigFlag,
} from "./options.ts";
import { runWorkflow } from "./workflow_cmd.ts";

/** Printed after a successful `kubeadm reset`. */
const manualCleanupInstructions = dedent(`
		The reset process does not perform cleanup of CNI plugin configuration,
		network filtering rules and kubeconfig files.

		For information on how to perform this cleanup manually, please see:
		    https://k8s.io/docs/reference/setup-tools/kubeadm/kubeadm-reset/

	`);

const resetFlags: FlagSpec[] = [
  {
    name: "cert-dir",
    type: "string",
    default: "/etc/kubernetes/pki",
    usage: "The path to the directory where the certificates are stored. If specified, clean " +
      "this directory.",
  },
  {
    name: "force",
    short: "f",
    type: "bool",
    usage: "Reset the node without prompting for confirmation.",
  },
  dryRunFlag(DRY_RUN_USAGE),
  {
    name: "cleanup-tmp-dir",
    type: "bool",
    usage: `Cleanup the "/etc/kubernetes/tmp" directory`,
  },
  kubeconfigFlag(),
  configFlag(),
  ignorePreflightErrorsFlag(),
  criSocketFlag(),
  // Beyond kubeadm.
  {
    name: "cleanup-network",
    type: "bool",
    usage: "kubestrap only: also remove the CNI configuration in /etc/cni/net.d and the " +
      "iptables chains kube-proxy and CNI plugins created (KUBE-*, CNI-*)",
  },
];

const resetWorkflow = new Workflow<ResetData>(resetPhases);

/** Runs the reset workflow on the data of `newResetData` (phases/reset/data.ts, loaded lazily). */
async function startReset(ctx: CommandContext, opts: WorkflowOptions): Promise<void> {
  const { changedFlags, resetOptions } = await import("./flags_to_config.ts");
  const { newResetData } = await import("../../phases/reset/data.ts");
  // kubestrap's --cleanup-network sets no configuration field.
  const factory = (ctx: CommandContext) =>
    newResetData(ctx, resetOptions(changedFlags(ctx, ["cleanup-network"])));
  // reset locks /etc/kubernetes only when it exists (it does not create it).
  await runWorkflow(resetWorkflow, ctx, opts, factory, undefined, { onlyIfPresent: true });
  if (!opts.filterPhases) ctx.out(manualCleanupInstructions);
}

export const resetCommand: CommandSpec = resetWorkflow.bind(
  {
    use: "reset",
    short:
      "Performs a best effort revert of changes made to this host by 'kubeadm init' or 'kubeadm join'",
    flags: resetFlags,
  },
  startReset,
);
