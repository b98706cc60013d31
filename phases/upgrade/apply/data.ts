/**
 * The data of the `kubeadm upgrade apply` workflow (kubeadm's cmd/upgrade/apply.go
 * newApplyData): the UpgradeConfiguration with the set flags over it, the target version (the
 * argument over `apply.kubernetesVersion`), the cluster's configuration read back for it, and
 * the client (a dry-run client with `--dry-run`, reading from the real cluster).
 */
import type { UpgradeConfiguration } from "../../../lib/config/types.ts";
import { KubestrapError } from "../../../lib/errors.ts";
import {
  settleAfterUnfinishedRun,
  type UpgradeData,
  upgradeDataOf,
  type UpgradeInputs,
} from "../data.ts";

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
export interface ApplyInputs extends UpgradeInputs {
  args: string[];
  nonInteractive: boolean;
  readAnswer?: (prompt: string) => Promise<string | undefined>;
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
  const { readClusterConfig, printConfiguration } = await import(
    "../../../lib/upgrade/requirements.ts"
  );
  const a = i.upgrade.apply;
  const version = targetVersion(i.upgrade, i.args);
  await settleAfterUnfinishedRun(i);
  let init;
  try {
    init = await readClusterConfig(i, "upgrade", true);
  } catch (e) {
    let msg = (e as Error).message;
    if (/configmaps "kubeadm-config" not found/.test(msg)) {
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
  init.cluster.kubernetesVersion = version;
  if (a.printConfig) printConfiguration(init.cluster, i.out);
  return {
    ...await upgradeDataOf(i, a, init, true),
    force: a.forceUpgrade ?? false,
    allowExperimentalUpgrades: a.allowExperimentalUpgrades ?? false,
    allowRCUpgrades: a.allowRCUpgrades ?? false,
    nonInteractive: i.nonInteractive,
    readAnswer: i.readAnswer,
  };
}
