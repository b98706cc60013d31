/**
 * What the API phases of init share: kubeadm's `data.Client()` (admin.conf, bootstrapping the
 * `kubeadm:cluster-admins` binding with super-admin.conf; the dry-run client in dry-run), the
 * bootstrap tokens of the configuration, the API timeouts, and error wording.
 */
import { KubeClient, type KubeClientConfig } from "../../lib/kube/client.ts";
import { kubeClientConfig } from "../../lib/kube/kubeconfig.ts";
import { KubeConnectionError } from "../../lib/kube/errors.ts";
import type { PollOptions } from "../../lib/kube/idempotency.ts";
import { ensureAdminClusterRoleBinding } from "../../lib/apiobjects/bootstraptoken.ts";
import { controlPlaneEndpointURL } from "../../lib/apiobjects/network.ts";
import { dryRunClient } from "../../lib/dryrun/client.ts";
import { KubestrapError } from "../../lib/errors.ts";
import { parseDurationMs } from "../../lib/util/duration.ts";
import { ADMIN_KUBECONFIG_PATH } from "../../lib/config/constants.ts";
import type { Host } from "../../lib/host.ts";
import type { InitData } from "./data.ts";

const SUPER_ADMIN_KUBECONFIG_PATH = "/etc/kubernetes/super-admin.conf";

/** A Go duration string in ms, or the fallback. */
export function durationMs(s: string | undefined, fallbackMs: number): number {
  if (!s) return fallbackMs;
  try {
    return parseDurationMs(s);
  } catch {
    return fallbackMs;
  }
}

/** `timeouts.kubernetesAPICall` (default 1m). */
export function apiCallTimeoutMs(data: InitData): number {
  return durationMs(data.cfg.init.timeouts?.kubernetesAPICall, 60_000);
}

/** PollOptions for the lib/apiobjects appliers. */
export function pollOptions(data: InitData): PollOptions {
  return { timeoutMs: apiCallTimeoutMs(data) };
}

/** Read and decode a kubeconfig through `host` (rootfs or the dry-run root). */
export function readKubeconfig(host: Host, path: string): Promise<KubeClientConfig> {
  return kubeClientConfig({ host, path });
}

/** The cached clients, per InitData. */
const clients = new WeakMap<InitData, Promise<KubeClient>>();

/** kubeadm's initData.Client(): created once, on first use (after admin.conf exists). */
export function initClient(data: InitData): Promise<KubeClient> {
  let c = clients.get(data);
  if (!c) {
    c = makeClient(data);
    clients.set(data, c);
    // A failed creation is not cached: a rerun of the phase tries again.
    c.catch(() => clients.delete(data));
  }
  return c;
}

async function makeClient(data: InitData): Promise<KubeClient> {
  const timeoutMs = apiCallTimeoutMs(data);
  if (data.dryRun) {
    // kubeadm's getDryRunClient: reads are tried against the server of the dry-run
    // admin.conf, writes only printed.
    let real: KubeClientConfig | undefined;
    try {
      real = await readKubeconfig(data.host, data.kubeconfigPath);
    } catch {
      real = undefined;
    }
    const { client, transport } = dryRunClient({
      out: (s) => data.io.stdout(s),
      real,
      nodeReactors: true,
    });
    data.dryRunTransport = transport;
    return client;
  }
  const cfg = await readKubeconfig(data.host, data.kubeconfigPath);
  const options = { retryTimeoutMs: timeoutMs };
  if (data.kubeconfigPath !== ADMIN_KUBECONFIG_PATH) return new KubeClient(cfg, options);
  // EnsureAdminClusterRoleBinding: both clients point at the local API endpoint.
  const local = controlPlaneEndpointURL(
    undefined,
    data.cfg.init.localAPIEndpoint.advertiseAddress ?? "",
    data.cfg.init.localAPIEndpoint.bindPort ?? 6443,
  );
  const admin = new KubeClient({ ...cfg, server: local }, options);
  let superAdmin: KubeClient | undefined;
  if (await data.host.exists(SUPER_ADMIN_KUBECONFIG_PATH)) {
    const sa = await readKubeconfig(data.host, SUPER_ADMIN_KUBECONFIG_PATH);
    superAdmin = new KubeClient({ ...sa, server: local }, options);
  }
  try {
    return await ensureAdminClusterRoleBinding(admin, superAdmin, { timeoutMs });
  } catch (e) {
    admin.close();
    throw new KubestrapError(
      `could not bootstrap the admin user in file admin.conf: ${
        explain((e as Error).message, e, local, timeoutMs)
      }`,
    );
  } finally {
    superAdmin?.close();
  }
}

/** Adds what an operator needs when the API server could not be reached at all. */
export function explain(message: string, e: unknown, server: string, timeoutMs: number): string {
  let cause: unknown = e;
  while (cause && !(cause instanceof KubeConnectionError)) {
    cause = (cause as { cause?: unknown }).cause;
  }
  if (!(cause instanceof KubeConnectionError)) return message;
  return `${message} (the API server at ${server} could not be reached within the ` +
    `${timeoutMs / 1000}s timeouts.kubernetesAPICall; is kube-apiserver running?)`;
}

/** Wraps an API phase error the kubeadm way, with the reachability hint. */
export function apiPhaseError(data: InitData, prefix: string, e: unknown): KubestrapError {
  if (e instanceof KubestrapError && !prefix) return e;
  const msg = (e as Error).message ?? String(e);
  return new KubestrapError(
    `${prefix ? prefix + ": " : ""}${
      explain(msg, e, "the configured endpoint", apiCallTimeoutMs(data))
    }`,
  );
}

/** Whether the --config file holds a document of the given API group (user-supplied). */
export async function configHasGroup(data: InitData, group: string): Promise<boolean> {
  if (!data.configPath) return false;
  let text: string;
  try {
    text = await Deno.readTextFile(data.configPath);
  } catch {
    return false;
  }
  const re = new RegExp(`^apiVersion:\\s*["']?${group.replaceAll(".", "\\.")}/`, "m");
  return re.test(text);
}
