/**
 * Waiting on the kubelet's mirror Pods during an upgrade (kubeadm's apiclient.KubeWaiter
 * WaitForStaticPod*Hash* and WaitForPodsWithLabel): the static Pod `<component>-<node>` carries
 * the hash of the manifest the kubelet runs (`kubernetes.io/config.hash`); a new manifest is
 * running once that hash changed and the component's Pods are Running.
 *
 * kubeadm polls every 500 ms; kubestrap every 200 ms, and it tolerates the API server being
 * away while it restarts (every failed call is just one more poll).
 */
import type { KubeClient, KubeList } from "../kube/client.ts";
import { formatDurationMs } from "../util/duration.ts";

const POLL_MS = 200;
export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";

interface PodLike {
  metadata?: { annotations?: Record<string, string> };
  status?: {
    phase?: string;
    containerStatuses?: { name?: string; containerID?: string; ready?: boolean }[];
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A timeout from the waiter, with kubeadm's text. */
export class WaitTimeoutError extends Error {}

/** What an upgrade waits for (a fake in unit tests; StaticPodWaiter against a cluster). */
export interface PodWaiter {
  singleHash(node: string, component: string): Promise<string>;
  controlPlaneHashes(node: string, components: readonly string[]): Promise<Map<string, string>>;
  hashChange(node: string, component: string, before: string): Promise<void>;
  podsWithLabel(label: string): Promise<void>;
}

export class StaticPodWaiter implements PodWaiter {
  constructor(
    private client: KubeClient,
    private timeoutMs: number,
    private out: (line: string) => void,
  ) {}

  private async poll(fn: () => Promise<boolean>): Promise<boolean> {
    const deadline = Date.now() + this.timeoutMs;
    while (true) {
      if (await fn()) return true;
      if (Date.now() + POLL_MS > deadline) return false;
      await sleep(POLL_MS);
    }
  }

  private async hashOnce(node: string, component: string): Promise<string> {
    const pod = await this.client.get<PodLike>("pods", `${component}-${node}`, "kube-system", {
      retry: false,
    });
    return pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION] ?? "";
  }

  /** WaitForStaticPodSingleHash. */
  async singleHash(node: string, component: string): Promise<string> {
    let hash = "";
    let last = "";
    const ok = await this.poll(async () => {
      try {
        hash = await this.hashOnce(node, component);
        return true;
      } catch (e) {
        last = (e as Error).message;
        return false;
      }
    });
    if (!ok) throw new WaitTimeoutError(last);
    return hash;
  }

  /** WaitForStaticPodControlPlaneHashes: the hashes of the three control-plane Pods. */
  async controlPlaneHashes(
    node: string,
    components: readonly string[],
  ): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    await Promise.all(components.map(async (c) => m.set(c, await this.singleHash(node, c))));
    return m;
  }

  /** WaitForStaticPodHashChange. */
  async hashChange(node: string, component: string, before: string): Promise<void> {
    let last = "";
    const ok = await this.poll(async () => {
      try {
        const h = await this.hashOnce(node, component);
        if (h !== before) return true;
        last = "";
      } catch (e) {
        last = (e as Error).message;
      }
      return false;
    });
    if (!ok) {
      const why = last ? `: ${last}` : "";
      throw new WaitTimeoutError(
        `static Pod hash for component ${component} on Node ${node} did not change after ${
          formatDurationMs(this.timeoutMs)
        }${why}`,
      );
    }
  }

  /**
   * Beyond kubeadm: the mirror Pod `<component>-<node>` reports one of the containers `ids` (as
   * the CRI lists them) as its `component` container, and ready (the kubelet's readiness probe
   * passed, or the container started when it has none). After a restart through the CRI this
   * is the new container serving, not the old one's last status.
   */
  async containerReady(node: string, component: string, ids: string[]): Promise<void> {
    let last = "";
    const ok = await this.poll(async () => {
      try {
        const pod = await this.client.get<PodLike>("pods", `${component}-${node}`, "kube-system", {
          retry: false,
        });
        const st = pod.status?.containerStatuses?.find((c) => c.name === component);
        const id = (st?.containerID ?? "").replace(/^[a-z]+:\/\//, "");
        const current = id !== "" && ids.some((i) => id.startsWith(i) || i.startsWith(id));
        last = current
          ? (st?.ready ? "" : `container ${id.slice(0, 13)} is not ready`)
          : `the mirror Pod does not show the new container yet (${id.slice(0, 13) || "none"})`;
        return current && st?.ready === true;
      } catch (e) {
        last = (e as Error).message;
        return false;
      }
    });
    if (!ok) {
      throw new WaitTimeoutError(
        `${component} on Node ${node} was not ready after ${
          formatDurationMs(this.timeoutMs)
        }: ${last}`,
      );
    }
  }

  /** WaitForPodsWithLabel: every Pod with `label` in kube-system is Running. */
  async podsWithLabel(label: string): Promise<void> {
    let lastCount = -1;
    let lastErr = "";
    const ok = await this.poll(async () => {
      let pods: KubeList<PodLike>;
      try {
        pods = await this.client.list<PodLike>("pods", {
          namespace: "kube-system",
          labelSelector: label,
          retry: false,
        });
      } catch (e) {
        // kubeadm prints this on every failed poll; kubestrap polls faster, so only on change.
        const msg = (e as Error).message;
        if (msg !== lastErr) {
          this.out(`[apiclient] Error getting Pods with label selector "${label}" [${msg}]`);
        }
        lastErr = msg;
        return false;
      }
      lastErr = "";
      if (lastCount !== pods.items.length) {
        this.out(`[apiclient] Found ${pods.items.length} Pods for label selector ${label}`);
        lastCount = pods.items.length;
      }
      return pods.items.length > 0 && pods.items.every((p) => p.status?.phase === "Running");
    });
    if (!ok) throw new WaitTimeoutError("context deadline exceeded");
  }
}
