/**
 * What an interrupted `kubestrap init` left for `init --resume` on an e2e node
 * (/etc/kubernetes/kubestrap-init-state.json, lib/resume.ts), read by the tests that interrupt
 * init (init_resume_test.ts, init_faults_test.ts): which phase a kill or a fault landed in is
 * the first phase of init's order that the file does not list as completed.
 */
import type { E2eNode } from "./cluster.ts";

/** init's phases that run, in kubeadm's order (as `init --resume` records them). */
export const INIT_PHASES = [
  "preflight",
  "certs",
  "certs/ca",
  "certs/apiserver",
  "certs/apiserver-kubelet-client",
  "certs/front-proxy-ca",
  "certs/front-proxy-client",
  "certs/etcd-ca",
  "certs/etcd-server",
  "certs/etcd-peer",
  "certs/etcd-healthcheck-client",
  "certs/apiserver-etcd-client",
  "certs/sa",
  "kubeconfig",
  "kubeconfig/admin",
  "kubeconfig/super-admin",
  "kubeconfig/kubelet",
  "kubeconfig/controller-manager",
  "kubeconfig/scheduler",
  "etcd/local",
  "control-plane",
  "control-plane/apiserver",
  "control-plane/controller-manager",
  "control-plane/scheduler",
  "kubelet-start",
  "wait-control-plane",
  "upload-config/kubeadm",
  "upload-config/kubelet",
  "upload-certs",
  "mark-control-plane",
  "bootstrap-token",
  "kubelet-finalize/enable-client-cert-rotation",
  "addon/coredns",
  "addon/kube-proxy",
  "show-join-command",
];

export const STATE_FILE = "/etc/kubernetes/kubestrap-init-state.json";

export interface RecordedState {
  completed: string[];
  tokens?: string[];
  certificateKey?: string;
}

/** The node's init state file, or undefined when there is none. */
export async function readState(node: E2eNode): Promise<RecordedState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(node.host.path(STATE_FILE));
  } catch {
    return undefined;
  }
  return JSON.parse(text) as RecordedState;
}

/**
 * The phase an init was in (the first of INIT_PHASES not recorded as completed), and what was
 * recorded; `phase` is undefined when there is no state file (a finished init removed it).
 */
export async function phaseInProgress(
  node: E2eNode,
): Promise<{ phase?: string; state?: RecordedState }> {
  const state = await readState(node);
  if (!state) return {};
  const done = new Set(state.completed);
  const unknown = state.completed.filter((p) => !INIT_PHASES.includes(p));
  if (unknown.length) throw new Error(`the state file names unknown phases: ${unknown}`);
  return { phase: INIT_PHASES.find((p) => !done.has(p)) ?? "(all completed)", state };
}

/**
 * Resolves once the node's state file records `phase` as completed (the next phase has then
 * started), watched with inotify; undefined when `until` settles first.
 */
export async function waitRecorded(
  node: E2eNode,
  phase: string,
  until: Promise<unknown>,
): Promise<RecordedState | undefined> {
  const dir = node.host.path("/etc/kubernetes");
  const watcher = Deno.watchFs(dir, { recursive: false });
  let stop = false;
  const ended = until.then(() => {
    stop = true;
    watcher.close();
    return undefined;
  });
  const check = async () => {
    const s = await readState(node).catch(() => undefined);
    return s?.completed.includes(phase) ? s : undefined;
  };
  const watched = (async () => {
    const now = await check();
    if (now) return now;
    try {
      for await (const ev of watcher) {
        if (stop) return undefined;
        if (!ev.paths.some((p) => p.endsWith("kubestrap-init-state.json"))) continue;
        const s = await check();
        if (s) return s;
      }
    } catch {
      // closed
    }
    return undefined;
  })();
  try {
    return await Promise.race([watched, ended]);
  } finally {
    stop = true;
    try {
      watcher.close();
    } catch {
      // closed already
    }
  }
}
