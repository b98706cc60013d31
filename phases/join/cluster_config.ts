/**
 * Reading the cluster's configuration with the bootstrap identity (kubeadm's
 * fetchInitConfigurationFromJoinConfiguration).
 */
import { documentsToInitConfig, parseConfigText } from "../../lib/config/load.ts";
import type { InitConfig, JoinConfiguration } from "../../lib/config/types.ts";
import { KubestrapError } from "../../lib/errors.ts";
import { hostFacts } from "../../lib/config/host_facts.ts";
import { clientFromKubeconfig } from "../../lib/kube/kubeconfig.ts";
import { isNotFound } from "../../lib/kube/errors.ts";
import { currentCluster, type KubeConfig, toV1 } from "../../lib/kubeconfig/kubeconfig.ts";
import { pinnedTransport } from "../../lib/discovery/transport.ts";
import type { Host } from "../../lib/host.ts";
import type { KubeClient } from "../../lib/kube/client.ts";

/** What the read needs of join's data (JoinData has it). */
export interface JoinClusterConfigSource {
  /** Discovery's TLS bootstrap kubeconfig; its cluster is renamed after the cluster's name. */
  tlsBootstrapCfg(): Promise<KubeConfig>;
  timeouts: { kubernetesAPICallMs: number };
  /** The machine (its facts default the configuration). */
  realHost: Host;
  controlPlane: boolean;
  join: JoinConfiguration;
  out(s: string): void;
  warn(s: string): void;
  /** Dry run: reads go through kubeadm's dry-run client (bootstrapClient gives it then). */
  dryRun?: boolean;
  bootstrapClient?(): Promise<KubeClient>;
}

interface ConfigMap {
  data?: Record<string, string>;
}

/** FetchInitConfigurationFromCluster(getNodeRegistration=false, getAPIEndpoint=false). */
export async function fetchInitConfigurationFromJoin(
  data: JoinClusterConfigSource,
): Promise<InitConfig> {
  const tls = await data.tlsBootstrapCfg();
  const client = data.dryRun && data.bootstrapClient
    ? await data.bootstrapClient()
    : await clientFromKubeconfig({ doc: toV1(tls) }, {
      retryTimeoutMs: data.timeouts.kubernetesAPICallMs,
      caTransport: pinnedTransport,
    });
  try {
    data.out(
      `[preflight] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...`,
    );
    data.out(
      `[preflight] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.`,
    );
    let kubeadmConfig: ConfigMap;
    try {
      kubeadmConfig = await client.get<ConfigMap>("configmaps", "kubeadm-config", "kube-system");
    } catch (e) {
      throw new KubestrapError(
        `unable to fetch the kubeadm-config ConfigMap: failed to get config map: ${
          (e as Error).message
        }`,
      );
    }
    const clusterYAML = kubeadmConfig.data?.ClusterConfiguration;
    if (!clusterYAML) {
      throw new KubestrapError(
        "unable to fetch the kubeadm-config ConfigMap: unexpected error when reading kubeadm-config ConfigMap: ClusterConfiguration key value pair missing",
      );
    }
    const docs = [clusterYAML];
    const optional = async (name: string, key: string) => {
      try {
        const cm = await client.get<ConfigMap>("configmaps", name, "kube-system");
        if (cm.data?.[key]) docs.push(cm.data[key]);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    };
    // kubeadm's order (componentconfigs.FetchFromCluster), visible in dry-run's reads.
    await optional("kube-proxy", "config.conf");
    await optional("kubelet-config", "kubelet");
    const text = docs.map((d) => d.replace(/\n?$/, "\n")).join("---\n");
    const cfg = await documentsToInitConfig(
      parseConfigText(text, "kubeadm-config"),
      hostFacts(data.realHost),
      {
        file: "kubeadm-config",
        skipCRIDetect: true,
      },
    );
    for (const w of cfg.warnings) data.warn(w);
    // The TLS bootstrap kubeconfig's cluster takes the cluster's name.
    const { name, cluster } = currentCluster(tls);
    const clusterName = cfg.cluster.clusterName ?? "kubernetes";
    if (name !== clusterName && !(data.controlPlane && tls.users["kubernetes-admin"])) {
      delete tls.clusters[name];
      tls.clusters[clusterName] = cluster;
      const ctx = tls.contexts[tls.currentContext];
      if (!ctx) {
        throw new KubestrapError(
          `the TLS bootstrap kubeconfig is malformed: "${tls.currentContext}" set as current-context, but not found in context list`,
        );
      }
      ctx.cluster = clusterName;
    }
    cfg.init.nodeRegistration = data.join.nodeRegistration;
    if (data.join.controlPlane) cfg.init.localAPIEndpoint = data.join.controlPlane.localAPIEndpoint;
    return cfg;
  } finally {
    client.close();
  }
}
