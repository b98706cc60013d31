import { NotImplementedError } from "../../../lib/errors.ts";
import type { Phase } from "../../../lib/workflow.ts";
import type { UpgradeApplyData } from "./data.ts";

const uploadConfigFlags = ["config", "kubeconfig", "dry-run"];

/** `kubeadm upgrade apply phase upload-config` (no run of its own) and its sub-phases. */
export const uploadConfigPhase: Phase<UpgradeApplyData> = {
  name: "upload-config",
  aliases: ["uploadconfig"],
  short: "Upload the kubeadm and kubelet configurations to ConfigMaps",
  phases: [
    {
      name: "all",
      short: "Upload all the configurations to ConfigMaps",
      runAllSiblings: true,
      inheritFlags: uploadConfigFlags,
    },
    {
      name: "kubeadm",
      short: "Upload the kubeadm ClusterConfiguration to a ConfigMap",
      run: runUploadKubeadmConfig,
      inheritFlags: uploadConfigFlags,
    },
    {
      name: "kubelet",
      short: "Upload the kubelet configuration to a ConfigMap",
      run: runUploadKubeletConfig,
      inheritFlags: uploadConfigFlags,
    },
  ],
};

function runUploadKubeadmConfig(_data: UpgradeApplyData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade apply phase upload-config kubeadm");
}

function runUploadKubeletConfig(_data: UpgradeApplyData): Promise<void> {
  throw new NotImplementedError("kubeadm upgrade apply phase upload-config kubelet");
}
