/**
 * Which upgrades are possible (kubeadm's app/phases/upgrade/compute.go GetAvailableUpgrades):
 * the latest patch of the cluster's minor series and the latest stable version, with the
 * versions each component would go from and to.
 */
import { COREDNS_VERSION } from "../config/constants.ts";
import { etcdSupportedVersion } from "../config/images.ts";
import { parseSemantic, type Version } from "../util/version.ts";
import { OfflineLabelError, type Versioned, type VersionGetter } from "./versions.ts";

/** ClusterState: versions of the cluster before or after an upgrade. */
export interface ClusterState {
  kubeVersion: string;
  dnsVersion: string;
  kubeadmVersion: string;
  etcdVersion?: string;
  kubeAPIServerVersions?: Map<string, string[]>;
  kubeControllerManagerVersions?: Map<string, string[]>;
  kubeSchedulerVersions?: Map<string, string[]>;
  etcdVersions?: Map<string, string[]>;
  kubeletVersions?: Map<string, string[]>;
}

/** Upgrade: one possibility. */
export interface Upgrade {
  description: string;
  before: ClusterState;
  after: ClusterState;
}

/** Upgrade.CanUpgradeKubelets. */
export function canUpgradeKubelets(u: Upgrade): boolean {
  const k = u.before.kubeletVersions;
  if (!k || k.size === 0) return false;
  if (k.size > 1) return true;
  return !k.has(u.after.kubeVersion);
}

/** Where the computation reports: text lines and klog-style warnings. */
export interface ComputeOutput {
  out(line: string): void;
  /** A klog warning from kubeadm's source position `at` (e.g. "compute.go:114"). */
  warn(at: string, msg: string): void;
}

/** getSuggestedEtcdVersion: "" for an external etcd. */
function suggestedEtcdVersion(
  external: boolean,
  kubernetesVersion: string,
  warn: (at: string, msg: string) => void,
): string {
  if (external) return "";
  try {
    const { version } = etcdSupportedVersion(kubernetesVersion);
    return version;
  } catch (e) {
    warn(
      "compute.go:327",
      `[upgrade/versions] could not retrieve an etcd version for the target Kubernetes version: ${
        (e as Error).message
      }`,
    );
    return "N/A";
  }
}

function latestClusterVersion(apiservers: Map<string, string[]>): Version | undefined {
  let latest: Version | undefined;
  for (const [s, nodes] of apiservers) {
    let v: Version;
    try {
      v = parseSemantic(s);
    } catch {
      throw new Error(`couldn't parse kube-apiserver version ${s} from nodes [${nodes.join(" ")}]`);
    }
    if (!latest || v.atLeast(latest)) latest = v;
  }
  return latest;
}

function label(
  g: VersionGetter,
  name: string,
  description: string,
  warn: (at: string, msg: string) => void,
  at: string,
): Versioned | undefined {
  try {
    return g.versionFromCILabel(name, description);
  } catch (e) {
    if (!(e instanceof OfflineLabelError)) throw e;
    warn(at, `[upgrade/versions] WARNING: ${e.message}\n`);
    return undefined;
  }
}

/** GetAvailableUpgrades. */
export async function availableUpgrades(
  g: VersionGetter,
  allowExperimental: boolean,
  allowRC: boolean,
  o: ComputeOutput,
): Promise<Upgrade[]> {
  o.out("[upgrade] Fetching available versions to upgrade to");
  const upgrades: Upgrade[] = [];
  const apiservers = await g.componentVersions("kube-apiserver");
  if (apiservers.size > 1) {
    const msg = [...apiservers].map(([v, nodes]) => `${v} on nodes [${nodes.join(" ")}]`);
    o.warn(
      "compute.go:91",
      `Different API server versions in the cluster were discovered: ${msg.join(", ")}. ` +
        "Please upgrade your control plane nodes to the same version of Kubernetes",
    );
  }
  const cluster = latestClusterVersion(apiservers);
  if (!cluster) throw new Error("no kube-apiserver Pod found in the kube-system namespace");
  // Go's Version.String(): no "v" (kubeadm prints "Cluster version: 1.36.3" here).
  const clusterStr = cluster.toString();
  o.out(`[upgrade/versions] Cluster version: ${clusterStr}`);
  const kubeadm = g.kubeadmVersion();
  o.out(`[upgrade/versions] kubeadm version: ${kubeadm.str}`);

  let stable = label(g, "stable", "stable version", o.warn, "compute.go:114");
  if (!stable) {
    o.warn(
      "compute.go:115",
      "[upgrade/versions] WARNING: Falling back to current kubeadm version as latest stable version",
    );
    stable = kubeadm;
  } else {
    o.out(`[upgrade/versions] Target version: ${stable.str}`);
  }

  const kubelets = await g.kubeletVersions();
  const controllerManagers = await g.componentVersions("kube-controller-manager");
  const schedulers = await g.componentVersions("kube-scheduler");
  const etcds = await g.componentVersions("etcd");
  const externalEtcd = etcds.size === 0;
  const dnsVersion = await g.dnsAddonVersion();
  const before: ClusterState = {
    kubeVersion: clusterStr,
    dnsVersion,
    kubeadmVersion: kubeadm.str,
    kubeAPIServerVersions: apiservers,
    kubeControllerManagerVersions: controllerManagers,
    kubeSchedulerVersions: schedulers,
    kubeletVersions: kubelets,
    etcdVersions: etcds,
  };
  const after = (v: string, kubeadmVersion: string): ClusterState => ({
    kubeVersion: v,
    dnsVersion: COREDNS_VERSION,
    kubeadmVersion,
    etcdVersion: suggestedEtcdVersion(externalEtcd, v, o.warn),
  });

  let canDoMinor = cluster.lessThan(stable.version);
  if (stable.version.atLeast(cluster)) {
    const branch = `${cluster.major}.${cluster.minor}`;
    const description = `version in the v${branch} series`;
    const patch = label(g, `stable-${branch}`, description, o.warn, "compute.go:178");
    if (patch) {
      o.out(`[upgrade/versions] Latest ${description}: ${patch.str}`);
      canDoMinor = patch.version.lessThan(stable.version);
      if (cluster.lessThan(patch.version)) {
        const newKubeadm = kubeadm.version.atLeast(patch.version) ? kubeadm.str : patch.str;
        upgrades.push({ description, before, after: after(patch.str, newKubeadm) });
      }
    }
  }
  if (canDoMinor) {
    upgrades.push({ description: "stable version", before, after: after(stable.str, stable.str) });
  }
  if (allowExperimental || allowRC) {
    const latest = g.versionFromCILabel("latest", "experimental version");
    o.out(`[upgrade/versions] Latest experimental version: ${latest.str}`);
    const previous = g.versionFromCILabel(
      `latest-1.${latest.version.minor - 1}`,
      "previous version",
    );
    o.out(`[upgrade/versions] Latest previous version: ${previous.str}`);
    if (
      allowRC && previous.version.preRelease.startsWith("rc") && cluster.lessThan(previous.version)
    ) {
      upgrades.push({
        description: "release candidate version",
        before,
        after: after(previous.str, previous.str),
      });
    }
    if (allowExperimental && cluster.lessThan(latest.version)) {
      const v = latest.version.preRelease === "alpha.0" ? previous.str : latest.str;
      upgrades.push({ description: "experimental version", before, after: after(v, v) });
    }
  }
  o.out("");
  return upgrades;
}
