/**
 * Waiting on the kubelet's mirror Pods during an upgrade (kubeadm's apiclient.KubeWaiter
 * WaitForStaticPod*Hash* and WaitForPodsWithLabel): the static Pod `<component>-<node>` carries
 * the hash of the manifest the kubelet runs (`kubernetes.io/config.hash`); a new manifest is
 * running once that hash changed and the component's Pods are Running.
 *
 * kubeadm polls every 500 ms; kubestrap every 200 ms, and it tolerates the API server being
 * away while it restarts (every failed call is just one more poll).
 *
 * Beyond kubeadm: with the node's container runtime at hand (PodRuntime), the kubelet's own
 * report is read there too, and whichever answers first decides. A static Pod's UID is its
 * manifest's hash, and the kubelet labels the Pod's containers with it, so a running container
 * whose Pod UID is not the old hash is the new manifest running, the same fact the mirror Pod
 * shows. The kubelet updates the mirror Pod only when the API server answers it, and after
 * etcd's swap the API server can hang for a minute before it does: kubeadm waits that minute
 * out; kubestrap goes on once the runtime runs the new etcd (etcd's own health is then checked
 * directly).
 */
import type { KubeClient, KubeList } from "../kube/client.ts";
import { formatDurationMs } from "../util/duration.ts";

const POLL_MS = 200;
/** The runtime is asked once a second: each question is a crictl process. */
const RUNTIME_POLL_MS = 1_000;
/** How often {@link StaticPodWaiter.controlPlanePodsReady} lists the control-plane Pods. */
const READY_POLL_MS = 1_000;
/** How long the API server may stay silent before the runtime's report ends a label wait. */
const API_GRACE_MS = 2_000;
const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";

interface PodLike {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: { type?: string; status?: string }[];
    containerStatuses?: { name?: string; containerID?: string; ready?: boolean }[];
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The node's container runtime as the waiter asks it (lib/cri's CrictlRuntime). */
export interface PodRuntime {
  /** The Pod UIDs of the running `container` containers of the kube-system Pod `pod`. */
  runningPodUIDs(pod: string, container: string): Promise<string[]>;
}

/**
 * True as soon as one of `polls` is, false once all are false. Each poll gets a function that
 * tells it to stop (another one already answered).
 */
function firstTrue(polls: ((stopped: () => boolean) => Promise<boolean>)[]): Promise<boolean> {
  let done = false;
  const stopped = () => done;
  return new Promise((resolve, reject) => {
    let pending = polls.length;
    for (const p of polls) {
      p(stopped).then((ok) => {
        if (ok && !done) {
          done = true;
          resolve(true);
        } else if (--pending === 0 && !done) {
          done = true;
          resolve(false);
        }
      }, (e) => {
        done = true;
        reject(e);
      });
    }
  });
}

/** A timeout from the waiter, with kubeadm's text. */
export class WaitTimeoutError extends Error {}

/** What an upgrade waits for (a fake in unit tests; StaticPodWaiter against a cluster). */
export interface PodWaiter {
  singleHash(node: string, component: string): Promise<string>;
  controlPlaneHashes(node: string, components: readonly string[]): Promise<Map<string, string>>;
  hashChange(node: string, component: string, before: string): Promise<void>;
  /**
   * WaitForPodsWithLabel; with `orRunningOn`, a running container of that component on this
   * node (as the runtime reports it) also ends the wait while the API server does not answer.
   */
  podsWithLabel(label: string, orRunningOn?: { node: string; component: string }): Promise<void>;
}

export class StaticPodWaiter implements PodWaiter {
  constructor(
    private client: KubeClient,
    private timeoutMs: number,
    private out: (line: string) => void,
    private runtime?: PodRuntime,
  ) {}

  private async poll(
    fn: () => Promise<boolean>,
    stopped: () => boolean = () => false,
    intervalMs = POLL_MS,
  ): Promise<boolean> {
    const deadline = Date.now() + this.timeoutMs;
    while (!stopped()) {
      if (await fn()) return true;
      if (Date.now() + intervalMs > deadline) return false;
      await sleep(intervalMs);
    }
    return false;
  }

