/**
 * The version skew policy of an upgrade (kubeadm's app/phases/upgrade/policy.go): which target
 * versions kubeadm refuses outright (mandatory errors) and which it accepts only with `--force`
 * (skippable errors), with kubeadm's texts.
 */
import { MINIMUM_CONTROL_PLANE_VERSION } from "../config/constants.ts";
import { parseSemantic, type Version } from "../util/version.ts";
import type { VersionGetter } from "./versions.ts";

/** MaximumAllowedMinorVersionUpgradeSkew: minor versions one upgrade may go up. */
const MAX_MINOR_UPGRADE_SKEW = 1;
/** MaximumAllowedMinorVersionDowngradeSkew. */
const MAX_MINOR_DOWNGRADE_SKEW = 1;
/** MaximumAllowedMinorVersionKubeletSkew: how far kubelets may lag behind the control plane. */
const MAX_MINOR_KUBELET_SKEW = 3;

/** VersionSkewPolicyErrors. */
export interface SkewErrors {
  mandatory: string[];
  skippable: string[];
}

/**
 * EnforceVersionPolicies: checks `newVersionStr` (parsed: `newVersion`) against the cluster,
 * kubeadm and kubelet versions. Prints kubeadm's "[upgrade/versions] ..." lines through `out`.
 * Returns undefined when nothing is wrong.
 */
export async function enforceVersionPolicies(
  getter: VersionGetter,
  newVersionStr: string,
  newVersion: Version,
  allowExperimental: boolean,
  allowRC: boolean,
  out: (line: string) => void,
): Promise<SkewErrors | undefined> {
  const errs: SkewErrors = { mandatory: [], skippable: [] };
  let cluster: { str: string; version: Version };
  try {
    cluster = await getter.clusterVersion();
  } catch (e) {
    errs.mandatory.push(`Unable to fetch cluster version: ${(e as Error).message}`);
    return errs;
  }
  out(`[upgrade/versions] Cluster version: ${cluster.str}`);
  const kubeadm = getter.kubeadmVersion();
  out(`[upgrade/versions] kubeadm version: ${kubeadm.str}`);
  let kubelets: Map<string, string[]> | undefined;
  try {
    kubelets = await getter.kubeletVersions();
  } catch (e) {
    errs.skippable.push(`Unable to fetch kubelet version: ${(e as Error).message}`);
  }

  if (!newVersion.atLeast(parseSemantic(MINIMUM_CONTROL_PLANE_VERSION))) {
    errs.mandatory.push(
      `Specified version to upgrade to "${newVersionStr}" is equal to or lower than the minimum ` +
        `supported version "${cluster.str}". Please specify a higher version to upgrade to`,
    );
  }
  const stable = newVersion.preRelease === "";
  const byStability = (msg: string) => (stable ? errs.mandatory : errs.skippable).push(msg);
  if (newVersion.minor > cluster.version.minor + MAX_MINOR_UPGRADE_SKEW) {
    byStability(
      `Specified version to upgrade to "${newVersionStr}" is too high; kubeadm can upgrade only ` +
        `${MAX_MINOR_UPGRADE_SKEW} minor version at a time`,
    );
  }
  if (newVersion.minor < cluster.version.minor - MAX_MINOR_DOWNGRADE_SKEW) {
    byStability(
      `Specified version to downgrade to "${newVersionStr}" is too low; kubeadm can downgrade only ` +
        `${MAX_MINOR_DOWNGRADE_SKEW} minor version at a time`,
    );
  }
  if (kubeadm.version.lessThan(newVersion)) {
    if (newVersion.minor > kubeadm.version.minor) {
      byStability(
        `Specified version to upgrade to "${newVersionStr}" is at least one minor release higher ` +
          `than the kubeadm minor release (${newVersion.minor} > ${kubeadm.version.minor}). ` +
          "Such an upgrade is not supported",
      );
    } else {
      errs.skippable.push(
        `Specified version to upgrade to "${newVersionStr}" is higher than the kubeadm version ` +
          `"${kubeadm.str}". Upgrade kubeadm first using the tool you used to install kubeadm`,
      );
    }
  }
  if (
    kubeadm.version.major > newVersion.major || kubeadm.version.minor > newVersion.minor
  ) {
    errs.skippable.push(
      `Kubeadm version ${kubeadm.str} can only be used to upgrade to Kubernetes version ` +
        `${kubeadm.version.major}.${kubeadm.version.minor}`,
    );
  }
  const unstable = unstableVersionError(newVersion, newVersionStr, allowExperimental, allowRC);
  if (unstable) errs.skippable.push(unstable);
  if (kubelets) {
    const tooOld = tooOldKubelets(newVersion, kubelets);
    if (tooOld) errs.skippable.push(tooOld);
  }
  return errs.mandatory.length || errs.skippable.length ? errs : undefined;
}

/** detectUnstableVersionError. */
function unstableVersionError(
  v: Version,
  str: string,
  allowExperimental: boolean,
  allowRC: boolean,
): string | undefined {
  if (v.preRelease === "" || allowExperimental) return undefined;
  if (v.preRelease.startsWith("rc") && allowRC) return undefined;
  return `Specified version to upgrade to "${str}" is an unstable version and such upgrades ` +
    "weren't allowed via setting the --allow-*-upgrades flags";
}

/** detectTooOldKubelets (Go prints the versions as %v of a slice: "[v1.33.0 v1.32.1]"). */
function tooOldKubelets(v: Version, kubelets: Map<string, string[]>): string | undefined {
  const old: string[] = [];
  for (const s of kubelets.keys()) {
    let k: Version;
    try {
      k = parseSemantic(s);
    } catch {
      return `couldn't parse kubelet version ${s}`;
    }
    if (v.minor > k.minor + MAX_MINOR_KUBELET_SKEW) old.push(s);
  }
  if (old.length === 0) return undefined;
  return `There are kubelets in this cluster that are too old that have these versions [${
    old.join(" ")
  }]`;
}

/** formatErrorMsg of kubeadm's apply preflight: each error as "\t- <error>\n". */
function formatErrMsg(errs: string[]): string {
  return errs.map((e) => `\t- ${e}\n`).join("");
}

/**
 * The error `upgrade apply` gives for a target that violates the policy, or the lines it prints
 * when `--force` lets skippable errors through (enforceVersionPolicies of its preflight phase).
 */
export function skewVerdict(
  errs: SkewErrors | undefined,
  force: boolean,
): { error?: string; warning?: string } {
  if (!errs) return {};
  if (errs.mandatory.length > 0) {
    return {
      error: `the version argument is invalid due to these fatal errors:\n\n${
        formatErrMsg(errs.mandatory)
      }\nPlease fix the misalignments highlighted above and try upgrading again`,
    };
  }
  if (errs.skippable.length > 0) {
    if (!force) {
      return {
        error: `the version argument is invalid due to these errors:\n\n${
          formatErrMsg(errs.skippable)
        }\nCan be bypassed if you pass the --force flag`,
      };
    }
    return {
      warning:
        `[upgrade/preflight] Found ${errs.skippable.length} potential version compatibility ` +
        `errors but skipping since the --force flag is set: \n\n${formatErrMsg(errs.skippable)}`,
    };
  }
  return {};
}
