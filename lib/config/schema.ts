/**
 * Field schemas of the kubeadm v1beta4 kinds: which JSON keys exist, their Go types (for
 * kubeadm-style type errors), and the `omitempty` / pointer flags that decide what the Go
 * marshaller emits. Used by the strict decoder (decode.ts) and the YAML writer (marshal.ts).
 */

export type SchemaNode =
  | { t: "string"; go?: string }
  | { t: "bool"; go?: string }
  | { t: "int"; go?: string }
  | { t: "float"; go?: string }
  /** metav1.Duration: a Go duration string on the wire. */
  | { t: "duration"; go?: string }
  /** metav1.Time: an RFC 3339 string on the wire. */
  | { t: "time"; go?: string }
  /** bootstraptoken/v1 BootstrapTokenString. */
  | { t: "token"; go?: string }
  /** Anything (types with custom JSON unmarshalling we do not model). */
  | { t: "any"; go?: string }
  | { t: "struct"; go?: string; fields: Record<string, SchemaField> }
  | { t: "slice"; go?: string; elem: SchemaNode }
  | { t: "map"; go?: string; elem: SchemaNode };

export interface SchemaField {
  s: SchemaNode;
  /** `json:",omitempty"`. */
  omit?: boolean;
  /** Go pointer (nil = absent; a present zero value is still emitted). */
  ptr?: boolean;
  /** Go name of the embedded struct the field comes from (appears in Go's type-error paths). */
  via?: string;
}

export const str = (go = "string"): SchemaNode => ({ t: "string", go });
export const bool: SchemaNode = { t: "bool", go: "bool" };
export const i32: SchemaNode = { t: "int", go: "int32" };
const int: SchemaNode = { t: "int", go: "int" };
export const dur: SchemaNode = { t: "duration", go: "v1.Duration" };
export const strs: SchemaNode = { t: "slice", go: "[]string", elem: str() };

export function struct(go: string, fields: Record<string, SchemaField>): SchemaNode {
  return { t: "struct", go, fields };
}
export function slice(elem: SchemaNode): SchemaNode {
  return { t: "slice", go: `[]${elem.go ?? "interface {}"}`, elem };
}
/** Field helpers: o = omitempty, p = pointer+omitempty, a = always emitted. */
export const o = (s: SchemaNode): SchemaField => ({ s, omit: true });
export const p = (s: SchemaNode): SchemaField => ({ s, omit: true, ptr: true });
export const a = (s: SchemaNode): SchemaField => ({ s });

/** Marks fields as coming from an embedded (inlined) Go struct. */
export function embedded(
  via: string,
  fields: Record<string, SchemaField>,
): Record<string, SchemaField> {
  const out: Record<string, SchemaField> = {};
  for (const [k, f] of Object.entries(fields)) out[k] = { ...f, via };
  return out;
}

export const typeMeta = embedded("TypeMeta", { apiVersion: o(str()), kind: o(str()) });

const arg = struct("v1beta4.Arg", { name: a(str()), value: a(str()) });
const args = slice(arg);

const hostPathMount = struct("v1beta4.HostPathMount", {
  name: a(str()),
  hostPath: a(str()),
  mountPath: a(str()),
  readOnly: o(bool),
  pathType: o(str("v1.HostPathType")),
});

const envVar = struct(
  "v1beta4.EnvVar",
  embedded("EnvVar", {
    name: a(str()),
    value: o(str()),
    valueFrom: p(struct("v1.EnvVarSource", {
      fieldRef: p(struct("v1.ObjectFieldSelector", {
        apiVersion: o(str()),
        fieldPath: a(str()),
      })),
      resourceFieldRef: p({ t: "any", go: "v1.ResourceFieldSelector" }),
      configMapKeyRef: p({ t: "any", go: "v1.ConfigMapKeySelector" }),
      secretKeyRef: p({ t: "any", go: "v1.SecretKeySelector" }),
      fileKeyRef: p({ t: "any", go: "v1.FileKeySelector" }),
    })),
  }),
);

