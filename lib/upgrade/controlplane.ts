/**
 * kubeadm's PerformStaticPodUpgrade and DryRunStaticPodUpgrade for this node: the static-Pod
 * upgrade engine (staticpods.ts) wired to kubestrap's manifests, certificate renewal and etcd
 * client, and the dry-run that prints the manifests the upgrade would write.
 */
import * as path from "@std/path";
import type { InitConfig } from "../config/types.ts";
import { UPGRADE_DRYRUN_DIR_ENV } from "../config/constants.ts";
import { getDryRunDir, printDryRunFiles } from "../dryrun/files.ts";
import { etcdClientFromCluster } from "../etcdclient/cluster.ts";
import type { EtcdClient } from "../etcdclient/mod.ts";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import type { KubeClient } from "../kube/client.ts";
import { createControlPlaneManifest, createLocalEtcdManifest } from "../manifests/mod.ts";
import { staticPodOptions } from "../manifests/options.ts";
import { renewalInputsFromConfig, renewCertificate } from "../renewal/renewal.ts";
import { renewalFS } from "../renewal/staged.ts";
import {
  CONTROL_PLANE,
  pathManagerForUpgrade,
  type StaticPodUpgradeDeps,
  upgradeStaticPodControlPlane,
} from "./staticpods.ts";
import { StaticPodWaiter } from "./waiter.ts";
import { CrictlRuntime } from "../cri/cri.ts";
import { restartStaticPodContainers } from "./restart.ts";

export interface ControlPlaneUpgradeInput {
  host: Host;
  client: KubeClient;
  init: InitConfig;
  etcdUpgrade: boolean;
  renewCerts: boolean;
  patchesDir?: string;
  timeoutMs: number;
  kubernetesDir?: string;
  out(line: string): void;
  warn(at: string, msg: string): void;
}

/** The manifest writer's output without init's "[control-plane] Creating ..." line. */
function withoutCreating(out: (line: string) => void) {
  return (s: string) => {
    if (!s.startsWith("[control-plane] Creating static Pod manifest")) out(s.replace(/\n$/, ""));
  };
}

