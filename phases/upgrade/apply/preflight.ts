/**
 * `kubeadm upgrade apply phase preflight` (kubeadm's cmd/phases/upgrade/apply/preflight.go):
 * root, the node's system and container runtime, the CoreDNS Corefile's migration, the
 * cluster's health, the target version
 * against the skew policy, the confirmation prompt, and the images pulled.
 */
import { KubestrapError } from "../../../lib/errors.ts";
import type { UpgradeEnv } from "../../../lib/upgrade/requirements.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeData } from "../data.ts";
import type { UpgradeApplyData } from "./data.ts";

/** `kubeadm upgrade apply phase preflight`. */
export const preflightPhase: Phase<UpgradeApplyData> = {
  name: "preflight",
  short: "Run preflight checks before upgrade",
  run: runPreflightPhase,
  inheritFlags: [
    "config",
    "kubeconfig",
    "force",
    "dry-run",
    "ignore-preflight-errors",
    "allow-experimental-upgrades",
    "allow-release-candidate-upgrades",
    "yes",
  ],
};

/** The environment the lib/upgrade helpers report through. */
export function envOf(d: UpgradeData): UpgradeEnv {
  return {
    host: d.host,
    client: d.client,
    out: d.out,
    err: d.err,
    manifestDir: `${d.kubernetesDir}/manifests`,
  };
}

async function runPreflightPhase(d: UpgradeApplyData): Promise<void> {
  const { isPrivilegedUserCheck } = await import("../../../lib/preflight/checks.ts");
  const { runPreflight } = await import("../../../lib/upgrade/requirements.ts");
  const { coreDNSMigrationChecks, nodeUpgradeChecks } = await import(
    "../../../lib/upgrade/preflight.ts"
  );
  const { clusterHealthChecks } = await import("../../../lib/upgrade/health.ts");
  const { normalizeKubernetesVersion } = await import("../../../lib/config/defaults.ts");
  const { enforceVersionPolicies, skewVerdict } = await import("../../../lib/upgrade/policy.ts");
  const { ClusterVersionGetter } = await import("../../../lib/upgrade/versions.ts");
  const { parseSemantic } = await import("../../../lib/util/version.ts");

  d.out("[upgrade/preflight] Running preflight checks");
  const env = envOf(d);
  await runPreflight(env, [isPrivilegedUserCheck()], d.ignorePreflightErrors);
  await runPreflight(env, nodeUpgradeChecks(d.init), d.ignorePreflightErrors);
  await runPreflight(env, coreDNSMigrationChecks(d.client), d.ignorePreflightErrors);
  // CheckClusterHealth.
  d.out("[upgrade] Running cluster health checks");
  const health = clusterHealthChecks({
    client: d.client,
    cluster: d.init.cluster,
    host: d.host,
    manifestDir: `${d.kubernetesDir}/manifests`,
    dryRun: d.dryRun,
    out: d.out,
    warn: d.warn,
  });
  if (d.dryRun) {
    // The dry-run client prints every request as it goes: one check after another (as kubeadm
    // runs them), or their lines would interleave.
    for (const c of health) await runPreflight(env, [c], d.ignorePreflightErrors);
  } else {
    await runPreflight(env, health, d.ignorePreflightErrors);
  }

  const warnings: string[] = [];
  normalizeKubernetesVersion(d.init.cluster, warnings);
  for (const w of warnings) d.warn("version.go:0", w);
  const target = d.init.cluster.kubernetesVersion ?? "";
  let version;
  try {
    version = parseSemantic(target);
  } catch {
    throw new KubestrapError(
      `unable to parse normalized version "${target}" as a semantic version`,
    );
  }
  d.out(`[upgrade/preflight] You have chosen to upgrade the cluster version to "${target}"`);
  const errs = await enforceVersionPolicies(
    new ClusterVersionGetter(d.client, target),
    target,
    version,
    d.allowExperimentalUpgrades,
    d.allowRCUpgrades,
    d.out,
  );
  const verdict = skewVerdict(errs, d.force);
  if (verdict.error) throw new KubestrapError(verdict.error);
  if (verdict.warning) d.write(verdict.warning);

  if (!(d.nonInteractive || d.dryRun || d.force)) {
    const prompt = "[upgrade] Are you sure you want to proceed? [y/N]: ";
    const answer = d.readAnswer ? await d.readAnswer(prompt) : undefined;
    if (answer === undefined || !/^(y|yes)$/i.test(answer.trim())) {
      throw new KubestrapError("won't proceed; the user didn't answer (Y|y) in order to continue");
    }
  }
  await pullImages(
    d,
    "[dryrun] Would pull the required images (like 'kubeadm config images pull')",
  );
}

/**
 * RunPullImagesCheck with kubeadm's lines (or, in dry-run, the one line `dryRunLine`, which
 * `apply` and `node` word differently).
 */
export async function pullImages(d: UpgradeData, dryRunLine: string): Promise<void> {
  if (d.dryRun) {
    d.out(dryRunLine);
    return;
  }
  const { runPreflight } = await import("../../../lib/upgrade/requirements.ts");
  const { pullChecks } = await import("../../../lib/upgrade/preflight.ts");
  d.out("[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster");
  d.out(
    "[upgrade/preflight] This might take a minute or two, depending on the speed of your internet connection",
  );
  d.out(
    "[upgrade/preflight] You can also perform this action beforehand using 'kubeadm config images pull'",
  );
  await runPreflight(envOf(d), pullChecks(d.init), d.ignorePreflightErrors);
}
