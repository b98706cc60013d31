/**
 * The run bodies of `kubeadm upgrade plan|apply|node` (loaded lazily by upgrade.ts): the
 * command line turned into an UpgradeConfiguration (flags over `--config`), a Host at
 * `--rootfs`, an API client from `--kubeconfig`, then lib/upgrade.
 */
import type { CommandContext } from "../cli.ts";
import { ADMIN_KUBECONFIG_PATH } from "../config/constants.ts";
import { loadUpgradeConfig } from "../config/load.ts";
import type { UpgradeConfiguration } from "../config/types.ts";
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import type { KubeClient } from "../kube/client.ts";
import { clientFromKubeconfig } from "../kube/kubeconfig.ts";
import { runUpgradePlan } from "../upgrade/plan.ts";
import type { UpgradeEnv } from "../upgrade/requirements.ts";
import { klogLine } from "../util/klog.ts";
import { checkOutputFormat } from "./certs_run.ts";
import { changedFlags, upgradeOptions } from "./flags_to_config.ts";

/** The UpgradeConfiguration of the command line (`--config` file or defaults, set flags over it). */
export function upgradeConfigOf(ctx: CommandContext): UpgradeConfiguration {
  const configPath = (ctx.flags.config as string | undefined) || undefined;
  const { upgrade, warnings } = loadUpgradeConfig({
    configPath,
    options: upgradeOptions(
      changedFlags(ctx, ["output", "show-managed-fields", "allow-missing-template-keys"]),
    ),
  });
  for (const w of warnings) ctx.err(klogLine("W", "config.go:0", w) + "\n");
  return upgrade;
}

/** The host of `--rootfs`. */
export function hostOf(ctx: CommandContext): Host {
  return new Host((ctx.flags.rootfs as string | undefined) || "/");
}

/** ClientSetFromFile(`--kubeconfig`), with kubeadm's error. */
export async function adminClient(ctx: CommandContext, host: Host): Promise<KubeClient> {
  const path = (ctx.flags.kubeconfig as string | undefined) || ADMIN_KUBECONFIG_PATH;
  try {
    return await clientFromKubeconfig({ host, path });
  } catch (e) {
    throw new KubestrapError(
      `couldn't create a Kubernetes client from file "${path}": ${(e as Error).message}`,
    );
  }
}

function envOf(ctx: CommandContext, host: Host, client: KubeClient): UpgradeEnv {
  return {
    host,
    client,
    out: (l) => ctx.out(l + "\n"),
    err: (t) => ctx.err(t),
  };
}

/** `kubeadm upgrade plan [version]`. */
export async function runPlanCommand(ctx: CommandContext): Promise<void> {
  const output = checkOutputFormat(String(ctx.flags.output ?? "text"));
  if (output === "kyaml") {
    throw new KubestrapError(
      'could not construct output printer: output format "kyaml" is not supported by kubestrap for upgrade plan (supported: text, json, yaml)',
    );
  }
  const upgrade = upgradeConfigOf(ctx);
  const host = hostOf(ctx);
  const client = await adminClient(ctx, host);
  try {
    await runUpgradePlan(envOf(ctx, host, client), upgrade, {
      args: ctx.args,
      output,
    });
  } finally {
    client.close();
  }
}
