/**
 * The CoreDNS addon (phases/addons/dns): kubeadm v1.37.2's manifest templates rendered
 * verbatim, decoded into plain objects, and applied in kubeadm's order.
 */

import { parse } from "yaml";
import type { KubeClient, KubeObject } from "../../kube/client.ts";
import { isAlreadyExists, isInvalid, isNotFound } from "../../kube/errors.ts";
import { createOrRetain, createOrUpdate, type PollOptions } from "../../kube/idempotency.ts";
import {
  COREDNS_CONFIGMAP,
  COREDNS_DEPLOYMENT,
  COREDNS_IMAGE_NAME,
  COREDNS_VERSION,
  DEFAULT_IMAGE_REPOSITORY,
  LABEL_NODE_ROLE_CONTROL_PLANE,
  NAMESPACE_SYSTEM,
} from "../constants.ts";
import { marshalGoYAML } from "../../util/goyaml.ts";
import { dnsIP } from "../network.ts";
import { type Log, silent } from "../util.ts";

/** kubeadm's coreDNSReplicas. */
export const COREDNS_REPLICAS = 2;

/** kubeadm's GetDNSImage. */
export function coreDNSImage(opts: {
  imageRepository: string;
  dnsImageRepository?: string;
  dnsImageTag?: string;
}): string {
  let repo = opts.dnsImageRepository || opts.imageRepository;
  if (repo === DEFAULT_IMAGE_REPOSITORY) repo = `${repo}/coredns`;
  return `${repo}/${COREDNS_IMAGE_NAME}:${opts.dnsImageTag || COREDNS_VERSION}`;
}

/** CoreDNSService */
export function coreDNSServiceTemplate(dnsIP: string): string {
  return `
apiVersion: v1
kind: Service
metadata:
  labels:
    k8s-app: kube-dns
    kubernetes.io/cluster-service: "true"
    kubernetes.io/name: "CoreDNS"
  name: kube-dns
  namespace: kube-system
  annotations:
    prometheus.io/port: "9153"
    prometheus.io/scrape: "true"
  # Without this resourceVersion value, an update of the Service between versions will yield:
  #   Service "kube-dns" is invalid: metadata.resourceVersion: Invalid value: "": must be specified for an update
  resourceVersion: "0"
spec:
  clusterIP: ${dnsIP}
  ports:
  - name: dns
    port: 53
    protocol: UDP
    targetPort: 53
  - name: dns-tcp
    port: 53
    protocol: TCP
    targetPort: 53
  - name: metrics
    port: 9153
    protocol: TCP
    targetPort: 9153
  selector:
    k8s-app: kube-dns
`;
}

/** CoreDNSDeployment */
export function coreDNSDeploymentTemplate(image: string, replicas: number): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${COREDNS_DEPLOYMENT}
  namespace: kube-system
  labels:
    k8s-app: kube-dns
spec:
  replicas: ${replicas}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  selector:
    matchLabels:
      k8s-app: kube-dns
  template:
    metadata:
      labels:
        k8s-app: kube-dns
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: coredns
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchExpressions:
                - key: k8s-app
                  operator: In
                  values: ["kube-dns"]
              topologyKey: kubernetes.io/hostname
      tolerations:
      - key: CriticalAddonsOnly
        operator: Exists
      - key: ${LABEL_NODE_ROLE_CONTROL_PLANE}
        effect: NoSchedule
      nodeSelector:
        kubernetes.io/os: linux
      containers:
      - name: coredns
        image: ${image}
        imagePullPolicy: IfNotPresent
        resources:
          limits:
            memory: 170Mi
          requests:
            cpu: 100m
            memory: 70Mi
        args: [ "-conf", "/etc/coredns/Corefile" ]
        volumeMounts:
        - name: config-volume
          mountPath: /etc/coredns
          readOnly: true
        ports:
        - containerPort: 53
          name: dns
          protocol: UDP
        - containerPort: 53
          name: dns-tcp
          protocol: TCP
        - containerPort: 9153
          name: metrics
          protocol: TCP
        - containerPort: 8080
          name: liveness-probe
          protocol: TCP
        - containerPort: 8181
          name: readiness-probe
          protocol: TCP
        livenessProbe:
          httpGet:
            path: /health
            port: liveness-probe
            scheme: HTTP
          initialDelaySeconds: 60
          timeoutSeconds: 5
          successThreshold: 1
          failureThreshold: 5
        readinessProbe:
          httpGet:
            path: /ready
            port: readiness-probe
            scheme: HTTP
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            add:
            - NET_BIND_SERVICE
            drop:
            - ALL
          readOnlyRootFilesystem: true
      dnsPolicy: Default
      volumes:
        - name: config-volume
          configMap:
            name: coredns
            items:
            - key: Corefile
              path: Corefile
