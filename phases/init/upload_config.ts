/**
 * `kubeadm init phase upload-config` (cmd/phases/init/uploadconfig.go): the ClusterConfiguration
 * (addons of skipped phases disabled) and the kubelet configuration to their ConfigMaps, through
 * lib/apiobjects/configupload.ts (which upgrade apply shares).
 */
import { examples, longDesc } from "../../lib/cli.ts";
import type { ClusterConfiguration } from "../../lib/config/types.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

const uploadConfigFlags = ["config", "cri-socket", "kubeconfig", "dry-run"];

/** `kubeadm init phase upload-config` and its sub-phases. */
export const uploadConfigPhase: Phase<InitData> = {
  name: "upload-config",
  writes: "api",
  aliases: ["uploadconfig"],
  short: "Upload the kubeadm and kubelet configuration to a ConfigMap",
  phases: [
    {
      name: "all",
      short: "Upload all configuration to a config map",
      runAllSiblings: true,
      inheritFlags: uploadConfigFlags,
    },
    {
      name: "kubeadm",
      short: "Upload the kubeadm ClusterConfiguration to a ConfigMap",
      long: longDesc(`
        Upload the kubeadm ClusterConfiguration to a ConfigMap called kubeadm-config in the kube-system namespace.
        This enables correct configuration of system components and a seamless user experience when upgrading.

        Alternatively, you can use kubeadm config.
      `),
      example: examples(`
        # upload the configuration of your cluster
        kubeadm init phase upload-config kubeadm --config=myConfig.yaml
      `),
      run: runUploadKubeadmConfig,
      inheritFlags: uploadConfigFlags,
    },
    {
      name: "kubelet",
      short: "Upload the kubelet component config to a ConfigMap",
      long: longDesc(`
        Upload the kubelet configuration extracted from the kubeadm InitConfiguration object
        to a kubelet-config ConfigMap in the cluster
      `),
      example: examples(`
        # Upload the kubelet configuration from the kubeadm Config file to a ConfigMap in the cluster.
        kubeadm init phase upload-config kubelet --config kubeadm.yaml
      `),
      run: runUploadKubeletConfig,
      inheritFlags: uploadConfigFlags,
    },
  ],
};

/** manageSkippedAddons: addon phases skipped ⇒ the addon is disabled in what is uploaded. */
function clusterWithSkippedAddons(data: InitData): ClusterConfiguration {
  const cluster = structuredClone(data.cfg.cluster);
  const skip = new Set(data.skipPhases);
  if (skip.has("addon")) {
    cluster.dns = { ...cluster.dns, disabled: true };
    cluster.proxy = { ...cluster.proxy, disabled: true };
  }
  if (skip.has("addon/coredns")) cluster.dns = { ...cluster.dns, disabled: true };
  if (skip.has("addon/kube-proxy")) cluster.proxy = { ...cluster.proxy, disabled: true };
  return cluster;
}

async function runUploadKubeadmConfig(data: InitData): Promise<void> {
  const client = await data.client();
  const { uploadConfiguration } = await import("../../lib/apiobjects/configupload.ts");
  const { apiPhaseError } = await import("../../lib/apiobjects/client.ts");
  const timeoutMs = data.timeouts.kubernetesAPICallMs;
  const cluster = clusterWithSkippedAddons(data);
  try {
    await uploadConfiguration(client, cluster, data.out, { timeoutMs });
  } catch (e) {
    throw apiPhaseError("error uploading the kubeadm ClusterConfiguration", e, timeoutMs);
  }
}

async function runUploadKubeletConfig(data: InitData): Promise<void> {
  const client = await data.client();
  const { createKubeletConfigMap } = await import("../../lib/apiobjects/configupload.ts");
  const { apiPhaseError } = await import("../../lib/apiobjects/client.ts");
  const timeoutMs = data.timeouts.kubernetesAPICallMs;
  const kubelet = (data.cfg.componentConfigs.kubelet ?? {}) as Record<string, unknown>;
  const userSupplied = await data.userSupplied("kubelet.config.k8s.io");
  try {
    await createKubeletConfigMap(client, kubelet, userSupplied, data.out, { timeoutMs });
  } catch (e) {
    throw apiPhaseError("error creating kubelet configuration ConfigMap", e, timeoutMs);
  }
}
