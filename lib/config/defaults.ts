/**
 * Defaulting of kubeadm v1beta4 objects, as kubeadm v1.37.2 does it:
 *  - static defaults (v1beta4 SetDefaults_* / SetObjectDefaults_*), applied to every decoded or
 *    synthesized document;
 *  - dynamic defaults (SetInitDynamicDefaults, SetJoinDynamicDefaults, SetResetDynamicDefaults):
 *    node name from the hostname, control-plane taint, CRI socket detection, advertise address
 *    detection, random bootstrap tokens, component-config defaults, Kubernetes version
 *    normalisation, controlPlaneEndpoint port, lower-cased certSANs.
 */
import { KubestrapError } from "../errors.ts";
import * as C from "./constants.ts";
import type { HostFacts } from "./host_facts.ts";
import {
  formatIP,
  indexedIP,
  isLoopback,
  isUnspecified,
  parseCIDRs,
  parseIPValue,
} from "./netutil.ts";
import {
  type APIEndpoint,
  type BootstrapToken,
  type ClusterConfiguration,
  type ComponentConfigs,
  type ControlPlaneComponent,
  type EnvVar,
  type InitConfig,
  type InitConfiguration,
  type JoinConfiguration,
  KUBELET_CONFIG_API,
  type KubeletConfiguration,
  KUBEPROXY_CONFIG_API,
  type KubeProxyConfiguration,
  type NodeRegistrationOptions,
  type ResetConfiguration,
  type Timeouts,
  type UpgradeConfiguration,
} from "./types.ts";
import { isCIVersion, kubernetesReleaseVersion } from "./version.ts";
import { parseSemantic } from "../util/version.ts";
import { parseHostPort } from "../util/net.ts";
import { parseDurationMs } from "../util/duration.ts";

// ---------------------------------------------------------------------------------------------
// Static defaults

function defaultTimeouts(t: Timeouts | undefined): Timeouts {
  const out: Timeouts = { ...(t ?? {}) };
  for (const [k, v] of Object.entries(C.DEFAULT_TIMEOUTS)) {
    const key = k as keyof Timeouts;
    if (out[key] === undefined) out[key] = v;
  }
  return out;
}

/** The configuration's timeouts in milliseconds, kubeadm's defaults for those it does not set. */
export function timeoutsMs(t: Timeouts | undefined): Record<keyof Timeouts, number> {
  const all = defaultTimeouts(t) as Required<Timeouts>;
  const out = {} as Record<keyof Timeouts, number>;
  for (const k of Object.keys(C.DEFAULT_TIMEOUTS) as (keyof Timeouts)[]) {
    out[k] = parseDurationMs(all[k]);
  }
  return out;
}

function defaultAPIEndpoint(e: APIEndpoint | undefined): APIEndpoint {
  const out: APIEndpoint = { ...(e ?? {}) };
  if (!out.bindPort) out.bindPort = C.KUBE_API_SERVER_PORT;
  return out;
}

function defaultNodeRegistration(n: NodeRegistrationOptions | undefined) {
  const out: NodeRegistrationOptions = { ...(n ?? {}) };
  if (!out.imagePullPolicy) out.imagePullPolicy = C.DEFAULT_IMAGE_PULL_POLICY;
  if (out.imagePullSerial === undefined) out.imagePullSerial = true;
  return out;
}

function defaultBootstrapToken(bt: BootstrapToken): BootstrapToken {
  const out = { ...bt };
  if (out.ttl === undefined) out.ttl = C.DEFAULT_TOKEN_TTL;
  if (!out.usages || out.usages.length === 0) out.usages = [...C.DEFAULT_TOKEN_USAGES];
  if (!out.groups || out.groups.length === 0) out.groups = [...C.DEFAULT_TOKEN_GROUPS];
  return out;
}

function defaultEnvVars(envs: EnvVar[] | undefined): EnvVar[] | undefined {
  if (!envs) return envs;
  return envs.map((e) => {
    if (e.valueFrom?.fieldRef && !e.valueFrom.fieldRef.apiVersion) {
      return {
        ...e,
        valueFrom: { ...e.valueFrom, fieldRef: { ...e.valueFrom.fieldRef, apiVersion: "v1" } },
      };
    }
    return e;
  });
}

