/**
 * upload-config: the `kubeadm-config` and `kubelet-config` ConfigMaps and the RBAC that
 * lets joining nodes read them (phases/uploadconfig, phases/kubelet/config.go).
 */

import { createHash } from "node:crypto";
import type { KubeClient, KubeObject } from "../kube/client.ts";
import { createOrMutate, createOrUpdate, type PollOptions } from "../kube/idempotency.ts";
import {
  CLUSTER_CONFIGURATION_KEY,
  COMPONENT_CONFIG_HASH_ANNOTATION,
  KUBEADM_CONFIG_CONFIGMAP,
  KUBELET_CONFIG_CONFIGMAP,
  KUBELET_CONFIG_KEY,
  KUBELET_CONFIG_ROLE,
  NAMESPACE_SYSTEM,
  NODE_BOOTSTRAP_TOKEN_AUTH_GROUP,
  NODES_GROUP,
  NODES_KUBEADM_CONFIG_ROLE,
} from "./constants.ts";
import { getOneRule, group, role, roleBinding } from "./rbac.ts";
import { type Log, silent } from "./util.ts";

/** A ConfigMap as plain JSON. */
export interface ConfigMapObject extends KubeObject {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/**
 * kubeadm's ChecksumForConfigMap: `sha256:<hex>` over the `data` values in key order,
 * then the `binaryData` values (given base64, hashed as bytes) in key order.
 */
export function configMapChecksum(
  data: Record<string, string> = {},
  binaryData: Record<string, string> = {},
): string {
  const h = createHash("sha256");
  for (const k of Object.keys(data).sort(byteOrder)) h.update(data[k]);
  for (const k of Object.keys(binaryData).sort(byteOrder)) {
    h.update(Uint8Array.from(atob(binaryData[k]), (c) => c.charCodeAt(0)));
  }
  return `sha256:${h.digest("hex")}`;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** kubeadm's SignConfigMap: set the component-config hash annotation (returns the object). */
export function signConfigMap<T extends ConfigMapObject>(cm: T): T {
  cm.metadata.annotations = {
    ...cm.metadata.annotations,
    [COMPONENT_CONFIG_HASH_ANNOTATION]: configMapChecksum(cm.data, cm.binaryData),
  };
  return cm;
}

/** kubeadm's VerifyConfigMapSignature. */
export function verifyConfigMapSignature(cm: ConfigMapObject): boolean {
  const sig = cm.metadata.annotations?.[COMPONENT_CONFIG_HASH_ANNOTATION];
  return sig !== undefined && sig === configMapChecksum(cm.data, cm.binaryData);
}

/**
 * `kube-system/kubeadm-config` with the ClusterConfiguration YAML (already marshalled
 * as kubeadm does: kubeadm.k8s.io/v1beta4, no component configs) under `ClusterConfiguration`.
 */
export function kubeadmConfigConfigMap(clusterConfigurationYAML: string): ConfigMapObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: KUBEADM_CONFIG_CONFIGMAP, namespace: NAMESPACE_SYSTEM },
    data: { [CLUSTER_CONFIGURATION_KEY]: clusterConfigurationYAML },
  };
}

/** Role `kube-system/kubeadm:nodes-kubeadm-config`: get configmaps/kubeadm-config. */
export function nodesKubeadmConfigRole(): KubeObject {
  return role(NAMESPACE_SYSTEM, NODES_KUBEADM_CONFIG_ROLE, [
    getOneRule("configmaps", KUBEADM_CONFIG_CONFIGMAP),
  ]);
}

/** RoleBinding `kubeadm:nodes-kubeadm-config` → bootstrappers group, system:nodes. */
export function nodesKubeadmConfigRoleBinding(): KubeObject {
  return roleBinding(NAMESPACE_SYSTEM, NODES_KUBEADM_CONFIG_ROLE, NODES_KUBEADM_CONFIG_ROLE, [
    group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP),
    group(NODES_GROUP),
  ]);
}

/**
 * kubeadm's UploadConfiguration: create-or-mutate `kubeadm-config` (the mutation only
 * replaces the ClusterConfiguration key), then create-or-update the Role and RoleBinding.
 */
export async function applyKubeadmConfig(
  client: KubeClient,
  clusterConfigurationYAML: string,
  log: Log = silent,
  opts: PollOptions = {},
): Promise<void> {
  log(
    `[upload-config] Storing the configuration used in ConfigMap "${KUBEADM_CONFIG_CONFIGMAP}" in the "${NAMESPACE_SYSTEM}" Namespace`,
  );
  await createOrMutate<ConfigMapObject>(
    client,
    "configmaps",
    kubeadmConfigConfigMap(clusterConfigurationYAML),
    (cm) => {
      cm.data = { ...cm.data, [CLUSTER_CONFIGURATION_KEY]: clusterConfigurationYAML };
    },
    opts,
  );
  await createOrUpdate(client, "roles", nodesKubeadmConfigRole(), opts);
  await createOrUpdate(client, "rolebindings", nodesKubeadmConfigRoleBinding(), opts);
}

/**
 * `kube-system/kubelet-config` with the KubeletConfiguration YAML under `kubelet`, signed
 * with the component-config hash unless the user supplied the KubeletConfiguration.
 */
export function kubeletConfigConfigMap(
  kubeletConfigurationYAML: string,
  userSupplied = false,
): ConfigMapObject {
  const cm: ConfigMapObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: KUBELET_CONFIG_CONFIGMAP, namespace: NAMESPACE_SYSTEM },
    data: { [KUBELET_CONFIG_KEY]: kubeletConfigurationYAML },
  };
  return userSupplied ? cm : signConfigMap(cm);
}

/** Role `kube-system/kubeadm:kubelet-config`: get configmaps/kubelet-config. */
export function kubeletConfigRole(): KubeObject {
  return role(NAMESPACE_SYSTEM, KUBELET_CONFIG_ROLE, [
    getOneRule("configmaps", KUBELET_CONFIG_CONFIGMAP),
  ]);
}

/** RoleBinding `kubeadm:kubelet-config` → system:nodes, bootstrappers group. */
export function kubeletConfigRoleBinding(): KubeObject {
  return roleBinding(NAMESPACE_SYSTEM, KUBELET_CONFIG_ROLE, KUBELET_CONFIG_ROLE, [
    group(NODES_GROUP),
    group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP),
  ]);
}

/** kubeadm's kubelet CreateConfigMap: the ConfigMap, then its Role and RoleBinding. */
export async function applyKubeletConfig(
  client: KubeClient,
  kubeletConfigurationYAML: string,
  userSupplied = false,
  log: Log = silent,
  opts: PollOptions = {},
): Promise<void> {
  log(
    `[kubelet] Creating a ConfigMap "${KUBELET_CONFIG_CONFIGMAP}" in namespace ${NAMESPACE_SYSTEM} with the configuration for the kubelets in the cluster`,
  );
  await createOrUpdate(
    client,
    "configmaps",
    kubeletConfigConfigMap(kubeletConfigurationYAML, userSupplied),
    opts,
  );
  try {
    await createOrUpdate(client, "roles", kubeletConfigRole(), opts);
    await createOrUpdate(client, "rolebindings", kubeletConfigRoleBinding(), opts);
  } catch (e) {
    throw new Error(
      `error creating kubelet configuration configmap RBAC rules: ${(e as Error).message}`,
      { cause: e },
    );
  }
}
