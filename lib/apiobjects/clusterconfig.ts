/**
 * Reading the cluster's kubeadm configuration back (kubeadm's util/config/cluster.go
 * FetchInitConfigurationFromCluster): the ClusterConfiguration of the kubeadm-config ConfigMap,
 * the component configs of the kubelet-config and kube-proxy ConfigMaps, this node's
 * registration (name, CRI socket, taints) and API endpoint, defaulted and validated as a
 * configuration file would be.
 */
import type { InitConfig } from "../config/types.ts";
import { documentsToInitConfig, parseConfigText } from "../config/load.ts";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import { hostFacts } from "../config/host_facts.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { type ConfigMapObject, verifyConfigMapSignature } from "./uploadconfig.ts";
import { currentAuthInfo, parseKubeConfig } from "../kubeconfig/kubeconfig.ts";
import { parseCertsPEM } from "../pki/x509.ts";
import { parse as parseYAML } from "yaml";

export interface FetchClusterConfigOptions {
  client: KubeClient;
  /** The node's filesystem (kubelet.conf, the kubelet's instance config). */
  host: Host;
  /** "upgrade/config", "preflight", ...: the prefix of the two lines printed. */
  logPrefix: string;
  out: (line: string) => void;
  /** A klog warning from kubeadm's source position `at`. */
  warn: (at: string, msg: string) => void;
  getNodeRegistration: boolean;
  getAPIEndpoint: boolean;
  getComponentConfigs: boolean;
  /** How long to retry reading kubeadm-config (timeouts.kubernetesAPICall, default 1m). */
  retryTimeoutMs?: number;
  /**
   * shortConfigMapGet: kubeadm-config is read with GetConfigMapWithShortRetry (every 50 ms for
   * 350 ms; certs, reset), the API endpoint still waits as long as retryTimeoutMs.
   */
  shortConfigMapGet?: boolean;
  kubernetesDir?: string;
  kubeletDir?: string;
}

interface ConfigMap {
  data?: Record<string, string>;
}

interface PodLike {
  metadata?: { annotations?: Record<string, string> };
}

const ENDPOINT_ANNOTATION = "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint";

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The node name kubelet.conf's client certificate is for (getNodeNameFromKubeletConfig). */
export async function nodeNameFromKubeletConf(
  host: Host,
  file: string,
): Promise<string | undefined> {
  const text = await host.readText(file);
  if (text === undefined) return undefined;
  try {
    const kc = parseKubeConfig(text);
    const user = currentAuthInfo(kc)?.user;
    let pem: string | undefined;
    const data = user?.["client-certificate-data"];
    if (data?.length) pem = new TextDecoder().decode(data);
    else if (user?.["client-certificate"]) pem = await host.readText(user["client-certificate"]);
    if (!pem) return undefined;
    return parseCertsPEM(pem)[0].subject.commonName.replace(/^system:node:/, "");
  } catch {
    return undefined;
  }
}

/**
 * GetNodeName: the node kubelet.conf's client certificate is for, else the host name (lower
 * case). kubeadm first asks the API server (a SelfSubjectReview with kubelet.conf's client);
 * the certificate names the same node.
 */
export async function getNodeName(host: Host, kubeletConf: string): Promise<string> {
  return await nodeNameFromKubeletConf(host, kubeletConf) ?? host.hostname().toLowerCase();
}

/** getRawAPIEndpointFromPodAnnotationWithoutRetry. */
async function apiEndpointAnnotation(client: KubeClient, node: string): Promise<string> {
  const pods = await client.list<PodLike>("pods", {
    namespace: "kube-system",
    fieldSelector: `spec.nodeName=${node}`,
    labelSelector: "component=kube-apiserver,tier=control-plane",
    retry: false,
  });
  if (pods.items.length !== 1) {
    throw new Error(
      `API server pod for node name "${node}" has ${pods.items.length} entries, only one was expected`,
    );
  }
  const ep = pods.items[0].metadata?.annotations?.[ENDPOINT_ANNOTATION];
  if (ep === undefined) {
    throw new Error(
      `API server pod for node name "${node}" hasn't got a "${ENDPOINT_ANNOTATION}" annotation, cannot retrieve API endpoint`,
    );
  }
  return ep;
}

/**
 * Polls `fn` every `intervalMs` (default 500 ms, constants.KubernetesAPICallRetryInterval)
 * within `timeoutMs`.
 */
async function retrying<T>(timeoutMs: number, fn: () => Promise<T>, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() + intervalMs > deadline) throw e;
    }
    await sleep(intervalMs);
  }
}

