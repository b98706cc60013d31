/**
 * Field schemas of the kubeadm `kubeadm.k8s.io/v1beta3` kinds, as kubeadm v1.36.3 knew them
 * (cmd/kubeadm/app/apis/kubeadm/v1beta3/types.go). kubeadm v1.37 no longer reads v1beta3; kubestrap
 * uses these only to decode strictly (unknown/duplicate fields, Go type errors with
 * `v1beta3.*` struct names) before converting to v1beta4 in `config migrate` (see v1beta3.ts).
 *
 * v1beta3 registers only InitConfiguration, ClusterConfiguration and JoinConfiguration.
 */
import type { SchemaField, SchemaNode } from "./schema.ts";

const str = (go = "string"): SchemaNode => ({ t: "string", go });
const bool: SchemaNode = { t: "bool", go: "bool" };
const i32: SchemaNode = { t: "int", go: "int32" };
const dur: SchemaNode = { t: "duration", go: "v1.Duration" };
const strs: SchemaNode = { t: "slice", go: "[]string", elem: str() };
const strMap: SchemaNode = { t: "map", go: "map[string]string", elem: str() };

function struct(go: string, fields: Record<string, SchemaField>): SchemaNode {
  return { t: "struct", go, fields };
}
function slice(elem: SchemaNode): SchemaNode {
  return { t: "slice", go: `[]${elem.go ?? "interface {}"}`, elem };
}
const o = (s: SchemaNode): SchemaField => ({ s, omit: true });
const p = (s: SchemaNode): SchemaField => ({ s, omit: true, ptr: true });
const a = (s: SchemaNode): SchemaField => ({ s });

function embedded(via: string, fields: Record<string, SchemaField>): Record<string, SchemaField> {
  const out: Record<string, SchemaField> = {};
  for (const [k, f] of Object.entries(fields)) out[k] = { ...f, via };
  return out;
}

const typeMeta = embedded("TypeMeta", { apiVersion: o(str()), kind: o(str()) });

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

const taint = struct("v1.Taint", {
  key: a(str()),
  value: o(str()),
  effect: a(str("v1.TaintEffect")),
  timeAdded: p({ t: "time", go: "v1.Time" }),
});

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

const bootstrapToken = struct("v1.BootstrapToken", {
  token: a({ t: "token", go: "v1.BootstrapTokenString" }),
  description: o(str()),
  ttl: p(dur),
  expires: p({ t: "time", go: "v1.Time" }),
  usages: o(strs),
  groups: o(strs),
});

export const V1BETA3_INIT_CONFIGURATION_SCHEMA: SchemaNode = struct(
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

export const V1BETA3_CLUSTER_CONFIGURATION_SCHEMA: SchemaNode = struct(
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

export const V1BETA3_JOIN_CONFIGURATION_SCHEMA: SchemaNode = struct(
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