function defaultComponent<T extends ControlPlaneComponent>(c: T | undefined): T {
  const out = { ...(c ?? {}) } as T;
  if (out.extraEnvs) out.extraEnvs = defaultEnvVars(out.extraEnvs);
  return out;
}

/** v1beta4 SetObjectDefaults_InitConfiguration. */
export function defaultInitConfiguration(cfg: Partial<InitConfiguration>): InitConfiguration {
  const out = structuredClone(cfg) as InitConfiguration;
  const tokens = out.bootstrapTokens && out.bootstrapTokens.length > 0 ? out.bootstrapTokens : [{}];
  out.bootstrapTokens = tokens.map(defaultBootstrapToken);
  out.localAPIEndpoint = defaultAPIEndpoint(out.localAPIEndpoint);
  out.nodeRegistration = defaultNodeRegistration(out.nodeRegistration);
  out.timeouts = defaultTimeouts(out.timeouts);
  return out;
}

/** v1beta4 SetObjectDefaults_ClusterConfiguration. */
export function defaultClusterConfiguration(
  cfg: Partial<ClusterConfiguration>,
): ClusterConfiguration {
  const out = structuredClone(cfg) as ClusterConfiguration;
  out.networking = { ...(out.networking ?? {}) };
  if (!out.kubernetesVersion) out.kubernetesVersion = C.DEFAULT_KUBERNETES_VERSION;
  if (!out.networking.serviceSubnet) out.networking.serviceSubnet = C.DEFAULT_SERVICES_SUBNET;
  if (!out.networking.dnsDomain) out.networking.dnsDomain = C.DEFAULT_SERVICE_DNS_DOMAIN;
  if (!out.certificatesDir) out.certificatesDir = C.DEFAULT_CERTIFICATES_DIR;
  if (!out.imageRepository) out.imageRepository = C.DEFAULT_IMAGE_REPOSITORY;
  if (!out.clusterName) out.clusterName = C.DEFAULT_CLUSTER_NAME;
  if (!out.encryptionAlgorithm) out.encryptionAlgorithm = C.DEFAULT_ENCRYPTION_ALGORITHM;
  if (out.certificateValidityPeriod === undefined) {
    out.certificateValidityPeriod = C.CERTIFICATE_VALIDITY_PERIOD;
  }
  if (out.caCertificateValidityPeriod === undefined) {
    out.caCertificateValidityPeriod = C.CA_CERTIFICATE_VALIDITY_PERIOD;
  }
  out.etcd = { ...(out.etcd ?? {}) };
  if (!out.etcd.local && !out.etcd.external) out.etcd.local = { dataDir: "" };
  if (out.etcd.local) {
    out.etcd.local = { ...out.etcd.local };
    if (!out.etcd.local.dataDir) out.etcd.local.dataDir = C.DEFAULT_ETCD_DATA_DIR;
    if (out.etcd.local.extraEnvs) {
      out.etcd.local.extraEnvs = defaultEnvVars(out.etcd.local.extraEnvs);
    }
  }
  if (out.etcd.external) {
    const ext = { ...out.etcd.external };
    if ((!ext.httpEndpoints || ext.httpEndpoints.length === 0) && ext.endpoints?.length > 0) {
      ext.httpEndpoints = [...ext.endpoints];
    }
    out.etcd.external = ext;
  }
  out.apiServer = defaultComponent(out.apiServer);
  out.controllerManager = defaultComponent(out.controllerManager);
  out.scheduler = defaultComponent(out.scheduler);
  out.dns = { ...(out.dns ?? {}) };
  out.proxy = { ...(out.proxy ?? {}) };
  return out;
}

