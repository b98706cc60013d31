/**
 * The run bodies of `kubeadm upgrade plan|apply|node` (loaded lazily by upgrade.ts): the
 * command line turned into an UpgradeConfiguration (flags over `--config`), a Host at
 * `--rootfs`, an API client from `--kubeconfig`, then lib/upgrade.
 */
import type { CommandContext } from "../cli.ts";
import { ADMIN_KUBECONFIG_PATH, UPGRADE_DRYRUN_DIR_ENV } from "../config/constants.ts";
import { loadUpgradeConfig } from "../config/load.ts";
import type { UpgradeConfiguration } from "../config/types.ts";
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import type { KubeClient } from "../kube/client.ts";
import { clientFromKubeconfig, kubeClientConfig } from "../kube/kubeconfig.ts";
import { getNodeName } from "../apiobjects/clusterconfig.ts";
import { dryRunClient } from "../dryrun/client.ts";
import { getDryRunDir } from "../dryrun/files.ts";
import {
  newUpgradeApplyData,
  targetVersion,
  type UpgradeApplyData,
} from "../../phases/upgrade/apply/data.ts";
import { newUpgradeNodeData, type UpgradeNodeData } from "../../phases/upgrade/node/data.ts";
import { runUpgradePlan } from "../upgrade/plan.ts";
import { isControlPlaneNode, type UpgradeEnv } from "../upgrade/requirements.ts";
import { klogLine } from "../util/klog.ts";
import { printFlagValues, toPrinter } from "../output/printers.ts";
import { changedFlags, upgradeOptions } from "./flags_to_config.ts";

/** The UpgradeConfiguration of the command line (`--config` file or defaults, set flags over it). */
function upgradeConfigOf(ctx: CommandContext): UpgradeConfiguration {
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
  const printer = await toPrinter(printFlagValues(ctx.flags));
  const upgrade = upgradeConfigOf(ctx);
  const host = hostOf(ctx);
  const client = await adminClient(ctx, host);
  try {
    await runUpgradePlan(envOf(ctx, host, client), upgrade, {
      args: ctx.args,
      printer,
      write: ctx.out,
    });
  } finally {
    client.close();
  }
}

/** Prints `prompt` and reads one line of standard input (undefined at its end). */
async function readAnswer(ctx: CommandContext, prompt: string): Promise<string | undefined> {
  ctx.out(prompt);
  const buf = new Uint8Array(1);
  const bytes: number[] = [];
  while (true) {
    const n = await Deno.stdin.read(buf);
    if (n === null) {
      return bytes.length ? new TextDecoder().decode(new Uint8Array(bytes)) : undefined;
    }
    if (buf[0] === 0x0a) return new TextDecoder().decode(new Uint8Array(bytes));
    bytes.push(buf[0]);
  }
}

/**
 * kubeadm's getClient in dry-run (cmd/upgrade/common.go): a client that prints every change,
 * with the health-check Job and Node PATCH reactors. When the kubeconfig at `path` exists it
 * reads from that cluster; when it does not, from kubeadm's fake cluster objects for this node
 * (`[dryrun] Dryrunning without a real client`).
 */
async function upgradeDryRunClient(
  ctx: CommandContext,
  host: Host,
  path: string,
): Promise<KubeClient> {
  const common = { out: (s: string) => ctx.out(s), healthCheckJobReactor: true };
  let st: Deno.FileInfo | undefined;
  try {
    st = await host.stat(path);
  } catch (e) {
    throw new Error(`could not create a client from "${path}": ${(e as Error).message}`);
  }
  if (st === undefined) {
    ctx.out("[dryrun] Dryrunning without a real client\n");
    const nodeName = await getNodeName(host, "/etc/kubernetes/kubelet.conf");
    return dryRunClient({ ...common, nodeReactors: true, upgradeFakeCluster: { nodeName } })
      .client;
  }
  ctx.out(`[dryrun] Creating a real client from "${path}"\n`);
  const real = await kubeClientConfig({ host, path });
  return dryRunClient({ ...common, real, nodeReactors: "patch" }).client;
}

