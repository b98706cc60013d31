/** `kubeadm upgrade {apply,plan,diff,node}`; apply and node are phase workflows. */
import { type CommandContext, type CommandSpec, type FlagSpec, longDesc } from "../cli.ts";
import { Workflow, type WorkflowOptions } from "../workflow.ts";
import type { UpgradeApplyData } from "../../phases/upgrade/apply/data.ts";
import { upgradeApplyPhases } from "../../phases/upgrade/apply/mod.ts";
import type { UpgradeNodeData } from "../../phases/upgrade/node/data.ts";
import { upgradeNodePhases } from "../../phases/upgrade/node/mod.ts";
import {
  configFlag,
  ignorePreflightErrorsFlag,
  kubeconfigFlag,
  outputFlags,
  patchesFlag,
} from "./options.ts";
import { runWorkflow } from "./workflow_cmd.ts";

function applyPlanFlags(): FlagSpec[] {
  return [
    kubeconfigFlag(),
    configFlag(),
    {
      name: "allow-experimental-upgrades",
      type: "bool",
      usage: "Show unstable versions of Kubernetes as an upgrade alternative and allow upgrading " +
        "to an alpha/beta/release candidate versions of Kubernetes.",
    },
    {
      name: "allow-release-candidate-upgrades",
      type: "bool",
      usage: "Show release candidate versions of Kubernetes as an upgrade alternative and allow " +
        "upgrading to a release candidate versions of Kubernetes.",
    },
    {
      name: "print-config",
      type: "bool",
      usage: "Specifies whether the configuration file that will be used in the upgrade should " +
        "be printed or not.",
    },
    { name: "etcd-upgrade", type: "bool", default: true, usage: "Perform the upgrade of etcd." },
    ignorePreflightErrorsFlag(),
  ];
}

const certificateRenewalFlag: FlagSpec = {
  name: "certificate-renewal",
  type: "bool",
  default: true,
  usage: "Perform the renewal of certificates used by component changed during upgrades.",
};

const upgradeApplyWorkflow = new Workflow<UpgradeApplyData>(upgradeApplyPhases);

/**
 * Runs the upgrade apply workflow: its data (lib/commands/upgrade_run.ts newApplyData), the
 * phases, then kubeadm's closing lines (not when only some phases ran).
 */
async function startUpgradeApply(
  ctx: CommandContext,
  opts: WorkflowOptions,
): Promise<void> {
  const run = await import("./upgrade_run.ts");
  const data = await runWorkflow(upgradeApplyWorkflow, ctx, opts, run.newApplyData);
  try {
    if (!opts.filterPhases) run.printApplyDone(ctx, data);
  } finally {
    data.client.close();
  }
}

const applyCommand: CommandSpec = upgradeApplyWorkflow.bind(
  {
    use: "apply [version]",
    disableFlagsInUseLine: true,
    short: "Upgrade your Kubernetes cluster to the specified version",
    flags: [
      ...applyPlanFlags(),
      {
        name: "yes",
        short: "y",
        type: "bool",
        usage: "Perform the upgrade and do not prompt for confirmation (non-interactive mode).",
      },
      {
        name: "force",
        short: "f",
        type: "bool",
        usage: "Force upgrading although some requirements might not be met. This also implies " +
          "non-interactive mode.",
      },
      {
        name: "dry-run",
        type: "bool",
        usage: "Do not change any state, just output what actions would be performed.",
      },
      certificateRenewalFlag,
      patchesFlag(),
    ],
  },
  startUpgradeApply,
);

const planCommand: CommandSpec = {
  use: "plan [version] [flags]",
  short: "Check which versions are available to upgrade to and validate whether your current " +
    "cluster is upgradeable.",
  long: longDesc(`
	Check which versions are available to upgrade to and validate whether your current cluster is upgradeable.
	This command can only run on the control plane nodes where the kubeconfig file "admin.conf" exists.
	To skip the internet check, pass in the optional [version] parameter.
`),
  flags: [...outputFlags(), ...applyPlanFlags()],
  run: async (ctx) => (await import("./upgrade_run.ts")).runPlanCommand(ctx),
};

const diffCommand: CommandSpec = {
  use: "diff [version]",
  short: "Show what differences would be applied to existing static pod manifests. See also: " +
    "kubeadm upgrade apply --dry-run",
  flags: [
    kubeconfigFlag(),
    configFlag(),
    {
      name: "context-lines",
      short: "c",
      type: "int",
      default: 3,
      usage: "How many lines of context in the diff",
    },
  ],
  run: async (ctx) => {
    const { upgradeDiff } = await import("../upgrade/diff.ts");
    const { changedFlags, validateMixedArguments } = await import("./flags_to_config.ts");
    const { Host } = await import("../host.ts");
    await upgradeDiff({
      host: new Host((ctx.flags.rootfs as string | undefined) || "/"),
      args: ctx.args,
      kubeconfigPath: ctx.flags.kubeconfig as string | undefined,
      configPath: (ctx.flags.config as string | undefined) || undefined,
      contextLines: ctx.changed.has("context-lines")
        ? ctx.flags["context-lines"] as number
        : undefined,
      validateFlags: () => validateMixedArguments(changedFlags(ctx)),
      out: ctx.out,
      outBytes: (b) => {
        for (let n = 0; n < b.length;) n += Deno.stdout.writeSync(b.subarray(n));
      },
      err: ctx.err,
    });
  },
};

const upgradeNodeWorkflow = new Workflow<UpgradeNodeData>(upgradeNodePhases);

/**
 * Runs the upgrade node workflow. No data is built yet: every phase reports that it is not
 * implemented.
 */
async function startUpgradeNode(
  ctx: CommandContext,
  opts: WorkflowOptions,
): Promise<void> {
  const run = await import("./upgrade_run.ts");
  const data = await runWorkflow(upgradeNodeWorkflow, ctx, opts, run.newNodeData);
  try {
    if (!opts.filterPhases && data.dryRun) {
      ctx.out("[upgrade/successful] Finished dryrunning successfully!\n");
    }
  } finally {
    data.client.close();
  }
}

const nodeCommand: CommandSpec = upgradeNodeWorkflow.bind(
  {
    use: "node",
    short: "Upgrade commands for a node in the cluster",
    args: { kind: "none" },
    flags: [
      kubeconfigFlag(),
      {
        name: "dry-run",
        type: "bool",
        usage: "Do not change any state, just output the actions that would be performed.",
      },
      certificateRenewalFlag,
      { name: "etcd-upgrade", type: "bool", default: true, usage: "Perform the upgrade of etcd." },
      ignorePreflightErrorsFlag(),
      configFlag(),
      patchesFlag(),
    ],
  },
  startUpgradeNode,
);

export const upgradeCommand: CommandSpec = {
  use: "upgrade",
  short: "Upgrade your cluster smoothly to a newer version with this command",
  requireSubcommand: true,
  args: { kind: "none" },
  subcommands: [applyCommand, planCommand, diffCommand, nodeCommand],
};
