/**
 * The slice of kubeadm's v1beta4 configuration that the static Pod manifests and kubelet files
 * read, as structural interfaces with the wire field names. lib/config/types.ts (the full API)
 * satisfies them; they are kept here so this library also accepts hand-built test objects.
 * Inputs are expected to be defaulted already (certificatesDir, networking, etcd.local.dataDir,
 * clusterName, localAPIEndpoint, nodeRegistration.name/criSocket), exactly as kubeadm's phases
 * receive them.
 */

/** One component argument. `mergeMethod` exists only in kubeadm's internal/v1 API. */
export interface ArgLike {
  name: string;
  value: string;
  mergeMethod?: string;
}

export interface HostPathMountLike {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly?: boolean;
  pathType?: string;
}

/** core/v1 EnvVar (valueFrom kept as given). */
export interface EnvVarLike {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface ControlPlaneComponentLike {
  extraArgs?: ArgLike[];
  extraVolumes?: HostPathMountLike[];
  extraEnvs?: EnvVarLike[];
}

export interface LocalEtcdLike {
  dataDir: string;
  extraArgs?: ArgLike[];
  extraEnvs?: EnvVarLike[];
}

export interface ExternalEtcdLike {
  endpoints: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface ClusterConfigurationLike {
  etcd: { local?: LocalEtcdLike; external?: ExternalEtcdLike };
  networking: { serviceSubnet?: string; podSubnet?: string; dnsDomain?: string };
  controlPlaneEndpoint?: string;
  apiServer: ControlPlaneComponentLike;
  controllerManager: ControlPlaneComponentLike;
  scheduler: ControlPlaneComponentLike;
  certificatesDir?: string;
  clusterName?: string;
  featureGates?: Record<string, boolean>;
}

export interface APIEndpointLike {
  advertiseAddress?: string;
  bindPort?: number;
}

export interface TimeoutsLike {
  controlPlaneComponentHealthCheck?: string;
}

export interface NodeRegistrationLike {
  name?: string;
  criSocket?: string;
  kubeletExtraArgs?: ArgLike[];
  imagePullPolicy?: string;
  taints?: unknown[] | null;
}

export interface InitConfigurationLike {
  localAPIEndpoint: APIEndpointLike;
  nodeRegistration: NodeRegistrationLike;
  patches?: { directory?: string };
  timeouts?: TimeoutsLike;
}

/** kubeadm's internal InitConfiguration as lib/config hands it over. */
export interface InitConfigLike {
  init: InitConfigurationLike;
  cluster: ClusterConfigurationLike;
}

/** Image references of the control-plane components (computed by lib/config/images.ts). */
export interface ComponentImages {
  apiServer: string;
  controllerManager: string;
  scheduler: string;
  etcd: string;
}
