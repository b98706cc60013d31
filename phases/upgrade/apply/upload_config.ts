/**
 * `kubeadm upgrade apply phase upload-config` (kubeadm's cmd/phases/upgrade/apply/
 * uploadconfig.go): the upgraded ClusterConfiguration and the kubelet configuration back to
 * their ConfigMaps (lib/apiobjects/configupload.ts, shared with init).
 */
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

async function runUploadKubeadmConfig(d: UpgradeApplyData): Promise<void> {
  const { apiPhaseError } = await import("../../../lib/apiobjects/client.ts");
  const { uploadConfiguration } = await import("../../../lib/apiobjects/configupload.ts");
  if (d.dryRun) {
    d.out("[dryrun] Would upload the kubeadm ClusterConfiguration to a ConfigMap");
    return;
  }
  const timeoutMs = d.apiCallTimeoutMs;
  try {
    await uploadConfiguration(d.client, d.init.cluster, d.out, { timeoutMs });
  } catch (e) {
    throw apiPhaseError("error uploading the kubeadm ClusterConfiguration", e, timeoutMs);
  }
}

async function runUploadKubeletConfig(d: UpgradeApplyData): Promise<void> {
  const { apiPhaseError } = await import("../../../lib/apiobjects/client.ts");
  const { createKubeletConfigMap } = await import("../../../lib/apiobjects/configupload.ts");
  if (d.dryRun) {
    d.out("[dryrun] Would upload the kubelet configuration to a ConfigMap");
    d.out("[dryrun] Would write the CRISocket annotation for the control-plane node");
    return;
  }
  const timeoutMs = d.apiCallTimeoutMs;
  try {
    await createKubeletConfigMap(
      d.client,
      d.init.componentConfigs.kubelet,
      d.init.userSupplied?.kubelet ?? false,
      d.out,
      { timeoutMs },
    );
  } catch (e) {
    throw apiPhaseError("error creating kubelet configuration ConfigMap", e, timeoutMs);
  }
}
