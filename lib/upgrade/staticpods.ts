/**
 * Upgrading a node's static-Pod control plane (kubeadm's app/phases/upgrade/staticpods.go):
 * new manifests are written to /etc/kubernetes/tmp/kubeadm-upgraded-manifests*, each old one is
 * backed up to /etc/kubernetes/tmp/kubeadm-backup-manifests-<time>, the local etcd data to
 * kubeadm-backup-etcd-<time>; then etcd, the API server, the controller-manager and the
 * scheduler are swapped in, each one only after the kubelet runs the new Pod (its mirror Pod's
 * config hash changed and the Pods are Running), with their certificates renewed first. When a
 * component does not come up, every manifest swapped so far is restored and the error names
 * the component, with the last lines of its log.
 *
 * Differences from kubeadm, on purpose:
 * - a manifest is replaced by an atomic rename of the new file over the old one (after the old
 *   one was copied to the backup), never moved away first: /etc/kubernetes/manifests always
 *   holds every component's old or new manifest, also when the run is killed in between;
 * - the controller-manager and the scheduler are swapped together once the API server runs the
 *   new version (both may run one minor version below it, so neither order matters);
 * - the mirror Pods are polled every 200 ms (kubeadm: 500 ms), and the node's container runtime
 *   is asked too (lib/upgrade/waiter.ts): a new static Pod counts as running once either the
 *   mirror Pod or the runtime shows its hash, so a kubelet that cannot reach a hung API server
 *   after etcd's swap does not hold the upgrade up.
 */
import * as path from "@std/path";
import { parse as parseYAML } from "yaml";
import type { InitConfig } from "../config/types.ts";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import { tagFromImage } from "../config/images.ts";
import { imageTagToSemver } from "./versions.ts";
import { parseSemantic, type Version } from "../util/version.ts";
import { etcdSupportedVersion } from "../config/images.ts";
import type { PodWaiter } from "./waiter.ts";

export const CONTROL_PLANE = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
] as const;
export type ControlPlaneComponent = typeof CONTROL_PLANE[number];
export type UpgradeComponent = ControlPlaneComponent | "etcd";

/** The directories of one upgrade run (KubeStaticPodPathManager). */
export interface PathManager {
  kubernetesDir: string;
  realManifestDir: string;
  tempManifestDir: string;
  backupManifestDir: string;
  backupEtcdDir: string;
  keepManifestDir: boolean;
  keepEtcdDir: boolean;
}