const controlPlaneComponentFields = {
  extraArgs: o(args),
  extraVolumes: o(slice(hostPathMount)),
  extraEnvs: o(slice(envVar)),
};

export const taint = struct("v1.Taint", {
  key: a(str()),
  value: o(str()),
  effect: a(str("v1.TaintEffect")),
  timeAdded: p({ t: "time", go: "v1.Time" }),
});

const apiEndpoint = struct("v1beta4.APIEndpoint", {
  advertiseAddress: o(str()),
  bindPort: o(i32),
});

const nodeRegistration = struct("v1beta4.NodeRegistrationOptions", {
  name: o(str()),
  criSocket: o(str()),
  taints: a(slice(taint)),
  kubeletExtraArgs: o(args),
  ignorePreflightErrors: o(strs),
  imagePullPolicy: o(str("v1.PullPolicy")),
  imagePullSerial: p(bool),
});

const patches = struct("v1beta4.Patches", { directory: o(str()) });

const timeouts = struct("v1beta4.Timeouts", {
  controlPlaneComponentHealthCheck: p(dur),
  kubeletHealthCheck: p(dur),
  kubernetesAPICall: p(dur),
  etcdAPICall: p(dur),
  tlsBootstrap: p(dur),
  discovery: p(dur),
  upgradeManifests: p(dur),
});

export const bootstrapToken = struct("v1.BootstrapToken", {
  token: a({ t: "token", go: "v1.BootstrapTokenString" }),
  description: o(str()),
  ttl: p(dur),
  expires: p({ t: "time", go: "v1.Time" }),
  usages: o(strs),
  groups: o(strs),
});

export const INIT_CONFIGURATION_SCHEMA: SchemaNode = struct("v1beta4.InitConfiguration", {
  ...typeMeta,
  bootstrapTokens: o(slice(bootstrapToken)),
  dryRun: o(bool),
  nodeRegistration: o(nodeRegistration),
  localAPIEndpoint: o(apiEndpoint),
  certificateKey: o(str()),
  skipPhases: o(strs),
  patches: p(patches),
  timeouts: p(timeouts),
});

const imageMeta = embedded("ImageMeta", { imageRepository: o(str()), imageTag: o(str()) });

export const CLUSTER_CONFIGURATION_SCHEMA: SchemaNode = struct("v1beta4.ClusterConfiguration", {
  ...typeMeta,
  etcd: o(struct("v1beta4.Etcd", {
    local: p(struct("v1beta4.LocalEtcd", {
      ...imageMeta,
      dataDir: a(str()),
      extraArgs: o(args),
      extraEnvs: o(slice(envVar)),
      serverCertSANs: o(strs),
      peerCertSANs: o(strs),
    })),
    external: p(struct("v1beta4.ExternalEtcd", {
      endpoints: a(strs),
      httpEndpoints: o(strs),
      caFile: a(str()),
      certFile: a(str()),
      keyFile: a(str()),
    })),
  })),
  networking: o(struct("v1beta4.Networking", {
    serviceSubnet: o(str()),
    podSubnet: o(str()),
    dnsDomain: o(str()),
  })),
  kubernetesVersion: o(str()),
  controlPlaneEndpoint: o(str()),
  apiServer: o(struct("v1beta4.APIServer", {
    ...embedded("ControlPlaneComponent", controlPlaneComponentFields),
    certSANs: o(strs),
  })),
  controllerManager: o(struct("v1beta4.ControlPlaneComponent", controlPlaneComponentFields)),
  scheduler: o(struct("v1beta4.ControlPlaneComponent", controlPlaneComponentFields)),
  dns: o(struct("v1beta4.DNS", { ...imageMeta, disabled: o(bool) })),
  proxy: o(struct("v1beta4.Proxy", { disabled: o(bool) })),
  certificatesDir: o(str()),
  imageRepository: o(str()),
  featureGates: o({ t: "map", go: "map[string]bool", elem: bool }),
  clusterName: o(str()),
  encryptionAlgorithm: o(str("v1beta4.EncryptionAlgorithmType")),
  certificateValidityPeriod: p(dur),
  caCertificateValidityPeriod: p(dur),
});

