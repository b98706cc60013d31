/**
 * Field schemas of the kubeadm `kubeadm.k8s.io/v1beta3` kinds, as kubeadm v1.36.3 knew them
 * (cmd/kubeadm/app/apis/kubeadm/v1beta3/types.go). kubeadm v1.37 no longer reads v1beta3; kubestrap
 * uses these only to decode strictly (unknown/duplicate fields, Go type errors with
 * `v1beta3.*` struct names) before converting to v1beta4 in `config migrate` (see v1beta3.ts).
 *
 * v1beta3 registers only InitConfiguration, ClusterConfiguration and JoinConfiguration.
 */
import {
  a,
  bool,
  bootstrapToken,
  dur,
  embedded,
  i32,
  o,
  p,
  type SchemaNode,
  slice,
  str,
  strs,
  struct,
  taint,
  typeMeta,
} from "./schema.ts";

const strMap: SchemaNode = { t: "map", go: "map[string]string", elem: str() };

const hostPathMount = struct("v1beta3.HostPathMount", {
  name: a(str()),
  hostPath: a(str()),
  mountPath: a(str()),
  readOnly: o(bool),
  pathType: o(str("v1.HostPathType")),
});

/** v1beta3.ControlPlaneComponent: `extraArgs` is still a map. */
const controlPlaneComponentFields = {
  extraArgs: o(strMap),
  extraVolumes: o(slice(hostPathMount)),
};

const apiEndpoint = struct("v1beta3.APIEndpoint", {
  advertiseAddress: o(str()),
  bindPort: o(i32),
});

const nodeRegistration = struct("v1beta3.NodeRegistrationOptions", {
  name: o(str()),
  criSocket: o(str()),
  taints: a(slice(taint)),
  kubeletExtraArgs: o(strMap),
  ignorePreflightErrors: o(strs),
  imagePullPolicy: o(str("v1.PullPolicy")),
});

const patches = struct("v1beta3.Patches", { directory: o(str()) });

const V1BETA3_INIT_CONFIGURATION_SCHEMA: SchemaNode = struct(
  "v1beta3.InitConfiguration",
  {
    ...typeMeta,
    bootstrapTokens: o(slice(bootstrapToken)),
    nodeRegistration: o(nodeRegistration),
    localAPIEndpoint: o(apiEndpoint),
    certificateKey: o(str()),
    skipPhases: o(strs),
    patches: p(patches),
  },
);

const imageMeta = embedded("ImageMeta", { imageRepository: o(str()), imageTag: o(str()) });

const V1BETA3_CLUSTER_CONFIGURATION_SCHEMA: SchemaNode = struct(
  "v1beta3.ClusterConfiguration",
  {
    ...typeMeta,
    etcd: o(struct("v1beta3.Etcd", {
      local: p(struct("v1beta3.LocalEtcd", {
        ...imageMeta,
        dataDir: a(str()),
        extraArgs: o(strMap),
        serverCertSANs: o(strs),
        peerCertSANs: o(strs),
      })),
      external: p(struct("v1beta3.ExternalEtcd", {
        endpoints: a(strs),
        caFile: a(str()),
        certFile: a(str()),
        keyFile: a(str()),
      })),
    })),
    networking: o(struct("v1beta3.Networking", {
      serviceSubnet: o(str()),
      podSubnet: o(str()),
      dnsDomain: o(str()),
    })),
    kubernetesVersion: o(str()),
    controlPlaneEndpoint: o(str()),
    apiServer: o(struct("v1beta3.APIServer", {
      ...embedded("ControlPlaneComponent", controlPlaneComponentFields),
      certSANs: o(strs),
      timeoutForControlPlane: p(dur),
    })),
    controllerManager: o(struct("v1beta3.ControlPlaneComponent", controlPlaneComponentFields)),
    scheduler: o(struct("v1beta3.ControlPlaneComponent", controlPlaneComponentFields)),
    // v1beta3 removed DNS.Type: `dns.type` is an unknown field.
    dns: o(struct("v1beta3.DNS", { ...imageMeta })),
    certificatesDir: o(str()),
    imageRepository: o(str()),
    featureGates: o({ t: "map", go: "map[string]bool", elem: bool }),
    clusterName: o(str()),
  },
);

const V1BETA3_JOIN_CONFIGURATION_SCHEMA: SchemaNode = struct(
  "v1beta3.JoinConfiguration",
  {
    ...typeMeta,
    nodeRegistration: o(nodeRegistration),
    caCertPath: o(str()),
    discovery: a(struct("v1beta3.Discovery", {
      bootstrapToken: p(struct("v1beta3.BootstrapTokenDiscovery", {
        token: a(str()),
        apiServerEndpoint: o(str()),
        caCertHashes: o(strs),
        unsafeSkipCAVerification: o(bool),
      })),
      file: p(struct("v1beta3.FileDiscovery", { kubeConfigPath: a(str()) })),
      tlsBootstrapToken: o(str()),
      timeout: p(dur),
    })),
    controlPlane: p(struct("v1beta3.JoinControlPlane", {
      localAPIEndpoint: o(apiEndpoint),
      certificateKey: o(str()),
    })),
    skipPhases: o(strs),
    patches: p(patches),
  },
);

/** The kinds kubeadm v1.36's v1beta3 scheme registers. */
export const V1BETA3_SCHEMAS: Record<string, SchemaNode> = {
  InitConfiguration: V1BETA3_INIT_CONFIGURATION_SCHEMA,
  ClusterConfiguration: V1BETA3_CLUSTER_CONFIGURATION_SCHEMA,
  JoinConfiguration: V1BETA3_JOIN_CONFIGURATION_SCHEMA,
};
