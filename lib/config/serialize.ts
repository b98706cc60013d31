/**
 * The kubeadm configuration kinds and the component configs as kubeadm writes them
 * (MarshalInitConfigurationToBytes, MarshalToYamlForCodecs): `kubeadm config print|migrate`
 * print them, upload-config stores the ClusterConfiguration, the kube-proxy addon its config.
 */
import {
  KUBELET_SCHEMA,
  KUBELET_ZERO,
  KUBEPROXY_SCHEMA,
  KUBEPROXY_ZERO,
} from "./componentconfig_schema.ts";
import { marshalYaml } from "./marshal.ts";
import {
  CLUSTER_CONFIGURATION_SCHEMA,
  INIT_CONFIGURATION_SCHEMA,
  JOIN_CONFIGURATION_SCHEMA,
  RESET_CONFIGURATION_SCHEMA,
  UPGRADE_CONFIGURATION_SCHEMA,
} from "./schema.ts";
import type {
  ClusterConfiguration,
  InitConfiguration,
  JoinConfiguration,
  ResetConfiguration,
  UpgradeConfiguration,
} from "./types.ts";
import { V1BETA4 } from "./types.ts";

/** The separator between YAML documents. */
export const YAML_SEPARATOR = "---\n";

function typed<T extends object>(obj: T, kind: string): T & { apiVersion: string; kind: string } {
  return { apiVersion: V1BETA4, kind, ...obj };
}

/** Marshals an InitConfiguration + ClusterConfiguration pair (MarshalInitConfigurationToBytes). */
export function marshalInitConfig(init: InitConfiguration, cluster: ClusterConfiguration): string {
  return marshalYaml(typed(init, "InitConfiguration"), INIT_CONFIGURATION_SCHEMA) +
    YAML_SEPARATOR +
    marshalYaml(typed(cluster, "ClusterConfiguration"), CLUSTER_CONFIGURATION_SCHEMA);
}

export function marshalClusterConfiguration(cluster: ClusterConfiguration): string {
  return marshalYaml(typed(cluster, "ClusterConfiguration"), CLUSTER_CONFIGURATION_SCHEMA);
}

export function marshalJoinConfiguration(join: JoinConfiguration): string {
  return marshalYaml(typed(join, "JoinConfiguration"), JOIN_CONFIGURATION_SCHEMA);
}

export function marshalResetConfiguration(reset: ResetConfiguration): string {
  return marshalYaml(typed(reset, "ResetConfiguration"), RESET_CONFIGURATION_SCHEMA);
}

export function marshalUpgradeConfiguration(u: UpgradeConfiguration): string {
  return marshalYaml(typed(u, "UpgradeConfiguration"), UPGRADE_CONFIGURATION_SCHEMA);
}

/** Component configs as kubeadm marshals them (Go zero values of the upstream types included). */
export function marshalKubeletConfiguration(kc: Record<string, unknown>): string {
  return marshalYaml(kc, KUBELET_SCHEMA, KUBELET_ZERO);
}

export function marshalKubeProxyConfiguration(kp: Record<string, unknown>): string {
  return marshalYaml(kp, KUBEPROXY_SCHEMA, KUBEPROXY_ZERO);
}