`;
}

/** CoreDNSConfigMap (the `{{- if .DNSDomain }}` cache block rendered as text/template does). */
export function coreDNSConfigMapTemplate(dnsDomain: string): string {
  const cache = dnsDomain
    ? `        cache 30 {
           disable success ${dnsDomain}
           disable denial ${dnsDomain}
        }`
    : "        cache 30";
  return `
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
           lameduck 5s
        }
        ready
        kubernetes ${dnsDomain} in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf {
           max_concurrent 1000
        }
${cache}
        loop
        reload
        loadbalance
    }
`;
}

/** CoreDNSClusterRole */
export const CORE_DNS_CLUSTER_ROLE = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:coredns
rules:
- apiGroups:
  - ""
  resources:
  - endpoints
  - services
  - pods
  - namespaces
  verbs:
  - list
  - watch
- apiGroups:
  - discovery.k8s.io
  resources:
  - endpointslices
  verbs:
  - list
  - watch
`;

/** CoreDNSClusterRoleBinding */
export const CORE_DNS_CLUSTER_ROLE_BINDING = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:coredns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:coredns
subjects:
- kind: ServiceAccount
  name: coredns
  namespace: kube-system
`;

/** CoreDNSServiceAccount */
export const CORE_DNS_SERVICE_ACCOUNT = `
apiVersion: v1
kind: ServiceAccount
metadata:
  name: coredns
  namespace: kube-system
`;

/** What the CoreDNS addon depends on. */
export interface CoreDNSInput {
  /** `networking.dnsDomain`, e.g. "cluster.local". */
  dnsDomain: string;
  /** `networking.serviceSubnet` (comma-separated; the first decides the DNS IP). */
  serviceSubnet: string;
  /** The image, see {@link coreDNSImage}. */
  image: string;
  /** Replica count (default 2; kubeadm keeps the count of an existing Deployment). */
  replicas?: number;
  /**
   * The `--patches` of target "corednsdeployment", applied to the Deployment after it is
   * rendered (kubeadm's applyCoreDNSDeploymentPatches); see addonPatcher in ./patches.ts.
   */
  patchDeployment?: (deployment: KubeObject) => KubeObject;
}

/** The rendered manifests (kubeadm's template output, before decoding). */
export interface CoreDNSManifests {
  deployment: string;
  configMap: string;
  service: string;
  clusterRole: string;
  clusterRoleBinding: string;
  serviceAccount: string;
}

/** Render kubeadm's CoreDNS templates. */
export function coreDNSManifests(input: CoreDNSInput): CoreDNSManifests {
  return {
    deployment: coreDNSDeploymentTemplate(input.image, input.replicas ?? COREDNS_REPLICAS),
    configMap: coreDNSConfigMapTemplate(input.dnsDomain),
    service: coreDNSServiceTemplate(dnsIP(input.serviceSubnet)),
    clusterRole: CORE_DNS_CLUSTER_ROLE,
    clusterRoleBinding: CORE_DNS_CLUSTER_ROLE_BINDING,
    serviceAccount: CORE_DNS_SERVICE_ACCOUNT,
  };
}

/** `kubeadm init phase addon coredns --print-manifest` output. */
export function coreDNSPrintManifest(input: CoreDNSInput): string {
  const m = coreDNSManifests(input);
  return [
    // Patched, kubeadm prints the Deployment as yaml.JSONToYAML renders it: keys sorted.
    input.patchDeployment
      ? marshalGoYAML(input.patchDeployment(parse(m.deployment)))
      : m.deployment,
    m.configMap,
    m.service,
    m.clusterRole,
    m.clusterRoleBinding,
    m.serviceAccount,
  ].map((d) => `---${d}`).join("");
}

/** The CoreDNS objects as plain JSON. */
export interface CoreDNSObjects {
  configMap: KubeObject;
  clusterRole: KubeObject;
  clusterRoleBinding: KubeObject;
  serviceAccount: KubeObject;
  deployment: KubeObject;
  service: KubeObject;
}

/** Decode the rendered manifests. */
export function coreDNSObjects(input: CoreDNSInput): CoreDNSObjects {
  const m = coreDNSManifests(input);
  return {
    configMap: parse(m.configMap),
    clusterRole: parse(m.clusterRole),
    clusterRoleBinding: parse(m.clusterRoleBinding),
    serviceAccount: parse(m.serviceAccount),
    deployment: input.patchDeployment
      ? input.patchDeployment(parse(m.deployment))
      : parse(m.deployment),
    service: parse(m.service),
  };
}

function normalizeCorefile(s: string): string {
  return s.split("\n").map((l) => l.trim()).filter((l) => l !== "").join("\n");
}

/**
 * Whether a Corefile is one kubeadm generated (the current template, or the pre-1.32 one
 * with a plain `cache 30`), compared line by line ignoring indentation. Stands in for
 * corefile-migration's `migration.Default`.
 */
export function isDefaultCorefile(corefile: string): boolean {
  const m = /kubernetes (\S*) in-addr\.arpa ip6\.arpa/.exec(corefile);
  const domain = m?.[1] ?? "";
  const got = normalizeCorefile(corefile);
  for (const d of [domain, ""]) {
    const cm = parse(coreDNSConfigMapTemplate(d)) as { data: { Corefile: string } };
    let want = cm.data.Corefile;
    if (d === "" && domain) {
      want = want.replace("kubernetes  in-addr", `kubernetes ${domain} in-addr`);
    }
    if (normalizeCorefile(want) === got) return true;
  }
  return false;
}

/** kubeadm's deployedDNSReplicas: the replicas of the one `k8s-app=kube-dns` Deployment. */
export async function deployedDNSReplicas(client: KubeClient, fallback = COREDNS_REPLICAS) {
  let list;
  try {
    list = await client.list("deployments", {
      namespace: NAMESPACE_SYSTEM,
      labelSelector: "k8s-app=kube-dns",
    });
  } catch (e) {
    throw new Error(`couldn't retrieve DNS addon deployments: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (list.items.length === 0) return fallback;
  if (list.items.length > 1) {
    throw new Error(
      `multiple DNS addon deployments found: ${list.items.map((d) => d.metadata?.name).join(", ")}`,
    );
  }
  return (list.items[0].spec?.replicas as number | undefined) ?? 1;
}