/** The etcd checks of the upgrade over one client (kubeadm's ClusterInterrogator). */
function etcdInterrogator(get: () => Promise<EtcdClient>) {
  const health = async () => {
    const c = await get();
    const members = await c.memberList();
    const errs: string[] = [];
    for (const m of members) {
      for (const url of m.clientURLs) {
        try {
          await c.status(url, 5_000);
        } catch (e) {
          errs.push(`${url}: ${(e as Error).message}`);
        }
      }
    }
    if (errs.length > 0) throw new Error(errs.join(", "));
  };
  return {
    checkHealth: health,
    /** WaitForClusterAvailable(10, 15 s): kubestrap asks every second within the same 150 s. */
    async waitAvailable() {
      const deadline = Date.now() + 150_000;
      let last: unknown;
      while (Date.now() < deadline) {
        try {
          await health();
          return;
        } catch (e) {
          last = e;
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
      throw new Error(
        `timeout waiting for etcd cluster to be available: ${(last as Error)?.message}`,
      );
    },
  };
}

/** PerformStaticPodUpgrade. */
export async function performStaticPodUpgrade(i: ControlPlaneUpgradeInput): Promise<void> {
  const k8sDir = i.kubernetesDir ?? "/etc/kubernetes";
  const cluster = i.init.cluster;
  const external = !!cluster.etcd.external;
  const nodeName = i.init.init.nodeRegistration.name ?? "";
  const pm = await pathManagerForUpgrade(i.host, k8sDir, i.etcdUpgrade, external);
  const opts = await staticPodOptions(i.host, cluster, {
    patchesDir: i.patchesDir,
    output: (s) => i.out(s.replace(/\n$/, "")),
    warn: (s) => i.warn("manifests.go:0", s),
  });
  let etcd: EtcdClient | undefined;
  const etcdClient = async () => {
    etcd ??= await etcdClientFromCluster({
      // etcdClientFromCluster closes the client it is given: lend it one whose close() keeps
      // the upgrade's own client open.
      client: () => Promise.resolve(Object.assign(Object.create(i.client), { close() {} })),
      host: i.host,
      certificatesDir: cluster.certificatesDir ?? "/etc/kubernetes/pki",
      kubernetesAPICallMs: 60_000,
      etcdAPICallMs: 10_000,
    });
    return etcd;
  };
  const fs = renewalFS(i.host);
  const inputs = renewalInputsFromConfig(cluster, k8sDir);
  // The waiter has its own connection with a short request timeout: a request the API server
  // holds (it can, right after etcd's swap) neither delays nor queues the upgrade's own calls.
  const waitClient = i.client.withOptions({ requestTimeoutMs: 10_000 });
  const criSocket = i.init.init.nodeRegistration.criSocket ?? "";
  const deps: StaticPodUpgradeDeps = {
    host: i.host,
    waiter: new StaticPodWaiter(
      waitClient,
      i.timeoutMs,
      i.out,
      criSocket ? new CrictlRuntime(i.host, criSocket, 10_000) : undefined,
    ),
    init: i.init,
    nodeName,
    etcdUpgrade: i.etcdUpgrade,
    renew: i.renewCerts
      ? async (name) => (await renewCertificate(inputs, fs, name)).status !== "external"
      : undefined,
    writeControlPlaneManifests: async (dir) => {
      for (const c of CONTROL_PLANE) {
        await createControlPlaneManifest(i.host, i.init, c, {
          ...opts,
          output: withoutCreating(i.out),
          manifestDir: dir,
        });
      }
    },
    writeEtcdManifest: async (dir) => {
      await createLocalEtcdManifest(i.host, i.init, {
        ...opts,
        output: withoutCreating(i.out),
        manifestDir: dir,
        nodeName,
        announce: false,
      });
    },
    restartComponent: async (component) =>
      void await restartStaticPodContainers(
        i.host,
        i.init.init.nodeRegistration.criSocket ?? "",
        component,
        nodeName,
        i.timeoutMs,
      ),
    etcd: etcdInterrogator(etcdClient),
    timeoutMs: i.timeoutMs,
    out: i.out,
    kubernetesDir: k8sDir,
  };
  try {
    await upgradeStaticPodControlPlane(deps, pm);
  } finally {
    waitClient.close();
    // The etcd client does not own the API client it was given.
    (etcd as EtcdClient | undefined)?.close();
  }
}

/** DryRunStaticPodUpgrade: the three manifests printed under their real paths. */
export async function dryRunStaticPodUpgrade(
  i: Omit<ControlPlaneUpgradeInput, "client" | "etcdUpgrade" | "renewCerts" | "timeoutMs">,
): Promise<void> {
  const k8sDir = i.kubernetesDir ?? "/etc/kubernetes";
  const { dir, given } = await getDryRunDir(
    i.host,
    UPGRADE_DRYRUN_DIR_ENV,
    "kubeadm-upgrade-dryrun",
    i.warn,
  );
  const files = CONTROL_PLANE.map((c) => ({
    real: path.join(dir, `${c}.yaml`),
    print: path.join(k8sDir, "manifests", `${c}.yaml`),
  }));
  try {
    const opts = await staticPodOptions(i.host, i.init.cluster, {
      patchesDir: i.patchesDir,
      output: (s) => i.out(s.replace(/\n$/, "")),
    });
    for (const c of CONTROL_PLANE) {
      await createControlPlaneManifest(i.host, i.init, c, {
        ...opts,
        output: withoutCreating(i.out),
        manifestDir: dir,
      });
    }
    await printDryRunFiles(i.host, files, (t) => i.out(t.replace(/\n$/, "")));
  } catch (e) {
    throw new KubestrapError((e as Error).message);
  } finally {
    // kubeadm removes the whole directory, also the one KUBEADM_UPGRADE_DRYRUN_DIR names (with
    // what was in it before); kubestrap removes only the manifests it wrote there.
    if (given) {
      for (const f of files) await i.host.remove(f.real);
    } else {
      await i.host.remove(dir, { recursive: true });
    }
  }
}
