/**
 * Constants of kubeadm v1.37.2 (cmd/kubeadm/app/constants, apis/kubeadm/v1beta4/defaults.go).
 */
import { parseSemantic } from "../util/version.ts";

/**
 * The kubeadm release whose behaviour kubestrap follows: `kubestrap version` reports exactly it
 * (kubestrap's build in fields of its own) and `kubernetesVersion` defaults to it, as kubeadm
 * defaults to its own version.
 */
export const KUBEADM_VERSION = "v1.37.2";

/**
 * getSkewedKubernetesVersion(n): MAJOR.(MINOR+n).0 of the kubeadm version, as Go's
 * Version.String() prints it (no "v").
 */
function skewedKubernetesVersion(n: number): string {
  const v = parseSemantic(KUBEADM_VERSION);
  return `${v.major}.${v.minor + n}.0`;
}

/** CurrentKubernetesVersion ("1.37.0", printed e.g. by `config print init-defaults`). */
export const CURRENT_KUBERNETES_VERSION = skewedKubernetesVersion(0);
/** MinimumControlPlaneVersion: kubeadm's minor - 1 ("1.36.0"). */
export const MINIMUM_CONTROL_PLANE_VERSION = skewedKubernetesVersion(-1);
/** MinimumKubeletVersion: kubeadm's minor - 3 ("1.34.0"). */
export const MINIMUM_KUBELET_VERSION = skewedKubernetesVersion(-3);

export const DEFAULT_SERVICE_DNS_DOMAIN = "cluster.local";
export const DEFAULT_SERVICES_SUBNET = "10.96.0.0/12";
export const DEFAULT_CLUSTER_DNS_IP = "10.96.0.10";
export const DEFAULT_KUBERNETES_VERSION = "stable-1";
export const DEFAULT_CERTIFICATES_DIR = "/etc/kubernetes/pki";
export const DEFAULT_IMAGE_REPOSITORY = "registry.k8s.io";
export const DEFAULT_CI_IMAGE_REPOSITORY = "gcr.io/k8s-staging-ci-images";
export const DEFAULT_MANIFESTS_DIR = "/etc/kubernetes/manifests";
export const DEFAULT_CLUSTER_NAME = "kubernetes";
export const DEFAULT_ETCD_DATA_DIR = "/var/lib/etcd";
export const DEFAULT_PROXY_BIND_ADDRESS_V4 = "0.0.0.0";
export const DEFAULT_PROXY_BIND_ADDRESS_V6 = "::";
export const DEFAULT_IMAGE_PULL_POLICY = "IfNotPresent";
export const DEFAULT_ENCRYPTION_ALGORITHM = "RSA-2048";
export const DEFAULT_CA_CERT_PATH = "/etc/kubernetes/pki/ca.crt";
export const DEFAULT_API_SERVER_BIND_ADDRESS = "0.0.0.0";
export const KUBE_API_SERVER_PORT = 6443;
export const KUBELET_HEALTHZ_PORT = 10248;
export const KUBE_PROXY_KUBECONFIG = "/var/lib/kube-proxy/kubeconfig.conf";
/**
 * The admin kubeconfig (KubernetesDir + AdminKubeConfigFileName): the default of `--kubeconfig`
 * and the last place GetKubeConfigPath looks.
 */
export const ADMIN_KUBECONFIG_PATH = "/etc/kubernetes/admin.conf";

export const CRI_SOCKET_CONTAINERD = "unix:///var/run/containerd/containerd.sock";
export const CRI_SOCKET_CRIO = "unix:///var/run/crio/crio.sock";
const CRI_SOCKET_DOCKER = "unix:///var/run/cri-dockerd.sock";
export const DEFAULT_CRI_SOCKET = CRI_SOCKET_CONTAINERD;
/** Probe order of kubeadm's CRI socket detection. */
export const KNOWN_CRI_SOCKETS = [CRI_SOCKET_CONTAINERD, CRI_SOCKET_CRIO, CRI_SOCKET_DOCKER];