export const JOIN_CONFIGURATION_SCHEMA: SchemaNode = struct("v1beta4.JoinConfiguration", {
  ...typeMeta,
  dryRun: o(bool),
  nodeRegistration: o(nodeRegistration),
  caCertPath: o(str()),
  discovery: a(struct("v1beta4.Discovery", {
    bootstrapToken: p(struct("v1beta4.BootstrapTokenDiscovery", {
      token: a(str()),
      apiServerEndpoint: o(str()),
      caCertHashes: o(strs),
      unsafeSkipCAVerification: o(bool),
    })),
    file: p(struct("v1beta4.FileDiscovery", { kubeConfigPath: a(str()) })),
    tlsBootstrapToken: o(str()),
  })),
  controlPlane: p(struct("v1beta4.JoinControlPlane", {
    localAPIEndpoint: o(apiEndpoint),
    certificateKey: o(str()),
  })),
  skipPhases: o(strs),
  patches: p(patches),
  timeouts: p(timeouts),
});

export const RESET_CONFIGURATION_SCHEMA: SchemaNode = struct("v1beta4.ResetConfiguration", {
  ...typeMeta,
  cleanupTmpDir: o(bool),
  certificatesDir: o(str()),
  criSocket: o(str()),
  dryRun: o(bool),
  force: o(bool),
  ignorePreflightErrors: o(strs),
  skipPhases: o(strs),
  unmountFlags: o(strs),
  timeouts: p(timeouts),
});

export const UPGRADE_CONFIGURATION_SCHEMA: SchemaNode = struct("v1beta4.UpgradeConfiguration", {
  ...typeMeta,
  apply: o(struct("v1beta4.UpgradeApplyConfiguration", {
    kubernetesVersion: o(str()),
    allowExperimentalUpgrades: p(bool),
    allowRCUpgrades: p(bool),
    certificateRenewal: p(bool),
    dryRun: p(bool),
    etcdUpgrade: p(bool),
    forceUpgrade: p(bool),
    ignorePreflightErrors: o(strs),
    patches: p(patches),
    printConfig: p(bool),
    skipPhases: o(strs),
    imagePullPolicy: o(str("v1.PullPolicy")),
    imagePullSerial: p(bool),
  })),
  diff: o(struct("v1beta4.UpgradeDiffConfiguration", {
    kubernetesVersion: o(str()),
    contextLines: o(int),
  })),
  node: o(struct("v1beta4.UpgradeNodeConfiguration", {
    certificateRenewal: p(bool),
    dryRun: p(bool),
    etcdUpgrade: p(bool),
    ignorePreflightErrors: o(strs),
    skipPhases: o(strs),
    patches: p(patches),
    imagePullPolicy: o(str("v1.PullPolicy")),
    imagePullSerial: p(bool),
  })),
  plan: o(struct("v1beta4.UpgradePlanConfiguration", {
    kubernetesVersion: o(str()),
    allowExperimentalUpgrades: p(bool),
    allowRCUpgrades: p(bool),
    dryRun: p(bool),
    etcdUpgrade: p(bool),
    ignorePreflightErrors: o(strs),
    printConfig: p(bool),
  })),
  timeouts: p(timeouts),
});

export const KUBEADM_SCHEMAS: Record<string, SchemaNode> = {
  InitConfiguration: INIT_CONFIGURATION_SCHEMA,
  ClusterConfiguration: CLUSTER_CONFIGURATION_SCHEMA,
  JoinConfiguration: JOIN_CONFIGURATION_SCHEMA,
  ResetConfiguration: RESET_CONFIGURATION_SCHEMA,
  UpgradeConfiguration: UPGRADE_CONFIGURATION_SCHEMA,
};
