/**
 * The API resources kubestrap talks to, and how their REST paths are built.
 */

/** One API resource: enough to build its REST path and name it in errors. */
export interface Resource {
  /** API group; "" for the core group. */
  group: string;
  version: string;
  /** Lower-case plural used in paths, e.g. "configmaps". */
  plural: string;
  /** Kind, for messages and for `apiVersion`/`kind` of created objects. */
  kind: string;
  namespaced: boolean;
}

function r(group: string, version: string, plural: string, kind: string, namespaced: boolean) {
  return { group, version, plural, kind, namespaced } as const satisfies Resource;
}

/** The resources kubeadm's init/join/reset/upgrade/token code paths use. */
export const R = {
  namespaces: r("", "v1", "namespaces", "Namespace", false),
  nodes: r("", "v1", "nodes", "Node", false),
  pods: r("", "v1", "pods", "Pod", true),
  configmaps: r("", "v1", "configmaps", "ConfigMap", true),
  secrets: r("", "v1", "secrets", "Secret", true),
  serviceaccounts: r("", "v1", "serviceaccounts", "ServiceAccount", true),
  services: r("", "v1", "services", "Service", true),
  endpoints: r("", "v1", "endpoints", "Endpoints", true),
  roles: r("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
  rolebindings: r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
  clusterroles: r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  clusterrolebindings: r(
    "rbac.authorization.k8s.io",
    "v1",
    "clusterrolebindings",
    "ClusterRoleBinding",
    false,
  ),
  deployments: r("apps", "v1", "deployments", "Deployment", true),
  jobs: r("batch", "v1", "jobs", "Job", true),
  daemonsets: r("apps", "v1", "daemonsets", "DaemonSet", true),
  certificatesigningrequests: r(
    "certificates.k8s.io",
    "v1",
    "certificatesigningrequests",
    "CertificateSigningRequest",
    false,
  ),
} as const;

/** A resource name from {@link R}. */
export type ResourceName = keyof typeof R;

/** `apiVersion` string of a resource ("v1", "apps/v1", ...). */
export function apiVersionOf(res: Resource): string {
  return res.group === "" ? res.version : `${res.group}/${res.version}`;
}

/** Resolve a resource given by name or descriptor. */
export function resolveResource(res: Resource | ResourceName): Resource {
  return typeof res === "string" ? R[res] : res;
}

/**
 * The REST path of a collection (no name) or of one object.
 * Namespaced resources need a namespace unless listing across all namespaces.
 */
export function resourcePath(res: Resource, namespace?: string, name?: string): string {
  const base = res.group === "" ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  let p = base;
  if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${res.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  return p;
}

/** "ConfigMap kube-system/kubeadm-config" or "ClusterRole kubeadm:get-nodes". */
export function describeObject(res: Resource, namespace: string | undefined, name?: string) {
  if (name === undefined) {
    return res.namespaced && namespace ? `${res.kind} list in ${namespace}` : `${res.kind} list`;
  }
  return res.namespaced && namespace ? `${res.kind} ${namespace}/${name}` : `${res.kind} ${name}`;
}
