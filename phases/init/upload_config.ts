import { examples, longDesc } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

const uploadConfigFlags = ["config", "cri-socket", "kubeconfig", "dry-run"];

/** `kubeadm init phase upload-config` and its sub-phases. */
export const uploadConfigPhase: Phase<InitData> = {
  name: "upload-config",
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

async function runUploadKubeadmConfig(data: InitData): Promise<void> {
  const { uploadKubeadmConfig } = await import("./api_phases.ts");
  await uploadKubeadmConfig(data);
}

async function runUploadKubeletConfig(data: InitData): Promise<void> {
  const { uploadKubeletConfig } = await import("./api_phases.ts");
  await uploadKubeletConfig(data);
}