/** Certificate validity defaults (CertificateValidityPeriod / CACertificateValidityPeriod). */
export const CERTIFICATE_VALIDITY_PERIOD = "8760h0m0s";
export const CA_CERTIFICATE_VALIDITY_PERIOD = "87600h0m0s";

export const DEFAULT_TIMEOUTS = {
  controlPlaneComponentHealthCheck: "4m0s",
  kubeletHealthCheck: "4m0s",
  kubernetesAPICall: "1m0s",
  etcdAPICall: "2m0s",
  tlsBootstrap: "5m0s",
  discovery: "5m0s",
  upgradeManifests: "5m0s",
} as const;

export const DEFAULT_TOKEN_TTL = "24h0m0s";
export const DEFAULT_TOKEN_USAGES = ["signing", "authentication"];
/** The group every token kubeadm makes authenticates in (NodeBootstrapTokenAuthGroup). */
export const NODE_BOOTSTRAP_TOKEN_AUTH_GROUP = "system:bootstrappers:kubeadm:default-node-token";
export const DEFAULT_TOKEN_GROUPS = [NODE_BOOTSTRAP_TOKEN_AUTH_GROUP];
export const PLACEHOLDER_TOKEN = "abcdef.0123456789abcdef";

export const CONTROL_PLANE_TAINT = {
  key: "node-role.kubernetes.io/control-plane",
  effect: "NoSchedule",
};

export const MINIMUM_ADDRESSES_IN_SERVICE_SUBNET = 10;
export const MAXIMUM_BITS_FOR_SERVICE_SUBNET = 20;
export const MINIMUM_ADDRESSES_IN_POD_SUBNET = 14;
export const POD_SUBNET_NODE_MASK_MAX_DIFF = 16;
export const CERTIFICATE_KEY_SIZE = 32;

/** EnvVarUpgradeDryRunDir: the directory `upgrade apply|node --dry-run` writes to. */
export const UPGRADE_DRYRUN_DIR_ENV = "KUBEADM_UPGRADE_DRYRUN_DIR";

/** Images. */
export const COREDNS_VERSION = "v1.14.6";
export const COREDNS_IMAGE_NAME = "coredns";
export const PAUSE_VERSION = "3.10.2";
export const DEFAULT_ETCD_VERSION = "3.7.0-0";
export const MIN_EXTERNAL_ETCD_VERSION = "3.5.24-0";
/** SupportedEtcdVersion: Kubernetes minor → etcd image tag. */
export const SUPPORTED_ETCD_VERSION: Record<number, string> = {
  34: "3.7.0-0",
  35: "3.7.0-0",
  36: "3.7.0-0",
};

/** kubeadm feature gates of v1.37.2 (features.InitFeatureGates). */
export const FEATURE_GATES: Record<
  string,
  { default: boolean; preRelease: "ALPHA" | "BETA" | "GA" | "Deprecated"; deprecated?: string }
> = {
  RootlessControlPlane: {
    default: false,
    preRelease: "ALPHA",
    deprecated: "Deprecated in favor of the core kubelet feature UserNamespacesSupport which is " +
      "beta since 1.30. Once UserNamespacesSupport graduates to GA, kubeadm will start using it " +
      "and RootlessControlPlane will be removed.",
  },
};

export const OLD_KNOWN_API_VERSIONS: Record<string, string> = {
  "kubeadm.k8s.io/v1alpha1": "v1.11",
  "kubeadm.k8s.io/v1alpha2": "v1.12",
  "kubeadm.k8s.io/v1alpha3": "v1.14",
  "kubeadm.k8s.io/v1beta1": "v1.15",
  "kubeadm.k8s.io/v1beta2": "v1.22",
  "kubeadm.k8s.io/v1beta3": "v1.36",
};
export const EXPERIMENTAL_API_VERSIONS = new Set(["kubeadm.k8s.io/v1"]);

/** Where `init` records its inputs and completed phases for `init --resume` (lib/resume.ts). */
export const INIT_STATE_PATH = "/etc/kubernetes/kubestrap-init-state.json";
/** Where `join` records its inputs and completed phases for `join --resume` (lib/resume.ts). */
export const JOIN_STATE_PATH = "/etc/kubernetes/kubestrap-join-state.json";
