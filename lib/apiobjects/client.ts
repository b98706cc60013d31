/**
 * The API client of kubeadm's init phases (initData.Client()) and the wording of their API
 * errors. The client is admin.conf's, with the `kubeadm:cluster-admins` binding bootstrapped
 * through super-admin.conf while admin.conf is not yet authorized
 * (EnsureAdminClusterRoleBinding); in dry-run, the dry-run client (reads from admin.conf's server
 * when it answers, writes printed). An error of a server that never answered carries a hint.
 */
import { ADMIN_KUBECONFIG_PATH } from "../config/constants.ts";
import type { APIEndpoint } from "../config/types.ts";
import { dryRunClient, type DryRunTransport } from "../dryrun/client.ts";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import { KubeClient, type KubeClientConfig } from "../kube/client.ts";
import { KubeConnectionError } from "../kube/errors.ts";
import { kubeClientConfig } from "../kube/kubeconfig.ts";
import { ensureAdminClusterRoleBinding } from "./bootstraptoken.ts";
import { controlPlaneEndpointURL } from "./network.ts";

const SUPER_ADMIN_KUBECONFIG_PATH = "/etc/kubernetes/super-admin.conf";

/**
 * How long one request of the init phases' client may take: kubeadm's clients from a kubeconfig
 * (kubeconfigutil.ToClientSet) carry a 10 s timeout. An API server that holds requests (its etcd
 * away) then costs one attempt 10 s, not the client's default 30 s, and the phase's next
 * attempt comes sooner once etcd is back.
 */
export const API_REQUEST_TIMEOUT_MS = 10_000;

export interface AdminClientOptions {
  /** Where the kubeconfig files are read (rootfs, or the dry-run root). */
  host: Host;
  /** `--kubeconfig`; only admin.conf gets the cluster-admins bootstrap. */
  kubeconfigPath: string;
  dryRun: boolean;
  /** This node's API endpoint: the bootstrap talks to it, not to the control-plane endpoint. */
  localAPIEndpoint: APIEndpoint;
  /** timeouts.kubernetesAPICall. */
  timeoutMs: number;
  /** Where the dry-run client prints what it would do. */
  out(s: string): void;
}

/** An API client and, in dry-run, the transport that recorded what it would have done. */
export interface AdminClient {
  client: KubeClient;
  dryRunTransport?: DryRunTransport;
}

/** kubeadm's initData.Client(). */
export async function adminClient(o: AdminClientOptions): Promise<AdminClient> {
  const { timeoutMs } = o;
  if (o.dryRun) {
    // kubeadm's getDryRunClient: reads are tried against the server of the dry-run
    // admin.conf, writes only printed.
    let real: KubeClientConfig | undefined;
    try {
      real = await kubeClientConfig({ host: o.host, path: o.kubeconfigPath });
    } catch {
      real = undefined;
    }
    const { client, transport } = dryRunClient({ out: o.out, real, nodeReactors: true });
    return { client, dryRunTransport: transport };
  }
  const cfg = await kubeClientConfig({ host: o.host, path: o.kubeconfigPath });
  const options = { retryTimeoutMs: timeoutMs, requestTimeoutMs: API_REQUEST_TIMEOUT_MS };
  if (o.kubeconfigPath !== ADMIN_KUBECONFIG_PATH) return { client: new KubeClient(cfg, options) };
  // EnsureAdminClusterRoleBinding: both clients point at the local API endpoint.
  const local = controlPlaneEndpointURL(
    undefined,
    o.localAPIEndpoint.advertiseAddress ?? "",
    o.localAPIEndpoint.bindPort ?? 6443,
  );
  const admin = new KubeClient({ ...cfg, server: local }, options);
  let superAdmin: KubeClient | undefined;
  if (await o.host.exists(SUPER_ADMIN_KUBECONFIG_PATH)) {
    const sa = await kubeClientConfig({ host: o.host, path: SUPER_ADMIN_KUBECONFIG_PATH });
    superAdmin = new KubeClient({ ...sa, server: local }, options);
  }
  try {
    return { client: await ensureAdminClusterRoleBinding(admin, superAdmin, { timeoutMs }) };
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
function explain(message: string, e: unknown, server: string, timeoutMs: number): string {
  let cause: unknown = e;
  while (cause && !(cause instanceof KubeConnectionError)) {
    cause = (cause as { cause?: unknown }).cause;
  }
  if (!(cause instanceof KubeConnectionError)) return message;
  return `${message} (the API server at ${server} could not be reached within the ` +
    `${timeoutMs / 1000}s timeouts.kubernetesAPICall; is kube-apiserver running?)`;
}

/**
 * An API phase's error the kubeadm way (`<prefix>: <cause>`, a KubestrapError as it is without
 * a prefix), with the reachability hint; `timeoutMs` is timeouts.kubernetesAPICall.
 */
export function apiPhaseError(prefix: string, e: unknown, timeoutMs: number): KubestrapError {
  if (e instanceof KubestrapError && !prefix) return e;
  const msg = (e as Error).message ?? String(e);
  return new KubestrapError(
    `${prefix ? prefix + ": " : ""}${explain(msg, e, "the configured endpoint", timeoutMs)}`,
  );
}
