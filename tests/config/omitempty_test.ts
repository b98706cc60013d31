/**
 * Go's `omitempty` in the marshalled component configs and kubeadm types: a non-pointer field
 * with `omitempty` disappears at its zero value (false, 0, "", empty list or map), a pointer
 * field is written whenever it is set, even to false or 0, and fields without `omitempty` and
 * struct values (metav1.Duration included) are always written.
 *
 * The zero-valued documents are built from the field schemas (every field the Go type has). The
 * expected texts were produced once by a throwaway Go program in /tmp (module versions of
 * tests/config/tools/ccschema): sigs.k8s.io/yaml.UnmarshalStrict of the same document into
 * k8s.io/kubelet v0.37.2 KubeletConfiguration / k8s.io/kube-proxy v0.37.2 KubeProxyConfiguration,
 * then sigs.k8s.io/yaml.Marshal, which is what kubeadm v1.37.2's Marshal of these configs does
 * (json.Marshal + JSONToYAML). tests/integration/testdata/diff/19-kubelet-zero-values runs the
 * real kubeadm on the same KubeletConfiguration and compares /var/lib/kubelet/config.yaml.
 */
import { parse } from "yaml";
import { assert, assertEquals } from "../assert.ts";
import { KUBELET_SCHEMA, KUBEPROXY_SCHEMA } from "../../lib/config/componentconfig_schema.ts";
import { marshalYaml } from "../../lib/config/marshal.ts";
import {
  CLUSTER_CONFIGURATION_SCHEMA,
  INIT_CONFIGURATION_SCHEMA,
  JOIN_CONFIGURATION_SCHEMA,
  RESET_CONFIGURATION_SCHEMA,
  type SchemaNode,
  UPGRADE_CONFIGURATION_SCHEMA,
} from "../../lib/config/schema.ts";
import { marshalKubeProxyConfiguration } from "../../lib/config/serialize.ts";
import { kubeletConfigFileContent, marshalKubeletConfig } from "../../lib/kubelet/config.ts";

/** Every field of a struct schema at its Go zero value (custom-marshalled "any" fields left out). */
function zeroObject(s: SchemaNode): Record<string, unknown> {
  assert(s.t === "struct");
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(s.fields)) {
    const z = zeroOf(f.s);
    if (z !== undefined) out[name] = z;
  }
  return out;
}

function zeroOf(s: SchemaNode): unknown {
  switch (s.t) {
    case "string":
    case "token":
      return "";
    case "bool":
      return false;
    case "int":
    case "float":
      return 0;
    case "duration":
      return "0s";
    case "slice":
      return [];
    case "map":
      return {};
    case "struct":
      return zeroObject(s);
    default:
      return undefined;
  }
}

/**
 * Checks the emitted object against the struct tags: which zero-valued fields are present.
 * Returns the number of fields checked in each class.
 */
function checkOmitEmpty(
  s: SchemaNode,
  input: Record<string, unknown>,
  out: Record<string, unknown>,
  path: string,
  counts = { dropped: 0, keptPointers: 0, keptOther: 0 },
) {
  assert(s.t === "struct");
  for (const [name, f] of Object.entries(s.fields)) {
    // Only the fields the document sets to their zero value (not apiVersion and kind).
    if (!(name in input) || JSON.stringify(input[name]) !== JSON.stringify(zeroOf(f.s))) continue;
    const p = `${path}${name}`;
    if (f.ptr) {
      assert(name in out, `${p}: a pointer set to its zero value must be written`);
      counts.keptPointers++;
    } else if (f.omit && f.s.t !== "struct" && f.s.t !== "duration") {
      assert(!(name in out), `${p}: omitempty and zero, must be dropped (got ${out[name]})`);
      counts.dropped++;
    } else {
      assert(name in out, `${p}: without omitempty (or a struct), must be written`);
      counts.keptOther++;
    }
    if (f.s.t === "struct" && name in out) {
      checkOmitEmpty(
        f.s,
        input[name] as Record<string, unknown>,
        out[name] as Record<string, unknown>,
        `${p}.`,
        counts,
      );
    }
  }
  return counts;
}

