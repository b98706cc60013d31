/**
 * The kube-proxy addon (phases/addons/proxy): kubeadm v1.37.2's ConfigMap and DaemonSet
 * templates rendered verbatim, plus its ServiceAccount and RBAC, applied in kubeadm's order.
 */

import { parse } from "yaml";
import type { KubeClient, KubeObject } from "../../kube/client.ts";
import { createOrUpdate, type PollOptions } from "../../kube/idempotency.ts";
import {
  KUBE_PROXY_CLUSTER_ROLE,
  KUBE_PROXY_CONFIGMAP,
  KUBE_PROXY_CONFIGMAP_KEY,
  KUBE_PROXY_CONFIGMAP_ROLE,
  KUBE_PROXY_CRB,
  KUBE_PROXY_SERVICE_ACCOUNT,
  NAMESPACE_SYSTEM,
  NODE_BOOTSTRAP_TOKEN_AUTH_GROUP,
} from "../constants.ts";
import {
  clusterRoleBinding,
  getOneRule,
  group,
  role,
  roleBinding,
  serviceAccount,
} from "../rbac.ts";
import { type ConfigMapObject, signConfigMap } from "../uploadconfig.ts";
import { type Log, silent } from "../util.ts";
import { kubeProxyKubeconfig } from "../../kubeconfig/kubeconfig.ts";

/** kubeadm's GetKubernetesImage for kube-proxy (version made a valid tag). */
export function kubeProxyImage(imageRepository: string, kubernetesVersion: string): string {
  return `${imageRepository}/kube-proxy:${kubernetesVersion.replace(/[^-\w.]/g, "_")}`;
}

/** Each line of `text` indented 4 spaces (bufio.Scanner lines: a final newline ends the last). */
function indent4(text: string): string {
  let indented = "";
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const l of lines) indented += `    ${l.replace(/\r$/, "")}\n`;
  return indented;
}

/** KubeProxyConfigMap19; `proxyConfigYAML` is indented 4 spaces per line as kubeadm does. */
export function kubeProxyConfigMapTemplate(
  controlPlaneEndpointURL: string,
  proxyConfigYAML: string,
): string {
  return `
kind: ConfigMap
apiVersion: v1
metadata:
  name: ${KUBE_PROXY_CONFIGMAP}
  namespace: kube-system
  labels:
    app: kube-proxy
data:
  kubeconfig.conf: |-
${indent4(kubeProxyKubeconfig(controlPlaneEndpointURL))}  ${KUBE_PROXY_CONFIGMAP_KEY}: |-
${indent4(proxyConfigYAML)}
`;
}

/** KubeProxyDaemonSet19 */
export function kubeProxyDaemonSetTemplate(image: string): string {
  return `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels:
    k8s-app: kube-proxy
  name: kube-proxy
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: kube-proxy
  updateStrategy:
    type: RollingUpdate
  template:
    metadata:
      labels:
        k8s-app: kube-proxy
    spec:
      priorityClassName: system-node-critical
      containers:
      - name: kube-proxy
        image: ${image}
        imagePullPolicy: IfNotPresent
        command:
        - /usr/local/bin/kube-proxy
        - --config=/var/lib/kube-proxy/${KUBE_PROXY_CONFIGMAP_KEY}
        - --hostname-override=$(NODE_NAME)
        securityContext:
          privileged: true
        volumeMounts:
        - mountPath: /var/lib/kube-proxy
          name: kube-proxy
        - mountPath: /run/xtables.lock
          name: xtables-lock
          readOnly: false
        - mountPath: /lib/modules
          name: lib-modules
          readOnly: true
        env:
          - name: NODE_NAME
            valueFrom:
              fieldRef:
                fieldPath: spec.nodeName
      hostNetwork: true
      serviceAccountName: kube-proxy
      volumes:
      - name: kube-proxy
        configMap:
          name: ${KUBE_PROXY_CONFIGMAP}
      - name: xtables-lock
        hostPath:
          path: /run/xtables.lock
          type: FileOrCreate
      - name: lib-modules
        hostPath:
          path: /lib/modules
      tolerations:
      - operator: Exists
      nodeSelector:
        kubernetes.io/os: linux
`;
}

/**
 * kubeadm's GetProxyEnvVars + MergeKubeadmEnvVars: the variables whose name ends in
 * `_proxy` (any case) with a non-empty value, sorted by name.
 */