  /**
   * Polls the runtime until `accept` holds for the running `component` containers' Pod UIDs;
   * false at the deadline, or at once when the runtime cannot be asked (no crictl): the API
   * decides alone then.
   */
  private runtimePoll(
    node: string,
    component: string,
    accept: (uids: string[]) => boolean,
  ): (stopped: () => boolean) => Promise<boolean> {
    return async (stopped) => {
      const rt = this.runtime;
      if (!rt) return false;
      let usable = true;
      const ok = await this.poll(
        async () => {
          try {
            return accept(await rt.runningPodUIDs(`${component}-${node}`, component));
          } catch (e) {
            if (/not found in system path/.test((e as Error).message)) usable = false;
            return false;
          }
        },
        () => stopped() || !usable,
        RUNTIME_POLL_MS,
      );
      return ok;
    };
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

  /** WaitForStaticPodHashChange, or the runtime runs a Pod of another hash (see above). */
  async hashChange(node: string, component: string, before: string): Promise<void> {
    let last = "";
    const api = (stopped: () => boolean) =>
      this.poll(async () => {
        try {
          const h = await this.hashOnce(node, component);
          if (h !== before) return true;
          last = "";
        } catch (e) {
          last = (e as Error).message;
        }
        return false;
      }, stopped);
    const polls = [api];
    if (before !== "") {
      polls.push(this.runtimePoll(node, component, (uids) => uids.some((u) => u !== before)));
    }
    const ok = await firstTrue(polls);
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

  /**
   * Beyond kubeadm: every control-plane Pod (`tier=control-plane` in kube-system) of `node`, of
   * every node when `node` is undefined, has the Ready condition. Lists them every second until
   * then (the API server may be away meanwhile: a failed list is one more poll). `onWait` is
   * called once, when the first list does not find them Ready and the waiting starts. When the
   * waiter's timeout runs out, throws a {@link WaitTimeoutError} with the last list's reason: the
   * API error, `no control-plane Pods yet`, or `not Ready: <Pods>`.
   */
  async controlPlanePodsReady(node: string | undefined, onWait?: () => void): Promise<void> {
    let why = "";
    let first = true;
    const ok = await this.poll(
      async () => {
        why = await this.controlPlaneNotReady(node);
        if (why !== "" && first) onWait?.();
        first = false;
        return why === "";
      },
      undefined,
      READY_POLL_MS,
    );
    if (!ok) throw new WaitTimeoutError(why);
  }

  /** Why the control-plane Pods of `node` (all nodes' when undefined) are not all Ready, or "". */
  private async controlPlaneNotReady(node: string | undefined): Promise<string> {
    let pods: KubeList<PodLike>;
    try {
      pods = await this.client.list<PodLike>("pods", {
        namespace: "kube-system",
        labelSelector: "tier=control-plane",
        retry: false,
      });
    } catch (e) {
      return (e as Error).message;
    }
    const mine = pods.items.filter((p) => node === undefined || p.spec?.nodeName === node);
    if (mine.length === 0) return "no control-plane Pods yet";
    const notReady = mine.filter((p) =>
      !p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
    ).map((p) => p.metadata?.name ?? "?");
    return notReady.length ? `not Ready: ${notReady.join(", ")}` : "";
  }

  /** WaitForPodsWithLabel: every Pod with `label` in kube-system is Running. */
  async podsWithLabel(
    label: string,
    orRunningOn?: { node: string; component: string },
  ): Promise<void> {
    let lastCount = -1;
    let lastErr = "";
    let answered = false;
    let answeredAt = Date.now();
    const api = (stopped: () => boolean) =>
      this.poll(async () => {
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
          if (msg !== lastErr && !stopped()) {
            this.out(`[apiclient] Error getting Pods with label selector "${label}" [${msg}]`);
          }
          lastErr = msg;
          answered = false;
          return false;
        }
        lastErr = "";
        answered = true;
        answeredAt = Date.now();
        if (lastCount !== pods.items.length && !stopped()) {
          this.out(`[apiclient] Found ${pods.items.length} Pods for label selector ${label}`);
          lastCount = pods.items.length;
        }
        return pods.items.length > 0 && pods.items.every((p) => p.status?.phase === "Running");
      }, stopped);
    const polls = [api];
    if (orRunningOn) {
      // Only while the API server does not answer (for 2 s from the start, or since it last
      // did): once it does, its list decides, as in kubeadm.
      const { node, component } = orRunningOn;
      const rt = this.runtimePoll(
        node,
        component,
        (uids) => uids.length > 0 && !answered && Date.now() - answeredAt >= API_GRACE_MS,
      );
      polls.push(async (stopped) => {
        const ok = await rt(stopped);
        if (ok) {
          this.out(
            `[upgrade/staticpods] The API server does not answer yet; the kubelet runs the new ${component} container`,
          );
        }
        return ok;
      });
    }
    if (!(await firstTrue(polls))) throw new WaitTimeoutError("context deadline exceeded");
  }
}
