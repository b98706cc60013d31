/** Helpers shared by the control-plane phases of join. */
import { imagesFor } from "../../lib/config/images.ts";
import type { InitConfig } from "../../lib/config/types.ts";
import type { ComponentImages } from "../../lib/manifests/types.ts";
import type { EtcdClient } from "../../lib/etcdclient/mod.ts";
import type { JoinData } from "./data.ts";
import { joinHostPort } from "../../lib/util/net.ts";
import type { KubeClient } from "../../lib/kube/client.ts";

export function componentImages(cfg: InitConfig): ComponentImages {
  const i = imagesFor(cfg.cluster);
  return {
    apiServer: i.kubeAPIServer,
    controllerManager: i.kubeControllerManager,
    scheduler: i.kubeScheduler,
    etcd: i.etcd ?? "",
  };
}

/** etcdutil.GetPeerURL / GetClientURL of this node. */
export function etcdPeerURL(cfg: InitConfig): string {
  return `https://${joinHostPort(cfg.init.localAPIEndpoint.advertiseAddress ?? "", 2380)}`;
}

export const ETCD_ENDPOINT_ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls";

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

/**
 * etcdutil.NewFromCluster: client URLs from the etcd mirror pods' annotation (override:
 * KUBESTRAP_ETCD_ENDPOINTS, comma-separated, for control planes without a kubelet), TLS with
 * the healthcheck-client certificate, endpoints synced with the member list.
 */
export async function etcdClientFromCluster(data: JoinData, cfg: InitConfig): Promise<EtcdClient> {
  const { EtcdClient, healthcheckClientTLS } = await import("../../lib/etcdclient/mod.ts");
  let endpoints = (Deno.env.get("KUBESTRAP_ETCD_ENDPOINTS") ?? "").split(",").filter((s) => s);
  if (endpoints.length === 0) {
    const client = await data.adminClient();
    try {
      endpoints = await etcdEndpointsFromPods(client, data.timeouts.kubernetesAPICallMs);
    } finally {
      client.close();
    }
  }
  const certDir = cfg.cluster.certificatesDir ?? "/etc/kubernetes/pki";
  const tls = await healthcheckClientTLS(data.host, certDir);
  const c = new EtcdClient(endpoints, tls, {
    retryTimeoutMs: data.timeouts.etcdAPICallMs,
  });
  // Sync: use every member's client URLs.
  const synced = (await c.memberList()).flatMap((m) => m.clientURLs);
  if (synced.length > 0) {
    c.close();
    return new EtcdClient(synced, tls, { retryTimeoutMs: data.timeouts.etcdAPICallMs });
  }
  return c;
}