function proxyEnvVars(env: Record<string, string>): { name: string; value: string }[] {
  return Object.entries(env)
    .filter(([k, v]) => k.toLowerCase().endsWith("_proxy") && v !== "")
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What the kube-proxy addon depends on. */
export interface KubeProxyInput {
  /** See `controlPlaneEndpointURL` in ../network.ts, e.g. "https://10.0.0.1:6443". */
  controlPlaneEndpointURL: string;
  /** The KubeProxyConfiguration YAML as kubeadm marshals it. */
  kubeProxyConfigYAML: string;
  /** True when the user supplied the KubeProxyConfiguration (no hash annotation then). */
  userSupplied?: boolean;
  /** See {@link kubeProxyImage}. */
  image: string;
  /** The environment whose *_proxy variables go into the container (default: none). */
  proxyEnv?: Record<string, string>;
  /**
   * The `--patches` of target "kubeproxydaemonset", applied to the DaemonSet as rendered,
   * before the proxy variables are added (kubeadm's applyKubeProxyDaemonSetPatches).
   */
  patchDaemonSet?: (daemonSet: KubeObject) => KubeObject;
}

/** The kube-proxy objects as plain JSON. */
export interface KubeProxyObjects {
  configMap: ConfigMapObject;
  daemonSet: KubeObject;
  serviceAccount: KubeObject;
  clusterRoleBinding: KubeObject;
  role: KubeObject;
  roleBinding: KubeObject;
}

/** The kube-proxy ConfigMap (signed unless the user supplied the configuration). */
function kubeProxyConfigMap(input: KubeProxyInput): ConfigMapObject {
  const cm = parse(
    kubeProxyConfigMapTemplate(input.controlPlaneEndpointURL, input.kubeProxyConfigYAML),
  ) as ConfigMapObject;
  return input.userSupplied ? cm : signConfigMap(cm);
}

/** The kube-proxy DaemonSet, patched (the `[patches]` line is printed here). */
function kubeProxyDaemonSet(input: KubeProxyInput): KubeObject {
  let ds = parse(kubeProxyDaemonSetTemplate(input.image)) as KubeObject;
  if (input.patchDaemonSet) ds = input.patchDaemonSet(ds);
  ds.spec.template.spec.containers[0].env.push(...proxyEnvVars(input.proxyEnv ?? {}));
  return ds;
}

/** The kube-proxy objects besides its ConfigMap and DaemonSet. */
function kubeProxyAccessObjects(): Omit<KubeProxyObjects, "configMap" | "daemonSet"> {
  return {
    serviceAccount: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: KUBE_PROXY_SERVICE_ACCOUNT, namespace: NAMESPACE_SYSTEM },
    },
    clusterRoleBinding: clusterRoleBinding(KUBE_PROXY_CRB, KUBE_PROXY_CLUSTER_ROLE, [
      serviceAccount(NAMESPACE_SYSTEM, KUBE_PROXY_SERVICE_ACCOUNT),
    ]),
    role: role(NAMESPACE_SYSTEM, KUBE_PROXY_CONFIGMAP_ROLE, [
      getOneRule("configmaps", KUBE_PROXY_CONFIGMAP),
    ]),
    roleBinding: roleBinding(
      NAMESPACE_SYSTEM,
      KUBE_PROXY_CONFIGMAP_ROLE,
      KUBE_PROXY_CONFIGMAP_ROLE,
      [
        group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP),
      ],
    ),
  };
}

/** Build the kube-proxy objects. */
export function kubeProxyObjects(input: KubeProxyInput): KubeProxyObjects {
  const configMap = kubeProxyConfigMap(input);
  return { configMap, daemonSet: kubeProxyDaemonSet(input), ...kubeProxyAccessObjects() };
}

/**
 * kubeadm's EnsureProxyAddon: ConfigMap, DaemonSet, ServiceAccount, ClusterRoleBinding,
 * Role, RoleBinding (all create-or-update).
 */
export async function applyKubeProxy(
  client: KubeClient,
  input: KubeProxyInput,
  log: Log = silent,
  opts: PollOptions = {},
): Promise<void> {
  // As kubeadm: the DaemonSet is rendered and patched once the ConfigMap is created.
  await createOrUpdate(client, "configmaps", kubeProxyConfigMap(input), opts);
  await createOrUpdate(client, "daemonsets", kubeProxyDaemonSet(input), opts);
  const o = kubeProxyAccessObjects();
  try {
    await createOrUpdate(client, "serviceaccounts", o.serviceAccount, opts);
  } catch (e) {
    throw new Error(`error when creating kube-proxy service account: ${(e as Error).message}`, {
      cause: e,
    });
  }
  await createOrUpdate(client, "clusterrolebindings", o.clusterRoleBinding, opts);
  await createOrUpdate(client, "roles", o.role, opts);
  await createOrUpdate(client, "rolebindings", o.roleBinding, opts);
  log("[addons] Applied essential addon: kube-proxy");
}
