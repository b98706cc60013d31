/**
 * A client of the cluster's stacked etcd, found through the API server (kubeadm's
 * etcdutil.NewFromCluster): the etcd mirror Pods' client URLs, the healthcheck-client
 * credentials, endpoints synced with the member list. Also etcdutil.GetPeerURL.
 */
import type { APIEndpoint } from "../config/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { joinHostPort } from "../util/net.ts";
import { EtcdClient, healthcheckClientTLS } from "./mod.ts";

/** etcdutil.GetPeerURL of a node's API endpoint. */
export function etcdPeerURL(endpoint: APIEndpoint): string {
  return `https://${joinHostPort(endpoint.advertiseAddress ?? "", 2380)}`;
}

const ETCD_ENDPOINT_ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls";

/** kubeadm's retry interval of the etcd endpoint lookup (KubernetesAPICallRetryInterval). */
const ENDPOINTS_RETRY_MS = 500;

/**
 * etcdutil's getRawEtcdEndpointsFromPodAnnotation: the etcd mirror pods' client URLs, asked
 * every 500 ms until every etcd pod has the annotation (a new control plane's kubelet mirrors its
 * static pods a moment after the API server comes up) or `timeoutMs` (timeouts.kubernetesAPICall)
 * has passed. A failing list is retried too; the last failure is the error.
 */
export async function etcdEndpointsFromPods(
  client: KubeClient,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = performance.now() + timeoutMs;
  let lastErr: Error | undefined;
  while (true) {
    try {
      const pods = await client.list("pods", {
        namespace: "kube-system",
        labelSelector: "component=etcd,tier=control-plane",
        retry: false,
      });
      const endpoints = pods.items.flatMap((p) => {
        const a = p.metadata?.annotations?.[ETCD_ENDPOINT_ANNOTATION];
        return a ? [a] : [];
      });
      lastErr = undefined;
      if (endpoints.length > 0 && endpoints.length === pods.items.length) return endpoints;
    } catch (e) {
      lastErr = e as Error;
    }
    if (performance.now() + ENDPOINTS_RETRY_MS > deadline) break;
    await new Promise((r) => setTimeout(r, ENDPOINTS_RETRY_MS));
  }
  const message = "could not retrieve the list of etcd endpoints";
  if (lastErr) throw new Error(`${message}: ${lastErr.message}`);
  throw new Error(
    `${message}: etcd pods are not available or don't have the annotation ${ETCD_ENDPOINT_ANNOTATION}`,
  );
}

export interface EtcdFromClusterOptions {
  /** An API client to list the etcd Pods with (closed after use); asked only when needed. */
  client: () => Promise<KubeClient>;
  /** Where the certificates are read. */
  host: { readText(path: string): Promise<string | undefined> };
  certificatesDir: string;
  /** timeouts.kubernetesAPICall: the budget of the endpoint lookup. */
  kubernetesAPICallMs: number;
  /** timeouts.etcdAPICall: the budget of each etcd call. */
  etcdAPICallMs: number;
}

/**
 * etcdutil.NewFromCluster: client URLs from the etcd mirror pods' annotation (override:
 * KUBESTRAP_ETCD_ENDPOINTS, comma-separated, for control planes without a kubelet), TLS with
 * the healthcheck-client certificate, endpoints synced with the member list.
 */
export async function etcdClientFromCluster(o: EtcdFromClusterOptions): Promise<EtcdClient> {
  let endpoints = (Deno.env.get("KUBESTRAP_ETCD_ENDPOINTS") ?? "").split(",").filter((s) => s);
  if (endpoints.length === 0) {
    const client = await o.client();
    try {
      endpoints = await etcdEndpointsFromPods(client, o.kubernetesAPICallMs);
    } finally {
      client.close();
    }
  }
  const tls = await healthcheckClientTLS(o.host, o.certificatesDir);
  const c = new EtcdClient(endpoints, tls, { retryTimeoutMs: o.etcdAPICallMs });
  // Sync: use every member's client URLs; the learners among them (one an interrupted join
  // added) get no member calls.
  const members = await c.memberList();
  const synced = members.flatMap((m) => m.clientURLs);
  if (synced.length > 0) {
    c.close();
    const s = new EtcdClient(synced, tls, { retryTimeoutMs: o.etcdAPICallMs });
    s.markLearners(members);
    return s;
  }
  return c;
}
