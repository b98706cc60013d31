/** Helpers shared by the control-plane phases of join. */
import { imagesFor } from "../../lib/config/images.ts";
import type { InitConfig } from "../../lib/config/types.ts";
import type { ComponentImages } from "../../lib/manifests/types.ts";
import type { EtcdClient } from "../../lib/etcdclient/mod.ts";
import type { JoinData } from "./data.ts";
import { joinHostPort } from "../../lib/util/net.ts";

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

/**
 * etcdutil.NewFromCluster: client URLs from the etcd mirror pods' annotation (override:
 * KUBESTRAP_ETCD_ENDPOINTS, comma-separated, for control planes without a kubelet), TLS with
 * the healthcheck-client certificate, endpoints synced with the member list.
 */
export async function etcdClientFromCluster(data: JoinData, cfg: InitConfig): Promise<EtcdClient> {
  const { EtcdClient, healthcheckClientTLS } = await import("../../lib/etcdclient/mod.ts");
  const endpoints = (Deno.env.get("KUBESTRAP_ETCD_ENDPOINTS") ?? "").split(",").filter((s) => s);
  if (endpoints.length === 0) {
    const client = await data.adminClient();
    try {
      const pods = await client.list("pods", {
        namespace: "kube-system",
        labelSelector: "component=etcd,tier=control-plane",
      });
      for (const p of pods.items) {
        const a = p.metadata?.annotations?.[ETCD_ENDPOINT_ANNOTATION];
        if (a) endpoints.push(a);
      }
    } finally {
      client.close();
    }
  }
  if (endpoints.length === 0) {
    throw new Error(
      "could not retrieve the list of etcd endpoints: etcd pods are not available or don't have the annotation " +
        ETCD_ENDPOINT_ANNOTATION,
    );
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