/** Go's time.Format("2006-01-02-15-04-05") in local time. */
function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${
    p(d.getMinutes())
  }-${p(d.getSeconds())}`;
}

/** constants.CreateTimestampDir. */
export async function createTimestampDir(host: Host, kubernetesDir: string, name: string) {
  const tmp = path.join(kubernetesDir, "tmp");
  await host.mkdirAll(tmp, 0o700);
  const dir = path.join(tmp, `${name}-${timestamp()}`);
  if (await host.exists(dir)) {
    throw new KubestrapError(`could not create timestamp directory: mkdir ${dir}: file exists`);
  }
  await host.mkdirAll(dir, 0o700);
  return dir;
}

/** GetPathManagerForUpgrade / NewKubeStaticPodPathManagerUsingTempDirs. */
export async function pathManagerForUpgrade(
  host: Host,
  kubernetesDir: string,
  etcdUpgrade: boolean,
  externalEtcd: boolean,
): Promise<PathManager> {
  const tempManifestDir = await host.makeTempDir(
    path.join(kubernetesDir, "tmp"),
    "kubeadm-upgraded-manifests",
  );
  const backupManifestDir = await createTimestampDir(
    host,
    kubernetesDir,
    "kubeadm-backup-manifests",
  );
  const backupEtcdDir = await createTimestampDir(host, kubernetesDir, "kubeadm-backup-etcd");
  return {
    kubernetesDir,
    realManifestDir: path.join(kubernetesDir, "manifests"),
    tempManifestDir,
    backupManifestDir,
    backupEtcdDir,
    keepManifestDir: true,
    keepEtcdDir: etcdUpgrade && !externalEtcd,
  };
}

const manifest = (dir: string, component: string) => path.join(dir, `${component}.yaml`);

/** Sorted-key JSON of a parsed manifest: equal for manifests kubeadm would call equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${
      Object.keys(o).sort().filter((k) => o[k] !== undefined && o[k] !== null).map((k) =>
        `${JSON.stringify(k)}:${canonical(o[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(v);
}

/** staticpod.ManifestFilesAreEqual: both Pods read and compared as objects. */
export async function manifestsEqual(host: Host, a: string, b: string): Promise<boolean> {
  const read = async (p: string) => {
    const text = await host.readText(p);
    if (text === undefined) {
      throw new KubestrapError(
        `failed to read manifest for ${JSON.stringify(p)}: open ${p}: no such file or directory`,
      );
    }
    try {
      return canonical(parseYAML(text));
    } catch (e) {
      throw new KubestrapError(
        `failed to unmarshal manifest for ${JSON.stringify(p)}: ${(e as Error).message}`,
      );
    }
  };
  return (await read(a)) === (await read(b));
}

/** GetEtcdImageTagFromStaticPod. */
export async function etcdImageTag(host: Host, manifestDir: string): Promise<string> {
  const p = manifest(manifestDir, "etcd");
  const text = await host.readText(p);
  if (text === undefined) {
    throw new KubestrapError(
      `failed to read manifest for ${JSON.stringify(p)}: open ${p}: no such file or directory`,
    );
  }
  const pod = parseYAML(text) as { spec?: { containers?: { image?: string }[] } };
  return imageTagToSemver(tagFromImage(pod?.spec?.containers?.[0]?.image ?? ""));
}

/** The certificates renewCertsByComponent renews before a component restarts. */
export function certificatesOf(component: UpgradeComponent, localEtcd: boolean): string[] {
  switch (component) {
    case "etcd":
      return localEtcd ? ["etcd-server", "etcd-peer", "etcd-healthcheck-client"] : [];
    case "kube-apiserver":
      return [
        "apiserver",
        "apiserver-kubelet-client",
        "front-proxy-client",
        ...(localEtcd ? ["apiserver-etcd-client"] : []),
      ];
    case "kube-controller-manager":
      return ["controller-manager.conf"];
    case "kube-scheduler":
      return ["scheduler.conf"];
  }
}

/** What the static-Pod upgrade needs from the rest of kubestrap. */
export interface StaticPodUpgradeDeps {
  host: Host;
  waiter: PodWaiter;
  init: InitConfig;
  nodeName: string;
  etcdUpgrade: boolean;
  /** Renews one certificate (`renewal` name); false when its CA is external. */
  renew?: (name: string) => Promise<boolean>;
  /** Writes the three control-plane manifests for `init` into `dir`. */
  writeControlPlaneManifests(dir: string): Promise<void>;
  /**
   * Restarts a component whose manifest did not change but whose certificates were renewed
   * (its containers stopped through the CRI; the kubelet starts new ones). kubeadm moves the
   * manifest away and back, which leaves the kubelet no manifest for a moment.
   */
  restartComponent?: (component: UpgradeComponent) => Promise<void>;
  /** Writes the local etcd manifest for `init` into `dir`. */
  writeEtcdManifest(dir: string): Promise<void>;
  /** The local etcd cluster: health and availability (kubeadm's ClusterInterrogator). */
  etcd: {
    checkHealth(): Promise<void>;
    waitAvailable(): Promise<void>;
  };
  timeoutMs: number;
  out(line: string): void;
  kubernetesDir?: string;
}

/** A component that did not come up; carries its name for the caller. */
class ComponentUpgradeError extends KubestrapError {
  constructor(readonly component: string, message: string) {
    super(message);
  }
}

/** The newest container log of `component`'s static Pod on this node (last `n` lines). */
async function lastLogLines(
  host: Host,
  component: string,
  node: string,
  n = 10,
): Promise<string[]> {
  const dirs = (await host.readDir("/var/log/pods")).filter((d) =>
    d.startsWith(`kube-system_${component}-${node}_`)
  );
  let newest: { file: string; mtime: number } | undefined;
  for (const d of dirs) {
    const cdir = `/var/log/pods/${d}/${component}`;
    for (const f of await host.readDir(cdir)) {
      const st = await host.stat(`${cdir}/${f}`);
      const mtime = st?.mtime?.getTime() ?? 0;
      if (!newest || mtime > newest.mtime) newest = { file: `${cdir}/${f}`, mtime };
    }
  }
  if (!newest) return [];
  const text = (await host.readText(newest.file)) ?? "";
  // CRI log lines: "<time> <stream> <tag> <message>"
  return text.trimEnd().split("\n").slice(-n).map((l) =>
    l.replace(/^\S+ (stdout|stderr) \S+ /, "")
  );
}

/**
 * StaticPodControlPlane. Returns when every component runs its new manifest; throws after
 * restoring the previous manifests otherwise.
 */
export async function upgradeStaticPodControlPlane(
  d: StaticPodUpgradeDeps,
  pm: PathManager,
): Promise<void> {
  const { host, out } = d;
  const recover = new Map<string, string>();
  const localEtcd = !d.init.cluster.etcd.external;
  const before = await d.waiter.controlPlaneHashes(d.nodeName, CONTROL_PLANE);

  out(`[upgrade/staticpods] Writing new Static Pod manifests to "${pm.tempManifestDir}"`);
  try {
    await d.writeControlPlaneManifests(pm.tempManifestDir);
  } catch (e) {
    throw new KubestrapError(
      `error creating init static pod manifest files: ${(e as Error).message}`,
    );
  }

  if (localEtcd && d.etcdUpgrade) {
    try {
      await upgradeEtcd(d, pm, recover);
    } catch (e) {
      if (!(e instanceof NonFatal)) throw e;
      out(`[upgrade/etcd] Non fatal issue encountered during upgrade: ${e.message}`);
    }
  }

  // The API server first; then the controller-manager and the scheduler together.
  await upgradeComponent(d, pm, "kube-apiserver", before.get("kube-apiserver")!, recover, false);
  const rest = await Promise.allSettled([
    upgradeComponent(
      d,
      pm,
      "kube-controller-manager",
      before.get("kube-controller-manager")!,
      recover,
      false,
      true,
    ),
    upgradeComponent(d, pm, "kube-scheduler", before.get("kube-scheduler")!, recover, false, true),
  ]);
  const failed = rest.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    const err = failed.reason as Error;
    const component = err instanceof ComponentUpgradeError ? err.component : "";
    throw await rollback(d, pm, recover, err.message, false, component);
  }

  if (d.renew) {
    for (const conf of ["admin.conf", "super-admin.conf"]) {
      if (conf === "super-admin.conf" && !(await host.exists(path.join(pm.kubernetesDir, conf)))) {
        continue;
      }
      let renewed: boolean;
      try {
        renewed = await d.renew(conf);
      } catch (e) {
        throw await rollback(
          d,
          pm,
          recover,
          `failed to upgrade the ${conf} certificates: ${(e as Error).message}`,
          false,
          "",
        );
      }
      if (!renewed) {
        out(`[upgrade/staticpods] External CA detected, ${conf} certificate can't be renewed`);
      }
    }
  }
  await host.remove(pm.tempManifestDir, { recursive: true });
  if (!pm.keepManifestDir) await host.remove(pm.backupManifestDir, { recursive: true });
  if (!pm.keepEtcdDir) await host.remove(pm.backupEtcdDir, { recursive: true });
}

class NonFatal extends Error {}

/** upgradeComponent. `quietRollback`: the caller rolls back (parallel swaps). */
async function upgradeComponent(
  d: StaticPodUpgradeDeps,
  pm: PathManager,
  component: UpgradeComponent,
  beforeHash: string,
  recover: Map<string, string>,
  recoverEtcd: boolean,
  callerRollsBack = false,
): Promise<void> {
  const { host, out } = d;
  let apiServerUpgrade = false;
  if (component === "etcd") {
    apiServerUpgrade = !(await manifestsEqual(
      host,
      manifest(pm.realManifestDir, "kube-apiserver"),
      manifest(pm.tempManifestDir, "kube-apiserver"),
    ));
  }
  out(`[upgrade/staticpods] Preparing for "${component}" upgrade`);
  const current = manifest(pm.realManifestDir, component);
  const next = manifest(pm.tempManifestDir, component);
  const backup = manifest(pm.backupManifestDir, component);
  recover.set(component, backup);
  const fail = async (msg: string): Promise<never> => {
    if (callerRollsBack) throw new ComponentUpgradeError(component, msg);
    throw await rollback(d, pm, recover, msg, recoverEtcd, component);
  };
  const equal = await manifestsEqual(host, current, next);
  if (equal && !apiServerUpgrade) {
    out(
      `[upgrade/staticpods] Current and new manifests of ${component} are equal, skipping upgrade`,
    );
    recover.delete(component);
    return;
  }
  if (d.renew) {
    try {
      for (const cert of certificatesOf(component, !d.init.cluster.etcd.external)) {
        out(`[upgrade/staticpods] Renewing ${cert} certificate`);
        if (!(await d.renew(cert))) {
          out(`[upgrade/staticpods] External CA detected, ${cert} certificate can't be renewed`);
        }
      }
    } catch (e) {
      await fail(
        `failed to renew certificates for component "${component}": ${(e as Error).message}`,
      );
    }
  }
  if (equal && d.renew) {
    out(
      `[upgrade/staticpods] Restarting the ${component} static pod and backing up its manifest to "${backup}"`,
    );
  } else {
    out(
      `[upgrade/staticpods] Moving new manifest to "${current}" and backing up old manifest to "${backup}"`,
    );
  }
  try {
    // Back up a copy, then rename the new manifest over the old one (atomic).
    await host.writeFile(backup, (await host.readFile(current))!, { mode: 0o600, dirMode: 0o700 });
    await host.rename(next, current);
  } catch (e) {
    await fail((e as Error).message);
  }
  out("[upgrade/staticpods] Waiting for the kubelet to restart the component");
  out(`[upgrade/staticpods] This can take up to ${formatTimeout(d.timeoutMs)}`);
  try {
    if (!equal) await d.waiter.hashChange(d.nodeName, component, beforeHash);
    else if (d.renew && d.restartComponent) await d.restartComponent(component);
    // etcd's health is checked directly next: while the API server does not answer (it may
    // hang for a minute after etcd's swap), the runtime running the new etcd is enough.
    await d.waiter.podsWithLabel(
      `component=${component}`,
      component === "etcd" ? { node: d.nodeName, component } : undefined,
    );
  } catch (e) {
    await fail((e as Error).message);
  }
  out(`[upgrade/staticpods] Component "${component}" upgraded successfully!`);
}

function formatTimeout(ms: number): string {
  const m = Math.floor(ms / 60000), s = Math.round((ms % 60000) / 1000);
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

/**
 * rollbackOldManifests: restores every backed-up manifest (etcd's only when `restoreEtcd`), then
 * returns kubeadm's error; `component` adds its last log lines (beyond kubeadm).
 */
async function rollback(
  d: StaticPodUpgradeDeps,
  pm: PathManager,
  recover: Map<string, string>,
  origErr: string,
  restoreEtcd: boolean,
  component: string,
): Promise<KubestrapError> {
  const errs = [origErr];
  for (const [c, backup] of recover) {
    if (c === "etcd" && !restoreEtcd) continue;
    try {
      if (await d.host.exists(backup)) {
        await d.host.writeFile(manifest(pm.realManifestDir, c), (await d.host.readFile(backup))!, {
          mode: 0o600,
          dirMode: 0o700,
        });
      }
    } catch (e) {
      errs.push((e as Error).message);
    }
  }
  let msg =
    "couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. Errors faced: " +
    (errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`);
  if (component) {
    const log = await lastLogLines(d.host, component, d.nodeName).catch(() => []);
    if (log.length > 0) {
      msg += `\n[upgrade/staticpods] The last lines of the ${component} log:\n` +
        log.map((l) => `\t${l}`).join("\n");
    }
  }
  return new ComponentUpgradeError(component, msg);
}

/** performEtcdStaticPodUpgrade. Throws NonFatal for kubeadm's non-fatal outcomes. */
async function upgradeEtcd(
  d: StaticPodUpgradeDeps,
  pm: PathManager,
  recover: Map<string, string>,
): Promise<void> {
  const { host, out, init } = d;
  try {
    await d.etcd.checkHealth();
  } catch (e) {
    throw new KubestrapError(`etcd cluster is not healthy: ${(e as Error).message}`);
  }
  const dataDir = init.cluster.etcd.local!.dataDir;
  try {
    await host.copyTree(dataDir, path.join(pm.backupEtcdDir, path.basename(dataDir)));
  } catch (e) {
    throw new KubestrapError(
      `failed to back up etcd data, output: ${JSON.stringify((e as Error).message)}`,
    );
  }
  let desired: Version;
  const tag = init.cluster.etcd.local?.imageTag;
  if (tag) {
    try {
      desired = parseSemantic(imageTagToSemver(tag));
    } catch (e) {
      throw new KubestrapError(
        `failed to parse tag "${tag}" as a semantic version: ${(e as Error).message}`,
      );
    }
  } else {
    desired = parseSemantic(etcdSupportedVersion(init.cluster.kubernetesVersion ?? "").version);
  }
  let current: string;
  try {
    current = await etcdImageTag(host, pm.realManifestDir);
  } catch (e) {
    throw new KubestrapError(
      `failed to retrieve the current etcd version: ${(e as Error).message}`,
    );
  }
  let cmp: number;
  try {
    cmp = desired.compare(current);
  } catch (e) {
    throw new KubestrapError(
      `failed comparing the current etcd version "${current}" to the desired one "${desired}": ${
        (e as Error).message
      }`,
    );
  }
  if (cmp < 0) {
    throw new NonFatal(
      `the desired etcd version "${desired}" is older than the currently installed "${current}". Skipping etcd upgrade`,
    );
  }
  const beforeHash = await d.waiter.singleHash(d.nodeName, "etcd");
  try {
    await d.writeEtcdManifest(pm.tempManifestDir);
  } catch (e) {
    throw new KubestrapError(
      `error creating local etcd static pod manifest file: ${(e as Error).message}`,
    );
  }
  const backupData = path.join(pm.backupEtcdDir, path.basename(dataDir));
  const restoreData = async () => {
    await host.remove(dataDir, { recursive: true });
    await host.copyTree(backupData, dataDir);
  };
  try {
    await upgradeComponent(d, pm, "etcd", beforeHash, recover, true);
  } catch (e) {
    out(`[upgrade/etcd] Failed to upgrade etcd: ${(e as Error).message}`);
    out("[upgrade/etcd] Waiting for previous etcd to become available");
    try {
      await d.etcd.waitAvailable();
    } catch (e2) {
      out(`[upgrade/etcd] Failed to healthcheck previous etcd: ${(e2 as Error).message}`);
      out("[upgrade/etcd] Rolling back etcd data");
      try {
        await restoreData();
      } catch (e3) {
        throw new KubestrapError(
          `fatal error rolling back local etcd cluster datadir: ${
            (e3 as Error).message
          }, the backup of etcd database is stored here:(${pm.backupEtcdDir})`,
        );
      }
      out("[upgrade/etcd] Etcd data rollback successful");
      out("[upgrade/etcd] Waiting for previous etcd to become available");
      try {
        await d.etcd.waitAvailable();
      } catch (e4) {
        out(`[upgrade/etcd] Failed to healthcheck previous etcd: ${(e4 as Error).message}`);
        throw new KubestrapError(
          `fatal error rolling back local etcd cluster manifest, the backup of etcd database is stored here:(${pm.backupEtcdDir}): ${
            (e4 as Error).message
          }`,
        );
      }
    }
    out("[upgrade/etcd] Etcd was rolled back and is now available");
    throw new KubestrapError(
      `fatal error when trying to upgrade the etcd cluster, rolled the state back to pre-upgrade state: ${
        (e as Error).message
      }`,
    );
  }
  out("[upgrade/etcd] Waiting for etcd to become available");
  try {
    await d.etcd.waitAvailable();
  } catch (e) {
    out(`[upgrade/etcd] Failed to healthcheck etcd: ${(e as Error).message}`);
    out("[upgrade/etcd] Rolling back etcd data");
    await restoreData();
    out("[upgrade/etcd] Etcd data rollback successful");
    out("[upgrade/etcd] Rolling back etcd manifest");
    await rollback(d, pm, recover, (e as Error).message, true, "etcd");
    out("[upgrade/etcd] Waiting for previous etcd to become available");
    await d.etcd.waitAvailable();
    out("[upgrade/etcd] Etcd was rolled back and is now available");
    throw new KubestrapError(
      `fatal error upgrading local etcd cluster, rolled the state back to pre-upgrade state: ${
        (e as Error).message
      }`,
    );
  }
}