/** The dry-run directory of an upgrade command (KUBEADM_UPGRADE_DRYRUN_DIR, else a new one). */
async function upgradeDryRunDir(
  host: Host,
  name: string,
  warn: (at: string, msg: string) => void,
): Promise<string> {
  return (await getDryRunDir(host, UPGRADE_DRYRUN_DIR_ENV, name, warn)).dir;
}

/** klog's warning line on stderr, as the upgrade data's `warn`. */
function klogWarn(ctx: CommandContext): (at: string, msg: string) => void {
  return (at, msg) => ctx.err(klogLine("W", at, msg) + "\n");
}

/**
 * The data of `kubeadm upgrade apply` (newApplyData): the real client, or in dry-run a client
 * that reads from the cluster and prints every change instead of making it.
 */
export async function newApplyData(ctx: CommandContext): Promise<UpgradeApplyData> {
  const upgrade = upgradeConfigOf(ctx);
  targetVersion(upgrade, ctx.args);
  const host = hostOf(ctx);
  const dryRun = upgrade.apply.dryRun ?? false;
  const warn = klogWarn(ctx);
  let client: KubeClient;
  let dryRunKubeletDir: string | undefined;
  if (dryRun) {
    dryRunKubeletDir = await upgradeDryRunDir(host, "kubeadm-upgrade-apply-dryrun", warn);
    const path = (ctx.flags.kubeconfig as string | undefined) || ADMIN_KUBECONFIG_PATH;
    try {
      client = await upgradeDryRunClient(ctx, host, path);
    } catch (e) {
      throw new KubestrapError(
        `couldn't create a Kubernetes client from file "${path}": ${(e as Error).message}`,
      );
    }
  } else {
    client = await adminClient(ctx, host);
  }
  return await newUpgradeApplyData({
    host,
    client,
    upgrade,
    args: ctx.args,
    nonInteractive: !!ctx.flags.yes,
    readAnswer: (prompt) => readAnswer(ctx, prompt),
    dryRunKubeletDir,
    out: (l) => ctx.out(l + "\n"),
    write: (t) => ctx.out(t),
    err: (t) => ctx.err(t),
    warn,
  });
}

/** What `upgrade apply` prints when every phase ran (its RunE after the workflow). */
export function printApplyDone(ctx: CommandContext, d: UpgradeApplyData): void {
  if (d.dryRun) {
    ctx.out("[upgrade/successful] Finished dryrunning successfully!\n");
    return;
  }
  ctx.out("\n");
  ctx.out(
    `[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "${d.init.cluster.kubernetesVersion}".\n\n`,
  );
  ctx.out(
    "[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order.\n",
  );
}

/**
 * The data of `kubeadm upgrade node` (newNodeData): `--kubeconfig` defaults to admin.conf on a
 * control-plane node, kubelet.conf elsewhere.
 */
export async function newNodeData(ctx: CommandContext): Promise<UpgradeNodeData> {
  const upgrade = upgradeConfigOf(ctx);
  const host = hostOf(ctx);
  const controlPlane = await isControlPlaneNode({ host });
  // The flag's help names admin.conf, but unset it means: admin.conf on a control-plane node,
  // kubelet.conf elsewhere (kubeadm's node options start empty).
  const given = ctx.changed.has("kubeconfig") ? ctx.flags.kubeconfig as string : "";
  const path = given || (controlPlane ? ADMIN_KUBECONFIG_PATH : "/etc/kubernetes/kubelet.conf");
  const dryRun = upgrade.node.dryRun ?? false;
  const warn = klogWarn(ctx);
  let client: KubeClient;
  let dryRunKubeletDir: string | undefined;
  if (dryRun) {
    dryRunKubeletDir = await upgradeDryRunDir(host, "kubeadm-upgrade-node-dryrun", warn);
  }
  try {
    if (dryRun) {
      client = await upgradeDryRunClient(ctx, host, path);
    } else {
      client = await clientFromKubeconfig({ host, path });
    }
  } catch (e) {
    throw new KubestrapError(
      `couldn't create a Kubernetes client from file "${path}": ${(e as Error).message}`,
    );
  }
  return await newUpgradeNodeData({
    host,
    client,
    upgrade,
    isControlPlaneNode: controlPlane,
    dryRunKubeletDir,
    out: (l) => ctx.out(l + "\n"),
    write: (t) => ctx.out(t),
    err: (t) => ctx.err(t),
    warn,
  });
}
