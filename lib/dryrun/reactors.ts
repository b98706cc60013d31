/**
 * The objects kubeadm's dry-run client answers with when the cluster does not have them
 * (util/apiclient/dryrun.go: GetClusterInfoReactor, GetKubeadmConfigReactor,
 * GetKubeadmCertsReactor, GetKubeletConfigReactor, GetKubeProxyConfigReactor,
 * GetCoreDNSConfigReactor, ListPodsReactor, ListDeploymentsReactor), byte for byte:
 * `join --dry-run` without a cluster discovers and configures against them, `upgrade apply|node
 * --dry-run` without a kubeconfig upgrades them. The cluster-info kubeconfig is signed for
 * kubeadm's dry-run token (see {@link DRY_RUN_DISCOVERY}).
 */
import {
  COREDNS_VERSION,
  CURRENT_KUBERNETES_VERSION,
  MINIMUM_CONTROL_PLANE_VERSION,
} from "../config/constants.ts";
import type { KubeObject } from "../kube/client.ts";
import { kubeProxyKubeconfig } from "../kubeconfig/kubeconfig.ts";

/**
 * kubeadm's dry-run discovery identity (discovery/token mutateTokenDiscoveryForDryRun): the
 * token the fake cluster-info is signed for, its CA's hash and its endpoint.
 */
export const DRY_RUN_DISCOVERY = {
  token: "abcdef.abcdef0123456789",
  caCertHash: "sha256:3b793efefe27a19f93b0fbe6e637e9c41d0dde8a377d6ab1c0f656bf1136dd8a",
  apiServerEndpoint: "https://192.168.0.101:6443",
};

const CLUSTER_INFO_KUBECONFIG = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURCVENDQWUyZ0F3SUJBZ0lJTkpmdGFCK09Xd0F3RFFZSktvWklodmNOQVFFTEJRQXdGVEVUTUJFR0ExVUUKQXhNS2EzVmlaWEp1WlhSbGN6QWVGdzB5TkRBM01EZ3hNalF3TURSYUZ3MHpOREEzTURZeE1qUTFNRFJhTUJVeApFekFSQmdOVkJBTVRDbXQxWW1WeWJtVjBaWE13Z2dFaU1BMEdDU3FHU0liM0RRRUJBUVVBQTRJQkR3QXdnZ0VLCkFvSUJBUURhUURkaWdPeVdpbTZXLzQ4bjNQSG9WZVZCU2lkNldjbmRFV3VVcTVnQldYZGx0OTk2aCtWbkl0bHQKOHpDaGwvb1I1V2ZSYVJDODA1WitvTW4vWThJR1ZRM3QxaG55SW1ZbjR3M3Z6UlhvdUdlQmVpdTJTU1ZqZ0J3agpYanliYk1DbXJBZEljYkllWm1INjZldjV6KzVZS21aUlVZYzNoRGFIcFhkMEVFblp5SlY1d2FaczBYTVFVSE03CmVxT1pBWko5L21PM05VQnBsdnJQbnBPTUs3a1NFUFBnNzVjVTdXSG9KSEZrZVlXNTkzZ3NnQ3MyQnRVdTY0Y3EKYlZYOWJpZ3JZZGRwWmtvRUtLeFU4SEl3SHNJNVY4Um9uM21LRkdsckUxN2IybC84Q3FtQXVPdnl6TEllaVFHWAplZ0lhUi9uUkhISUQ5QVRpNnRYOEVhRERwZXYvQWdNQkFBR2pXVEJYTUE0R0ExVWREd0VCL3dRRUF3SUNwREFQCkJnTlZIUk1CQWY4RUJUQURBUUgvTUIwR0ExVWREZ1FXQkJRWWFDRGU2eXVWcVNhV1Y3M3pMaldtR2hpYVR6QVYKQmdOVkhSRUVEakFNZ2dwcmRXSmxjbTVsZEdWek1BMEdDU3FHU0liM0RRRUJDd1VBQTRJQkFRQ2NlTW5uaVBhcQpHUkVqR3A2WFJTN1FFWW1RcmJFZCtUVjVKUTE4byttVzZvR3BaOENBM0pBSFFETk5QRW1QYzB5dVhEeE85QkZYCmJnMlhSSCtLTkozVzJKZlExVEgzVFhKRWF4Zkh1WDRtQjU5UkNsQzExNGtsV2RIeDFqN0FtRWt1eTZ0ZGpuYWkKZmh0U0dueEEwM2JwN2I4Z28zSWpXNE5wV1JOMVdHNTl2YTBKOEJIRmg3Q0RpZUxuK0RNdUk2M0Jna1kveTJzMApML2RtOVBmcWdVSzFBMy8wZGhDVjZiRUNqekEzSkJld21kSC8rVUJPeVkybUMwNVlQMzNkMHA5eXlrYmtkWE5xCkRONXlBc3ZNUC9PV0NuQjFlQlFUb2pNODJMU3F3dHZtbU1SNHRXYXVoOXVkVktHY2s0eEJaV3Vkcm5LRFVVWEkKUURNUFJnSkMvTng0Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
    server: https://192.168.0.101:6443
  name: ""
contexts: null
current-context: ""
kind: Config
users: null
`;

const CLUSTER_CONFIGURATION = `apiServer: {}
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 100h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controllerManager:
  extraArgs:
  - name: cluster-signing-duration
    value: 24h
controlPlaneEndpoint: 192.168.0.101:6443
dns: {}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: ${MINIMUM_CONTROL_PLANE_VERSION}
networking:
  dnsDomain: cluster.local
  podSubnet: 192.168.0.0/16
  serviceSubnet: 10.96.0.0/12
