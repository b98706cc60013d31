/**
 * What every `upgrade plan` / `upgrade apply` does before it computes anything (kubeadm's
 * cmd/upgrade/common.go enforceRequirements): the root and CoreDNS preflight checks, the
 * cluster's configuration read back, the target version chosen (argument over config), the
 * cluster health checks, and `--print-config`.
 */
import { fetchInitConfigurationFromCluster } from "../apiobjects/clusterconfig.ts";
import { marshalClusterConfiguration } from "../config/serialize.ts";
import type { ClusterConfiguration, InitConfig, UpgradeConfiguration } from "../config/types.ts";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import type { KubeClient } from "../kube/client.ts";
import { isPrivilegedUserCheck } from "../preflight/checks.ts";
import {
  defaultCheckContext,
  PREFLIGHT_FAILED,
  runChecks,
  validateIgnorePreflightErrors,
} from "../preflight/runner.ts";
import type { Checker } from "../preflight/types.ts";
import { klogLine } from "../util/klog.ts";
import { clusterHealthChecks } from "./health.ts";
import { coreDNSMigrationChecks } from "./preflight.ts";
import { ClusterVersionGetter } from "./versions.ts";

/** Where an upgrade command runs and reports. */
export interface UpgradeEnv {
  /** The node's filesystem (`--rootfs`). */
  host: Host;
  /** A client from `--kubeconfig` (admin.conf). */
  client: KubeClient;
  /** One line of stdout (without its newline). */
  out(line: string): void;
  /** Raw text to stderr. */
  err(text: string): void;
  manifestDir?: string;
}

/** A klog warning on stderr. */
export function warnTo(env: UpgradeEnv): (at: string, msg: string) => void {
  return (at, msg) => env.err(klogLine("W", at, msg) + "\n");
}

/**
 * Runs `checks` as kubeadm's preflight.RunChecks: every line on its stream (the warnings and
 * the "Some fatal errors occurred" block on stderr), and a failure is kubeadm's error
 * "preflight checks failed".
 */
export async function runPreflight(
  env: UpgradeEnv,
  checks: Checker[],
  ignore: ReadonlySet<string>,
): Promise<void> {
  const res = await runChecks(checks, ignore, defaultCheckContext(env.host));
  for (const l of res.output) {
    if (l.stream === "stdout") env.out(l.text);
    else env.err(l.text + "\n");
  }
  if (res.failed) throw new KubestrapError(PREFLIGHT_FAILED);
}

export interface Requirements {
  init: InitConfig;
  /** The target version ("" for `plan` without one). */
  newVersion: string;
  getter: ClusterVersionGetter;
  ignore: Set<string>;
}

/** staticpodutil.IsControlPlaneNode: this node runs a kube-apiserver static Pod. */
export function isControlPlaneNode(
  env: Pick<UpgradeEnv, "host" | "manifestDir">,
): Promise<boolean> {
  return env.host.exists(`${env.manifestDir ?? "/etc/kubernetes/manifests"}/kube-apiserver.yaml`);
}

/**
 * FetchInitConfigurationFromCluster as every upgrade command asks for it (this node's
 * registration and component configs; its API endpoint on a control-plane node), its load
 * warnings printed the way kubeadm's klog does.
 */
export async function readClusterConfig(
  env: Pick<UpgradeEnv, "client" | "host" | "out" | "err">,
  logPrefix: string,
  getAPIEndpoint: boolean,
): Promise<InitConfig> {
  const warn = warnTo(env as UpgradeEnv);
  const init = await fetchInitConfigurationFromCluster({
    client: env.client,
    host: env.host,
    logPrefix,
    out: env.out,
    warn,
    getNodeRegistration: true,
    getAPIEndpoint,
    getComponentConfigs: true,
  });
  for (const w of init.warnings) warn("cluster.go:130", w);
  return init;
}

/** printConfiguration: the ClusterConfiguration, each line indented by a tab. */
export function printConfiguration(cluster: ClusterConfiguration, out: (line: string) => void) {
  out("[upgrade/config] Configuration used:");
  for (const l of marshalClusterConfiguration(cluster).replace(/\n$/, "").split("\n")) {
    out(`\t${l}`);
  }
}

/** enforceRequirements. `args` are the command's arguments ([version]). */
export async function enforceRequirements(
  env: UpgradeEnv,
  u: UpgradeConfiguration,
  opts: {
    args: string[];
    apply: boolean;
    dryRun: boolean;
    printConfig: boolean;
    /**
     * Where the CoreDNS check's note goes (kubeadm prints it with fmt.Println, on stdout even
     * when `-o json|yaml` silences the other lines). Default: env.out.
     */
    stdout?: (line: string) => void;
  },
): Promise<Requirements> {
  const part = opts.apply ? u.apply : u.plan;
  // The flag's list is already merged into the configuration's (loadUpgradeConfig).
  const ignore = validateIgnorePreflightErrors([], part.ignorePreflightErrors ?? []);
  env.out("[preflight] Running pre-flight checks.");
  await runPreflight(env, [isPrivilegedUserCheck()], ignore);
  await runPreflight(
    { ...env, out: opts.stdout ?? env.out },
    coreDNSMigrationChecks(env.client),
    ignore,
  );

  let init: InitConfig;
  try {
    init = await readClusterConfig(env, "upgrade/config", await isControlPlaneNode(env));
  } catch (e) {
    throw new KubestrapError(`[upgrade/init config] FATAL: ${(e as Error).message}`);
  }

  let newVersion = part.kubernetesVersion ?? "";
  if (opts.apply && newVersion === "" && opts.args.length === 0) {
    throw new KubestrapError(
      "missing one or more required arguments. Required arguments: [version]",
    );
  }
  if (opts.args.length === 1) newVersion = opts.args[0];
  if (opts.apply) init.cluster.kubernetesVersion = newVersion;

  const health = clusterHealthChecks({
    client: env.client,
    cluster: init.cluster,
    host: env.host,
    manifestDir: env.manifestDir ?? "/etc/kubernetes/manifests",
    dryRun: opts.dryRun,
    out: env.out,
    warn: warnTo(env),
  });
  env.out("[upgrade] Running cluster health checks");
  try {
    await runPreflight(env, health, ignore);
  } catch (e) {
    throw new KubestrapError(`[upgrade/health] FATAL: ${(e as Error).message}`);
  }

  if (opts.printConfig) printConfiguration(init.cluster, env.out);
  return { init, newVersion, getter: new ClusterVersionGetter(env.client, newVersion), ignore };
}
