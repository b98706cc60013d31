/**
 * After an upgrade that did not finish (kubestrap beyond kubeadm).
 *
 * An `upgrade apply` or `upgrade node` killed while etcd or the API server restarts leaves the
 * control plane restarting for a minute or two: the kubelet brings up the new etcd, the API
 * server reconnects late, the controller-manager and the scheduler back off. A run started in
 * that time fails its first API calls, in kubeadm as in kubestrap without this. The run leaves
 * its temporary manifest directory behind (`/etc/kubernetes/tmp/kubeadm-upgraded-manifests-*`,
 * removed only when a run finishes), so the next run knows; it then waits, up to
 * `timeouts.upgradeManifests`, until this node's control-plane Pods are Ready before it reads
 * the cluster's configuration. When they are Ready at once it prints nothing; when the wait runs
 * out it goes on, and the usual checks report what is wrong.
 */
import * as path from "@std/path";
import type { Host } from "../host.ts";
import type { KubeClient } from "../kube/client.ts";
import { formatDurationMs } from "../util/duration.ts";
import { nodeNameFromKubeletConf } from "../apiobjects/clusterconfig.ts";
import { StaticPodWaiter, WaitTimeoutError } from "./waiter.ts";

/** The temporary directory prefix of an upgrade's new manifests (kubeadm's name). */
const UPGRADED_MANIFESTS_PREFIX = "kubeadm-upgraded-manifests";

/** The temporary manifest directories of upgrade runs that did not finish, oldest first. */
export async function unfinishedUpgradeDirs(host: Host, kubernetesDir: string): Promise<string[]> {
  const tmp = path.join(kubernetesDir, "tmp");
  let names: string[];
  try {
    names = await host.readDir(tmp);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(`${UPGRADED_MANIFESTS_PREFIX}`)).sort()
    .map((n) => path.join(tmp, n));
}

/**
 * When an earlier upgrade run on this control-plane node did not finish, waits up to
 * `timeoutMs` for this node's control-plane Pods to be Ready. Never throws.
 */
export async function settleAfterUnfinishedUpgrade(o: {
  host: Host;
  client: KubeClient;
  kubernetesDir: string;
  timeoutMs: number;
  out(line: string): void;
}): Promise<void> {
  const dirs = await unfinishedUpgradeDirs(o.host, o.kubernetesDir);
  if (dirs.length === 0) return;
  const node = await nodeNameFromKubeletConf(o.host, path.join(o.kubernetesDir, "kubelet.conf"));
  let started: number | undefined;
  let why: string | undefined;
  try {
    await new StaticPodWaiter(o.client, o.timeoutMs, o.out).controlPlanePodsReady(node, () => {
      o.out(
        `[upgrade] An earlier upgrade did not finish (${
          dirs.map((d) => path.basename(d)).join(", ")
        } ${dirs.length === 1 ? "is" : "are"} left); waiting up to ${
          formatDurationMs(o.timeoutMs)
        } for the control-plane Pods of this node to be Ready`,
      );
      started = Date.now();
    });
  } catch (e) {
    if (!(e instanceof WaitTimeoutError)) throw e;
    why = e.message;
  }
  if (started === undefined) return;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  o.out(
    why === undefined
      ? `[upgrade] The control-plane Pods of this node are Ready after ${secs}s`
      : `[upgrade] The control-plane Pods of this node are still not Ready after ${secs}s (${why}); going on`,
  );
}
