/**
 * The data of the `kubeadm upgrade apply` workflow (kubeadm's cmd/upgrade/apply.go
 * newApplyData): the UpgradeConfiguration with the set flags over it, the target version (the
 * argument over `apply.kubernetesVersion`), the cluster's configuration read back for it, and
 * the client (a dry-run client with `--dry-run`, reading from the real cluster).
 */
import { fetchInitConfigurationFromCluster } from "../../../lib/apiobjects/clusterconfig.ts";
import type { UpgradeConfiguration } from "../../../lib/config/types.ts";
import { parseDurationMs } from "../../../lib/util/duration.ts";
import { KubestrapError } from "../../../lib/errors.ts";
import type { Host } from "../../../lib/host.ts";
import type { KubeClient } from "../../../lib/kube/client.ts";
import { isNotFound } from "../../../lib/kube/errors.ts";
import { validateIgnorePreflightErrors } from "../../../lib/preflight/runner.ts";
import { printConfiguration } from "../../../lib/upgrade/requirements.ts";
import type { UpgradeData } from "../data.ts";

export interface UpgradeApplyData extends UpgradeData {
  force: boolean;
  allowExperimentalUpgrades: boolean;
  allowRCUpgrades: boolean;
  /** `-y`: no confirmation prompt. */
  nonInteractive: boolean;
  /**
   * Prints the confirmation prompt (stdout, no newline) and reads one line of standard input;
   * undefined at its end.
   */
  readAnswer?: (prompt: string) => Promise<string | undefined>;
}

/** What the command layer hands over. */
export interface ApplyInputs {
  host: Host;
  /** The API client: the real one, or a dry-run client over it. */
  client: KubeClient;
  upgrade: UpgradeConfiguration;
  args: string[];
  nonInteractive: boolean;
  readAnswer?: (prompt: string) => Promise<string | undefined>;
  /** A temporary kubelet directory for dry-run. */
  dryRunKubeletDir?: string;
  out(line: string): void;
  write(text: string): void;
  err(text: string): void;
  warn(at: string, msg: string): void;
}

/**
 * The version `upgrade apply` goes to: the argument over `apply.kubernetesVersion`; neither is
 * kubeadm's argument error (checked before anything else).
 */
export function targetVersion(u: UpgradeConfiguration, args: string[]): string {
  let version = u.apply.kubernetesVersion ?? "";
  if (version === "" && args.filter((x) => x !== "").length < 1) {
    throw new KubestrapError(
      "missing one or more required arguments. Required arguments: [version]",
    );
  }
  if (args.length > 1) {
    throw new KubestrapError("too many arguments. Required arguments: [version]");
  }
  if (args.length === 1) version = args[0];
  return version;
}

/** newApplyData. */
export async function newUpgradeApplyData(i: ApplyInputs): Promise<UpgradeApplyData> {
  const a = i.upgrade.apply;
  const version = targetVersion(i.upgrade, i.args);
  const ignore = validateIgnorePreflightErrors([], a.ignorePreflightErrors ?? []);
  const dryRun = a.dryRun ?? false;
  let init;
  try {
    init = await fetchInitConfigurationFromCluster({
      client: i.client,
      host: i.host,
      logPrefix: "upgrade",
      out: i.out,
      warn: i.warn,
      getNodeRegistration: true,
      getAPIEndpoint: true,
      getComponentConfigs: true,
    });
  } catch (e) {
    let msg = (e as Error).message;
    if (isNotFound(e) || /configmaps "kubeadm-config" not found/.test(msg)) {
      i.out(
        '[upgrade] In order to upgrade, a ConfigMap called "kubeadm-config" in the "kube-system" namespace must exist.',
      );
      i.out(
        "[upgrade/config] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.",
      );
      msg = 'the ConfigMap "kubeadm-config" in the "kube-system" namespace was not found';
    }
    throw new KubestrapError(`[upgrade] FATAL: ${msg}`);
  }
  for (const w of init.warnings) i.warn("cluster.go:130", w);
  init.init.nodeRegistration.ignorePreflightErrors = [...ignore].sort();
  if (a.imagePullPolicy) init.init.nodeRegistration.imagePullPolicy = a.imagePullPolicy;
  if (a.imagePullSerial !== undefined) {
    init.init.nodeRegistration.imagePullSerial = a.imagePullSerial;
  }
  init.cluster.kubernetesVersion = version;
  if (a.printConfig) printConfiguration(init.cluster, i.out);
  const timeouts = i.upgrade.timeouts ?? {};
  return {
    host: i.host,
    client: i.client,
    init,
    upgrade: i.upgrade,
    dryRun,
    etcdUpgrade: a.etcdUpgrade ?? false,
    renewCerts: a.certificateRenewal ?? false,
    patchesDir: a.patches?.directory || undefined,
    ignorePreflightErrors: ignore,
    kubernetesDir: "/etc/kubernetes",
    kubeletDir: dryRun && i.dryRunKubeletDir ? i.dryRunKubeletDir : "/var/lib/kubelet",
    isControlPlaneNode: true,
    upgradeManifestsTimeoutMs: parseDurationMs(timeouts.upgradeManifests ?? "5m0s"),
    apiCallTimeoutMs: parseDurationMs(timeouts.kubernetesAPICall ?? "1m0s"),
    skipPhases: a.skipPhases,
    force: a.forceUpgrade ?? false,
    allowExperimentalUpgrades: a.allowExperimentalUpgrades ?? false,
    allowRCUpgrades: a.allowRCUpgrades ?? false,
    nonInteractive: i.nonInteractive,
    readAnswer: i.readAnswer,
    out: i.out,
    write: i.write,
    err: i.err,
    warn: i.warn,
  };
}
