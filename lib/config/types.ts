/**
 * kubeadm configuration API `kubeadm.k8s.io/v1beta4` as TypeScript types (kubeadm v1.37.2).
 *
 * Objects are plain JSON-shaped data with the wire (JSON/YAML) field names. Optional fields are
 * absent when unset (Go's nil / zero value). Durations are kept as Go duration strings in canonical
 * `time.Duration.String()` form (e.g. "4m0s"), timestamps as RFC 3339 strings.
 */

export const V1BETA4 = "kubeadm.k8s.io/v1beta4";
export const KUBELET_CONFIG_API = "kubelet.config.k8s.io/v1beta1";
export const KUBEPROXY_CONFIG_API = "kubeproxy.config.k8s.io/v1alpha1";
export const OUTPUT_API = "output.kubeadm.k8s.io/v1alpha3";

export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

/** One command-line argument of a component (`extraArgs`, `kubeletExtraArgs`). */
export interface Arg {
  name: string;
  value: string;
}

export type HostPathType =
  | ""
  | "DirectoryOrCreate"
  | "Directory"
  | "FileOrCreate"
  | "File"
  | "Socket"
  | "CharDevice"
  | "BlockDevice";

export interface HostPathMount {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly?: boolean;
  pathType?: HostPathType | string;
}

/** core/v1 EnvVar (kept generic below `valueFrom`). */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { apiVersion?: string; fieldPath: string };
    resourceFieldRef?: { containerName?: string; resource: string; divisor?: unknown };
    configMapKeyRef?: { name?: string; key: string; optional?: boolean };
    secretKeyRef?: { name?: string; key: string; optional?: boolean };
    fileKeyRef?: Record<string, unknown>;
  };
}

export interface ControlPlaneComponent {
  extraArgs?: Arg[];
  extraVolumes?: HostPathMount[];
  extraEnvs?: EnvVar[];
}

export interface APIServer extends ControlPlaneComponent {
  certSANs?: string[];
}

export interface ImageMeta {
  imageRepository?: string;
  imageTag?: string;
}

export interface DNS extends ImageMeta {
  disabled?: boolean;
}

export interface Proxy {
  disabled?: boolean;
}

export interface APIEndpoint {
  advertiseAddress?: string;
  bindPort?: number;
}

/** core/v1 Taint. */
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | string;
  timeAdded?: string;
}

export type PullPolicy = "Always" | "IfNotPresent" | "Never" | string;

export interface NodeRegistrationOptions {
  name?: string;
  criSocket?: string;
  /** Always emitted; `null` (undefined here) means "use the default", `[]` means "no taints". */
  taints?: Taint[] | null;
  kubeletExtraArgs?: Arg[];
  ignorePreflightErrors?: string[];
  imagePullPolicy?: PullPolicy;
  imagePullSerial?: boolean;
}

export interface Networking {
  serviceSubnet?: string;
  podSubnet?: string;
  dnsDomain?: string;
}

export interface LocalEtcd extends ImageMeta {
  dataDir: string;
  extraArgs?: Arg[];
  extraEnvs?: EnvVar[];
  serverCertSANs?: string[];
  peerCertSANs?: string[];
}

