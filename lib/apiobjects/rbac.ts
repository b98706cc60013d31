/**
 * RBAC objects as kubeadm writes them. Subjects carry only kind/name (+ namespace for
 * ServiceAccounts), exactly like kubeadm's Go literals; the API server defaults
 * `apiGroup` of User/Group subjects to rbac.authorization.k8s.io.
 */

import type { KubeObject } from "../kube/client.ts";

/** `rbac.authorization.k8s.io` */
const RBAC_GROUP = "rbac.authorization.k8s.io";
const RBAC_V1 = "rbac.authorization.k8s.io/v1";

/** A policy rule. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** A binding subject. */
export interface Subject {
  kind: "Group" | "User" | "ServiceAccount";
  name: string;
  namespace?: string;
  apiGroup?: string;
}

/** A Group subject. */
export function group(name: string): Subject {
  return { kind: "Group", name };
}

/** A User subject. */
export function user(name: string): Subject {
  return { kind: "User", name };
}

/** A ServiceAccount subject. */
export function serviceAccount(namespace: string, name: string): Subject {
  return { kind: "ServiceAccount", name, namespace };
}

/** `get` on one named object of a core resource. */
export function getOneRule(resource: string, name: string): PolicyRule {
  return { verbs: ["get"], apiGroups: [""], resources: [resource], resourceNames: [name] };
}

/** A namespaced Role. */
export function role(namespace: string, name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: RBAC_V1, kind: "Role", metadata: { name, namespace }, rules };
}

/** A RoleBinding to a Role of the same namespace. */
export function roleBinding(
  namespace: string,
  name: string,
  roleName: string,
  subjects: Subject[],
): KubeObject {
  return {
    apiVersion: RBAC_V1,
    kind: "RoleBinding",
    metadata: { name, namespace },
    roleRef: { apiGroup: RBAC_GROUP, kind: "Role", name: roleName },
    subjects,
  };
}

/** A ClusterRole. */
export function clusterRole(name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: RBAC_V1, kind: "ClusterRole", metadata: { name }, rules };
}

/** A ClusterRoleBinding. */
export function clusterRoleBinding(
  name: string,
  clusterRoleName: string,
  subjects: Subject[],
): KubeObject {
  return {
    apiVersion: RBAC_V1,
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: clusterRoleName },
    subjects,
  };
}