/** v1beta4 SetObjectDefaults_JoinConfiguration. */
export function defaultJoinConfiguration(cfg: Partial<JoinConfiguration>): JoinConfiguration {
  const out = structuredClone(cfg) as JoinConfiguration;
  if (!out.caCertPath) out.caCertPath = C.DEFAULT_CA_CERT_PATH;
  if (out.controlPlane) {
    out.controlPlane = {
      ...out.controlPlane,
      localAPIEndpoint: defaultAPIEndpoint(out.controlPlane.localAPIEndpoint),
    };
  }
  out.discovery = { ...(out.discovery ?? {}) };
  if (!out.discovery.tlsBootstrapToken && out.discovery.bootstrapToken) {
    out.discovery.tlsBootstrapToken = out.discovery.bootstrapToken.token;
  }
  if (out.discovery.file) {
    const p = out.discovery.file.kubeConfigPath;
    if (p) {
      try {
        const u = new URL(p);
        if (u.protocol === "file:") {
          out.discovery.file = { kubeConfigPath: decodeURIComponent(u.pathname) };
        }
      } catch { /* not a URL */ }
    }
  }
  if (!out.discovery.tlsBootstrapToken) delete out.discovery.tlsBootstrapToken;
  out.nodeRegistration = defaultNodeRegistration(out.nodeRegistration);
  out.timeouts = defaultTimeouts(out.timeouts);
  return out;
}

/** v1beta4 SetObjectDefaults_ResetConfiguration. */
export function defaultResetConfiguration(cfg: Partial<ResetConfiguration>): ResetConfiguration {
  const out = structuredClone(cfg) as ResetConfiguration;
  if (!out.certificatesDir) out.certificatesDir = C.DEFAULT_CERTIFICATES_DIR;
  out.timeouts = defaultTimeouts(out.timeouts);
  return out;
}

