/**
 * The CoreDNS addon (phases/addons/dns): kubeadm v1.37.2's manifest templates rendered
 * verbatim, decoded into plain objects, and applied in kubeadm's order.
 */

import { parse } from "yaml";
import type { KubeClient, KubeObject } from "../../kube/client.ts";
import { isAlreadyExists, isInvalid, isNotFound } from "../../kube/errors.ts";
import {
  createOrRetain,
  createOrUpdate,
  type PollOptions,
  retriedCall,
} from "../../kube/idempotency.ts";
import {
  COREDNS_CONFIGMAP,
  COREDNS_DEPLOYMENT,
  COREDNS_IMAGE_NAME,
  COREDNS_VERSION,
  DEFAULT_IMAGE_REPOSITORY,
  LABEL_NODE_ROLE_CONTROL_PLANE,
  NAMESPACE_SYSTEM,
} from "../constants.ts";
import { tagFromImage } from "../../config/images.ts";
import { marshalGoYAML } from "../../util/goyaml.ts";
import {
  deprecated,
  isDefault,
  migrate,
  SEV_NEW_DEFAULT,
  SEV_REMOVED,
} from "./corefile_migration.ts";
import { dnsIP } from "../network.ts";
import { type Log, silent } from "../util.ts";

/** kubeadm's coreDNSReplicas. */
const COREDNS_REPLICAS = 2;

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
function coreDNSServiceTemplate(dnsIP: string): string {
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
function coreDNSDeploymentTemplate(image: string, replicas: number): string {
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
const CORE_DNS_CLUSTER_ROLE = `
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
const CORE_DNS_CLUSTER_ROLE_BINDING = `
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
const CORE_DNS_SERVICE_ACCOUNT = `
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
function coreDNSManifests(input: CoreDNSInput): CoreDNSManifests {
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

/**
 * kubeadm's deployedDNSReplicas: the replicas of the one `k8s-app=kube-dns` Deployment. Its List
 * is retried within the API-call timeout (kubeadm lists once).
 */
export async function deployedDNSReplicas(
  client: KubeClient,
  fallback = COREDNS_REPLICAS,
  opts: PollOptions = {},
) {
  let list;
  try {
    list = await retriedCall("the DNS addon deployments", (o) =>
      client.list("deployments", {
        ...o,
        namespace: NAMESPACE_SYSTEM,
        labelSelector: "k8s-app=kube-dns",
      }), opts);
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
 * kubeadm's DeployedDNSAddon: the image tag of the one `k8s-app=kube-dns` Deployment, or "". Its
 * List is retried within the API-call timeout (kubeadm lists once).
 */
export async function deployedDNSAddon(
  client: KubeClient,
  opts: PollOptions = {},
): Promise<string> {
  let list;
  try {
    list = await retriedCall(
      "the DNS addon deployments",
      (o) =>
        client.list<DeploymentLike>("deployments", {
          ...o,
          namespace: NAMESPACE_SYSTEM,
          labelSelector: "k8s-app=kube-dns",
        }),
      opts,
    );
  } catch (e) {
    throw new Error(`couldn't retrieve DNS addon deployments: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (list.items.length === 0) return "";
  if (list.items.length > 1) {
    throw new Error(
      `multiple DNS addon deployments found: ${list.items.map((d) => d.metadata?.name).join(", ")}`,
    );
  }
  return tagFromImage(list.items[0].spec?.template?.spec?.containers?.[0]?.image ?? "");
}

interface DeploymentLike {
  metadata?: { name?: string };
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
}

/** What GetCoreDNSInfo reads: the Corefile and the deployed CoreDNS image tag. */
export interface CoreDNSInfo {
  /** The `Corefile` key of ConfigMap kube-system/coredns ("" without the ConfigMap). */
  corefile: string;
  /** The deployed image tag as it is (e.g. "v1.14.2"; "" without the ConfigMap or Deployment). */
  version: string;
}

/**
 * kubeadm's GetCoreDNSInfo: GET ConfigMap kube-system/coredns (absent: both ""), its
 * `Corefile` key, then the deployed version ({@link deployedDNSAddon}). Other API errors pass
 * through as they are.
 */
export async function coreDNSInfo(
  client: KubeClient,
  opts: PollOptions = {},
): Promise<CoreDNSInfo> {
  const cm = await retriedCall("ConfigMap kube-system/coredns", async (o) => {
    try {
      return await client.get("configmaps", COREDNS_CONFIGMAP, NAMESPACE_SYSTEM, o);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }, opts);
  if (!cm) return { corefile: "", version: "" };
  const corefile = (cm.data as Record<string, unknown> | undefined)?.Corefile;
  if (typeof corefile !== "string") throw new Error("unable to find the CoreDNS Corefile data");
  return { corefile, version: await deployedDNSAddon(client, opts) };
}

/** constants.CoreDNSVersion without its "v", as kubeadm hands it to corefile-migration. */
export const TARGET_COREDNS_VERSION = trimLeftV(COREDNS_VERSION);

/** strings.TrimLeft(s, "v"): every leading "v" removed (how kubeadm turns a tag into a release). */
export function trimLeftV(s: string): string {
  return s.replace(/^v+/, "");
}

/**
 * kubeadm's isCoreDNSConfigMapMigrationRequired: with a CoreDNS deployed at another version
 * than kubeadm's, whether a plugin or option of the Corefile is removed, or a new default is
 * missing, on the way there. An unknown deployed version is an error.
 */
function coreDNSMigrationRequired(corefile: string, version: string): boolean {
  if (version === "") return false;
  const from = trimLeftV(version);
  if (from === TARGET_COREDNS_VERSION) return false;
  let notices;
  try {
    notices = deprecated(from, TARGET_COREDNS_VERSION, corefile);
  } catch (e) {
    throw new Error(
      `unable to get list of changes to the configuration.: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  return notices.some((n) => n.severity === SEV_REMOVED || n.severity === SEV_NEW_DEFAULT);
}

/**
 * kubeadm's migrateCoreDNSCorefile: the Corefile migrated to kubeadm's CoreDNS version, the
 * ConfigMap replaced (unconditional update) with it and the old one as `Corefile-backup`, and
 * the Deployment's config volume patched to mount the backup (kubeadm's setCorefile; the
 * Deployment is updated to kubeadm's template right after). kubeadm passes the deployed tag to
 * Migrate as it is, so a tag with a leading "v" (every kubeadm-deployed one) fails here.
 */
async function migrateCoreDNSCorefile(
  client: KubeClient,
  corefile: string,
  version: string,
  log: Log,
): Promise<void> {
  let updated: string;
  try {
    updated = migrate(version, TARGET_COREDNS_VERSION, corefile, false);
  } catch (e) {
    throw new Error(`unable to migrate CoreDNS ConfigMap: ${(e as Error).message}`, { cause: e });
  }
  try {
    await client.update("configmaps", {
      metadata: { name: COREDNS_CONFIGMAP, namespace: NAMESPACE_SYSTEM },
      data: { Corefile: updated, "Corefile-backup": corefile },
    });
  } catch (e) {
    throw new Error(`unable to update the CoreDNS ConfigMap: ${(e as Error).message}`, {
      cause: e,
    });
  }
  await setCorefile(client, "Corefile-backup");
  log("[addons] Migrating CoreDNS Corefile");
  try {
    deprecated(version, TARGET_COREDNS_VERSION, corefile);
  } catch (e) {
    throw new Error(
      `unable to get list of changes to the configuration.: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/** kubeadm's setCorefile: the Deployment's config volume mounts `key` as the Corefile. */
async function setCorefile(client: KubeClient, key: string): Promise<void> {
  const d = await client.get("deployments", COREDNS_DEPLOYMENT, NAMESPACE_SYSTEM);
  const patch =
    `{"spec":{"template":{"spec":{"volumes":[{"name": "config-volume", "configMap":{"name": "coredns", "items":[{"key": "${key}", "path": "Corefile"}]}}]}}}}`;
  try {
    await client.patch(
      "deployments",
      d.metadata?.name ?? COREDNS_DEPLOYMENT,
      patch,
      "strategic",
      d.metadata?.namespace ?? NAMESPACE_SYSTEM,
    );
  } catch (e) {
    throw new Error(`unable to patch the CoreDNS deployment: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * kubeadm's EnsureDNSAddon and createCoreDNSAddon: keep the replica count of an existing
 * Deployment; then the ConfigMap: absent, empty or a default Corefile ({@link isDefault}) is
 * replaced by kubeadm's (create or update); a customized one is migrated when the CoreDNS
 * version step requires it ({@link migrateCoreDNSCorefile}; when that fails, kubeadm's
 * warning, the ConfigMap and later the Deployment are retained as they are); otherwise it is
 * retained. Then the ClusterRole, ClusterRoleBinding, ServiceAccount and Deployment
 * (create-or-update) and the kube-dns Service (create, or update on AlreadyExists/Invalid).
 */
export async function applyCoreDNS(
  client: KubeClient,
  input: CoreDNSInput,
  log: Log = silent,
  opts: PollOptions & { warn?: (at: string, msg: string) => void } = {},
): Promise<void> {
  const replicas = input.replicas ?? await deployedDNSReplicas(client, COREDNS_REPLICAS, opts);
  const objs = coreDNSObjects({ ...input, replicas });
  let info: CoreDNSInfo;
  try {
    info = await coreDNSInfo(client, opts);
  } catch (e) {
    throw new Error(
      `unable to fetch CoreDNS current installed version and ConfigMap.: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const migrationRequired = coreDNSMigrationRequired(info.corefile, info.version);
  let canMigrate = true;
  if (info.corefile === "" || isDefault(info.corefile)) {
    await createOrUpdate(client, "configmaps", objs.configMap, opts);
  } else if (migrationRequired) {
    try {
      await migrateCoreDNSCorefile(client, info.corefile, info.version, log);
    } catch (e) {
      canMigrate = false;
      opts.warn?.(
        "dns.go:205",
        `the CoreDNS Configuration was not migrated: ${
          (e as Error).message
        }. The existing CoreDNS Corefile configuration has been retained.`,
      );
      await createOrRetain(client, "configmaps", objs.configMap, opts);
    }
  } else {
    await createOrRetain(client, "configmaps", objs.configMap, opts);
  }
  await createOrUpdate(client, "clusterroles", objs.clusterRole, opts);
  await createOrUpdate(client, "clusterrolebindings", objs.clusterRoleBinding, opts);
  await createOrUpdate(client, "serviceaccounts", objs.serviceAccount, opts);
  if (canMigrate) await createOrUpdate(client, "deployments", objs.deployment, opts);
  else await createOrRetain(client, "deployments", objs.deployment, opts);
  await applyDNSService(client, objs.service, opts);
  log("[addons] Applied essential addon: CoreDNS");
}

/**
 * kubeadm's createDNSService (create; update when it exists or its ClusterIP is taken), with
 * kubeadm's error texts; retried within the API-call timeout (kubeadm tries once).
 */
export async function applyDNSService(
  client: KubeClient,
  service: KubeObject,
  opts: PollOptions = {},
): Promise<void> {
  let updating = false;
  try {
    await retriedCall("the DNS service", async (o) => {
      updating = false;
      try {
        await client.create("services", service, o);
      } catch (e) {
        if (!isAlreadyExists(e) && !isInvalid(e)) throw e;
        updating = true;
        await client.update("services", service, o);
      }
    }, opts);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(
      updating
        ? `unable to create/update the DNS service: ${msg}`
        : `unable to create a new DNS service: ${msg}`,
      { cause: e },
    );
  }
}