/** FetchInitConfigurationFromCluster. */
export async function fetchInitConfigurationFromCluster(
  o: FetchClusterConfigOptions,
): Promise<InitConfig> {
  const k8sDir = o.kubernetesDir ?? "/etc/kubernetes";
  const kubeletDir = o.kubeletDir ?? "/var/lib/kubelet";
  const timeoutMs = o.retryTimeoutMs ?? 60_000;
  o.out(
    `[${o.logPrefix}] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...`,
  );
  o.out(
    `[${o.logPrefix}] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.`,
  );
  let cm: ConfigMap;
  try {
    cm = await retrying(
      o.shortConfigMapGet ? 350 : timeoutMs,
      () =>
        o.client.get<ConfigMap>("configmaps", "kubeadm-config", "kube-system", { retry: false }),
      o.shortConfigMapGet ? 50 : 500,
    );
  } catch (e) {
    throw new KubestrapError(`failed to get config map: ${(e as Error).message}`);
  }
  const clusterYAML = cm.data?.ClusterConfiguration;
  if (clusterYAML === undefined) {
    throw new KubestrapError(
      "unexpected error when reading kubeadm-config ConfigMap: ClusterConfiguration key value pair missing",
    );
  }
  const docs: string[] = [clusterYAML];

  const userSupplied = { kubelet: false, kubeProxy: false };
  if (o.getComponentConfigs) {
    const optional = async (name: string, key: string) => {
      try {
        const c = await o.client.get<ConfigMap>("configmaps", name, "kube-system");
        if (c.data?.[key]) {
          docs.push(c.data[key]);
          // A config kubeadm generated carries its signature; anything else the user supplied.
          const signed = verifyConfigMapSignature(c as ConfigMapObject);
          if (name === "kubelet-config") userSupplied.kubelet = !signed;
          else userSupplied.kubeProxy = !signed;
        }
      } catch (e) {
        if (!isNotFound(e)) {
          throw new KubestrapError(`failed to get component configs: ${(e as Error).message}`);
        }
      }
    };
    await optional("kube-proxy", "config.conf");
    await optional("kubelet-config", "kubelet");
  }

  const init: Record<string, unknown> = {
    apiVersion: "kubeadm.k8s.io/v1beta4",
    kind: "InitConfiguration",
  };
  if (o.getNodeRegistration) {
    const name = await getNodeName(o.host, `${k8sDir}/kubelet.conf`);
    let node: { spec?: { taints?: unknown[] } };
    try {
      node = await o.client.get("nodes", name);
    } catch (e) {
      throw new KubestrapError(
        `failed to get node registration: failed to get corresponding node: ${
          (e as Error).message
        }`,
      );
    }
    const reg: Record<string, unknown> = { name };
    const instance = await o.host.readText(`${kubeletDir}/instance-config.yaml`);
    if (instance === undefined) {
      o.warn(
        "cluster.go:208",
        `Node "${name}" lacks a kubelet instance config file "${kubeletDir}/instance-config.yaml"; attempting auto-detection`,
      );
    } else {
      let endpoint: unknown;
      try {
        endpoint = (parseYAML(instance) as Record<string, unknown> | null)
          ?.containerRuntimeEndpoint;
      } catch (e) {
        throw new KubestrapError(
          `failed to get node registration: could not read kubelet instance configuration on node "${name}": ${
            (e as Error).message
          }`,
        );
      }
      if (typeof endpoint === "string" && endpoint) reg.criSocket = endpoint;
    }
    if (node.spec?.taints) reg.taints = node.spec.taints;
    init.nodeRegistration = reg;
    if (o.getAPIEndpoint) {
      let raw: string;
      try {
        raw = await retrying(timeoutMs, () => apiEndpointAnnotation(o.client, name));
      } catch (e) {
        throw new KubestrapError(
          `failed to getAPIEndpoint: could not retrieve API endpoints for node "${name}" using pod annotations: ${
            (e as Error).message
          }`,
        );
      }
      const m = /^(.*):(\d+)$/.exec(raw);
      if (!m) {
        throw new KubestrapError(
          `failed to getAPIEndpoint: could not parse API endpoint for node "${name}": ${raw}`,
        );
      }
      init.localAPIEndpoint = {
        advertiseAddress: m[1].replace(/^\[|\]$/g, ""),
        bindPort: Number(m[2]),
      };
    }
  }
  docs.unshift(JSON.stringify(init)); // JSON is YAML: no second YAML writer
  const text = docs.map((d) => d.replace(/\n?$/, "\n")).join("---\n");
  const cfg = await documentsToInitConfig(
    parseConfigText(text, "kubeadm-config"),
    hostFacts(o.host),
    {
      file: "kubeadm-config",
      skipCRIDetect: !o.getNodeRegistration || init.nodeRegistration === undefined ||
        (init.nodeRegistration as Record<string, unknown>).criSocket !== undefined,
    },
  );
  cfg.userSupplied = userSupplied;
  return cfg;
}
