/**
 * kubeadm's idempotency helpers (util/apiclient/idempotency.go): create-or-update,
 * create-or-mutate, create-or-retain and node patching, each polled every 500 ms
 * (KubernetesAPICallRetryInterval) until the API-call timeout (1 min by default).
 *
 * Like kubeadm, any error is retried until the timeout, except errors that cannot heal
 * by waiting (400 BadRequest, 422 Invalid, TLS verification failures): those fail at once.
 */

import { type KubeClient, type KubeObject } from "./client.ts";
import {
  isAlreadyExists,
  isBadRequest,
  isInvalid,
  isNotFound,
  KubeConnectionError,
} from "./errors.ts";
import { type Resource, type ResourceName } from "./resources.ts";

/** kubeadm's constants.KubernetesAPICallRetryInterval. */
const API_CALL_RETRY_INTERVAL_MS = 500;
/** kubeadm's default `timeouts.kubernetesAPICall`. */
const API_CALL_TIMEOUT_MS = 60_000;

/** Poll interval and bound. */
export interface PollOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

/** An error that waiting will not fix. */
function isPermanent(e: unknown): boolean {
  if (e instanceof KubeConnectionError) return !e.transient;
  return isInvalid(e) || isBadRequest(e);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Run `attempt` immediately and then every `intervalMs` until it returns true or the
 * timeout passes; errors are remembered and retried (permanent ones are thrown at once).
 * On timeout the last error is thrown, or a timeout error naming `what`.
 */
export async function pollUntil(
  what: string,
  attempt: () => Promise<boolean>,
  opts: PollOptions = {},
): Promise<void> {
  const interval = opts.intervalMs ?? API_CALL_RETRY_INTERVAL_MS;
  const timeout = opts.timeoutMs ?? API_CALL_TIMEOUT_MS;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  while (true) {
    try {
      if (await attempt()) return;
    } catch (e) {
      if (isPermanent(e)) throw e;
      lastError = e;
    }
    if (Date.now() + interval > deadline) break;
    await sleep(interval);
  }
  if (lastError) throw lastError;
  throw new Error(`timed out after ${timeout / 1000}s waiting for ${what}`);
}

/**
 * A call kubeadm makes once (a List or Get before it decides, the DNS Service's create), retried
 * the way kubeadm's create-or-update helpers retry theirs: every `intervalMs` within the API-call
 * timeout, after any error waiting may heal (refused connections, 5xx, and the 401/403 of an API
 * server that restarted and has not loaded its RBAC yet); permanent ones at once, the last error
 * when the time is up. `call` gets the options for its requests (no retries of their own).
 */
export async function retriedCall<T>(
  what: string,
  call: (o: { retry: false }) => Promise<T>,
  opts: PollOptions = {},
): Promise<T> {
  let out: { value: T } | undefined;
  await pollUntil(what, async () => {
    out = { value: await call({ retry: false }) };
    return true;
  }, opts);
  return out!.value;
}

/** Creates the object, or updates it (unconditionally) when it already exists. */
export async function createOrUpdate(
  client: KubeClient,
  res: Resource | ResourceName,
  obj: KubeObject,
  opts: PollOptions = {},
): Promise<void> {
  await pollUntil(`create or update ${obj.metadata?.name}`, async () => {
    try {
      await client.create(res, obj, { retry: false });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await client.update(res, obj, { retry: false });
    }
    return true;
  }, opts);
}

/**
 * Creates the object; when it exists, fetches the latest version, applies `mutate` to
 * it and updates it (a conflict on the update is retried with a fresh copy).
 */
export async function createOrMutate<T extends KubeObject = KubeObject>(
  client: KubeClient,
  res: Resource | ResourceName,
  obj: KubeObject,
  mutate: (current: T) => void | Promise<void>,
  opts: PollOptions = {},
): Promise<void> {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  await pollUntil(`create or mutate ${name}`, async () => {
    try {
      await client.create(res, obj, { retry: false });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const current = await client.get<T>(res, name, ns, { retry: false });
      await mutate(current);
      await client.update(res, current, { retry: false });
    }
    return true;
  }, opts);
}

/** Creates the object when it does not exist; an existing one is left alone. */
export async function createOrRetain(
  client: KubeClient,
  res: Resource | ResourceName,
  obj: KubeObject,
  opts: PollOptions = {},
): Promise<void> {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  await pollUntil(`create or retain ${name}`, async () => {
    try {
      await client.get(res, name, ns, { retry: false });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await client.create(res, obj, { retry: false });
    }
    return true;
  }, opts);
}

/** A Node as plain JSON (the fields the patch helpers touch). */
export interface NodeObject extends KubeObject {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    // deno-lint-ignore no-explicit-any
    [k: string]: any;
  };
  spec?: {
    taints?: Taint[];
    // deno-lint-ignore no-explicit-any
    [k: string]: any;
  };
}

/** A node taint. */
export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

function mapDiff(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): Record<string, string | null> | undefined {
  const out: Record<string, string | null> = {};
  const aa = a ?? {};
  const bb = b ?? {};
  for (const [k, v] of Object.entries(bb)) if (aa[k] !== v) out[k] = v;
  for (const k of Object.keys(aa)) if (!(k in bb)) out[k] = null;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The strategic-merge patch from `before` to `after` for what kubestrap changes on a
 * Node: labels, annotations (per key) and `spec.taints` (a list without merge key, so
 * replaced as a whole, as CreateTwoWayMergePatch does). Undefined when nothing changed.
 */
export function nodePatch(before: NodeObject, after: NodeObject): KubeObject | undefined {
  // deno-lint-ignore no-explicit-any
  const patch: Record<string, any> = {};
  const labels = mapDiff(before.metadata.labels, after.metadata.labels);
  const annotations = mapDiff(before.metadata.annotations, after.metadata.annotations);
  if (labels || annotations) {
    patch.metadata = {};
    if (labels) patch.metadata.labels = labels;
    if (annotations) patch.metadata.annotations = annotations;
  }
  const bt = before.spec?.taints ?? [];
  const at = after.spec?.taints ?? [];
  if (JSON.stringify(bt) !== JSON.stringify(at)) {
    patch.spec = { taints: at.length ? at : null };
  }
  return Object.keys(patch).length ? patch : undefined;
}

/**
 * kubeadm's PatchNode: get the Node (waiting until it exists and carries the
 * `kubernetes.io/hostname` label), apply `mutate` to a copy, and send the
 * strategic-merge patch of the difference; polled until the API-call timeout.
 */
export async function patchNode(
  client: KubeClient,
  nodeName: string,
  mutate: (node: NodeObject) => void,
  opts: PollOptions = {},
): Promise<void> {
  await pollUntil(`Node ${nodeName} to get the kubernetes.io/hostname label`, async () => {
    // A missing Node (404) is remembered and retried until the timeout.
    const node = await client.get<NodeObject>("nodes", nodeName, undefined, { retry: false });
    if (!node.metadata.labels?.["kubernetes.io/hostname"]) return false;
    const after = structuredClone(node);
    after.metadata.labels ??= {};
    mutate(after);
    const patch = nodePatch(node, after);
    if (!patch) return true;
    await client.patch("nodes", node.metadata.name, patch, "strategic", undefined, {
      retry: false,
    });
    return true;
    // The Node appears when the kubelet registers, moments after its TLS bootstrap: look every
    // 200 ms (kubeadm: 500 ms) so that the phase ends soon after.
  }, { intervalMs: 200, ...opts });
}