proxy: {}
scheduler: {}
`;

const KUBELET_CONFIGURATION = `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
healthzBindAddress: 127.0.0.1
healthzPort: 10248
kind: KubeletConfiguration
memorySwap: {}
resolvConf: /run/systemd/resolve/resolv.conf
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
`;

const KUBE_PROXY_CONFIGURATION = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
clusterCIDR: 192.168.0.0/16
kind: KubeProxyConfiguration
`;

function configMap(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data } as KubeObject;
}

/** The kubeadm-certs Secret's keys (empty values: their content is irrelevant to a dry run). */
const KUBEADM_CERTS_KEYS = [
  "ca.crt",
  "ca.key",
  "front-proxy-ca.crt",
  "front-proxy-ca.key",
  "sa.key",
  "sa.pub",
  "etcd-ca.crt",
  "etcd-ca.key",
];

/** join's reactor object for GET `namespace/name` of `resource`, or undefined. */
export function dryRunReactorObject(
  resource: string,
  namespace: string,
  name: string,
): KubeObject | undefined {
  if (resource === "configmaps" && namespace === "kube-public" && name === "cluster-info") {
    return configMap(namespace, name, {
      "jws-kubeconfig-abcdef":
        "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..rh3cVKiU2mdt3CqHzC81sNE-4WQLRHMtXduHWfSbrIM",
      kubeconfig: CLUSTER_INFO_KUBECONFIG,
    });
  }
  if (resource === "configmaps" && namespace === "kube-system") {
    if (name === "kubeadm-config") {
      return configMap(namespace, name, { ClusterConfiguration: CLUSTER_CONFIGURATION });
    }
    if (name === "kubelet-config") {
      return configMap(namespace, name, { kubelet: KUBELET_CONFIGURATION });
    }
    if (name === "kube-proxy") {
      return configMap(namespace, name, {
        "config.conf": KUBE_PROXY_CONFIGURATION,
        "kubeconfig.conf": kubeProxyKubeconfig(DRY_RUN_DISCOVERY.apiServerEndpoint),
      });
    }
  }
  if (resource === "secrets" && namespace === "kube-system" && name === "kubeadm-certs") {
    return {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace },
      data: Object.fromEntries(KUBEADM_CERTS_KEYS.map((k) => [k, ""])),
    } as KubeObject;
  }
  return undefined;
}

/** The ConfigMaps upgrade's dry-run client without a kubeconfig answers (getClient). */
const UPGRADE_CONFIGMAPS = new Set(["kubeadm-config", "kubelet-config", "kube-proxy", "coredns"]);

/**
 * upgrade's reactor object for GET `namespace/name` of `resource` (cmd/upgrade/common.go
 * getClient without a kubeconfig: the kubeadm-config, kubelet-config, kube-proxy and coredns
 * ConfigMaps), or undefined. Nodes are the client's stub Node.
 */
export function upgradeReactorObject(
  resource: string,
  namespace: string,
  name: string,
): KubeObject | undefined {
  if (resource !== "configmaps" || namespace !== "kube-system" || !UPGRADE_CONFIGMAPS.has(name)) {
    return undefined;
  }
  if (name === "coredns") return configMap(namespace, name, { Corefile: "" });
  return dryRunReactorObject(resource, namespace, name);
}

/** getPod: a running control-plane Pod of `nodeName`, as its Go type prints. */
function controlPlanePod(component: string, nodeName: string): KubeObject {
  return {
    metadata: {
      annotations: {
        "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": "0.0.0.0:6443",
      },
      labels: { component, tier: "control-plane" },
      name: `${component}-${nodeName}`,
      namespace: "kube-system",
    },
    spec: {
      containers: [{
        image: `registry.k8s.io/${component}:v1.1.1`,
        name: component,
        resources: {},
      }],
      nodeName,
    },
    status: { phase: "Running" },
  } as unknown as KubeObject;
}

/**
 * upgrade's reactor list for LIST of `resource` in `namespace` (ListPodsReactor: this node's
 * four control-plane Pods; ListDeploymentsReactor: one CoreDNS Deployment with kubeadm's
 * CoreDNS image), or undefined. The caller filters the items by label selector afterwards, as
 * client-go's fake clientset does.
 */
export function upgradeReactorList(
  resource: string,
  namespace: string,
  nodeName: string,
): KubeObject | undefined {
  if (namespace !== "kube-system") return undefined;
  if (resource === "pods") {
    return {
      apiVersion: "v1",
      items: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"].map((c) =>
        controlPlanePod(c, nodeName)
      ),
      kind: "PodList",
      metadata: {},
    } as unknown as KubeObject;
  }
  if (resource === "deployments") {
    return {
      apiVersion: "apps/v1",
      items: [{
        metadata: { labels: { "k8s-app": "kube-dns" }, namespace: "kube-system" },
        spec: {
          selector: null,
          strategy: {},
          template: {
            metadata: {},
            spec: {
              containers: [{
                image: `registry.k8s.io/coredns/coredns:${COREDNS_VERSION}`,
                name: "",
                resources: {},
              }],
            },
          },
        },
        status: {},
      }],
      kind: "DeploymentList",
      metadata: {},
    } as unknown as KubeObject;
  }
  return undefined;
}

/**
 * The server version of upgrade's fake discovery without a kubeconfig
 * (constants.CurrentKubernetesVersion.Info(): "1.37.0", without a "v").
 */
export function fakeServerVersion(): Record<string, string> {
  const [major, minor] = CURRENT_KUBERNETES_VERSION.split(".");
  return { major, minor, gitVersion: CURRENT_KUBERNETES_VERSION };
}