/** v1beta4 SetObjectDefaults_UpgradeConfiguration. */
export function defaultUpgradeConfiguration(
  cfg: Partial<UpgradeConfiguration>,
): UpgradeConfiguration {
  const out = structuredClone(cfg) as UpgradeConfiguration;
  out.apply = { ...(out.apply ?? {}) };
  out.diff = { ...(out.diff ?? {}) };
  out.node = { ...(out.node ?? {}) };
  out.plan = { ...(out.plan ?? {}) };
  for (const part of [out.node, out.apply]) {
    if (part.etcdUpgrade === undefined) part.etcdUpgrade = true;
    if (part.certificateRenewal === undefined) part.certificateRenewal = true;
    if (!part.imagePullPolicy) part.imagePullPolicy = C.DEFAULT_IMAGE_PULL_POLICY;
    if (part.imagePullSerial === undefined) part.imagePullSerial = true;
  }
  if (out.plan.etcdUpgrade === undefined) out.plan.etcdUpgrade = true;
  out.timeouts = defaultTimeouts(out.timeouts);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Component configs

function warnValue(
  warnings: string[],
  kind: string,
  param: string,
  recommended: unknown,
  provided: unknown,
) {
  const fmt = (v: unknown) => Array.isArray(v) ? `[${v.join(" ")}]` : String(v);
  warnings.push(
    `The recommended value for ${JSON.stringify(param)} in ${JSON.stringify(kind)} is: ${
      fmt(recommended)
    }; the provided value is: ${fmt(provided)}`,
  );
}

function obj(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = o[key];
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  const n: Record<string, unknown> = {};
  o[key] = n;
  return n;
}

/** The 10th address of the first service subnet (constants.GetDNSIP) or the default. */
export function clusterDNSIP(serviceSubnet: string | undefined): string {
  const cidrs = parseCIDRs((serviceSubnet ?? "").split(","));
  if (!cidrs || cidrs.length === 0) return C.DEFAULT_CLUSTER_DNS_IP;
  const ip = indexedIP(cidrs[0], 10);
  return ip ? formatIP(ip) : C.DEFAULT_CLUSTER_DNS_IP;
}

function joinPath(dir: string, name: string): string {
  const parts = `${dir}/${name}`.split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return (dir.startsWith("/") ? "/" : "") + out.join("/");
}

/** kubeadm's kubeletConfig.Default. Mutates and returns `kc`. */
function defaultKubeletConfiguration(
  kc: KubeletConfiguration,
  cluster: ClusterConfiguration,
  warnings: string[],
): KubeletConfiguration {
  const kind = "KubeletConfiguration";
  kc.apiVersion = KUBELET_CONFIG_API;
  kc.kind = kind;
  if (kc.featureGates === undefined || kc.featureGates === null) kc.featureGates = {};
  if (!kc.staticPodPath) kc.staticPodPath = C.DEFAULT_MANIFESTS_DIR;
  else if (kc.staticPodPath !== C.DEFAULT_MANIFESTS_DIR) {
    warnValue(warnings, kind, "staticPodPath", C.DEFAULT_MANIFESTS_DIR, kc.staticPodPath);
  }
  const dns = clusterDNSIP(cluster.networking.serviceSubnet);
  const cd = kc.clusterDNS as string[] | undefined | null;
  if (cd === undefined || cd === null) kc.clusterDNS = [dns];
  else if (cd.length !== 1 || cd[0] !== dns) warnValue(warnings, kind, "clusterDNS", [dns], cd);
  const domain = cluster.networking.dnsDomain ?? "";
  if (!kc.clusterDomain) kc.clusterDomain = domain;
  else if (domain && kc.clusterDomain !== domain) {
    warnValue(warnings, kind, "clusterDomain", domain, kc.clusterDomain);
  }
  const authn = obj(kc, "authentication");
  const x509 = obj(authn, "x509");
  const clientCA = joinPath(cluster.certificatesDir ?? C.DEFAULT_CERTIFICATES_DIR, "ca.crt");
  if (!x509.clientCAFile) x509.clientCAFile = clientCA;
  else if (x509.clientCAFile !== clientCA) {
    warnValue(warnings, kind, "authentication.x509.clientCAFile", clientCA, x509.clientCAFile);
  }
  const anon = obj(authn, "anonymous");
  if (anon.enabled === undefined || anon.enabled === null) anon.enabled = false;
  else if (anon.enabled === true) {
    warnValue(warnings, kind, "authentication.anonymous.enabled", false, true);
  }
  const authz = obj(kc, "authorization");
  if (!authz.mode) authz.mode = "Webhook";
  else if (authz.mode !== "Webhook") {
    warnValue(warnings, kind, "authorization.mode", "Webhook", authz.mode);
  }
  const webhook = obj(authn, "webhook");
  if (webhook.enabled === undefined || webhook.enabled === null) webhook.enabled = true;
  else if (webhook.enabled === false) {
    warnValue(warnings, kind, "authentication.webhook.enabled", true, false);
  }
  if (!kc.healthzBindAddress) kc.healthzBindAddress = "127.0.0.1";
  else if (kc.healthzBindAddress !== "127.0.0.1") {
    warnValue(warnings, kind, "healthzBindAddress", "127.0.0.1", kc.healthzBindAddress);
  }
  if (kc.healthzPort === undefined || kc.healthzPort === null) {
    kc.healthzPort = C.KUBELET_HEALTHZ_PORT;
  } else if (kc.healthzPort !== C.KUBELET_HEALTHZ_PORT) {
    warnValue(warnings, kind, "healthzPort", C.KUBELET_HEALTHZ_PORT, kc.healthzPort);
  }
  if (kc.readOnlyPort !== undefined && kc.readOnlyPort !== 0) {
    warnValue(warnings, kind, "readOnlyPort", 0, kc.readOnlyPort);
  }
  kc.rotateCertificates = true;
  if (!kc.cgroupDriver) kc.cgroupDriver = "systemd";
  return kc;
}

function proxyBindAddressFor(address: string | undefined): string {
  const ip = parseIPValue(address ?? "");
  return ip && ip.family === 4 ? C.DEFAULT_PROXY_BIND_ADDRESS_V4 : C.DEFAULT_PROXY_BIND_ADDRESS_V6;
}

/** kubeadm's kubeProxyConfig.Default. Mutates and returns `kp`. */
function defaultKubeProxyConfiguration(
  kp: KubeProxyConfiguration,
  cluster: ClusterConfiguration,
  localAPIEndpoint: APIEndpoint,
  warnings: string[],
): KubeProxyConfiguration {
  const kind = "KubeProxyConfiguration";
  kp.apiVersion = KUBEPROXY_CONFIG_API;
  kp.kind = kind;
  if (kp.featureGates === undefined || kp.featureGates === null) kp.featureGates = {};
  const bind = kp.bindAddress as string | undefined;
  if (!bind) kp.bindAddress = proxyBindAddressFor(localAPIEndpoint.advertiseAddress);
  else if (bind === "0.0.0.0" || bind === "::") {
    // recommended wildcard
  } else if (!parseIPValue(bind)) {
    warnings.push(
      `The bindAddress ${JSON.stringify(bind)} in ${
        JSON.stringify(kind)
      } is not a valid IP address`,
    );
  } else {
    warnValue(warnings, kind, "bindAddress", proxyBindAddressFor(bind), bind);
  }
  const podSubnet = cluster.networking.podSubnet ?? "";
  if (!kp.clusterCIDR && podSubnet) kp.clusterCIDR = podSubnet;
  else if (podSubnet && kp.clusterCIDR !== podSubnet) {
    warnValue(warnings, kind, "clusterCIDR", podSubnet, kp.clusterCIDR);
  }
  const cc = obj(kp, "clientConnection");
  if (!cc.kubeconfig) cc.kubeconfig = C.KUBE_PROXY_KUBECONFIG;
  else if (cc.kubeconfig !== C.KUBE_PROXY_KUBECONFIG) {
    warnValue(
      warnings,
      kind,
      "clientConnection.kubeconfig",
      C.KUBE_PROXY_KUBECONFIG,
      cc.kubeconfig,
    );
  }
  if (kp.mode === "ipvs") {
    warnings.push(
      `The "${kind}" field "mode" is set to "ipvs" which has been deprecated since version v1.35. ` +
        `For newer Linux kernel versions, we recommend using the "nftables" mode, which has been ` +
        `GA since v1.33. For older Linux kernel versions, you can use the "iptables" mode which ` +
        `is still the default one.`,
    );
  }
  if (!kp.mode) kp.mode = "iptables";
  return kp;
}

/** componentconfigs.Default: defaults both component configs (given or empty). */
export function defaultComponentConfigs(
  cluster: ClusterConfiguration,
  localAPIEndpoint: APIEndpoint,
  given: Partial<ComponentConfigs>,
  warnings: string[],
): ComponentConfigs {
  const kubelet = defaultKubeletConfiguration(
    structuredClone(given.kubelet ?? {}),
    cluster,
    warnings,
  );
  const kubeProxy = defaultKubeProxyConfiguration(
    structuredClone(given.kubeProxy ?? {}),
    cluster,
    localAPIEndpoint,
    warnings,
  );
  return { kubelet, kubeProxy };
}

// ---------------------------------------------------------------------------------------------
// Dynamic defaults

/** bootstraputil.GenerateBootstrapToken: `[a-z0-9]{6}.[a-z0-9]{16}` from a CSPRNG. */
export function generateBootstrapToken(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  const pick = (n: number) => {
    let s = "";
    while (s.length < n) {
      const buf = new Uint8Array(n * 2);
      crypto.getRandomValues(buf);
      for (const b of buf) {
        if (b < 252 && s.length < n) s += alphabet[b % 36]; // unbiased: 252 = 7 * 36
      }
    }
    return s;
  };
  return `${pick(6)}.${pick(16)}`;
}

/** nodeutil.GetHostname: trimmed, lower-cased; empty → error. */
function getHostname(override: string | undefined, host: HostFacts): string {
  let name = override ?? "";
  if (name === "") name = host.hostname();
  name = name.trim().toLowerCase();
  if (name === "") throw new KubestrapError("empty hostname is invalid");
  return name;
}

export interface DynamicOptions {
  /** Do not probe CRI sockets; use the containerd default (config validate/print, images list). */
  skipCRIDetect?: boolean;
}

/** kubeadmruntime.DetectCRISocket. */
export async function detectCRISocket(host: HostFacts): Promise<string> {
  const found = await host.criSockets();
  const known = C.KNOWN_CRI_SOCKETS.filter((s) => found.includes(s));
  const extra = found.filter((s) => !C.KNOWN_CRI_SOCKETS.includes(s));
  const all = [...known, ...extra];
  if (all.length === 0) return C.DEFAULT_CRI_SOCKET;
  if (all.length === 1) return all[0];
  throw new KubestrapError(
    "found multiple CRI endpoints on the host. Please define which one do you wish to use by " +
      "setting the 'criSocket' field in the kubeadm configuration file: " + all.join(", "),
  );
}

/** SetNodeRegistrationDynamicDefaults. */
async function setNodeRegistrationDynamicDefaults(
  nr: NodeRegistrationOptions,
  controlPlaneTaint: boolean,
  host: HostFacts,
  opts: DynamicOptions,
  warnings: string[],
): Promise<void> {
  nr.name = getHostname(nr.name, host);
  if (controlPlaneTaint && (nr.taints === undefined || nr.taints === null)) {
    nr.taints = [{ ...C.CONTROL_PLANE_TAINT }];
  }
  if (!nr.criSocket) {
    nr.criSocket = opts.skipCRIDetect ? C.DEFAULT_CRI_SOCKET : await detectCRISocket(host);
  } else if (!nr.criSocket.startsWith("unix")) {
    warnings.push(
      `Usage of CRI endpoints without URL scheme is deprecated and can cause kubelet errors in ` +
        `the future. Automatically prepending scheme "unix" to the "criSocket" with value ${
          JSON.stringify(nr.criSocket)
        }. Please update your configuration!`,
    );
    nr.criSocket = "unix://" + nr.criSocket;
  }
}

/** SetAPIEndpointDynamicDefaults. */
async function setAPIEndpointDynamicDefaults(
  ep: APIEndpoint,
  host: HostFacts,
  warnings: string[],
): Promise<void> {
  const requested = ep.advertiseAddress ?? "";
  const ip = parseIPValue(requested);
  if (!ip && requested !== "") {
    throw new KubestrapError(
      `couldn't use "${requested}" as "apiserver-advertise-address", must be ipv4 or ipv6 address`,
    );
  }
  if (ip && isLoopback(ip)) {
    const lo = host.loopbackGlobalIP ? await host.loopbackGlobalIP() : undefined;
    if (lo) {
      ep.advertiseAddress = lo;
      return;
    }
    throw new KubestrapError("unable to resolve link-local addresses");
  }
  if (ip && !isUnspecified(ip)) {
    // netutil.ResolveBindAddress returns a specific requested address as is.
    ep.advertiseAddress = formatIP(ip);
    return;
  }
  const wantV6 = ip?.family === 6;
  let chosen = wantV6 && host.defaultIPv6 ? await host.defaultIPv6() : await host.defaultIPv4();
  if (!chosen && !wantV6 && host.defaultIPv6) chosen = await host.defaultIPv6();
  if (!chosen) {
    warnings.push(
      `WARNING: could not obtain a bind address for the API Server: no default routes found in ` +
        `"/proc/net/route" or "/proc/net/ipv6_route"; using: ${C.DEFAULT_API_SERVER_BIND_ADDRESS}`,
    );
    ep.advertiseAddress = C.DEFAULT_API_SERVER_BIND_ADDRESS;
    return;
  }
  ep.advertiseAddress = chosen;
}

/** NormalizeKubernetesVersion; returns the CI image repository override if any. */
export function normalizeKubernetesVersion(
  cluster: ClusterConfiguration,
  warnings: string[],
): { ciImageRepository?: string } {
  const raw = cluster.kubernetesVersion ?? C.DEFAULT_KUBERNETES_VERSION;
  const ci = isCIVersion(raw);
  const out: { ciImageRepository?: string } = {};
  if (ci && cluster.imageRepository === C.DEFAULT_IMAGE_REPOSITORY) {
    out.ciImageRepository = C.DEFAULT_CI_IMAGE_REPOSITORY;
  }
  const r = kubernetesReleaseVersion(raw);
  warnings.push(...r.warnings);
  cluster.kubernetesVersion = r.version;
  let v;
  try {
    v = parseSemantic(r.version);
  } catch (e) {
    throw new KubestrapError(
      `couldn't parse Kubernetes version ${JSON.stringify(r.version)}: ${(e as Error).message}`,
    );
  }
  if (v.lessThan(parseSemantic(C.MINIMUM_CONTROL_PLANE_VERSION))) {
    throw new KubestrapError(
      `this version of kubeadm only supports deploying clusters with the control plane version >= ${C.MINIMUM_CONTROL_PLANE_VERSION}. Current version: ${r.version}`,
    );
  }
  return out;
}

/** SetClusterDynamicDefaults. */
function setClusterDynamicDefaults(
  cfg: InitConfig,
  given: Partial<ComponentConfigs>,
): void {
  cfg.componentConfigs = defaultComponentConfigs(
    cfg.cluster,
    cfg.init.localAPIEndpoint,
    given,
    cfg.warnings,
  );
  const ci = normalizeKubernetesVersion(cfg.cluster, cfg.warnings);
  if (ci.ciImageRepository) cfg.ciImageRepository = ci.ciImageRepository;
  if (cfg.cluster.controlPlaneEndpoint) {
    const hp = parseHostPort(cfg.cluster.controlPlaneEndpoint);
    if (hp instanceof Error) throw new KubestrapError(hp.message);
    if (hp.port === "") {
      const host = hp.host.includes(":") ? `[${hp.host}]` : hp.host;
      cfg.cluster.controlPlaneEndpoint = `${host}:${cfg.init.localAPIEndpoint.bindPort}`;
    }
  }
  if (cfg.cluster.apiServer.certSANs) {
    cfg.cluster.apiServer.certSANs = cfg.cluster.apiServer.certSANs.map((s) => s.toLowerCase());
  }
}

/** SetInitDynamicDefaults. */
export async function setInitDynamicDefaults(
  cfg: InitConfig,
  host: HostFacts,
  opts: DynamicOptions,
  given: Partial<ComponentConfigs> = {},
): Promise<void> {
  cfg.init.bootstrapTokens = (cfg.init.bootstrapTokens ?? []).map((bt) =>
    bt.token ? bt : { ...bt, token: generateBootstrapToken() }
  );
  await setNodeRegistrationDynamicDefaults(
    cfg.init.nodeRegistration,
    true,
    host,
    opts,
    cfg.warnings,
  );
  await setAPIEndpointDynamicDefaults(cfg.init.localAPIEndpoint, host, cfg.warnings);
  setClusterDynamicDefaults(cfg, given);
}

/** SetJoinDynamicDefaults. */
export async function setJoinDynamicDefaults(
  join: JoinConfiguration,
  host: HostFacts,
  opts: DynamicOptions,
  warnings: string[],
): Promise<void> {
  await setNodeRegistrationDynamicDefaults(
    join.nodeRegistration,
    join.controlPlane !== undefined,
    host,
    opts,
    warnings,
  );
  if (join.controlPlane) {
    await setAPIEndpointDynamicDefaults(join.controlPlane.localAPIEndpoint, host, warnings);
  }
}

/** SetResetDynamicDefaults. */
export async function setResetDynamicDefaults(
  reset: ResetConfiguration,
  host: HostFacts,
  opts: DynamicOptions,
  warnings: string[],
): Promise<void> {
  if (!reset.criSocket) {
    reset.criSocket = opts.skipCRIDetect ? C.DEFAULT_CRI_SOCKET : await detectCRISocket(host);
  } else if (!reset.criSocket.startsWith("unix")) {
    warnings.push(
      `Usage of CRI endpoints without URL scheme is deprecated and can cause kubelet errors in ` +
        `the future. Automatically prepending scheme "unix" to the "criSocket" with value ${
          JSON.stringify(reset.criSocket)
        }. Please update your configuration!`,
    );
    reset.criSocket = "unix://" + reset.criSocket;
  }
}