const GO_KUBELET_ZERO = `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: false
  x509: {}
authorization:
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupsPerQOS: false
containerLogMaxFiles: 0
containerLogMaxWorkers: 0
containerLogMonitorInterval: 0s
containerRuntimeEndpoint: ""
cpuCFSQuota: false
cpuCFSQuotaPeriod: 0s
cpuManagerReconcilePeriod: 0s
crashLoopBackOff:
  maxContainerRestartPeriod: 0s
enableControllerAttachDetach: false
enableDebugFlagsHandler: false
enableDebuggingHandlers: false
enableProfilingHandler: false
enableServer: false
enableSystemLogHandler: false
enableSystemLogQuery: false
eventRecordQPS: 0
evictionPressureTransitionPeriod: 0s
failCgroupV1: false
failSwapOn: false
fileCheckFrequency: 0s
healthzPort: 0
httpCheckFrequency: 0s
imageGCHighThresholdPercent: 0
imageGCLowThresholdPercent: 0
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
iptablesDropBit: 0
iptablesMasqueradeBit: 0
kind: KubeletConfiguration
kubeAPIQPS: 0
localStorageCapacityIsolation: false
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
makeIPTablesUtilChains: false
maxParallelImagePulls: 0
memorySwap: {}
memoryThrottlingFactor: 0
mergeDefaultEvictionSettings: false
nodeStatusMaxImages: 0
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
oomScoreAdj: 0
podPidsLimit: 0
registerNode: false
registryPullQPS: 0
resolvConf: ""
runtimeRequestTimeout: 0s
seccompDefault: false
serializeImagePulls: false
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
singleProcessOOMKill: false
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
tracing:
  endpoint: ""
  samplingRatePerMillion: 0
userNamespaces:
  idsPerPod: 0
volumeStatsAggPeriod: 0s
`;

const GO_KUBEPROXY_ZERO = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: ""
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: ""
  qps: 0
clusterCIDR: ""
configSyncPeriod: 0s
conntrack:
  maxPerCore: 0
  min: 0
  tcpBeLiberal: false
  tcpCloseWaitTimeout: 0s
  tcpEstablishedTimeout: 0s
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: ""
  interfaceNamePrefix: ""
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: false
  masqueradeAll: false
  masqueradeBit: 0
  minSyncPeriod: 0s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: []
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: ""
mode: ""
nftables:
  masqueradeAll: false
  masqueradeBit: 0
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: []
oomScoreAdj: 0
portRange: ""
showHiddenMetricsForVersion: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
`;

function kubeletZero(): Record<string, unknown> {
  return {
    ...zeroObject(KUBELET_SCHEMA),
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
  };
}

Deno.test("KubeletConfiguration: every field at its zero value is marshalled as Go does (Go)", () => {
  const zero = kubeletZero();
  assertEquals(marshalKubeletConfig(zero), GO_KUBELET_ZERO);
  // /var/lib/kubelet/config.yaml (no patches, no instance config): the same bytes.
  assertEquals(kubeletConfigFileContent(zero), GO_KUBELET_ZERO);
  const counts = checkOmitEmpty(KUBELET_SCHEMA, zero, parse(GO_KUBELET_ZERO), "");
  // The schema really has fields of every class (a guard against an empty walk).
  assert(counts.dropped >= 60, `only ${counts.dropped} omitempty fields dropped`);
  assert(counts.keptPointers >= 25, `only ${counts.keptPointers} pointer fields kept`);
});

Deno.test("KubeletConfiguration: serverTLSBootstrap false is dropped, true is written", () => {
  const base = { apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration" };
  assert(!marshalKubeletConfig({ ...base, serverTLSBootstrap: false }).includes("serverTLS"));
  assert(
    marshalKubeletConfig({ ...base, serverTLSBootstrap: true }).includes(
      "\nserverTLSBootstrap: true\n",
    ),
  );
  // A pointer field keeps an explicit false.
  assert(
    marshalKubeletConfig({ ...base, failSwapOn: false }).includes("\nfailSwapOn: false\n"),
  );
});

Deno.test("KubeProxyConfiguration: every field at its zero value is marshalled as Go does (Go)", () => {
  const zero = {
    ...zeroObject(KUBEPROXY_SCHEMA),
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
  };
  assertEquals(marshalKubeProxyConfiguration(zero), GO_KUBEPROXY_ZERO);
  checkOmitEmpty(KUBEPROXY_SCHEMA, zero, parse(GO_KUBEPROXY_ZERO), "");
});

Deno.test("kubeadm v1beta4 kinds: zero-valued fields follow their struct tags", () => {
  for (
    const schema of [
      INIT_CONFIGURATION_SCHEMA,
      CLUSTER_CONFIGURATION_SCHEMA,
      JOIN_CONFIGURATION_SCHEMA,
      RESET_CONFIGURATION_SCHEMA,
      UPGRADE_CONFIGURATION_SCHEMA,
    ]
  ) {
    const zero = zeroObject(schema);
    checkOmitEmpty(schema, zero, parse(marshalYaml(zero, schema)) ?? {}, `${schema.go}.`);
  }
});
