/**
 * upload-config over a resolved configuration, for init and upgrade apply alike: the
 * ClusterConfiguration to the `kubeadm-config` ConfigMap (kubeadm's
 * uploadconfig.UploadConfiguration) and the kubelet's component config to `kubelet-config`
 * (kubeletphase.CreateConfigMap), each with its RBAC.
 */
import type { ClusterConfiguration } from "../config/types.ts";
import { marshalClusterConfiguration } from "../config/serialize.ts";
import type { KubeClient } from "../kube/client.ts";
import type { PollOptions } from "../kube/idempotency.ts";
import { marshalKubeletConfig } from "../kubelet/config.ts";
import { applyKubeadmConfig, applyKubeletConfig } from "./uploadconfig.ts";
import type { Log } from "./util.ts";

/** Stores `cluster` as the ClusterConfiguration of `kube-system/kubeadm-config`. */
export async function uploadConfiguration(
  client: KubeClient,
  cluster: ClusterConfiguration,
  log: Log,
  opts: PollOptions,
): Promise<void> {
  await applyKubeadmConfig(client, marshalClusterConfiguration(cluster), log, opts);
}

/**
 * Stores the KubeletConfiguration in `kube-system/kubelet-config`, signed with its hash unless
 * the user supplied it.
 */
export async function createKubeletConfigMap(
  client: KubeClient,
  kubeletConfig: Record<string, unknown>,
  userSupplied: boolean,
  log: Log,
  opts: PollOptions,
): Promise<void> {
  await applyKubeletConfig(client, marshalKubeletConfig(kubeletConfig), userSupplied, log, opts);
}