/**
 * kubeadm's EnsureDNSAddon: keep the replica count of an existing Deployment; the
 * ConfigMap is created or updated when absent or default, else retained; then the
 * ClusterRole, ClusterRoleBinding, ServiceAccount and Deployment (create-or-update) and
 * the kube-dns Service (create, or update on AlreadyExists/Invalid).
 */
export async function applyCoreDNS(
  client: KubeClient,
  input: CoreDNSInput,
  log: Log = silent,
  opts: PollOptions = {},
): Promise<void> {
  const replicas = input.replicas ?? await deployedDNSReplicas(client);
  const objs = coreDNSObjects({ ...input, replicas });
  let corefile = "";
  try {
    const cm = await client.get("configmaps", COREDNS_CONFIGMAP, NAMESPACE_SYSTEM);
    if (typeof cm.data?.Corefile !== "string") {
      throw new Error("unable to find the CoreDNS Corefile data");
    }
    corefile = cm.data.Corefile;
  } catch (e) {
    if (!isNotFound(e)) {
      throw new Error(
        `unable to fetch CoreDNS current installed version and ConfigMap.: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
  if (corefile === "" || isDefaultCorefile(corefile)) {
    await createOrUpdate(client, "configmaps", objs.configMap, opts);
  } else {
    await createOrRetain(client, "configmaps", objs.configMap, opts);
  }
  await createOrUpdate(client, "clusterroles", objs.clusterRole, opts);
  await createOrUpdate(client, "clusterrolebindings", objs.clusterRoleBinding, opts);
  await createOrUpdate(client, "serviceaccounts", objs.serviceAccount, opts);
  await createOrUpdate(client, "deployments", objs.deployment, opts);
  await applyDNSService(client, objs.service);
  log("[addons] Applied essential addon: CoreDNS");
}

/** kubeadm's createDNSService. */
export async function applyDNSService(client: KubeClient, service: KubeObject): Promise<void> {
  try {
    await client.create("services", service);
  } catch (e) {
    if (!isAlreadyExists(e) && !isInvalid(e)) {
      throw new Error(`unable to create a new DNS service: ${(e as Error).message}`, { cause: e });
    }
    try {
      await client.update("services", service);
    } catch (e2) {
      throw new Error(`unable to create/update the DNS service: ${(e2 as Error).message}`, {
        cause: e2,
      });
    }
  }
}