export interface ExternalEtcd {
  endpoints: string[];
  httpEndpoints?: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface Etcd {
  local?: LocalEtcd;
  external?: ExternalEtcd;
}

export type EncryptionAlgorithm =
  | "ECDSA-P256"
  | "ECDSA-P384"
  | "RSA-2048"
  | "RSA-3072"
  | "RSA-4096";

export interface Patches {
  directory?: string;
}

export interface Timeouts {
  controlPlaneComponentHealthCheck?: string;
  kubeletHealthCheck?: string;
  kubernetesAPICall?: string;
  etcdAPICall?: string;
  tlsBootstrap?: string;
  discovery?: string;
  upgradeManifests?: string;
}

/** bootstraptoken/v1 BootstrapToken. */
export interface BootstrapToken {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`; empty means "generate one at runtime". */
  token?: string;
  description?: string;
  ttl?: string;
  expires?: string;
  usages?: string[];
  groups?: string[];
}

export interface InitConfiguration extends TypeMeta {
  bootstrapTokens?: BootstrapToken[];
  dryRun?: boolean;
  nodeRegistration: NodeRegistrationOptions;
  localAPIEndpoint: APIEndpoint;
  certificateKey?: string;
  skipPhases?: string[];
  patches?: Patches;
  timeouts?: Timeouts;
}

export interface ClusterConfiguration extends TypeMeta {
  etcd: Etcd;
  networking: Networking;
  kubernetesVersion?: string;
  controlPlaneEndpoint?: string;
  apiServer: APIServer;
  controllerManager: ControlPlaneComponent;
  scheduler: ControlPlaneComponent;
  dns: DNS;
  proxy: Proxy;
  certificatesDir?: string;
  imageRepository?: string;
  featureGates?: Record<string, boolean>;
  clusterName?: string;
  encryptionAlgorithm?: EncryptionAlgorithm | string;
  certificateValidityPeriod?: string;
  caCertificateValidityPeriod?: string;
}

export interface BootstrapTokenDiscovery {
  token: string;
  apiServerEndpoint?: string;
  caCertHashes?: string[];
  unsafeSkipCAVerification?: boolean;
}

export interface FileDiscovery {
  kubeConfigPath: string;
}

export interface Discovery {
  bootstrapToken?: BootstrapTokenDiscovery;
  file?: FileDiscovery;
  tlsBootstrapToken?: string;
}

export interface JoinControlPlane {
  localAPIEndpoint: APIEndpoint;
  certificateKey?: string;
}

export interface JoinConfiguration extends TypeMeta {
  dryRun?: boolean;
  nodeRegistration: NodeRegistrationOptions;
  caCertPath?: string;
  discovery: Discovery;
  controlPlane?: JoinControlPlane;
  skipPhases?: string[];
  patches?: Patches;
  timeouts?: Timeouts;
}

export interface ResetConfiguration extends TypeMeta {
  cleanupTmpDir?: boolean;
  certificatesDir?: string;
  criSocket?: string;
  dryRun?: boolean;
  force?: boolean;
  ignorePreflightErrors?: string[];
  skipPhases?: string[];
  unmountFlags?: string[];
  timeouts?: Timeouts;
}

export interface UpgradeApplyConfiguration {
  kubernetesVersion?: string;
  allowExperimentalUpgrades?: boolean;
  allowRCUpgrades?: boolean;
  certificateRenewal?: boolean;
  dryRun?: boolean;
  etcdUpgrade?: boolean;
  forceUpgrade?: boolean;
  ignorePreflightErrors?: string[];
  patches?: Patches;
  printConfig?: boolean;
  skipPhases?: string[];
  imagePullPolicy?: PullPolicy;
  imagePullSerial?: boolean;
}

export interface UpgradeDiffConfiguration {
  kubernetesVersion?: string;
  contextLines?: number;
}

export interface UpgradeNodeConfiguration {
  certificateRenewal?: boolean;
  dryRun?: boolean;
  etcdUpgrade?: boolean;
  ignorePreflightErrors?: string[];
  skipPhases?: string[];
  patches?: Patches;
  imagePullPolicy?: PullPolicy;
  imagePullSerial?: boolean;
}

export interface UpgradePlanConfiguration {
  kubernetesVersion?: string;
  allowExperimentalUpgrades?: boolean;
  allowRCUpgrades?: boolean;
  dryRun?: boolean;
  etcdUpgrade?: boolean;
  ignorePreflightErrors?: string[];
  printConfig?: boolean;
}

export interface UpgradeConfiguration extends TypeMeta {
  apply: UpgradeApplyConfiguration;
  diff: UpgradeDiffConfiguration;
  node: UpgradeNodeConfiguration;
  plan: UpgradePlanConfiguration;
  timeouts?: Timeouts;
}

/** kubelet.config.k8s.io/v1beta1 KubeletConfiguration, kept generic (wire field names). */
export type KubeletConfiguration = Record<string, unknown>;
/** kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration, kept generic (wire field names). */
export type KubeProxyConfiguration = Record<string, unknown>;

/** Component configs carried with the ClusterConfiguration (kubeadm's `ComponentConfigs`). */
export interface ComponentConfigs {
  kubelet: KubeletConfiguration;
  kubeProxy: KubeProxyConfiguration;
}

/**
 * kubeadm's internal InitConfiguration: the node-local InitConfiguration, the cluster-wide
 * ClusterConfiguration and the defaulted component configs, after static + dynamic defaulting.
 */
export interface InitConfig {
  init: InitConfiguration;
  cluster: ClusterConfiguration;
  componentConfigs: ComponentConfigs;
  /**
   * Set when kubernetesVersion was a `ci/...` version and the default image repository is in use:
   * control-plane and kube-proxy images then come from this repository (kubeadm's
   * ClusterConfiguration.CIImageRepository).
   */
  ciImageRepository?: string;
  /** Warnings produced while loading (kubeadm prints them to stderr via klog). */
  warnings: string[];
  /**
   * Read back from the cluster: whether each component config was supplied by the user (its
   * ConfigMap carries no valid kubeadm signature); such configs are uploaded unsigned again.
   */
  userSupplied?: { kubelet: boolean; kubeProxy: boolean };
}

/** kubeadm's internal JoinConfiguration. */
export interface JoinConfig {
  join: JoinConfiguration;
  warnings: string[];
}

export interface ResetConfig {
  reset: ResetConfiguration;
  warnings: string[];
  /** Whether `--cri-socket` or the file's `criSocket` named a socket (before defaulting). */
  criSocketGiven?: boolean;
}

export interface UpgradeConfig {
  upgrade: UpgradeConfiguration;
  warnings: string[];
}
