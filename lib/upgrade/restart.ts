/**
 * Restarting static-Pod components so that they load renewed certificates: used by the upgrade
 * (a component whose manifest did not change but whose certificates were renewed) and, beyond
 * kubeadm, by `certs renew` (kubeadm's renew only prints "You must restart the kube-apiserver,
 * kube-controller-manager, kube-scheduler and etcd").
 *
 * Which certificates a component loads (certificatesOf, the upgrade's renewCertsByComponent
 * table):
 *
 *   etcd                     etcd-server, etcd-peer, etcd-healthcheck-client (local etcd only)
 *   kube-apiserver           apiserver, apiserver-kubelet-client, front-proxy-client,
 *                            apiserver-etcd-client (local etcd only)
 *   kube-controller-manager  controller-manager.conf
 *   kube-scheduler           scheduler.conf
 *
 * admin.conf and super-admin.conf are read by clients on every use: renewing them restarts
 * nothing. The CAs are never renewed.
 *
 * One component at a time, in the order etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler (the API server needs etcd; the others need the API server): its containers are
 * stopped through the CRI (the kubelet starts new ones from the same manifest), then the next
 * waits until the mirror Pod shows the new container ready. A component that does not come back
 * stops the sequence with an error naming it; the ones after it are not touched.
 */
import { CrictlRuntime } from "../cri/cri.ts";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import { certificatesOf, type UpgradeComponent } from "./staticpods.ts";

/** The restart order (dependencies first). */
const RESTART_ORDER: readonly UpgradeComponent[] = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
];

/**
 * Restarts the containers of `<component>-<node>` through the CRI and waits until a new one
 * runs (the kubelet brings it up with the same manifest and the renewed certificates). Returns
 * the ids of the new containers.
 */
export async function restartStaticPodContainers(
  host: Host,
  criSocket: string,
  component: string,
  node: string,
  timeoutMs: number,
  /** Fail at once when none runs (renewal; the upgrade waits for one, as before). */
  requireRunning = false,
): Promise<string[]> {
  const cri = new CrictlRuntime(host, criSocket, 10_000);
  const pod = `${component}-${node}`;
  const before = await cri.runningContainers(pod, component);
  if (requireRunning && before.length === 0) {
    throw new Error(
      `no running ${component} container of Pod ${pod} found through ${criSocket} ` +
        `(is the node name ${JSON.stringify(node)} right? --config sets nodeRegistration.name)`,
    );
  }
  for (const id of before) await cri.stopContainer(id);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = await cri.runningContainers(pod, component).catch(() => [] as string[]);
    const fresh = now.filter((id) => !before.includes(id));
    if (fresh.length > 0) return fresh;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the ${component} container did not restart within ${timeoutMs / 1000}s`);
}

/** The components that load one of the `renewed` certificates, in restart order. */
export function componentsUsing(renewed: string[], localEtcd: boolean): UpgradeComponent[] {
  return RESTART_ORDER.filter((c) => certificatesOf(c, localEtcd).some((n) => renewed.includes(n)));
}

export interface RestartDeps {
  /** Whether the component runs here as a static Pod (its manifest exists). */
  hasManifest(component: UpgradeComponent): Promise<boolean>;
  /** Stops its containers; resolves to the new containers' ids once they run. */
  restart(component: UpgradeComponent): Promise<string[]>;
  /** Resolves once the new containers are ready (lib/upgrade/waiter.ts containerReady). */
  ready(component: UpgradeComponent, ids: string[]): Promise<void>;
  out(line: string): void;
}

/**
 * Restarts `components` one at a time, each healthy before the next. Returns the components
 * restarted; those without a manifest on this node are skipped with a line.
 */
export async function restartComponents(
  components: UpgradeComponent[],
  d: RestartDeps,
): Promise<UpgradeComponent[]> {
  const done: UpgradeComponent[] = [];
  for (const c of components) {
    if (!(await d.hasManifest(c))) {
      d.out(`[renew] Not restarting ${c}: it does not run as a static Pod on this node`);
      continue;
    }
    d.out(`[renew] Restarting ${c} to load its renewed certificates`);
    try {
      const ids = await d.restart(c);
      await d.ready(c, ids);
    } catch (e) {
      const left = components.slice(components.indexOf(c) + 1);
      throw new KubestrapError(
        `${c} did not come back healthy after its restart: ${(e as Error).message}` +
          (left.length > 0 ? `; not restarted yet: ${left.join(", ")}` : "") +
          `. Check it with 'crictl ps -a --name ${c}' and 'crictl logs'`,
      );
    }
    d.out(`[renew] ${c} is healthy again`);
    done.push(c);
  }
  return done;
}
