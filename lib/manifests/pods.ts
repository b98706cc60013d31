/**
 * The static Pods of kubeadm v1.37.2: etcd (phases/etcd/local.go), kube-apiserver,
 * kube-controller-manager and kube-scheduler (phases/controlplane/manifests.go, volumes.go),
 * built with the shape of util/staticpod/utils.go (ComponentPod, probes, resources).
 *
 * The Pods are JSON-shaped objects holding exactly the members Go's JSON encoding of the
 * v1.Pod emits (omitempty fields absent), so `marshalGoYAML` gives kubeadm's bytes.
 */
import * as path from "@std/path";
import { argumentsToCommand, getArgValue, mergeArgWithBase, setArgValues } from "./args.ts";
import { isIPv6String } from "./net.ts";
import { joinHostPort } from "../util/net.ts";
import type {
  ArgLike,
  ClusterConfigurationLike,
  ComponentImages,
  EnvVarLike,
  ExternalEtcdLike,
  HostPathMountLike,
  InitConfigLike,
} from "./types.ts";
import { parseDuration } from "../util/duration.ts";

// ---------------------------------------------------------------------------------------------
// Constants (constants/constants.go)

export const KUBERNETES_DIR = "/etc/kubernetes";
export const MANIFESTS_DIR = "/etc/kubernetes/manifests";
const PROBE_PORT = "probe-port";
export const KUBE_CONTROLLER_MANAGER_PORT = 10257;
export const KUBE_SCHEDULER_PORT = 10259;
const ETCD_LISTEN_CLIENT_PORT = 2379;
const ETCD_LISTEN_PEER_PORT = 2380;
const ETCD_METRICS_PORT = 2381;
const ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls";
const APISERVER_ADVERTISE_ENDPOINT_ANNOTATION =
  "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint";
/** Default of timeouts.controlPlaneComponentHealthCheck. */
const DEFAULT_CONTROL_PLANE_HEALTH_CHECK = "4m0s";

/** The directories kubeadm mounts next to /etc/ssl/certs when they exist on the host. */
const CA_CERTS_EXTRA_VOLUME_PATHS = [
  "/etc/pki/ca-trust",
  "/etc/pki/tls/certs",
  "/etc/ca-certificates",
  "/usr/share/ca-certificates",
  "/usr/local/share/ca-certificates",
];
const CA_CERTS_VOLUME_NAME = "ca-certs";
const CA_CERTS_VOLUME_PATH = "/etc/ssl/certs";

export type StaticPodComponent =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler";

// ---------------------------------------------------------------------------------------------
// Pod object types (only what kubeadm sets)

export interface HostPathVolume {
  name: string;
  hostPath: { path: string; type?: string };
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
export interface Probe {
  httpGet: { host?: string; path: string; port: string; scheme: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}
export interface Container {
  name: string;
  image: string;
  command: string[];
  env?: EnvVarLike[];
  imagePullPolicy: string;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  ports: { name: string; containerPort: number; protocol: string }[];
  resources: { requests: Record<string, string> };
  volumeMounts?: VolumeMount[];
  [k: string]: unknown;
}
export interface Pod {
  apiVersion: "v1";
  kind: "Pod";
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec: {
    containers: Container[];
    hostNetwork: boolean;
    priority: number;
    priorityClassName: string;
    securityContext: { seccompProfile: { type: string } };
    volumes?: HostPathVolume[];
    [k: string]: unknown;
  };
  status: Record<string, unknown>;
}

/** Options shared by the Pod builders. */
export interface PodOptions {
  images: ComponentImages;
  /**
   * The proxy variables of the kubeadm process (GetProxyEnvVars). Default: read from
   * Deno.env (every variable whose lower-cased name ends in `_proxy`, non-empty value).
   * Not used for etcd (kubeadm gives etcd only its extraEnvs).
   */
  proxyEnvs?: EnvVarLike[];
  /**
   * Which of CA_CERTS_EXTRA_VOLUME_PATHS exist on the host (see detectCACertsExtraPaths).
   * Default: none.
   */
  caCertsExtraPaths?: string[];
  /** External-CA mode (ca.crt present without ca.key): empty cluster-signing files for KCM. */
  externalCA?: boolean;
  /** Receives kubeadm's klog warnings (e.g. about authorization-mode). */
  warn?: (msg: string) => void;
}

// ---------------------------------------------------------------------------------------------
// Helpers (util/staticpod/utils.go, util/env.go)

/** Go duration string to seconds (time.ParseDuration). */
function parseGoDuration(d: string): number {
  return Number(parseDuration(d)) / 1e9;
}

/** GetProxyEnvVars over `environment` (default: the process environment). */
export function getProxyEnvVars(environment?: Record<string, string>): EnvVarLike[] {
  const env = environment ?? Deno.env.toObject();
  const out: EnvVarLike[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (name.toLowerCase().endsWith("_proxy") && value !== "") out.push({ name, value });
  }
  return out;
}

/** MergeKubeadmEnvVars: later lists win per name; sorted by name; JSON-shaped copies. */
function mergeKubeadmEnvVars(...lists: (EnvVarLike[] | undefined)[]): EnvVarLike[] {
  const m = new Map<string, EnvVarLike>();
  for (const l of lists) for (const e of l ?? []) m.set(e.name, e);
  return [...m.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => {
      const o: EnvVarLike = { name: e.name };
      if (e.value !== undefined && e.value !== "") o.value = e.value;
      if (e.valueFrom !== undefined && e.valueFrom !== null) {
        o.valueFrom = defaultValueFrom(e.valueFrom);
      }
      return o;
    });
}

/**
 * The core/v1 defaulting kubeadm's config decoding applies to env sources:
 * fieldRef.apiVersion defaults to "v1".
 */
function defaultValueFrom(v: unknown): unknown {
  const vf = JSON.parse(JSON.stringify(v));
  if (vf && typeof vf === "object" && vf.fieldRef && typeof vf.fieldRef === "object") {
    vf.fieldRef.apiVersion ||= "v1";
  }
  return vf;
}

function createHTTPProbe(
  host: string,
  p: string,
  scheme: string,
  initialDelaySeconds: number,
  timeoutSeconds: number,
  failureThreshold: number,
  periodSeconds: number,
): Probe {
  const httpGet: Probe["httpGet"] = { path: p, port: PROBE_PORT, scheme };
  if (host !== "") httpGet.host = host;
  const probe: Probe = { httpGet };
  if (initialDelaySeconds) probe.initialDelaySeconds = initialDelaySeconds;
  if (timeoutSeconds) probe.timeoutSeconds = timeoutSeconds;
  if (periodSeconds) probe.periodSeconds = periodSeconds;
  if (failureThreshold) probe.failureThreshold = failureThreshold;
  return probe;
}

export function livenessProbe(host: string, p: string, scheme: string): Probe {
  return createHTTPProbe(host, p, scheme, 10, 15, 8, 10);
}
export function readinessProbe(host: string, p: string, scheme: string): Probe {
  return createHTTPProbe(host, p, scheme, 0, 15, 3, 1);
}
export function startupProbe(host: string, p: string, scheme: string, timeout?: string): Probe {
  const period = 10;
  const seconds = parseGoDuration(timeout ?? DEFAULT_CONTROL_PLANE_HEALTH_CHECK);
  // int32(math.Ceil(...)): truncation towards zero of the float
  const failureThreshold = Math.trunc(Math.ceil(seconds / period));
  return createHTTPProbe(host, p, scheme, period, 15, failureThreshold, period);
}

function getProbeAddress(addr: string): string {
  return addr === "0.0.0.0" || addr === "::" ? "" : addr;
}

function componentPod(
  container: Container,
  volumes: Map<string, HostPathVolume>,
  annotations: Record<string, string> | undefined,
): Pod {
  const metadata: Pod["metadata"] = {
    name: container.name,
    namespace: "kube-system",
    labels: { component: container.name, tier: "control-plane" },
  };
  if (annotations && Object.keys(annotations).length) metadata.annotations = annotations;
  const vols = [...volumes.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const spec: Pod["spec"] = {
    containers: [container],
    hostNetwork: true,
    priority: 2000001000,
    priorityClassName: "system-node-critical",
    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
  };
  if (vols.length) spec.volumes = vols;
  return { apiVersion: "v1", kind: "Pod", metadata, spec, status: {} };
}

function container(c: {
  name: string;
  image: string;
  command: string[];
  volumeMounts: VolumeMount[];
  liveness: Probe;
  readiness?: Probe;
  startup: Probe;
  requests: Record<string, string>;
  env: EnvVarLike[];
  port: number;
}): Container {
  const out: Container = {
    name: c.name,
    image: c.image,
    command: c.command,
    imagePullPolicy: "IfNotPresent",
    livenessProbe: c.liveness,
    ports: [{ name: PROBE_PORT, containerPort: c.port, protocol: "TCP" }],
    resources: { requests: c.requests },
    startupProbe: c.startup,
  };
  if (c.readiness) out.readinessProbe = c.readiness;
  if (c.env.length) out.env = c.env;
  if (c.volumeMounts.length) out.volumeMounts = c.volumeMounts;
  return out;
}

function newVolume(name: string, hostPath: string, type?: string): HostPathVolume {
  const hp: HostPathVolume["hostPath"] = { path: hostPath };
  // *HostPathType: a non-nil pointer is emitted even when it points to "".
  if (type !== undefined) hp.type = type;
  return { name, hostPath: hp };
}

function newVolumeMount(name: string, mountPath: string, readOnly: boolean): VolumeMount {
  const m: VolumeMount = { name, mountPath };
  if (readOnly) m.readOnly = true;
  return m;
}

// ---------------------------------------------------------------------------------------------
// Host path mounts of the control plane (volumes.go)

class HostPathMounts {
  volumes = new Map<string, Map<string, HostPathVolume>>();
  mounts = new Map<string, Map<string, VolumeMount>>();

  add(
    component: string,
    name: string,
    hostPath: string,
    mountPath: string,
    readOnly: boolean,
    type: string | undefined,
  ) {
    this.addVolume(component, newVolume(name, hostPath, type));
    this.addMount(component, newVolumeMount(name, mountPath, readOnly));
  }
  addVolume(component: string, v: HostPathVolume) {
    if (!this.volumes.has(component)) this.volumes.set(component, new Map());
    this.volumes.get(component)!.set(v.name, v);
  }
  addMount(component: string, m: VolumeMount) {
    if (!this.mounts.has(component)) this.mounts.set(component, new Map());
    this.mounts.get(component)!.set(m.name, m);
  }
  addExtra(component: string, extra: HostPathMountLike[] | undefined) {
    for (const v of extra ?? []) {
      this.add(component, v.name, v.hostPath, v.mountPath, v.readOnly ?? false, v.pathType ?? "");
    }
  }
  getVolumes(component: string): Map<string, HostPathVolume> {
    return this.volumes.get(component) ?? new Map();
  }
  getMounts(component: string): VolumeMount[] {
    return [...(this.mounts.get(component) ?? new Map()).values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }
}

/** Go's filepath.Dir + ToSlash for absolute/relative slash paths. */
function goDir(p: string): string {
  if (p === "") return ".";
  const d = path.posix.dirname(p);
  return path.posix.normalize(d);
}

/** getEtcdCertVolumes: the directories of external etcd's CA/cert/key not mounted already. */
function getEtcdCertVolumes(
  etcd: ExternalEtcdLike,
  certificatesDir: string,
): [HostPathVolume[], VolumeMount[]] {
  const certDirs = new Set<string>();
  for (const certPath of [etcd.caFile, etcd.certFile, etcd.keyFile]) {
    const certDir = goDir(certPath ?? "");
    const extra = CA_CERTS_EXTRA_VOLUME_PATHS.some((p) => certDir.startsWith(p));
    if (
      certDir === "." || extra || certDir.startsWith(CA_CERTS_VOLUME_PATH) ||
      certDir.startsWith(certificatesDir)
    ) continue;
    let alreadyExists = false;
    for (const existing of [...certDirs].sort()) {
      if (existing.startsWith(certDir)) certDirs.delete(existing);
      else if (certDir.startsWith(existing)) alreadyExists = true;
    }
    if (alreadyExists) continue;
    certDirs.add(certDir);
  }
  const vols: HostPathVolume[] = [];
  const mounts: VolumeMount[] = [];
  [...certDirs].sort().forEach((dir, i) => {
    const name = `etcd-certs-${i}`;
    vols.push(newVolume(name, dir, "DirectoryOrCreate"));
    mounts.push(newVolumeMount(name, dir, true));
  });
  return [vols, mounts];
}

function controlPlaneMounts(
  cfg: ClusterConfigurationLike,
  caCertsExtraPaths: string[],
): HostPathMounts {
  const m = new HostPathMounts();
  const certsDir = cfg.certificatesDir ?? "";
  const DOC = "DirectoryOrCreate";
  const FOC = "FileOrCreate";
  m.add("kube-apiserver", "k8s-certs", certsDir, certsDir, true, DOC);
  m.add(
    "kube-apiserver",
    CA_CERTS_VOLUME_NAME,
    CA_CERTS_VOLUME_PATH,
    CA_CERTS_VOLUME_PATH,
    true,
    DOC,
  );
  if (cfg.etcd.external) {
    const [vols, mounts] = getEtcdCertVolumes(cfg.etcd.external, certsDir);
    for (const v of vols) m.addVolume("kube-apiserver", v);
    for (const v of mounts) m.addMount("kube-apiserver", v);
  }
  const kcm = "kube-controller-manager";
  m.add(kcm, "k8s-certs", certsDir, certsDir, true, DOC);
  m.add(kcm, CA_CERTS_VOLUME_NAME, CA_CERTS_VOLUME_PATH, CA_CERTS_VOLUME_PATH, true, DOC);
  const kcmConf = path.posix.join(KUBERNETES_DIR, "controller-manager.conf");
  m.add(kcm, "kubeconfig", kcmConf, kcmConf, true, FOC);
  const schedConf = path.posix.join(KUBERNETES_DIR, "scheduler.conf");
  m.add("kube-scheduler", "kubeconfig", schedConf, schedConf, true, FOC);
  for (const p of CA_CERTS_EXTRA_VOLUME_PATHS) {
    if (!caCertsExtraPaths.includes(p)) continue;
    const name = p.replaceAll("/", "-").slice(1);
    m.add("kube-apiserver", name, p, p, true, DOC);
    m.add(kcm, name, p, p, true, DOC);
  }
  m.addExtra("kube-apiserver", cfg.apiServer.extraVolumes);
  m.addExtra(kcm, cfg.controllerManager.extraVolumes);
  m.addExtra("kube-scheduler", cfg.scheduler.extraVolumes);
  return m;
}

/**
 * Which of CA_CERTS_EXTRA_VOLUME_PATHS exist (kubeadm's os.Stat, following symlinks), through
 * anything with a `stat` like lib/host.ts's Host.
 */
export async function detectCACertsExtraPaths(
  host: { stat(p: string): Promise<unknown | undefined> },
): Promise<string[]> {
  const out: string[] = [];
  for (const p of CA_CERTS_EXTRA_VOLUME_PATHS) {
    if (await host.stat(p)) out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Commands

const KNOWN_AUTHZ_MODES = ["Node", "RBAC", "Webhook", "ABAC", "AlwaysAllow", "AlwaysDeny"];

function getAuthzModes(arg: ArgLike | undefined, warn: (m: string) => void): string {
  const defaultMode = ["Node", "RBAC"];
  const defaultModeString = defaultMode.join(",");
  if (!arg || arg.value.length === 0) return defaultModeString;
  const mode: string[] = [];
  for (const requested of arg.value.split(",")) {
    if (requested.length === 0) continue;
    if (KNOWN_AUTHZ_MODES.includes(requested)) mode.push(requested);
    else warn(`ignoring unknown kube-apiserver authorization-mode "${requested}"`);
  }
  if (mode.length === 0) return defaultModeString;
  const same = mode.length === defaultMode.length && mode.every((m, i) => m === defaultMode[i]);
  if (!arg.mergeMethod && !same) {
    const modeString = mode.join(",");
    warn(
      `the default kube-apiserver authorization-mode is "${defaultModeString}"; using "${modeString}"`,
    );
    return modeString;
  }
  return defaultModeString;
}

function join(...p: string[]): string {
  return path.posix.join(...p);
}

/** getAPIServerCommand. */
export function apiServerCommand(
  cfg: ClusterConfigurationLike,
  advertiseAddress: string,
  bindPort: number,
  warn: (m: string) => void = () => {},
): string[] {
  const pki = cfg.certificatesDir ?? "";
  let defaults: ArgLike[] = [
    { name: "advertise-address", value: advertiseAddress },
    { name: "enable-admission-plugins", value: "NodeRestriction" },
    { name: "service-cluster-ip-range", value: cfg.networking.serviceSubnet ?? "" },
    { name: "service-account-key-file", value: join(pki, "sa.pub") },
    { name: "service-account-signing-key-file", value: join(pki, "sa.key") },
    {
      name: "service-account-issuer",
      value: `https://kubernetes.default.svc.${cfg.networking.dnsDomain ?? ""}`,
    },
    { name: "client-ca-file", value: join(pki, "ca.crt") },
    { name: "tls-cert-file", value: join(pki, "apiserver.crt") },
    { name: "tls-private-key-file", value: join(pki, "apiserver.key") },
    { name: "kubelet-client-certificate", value: join(pki, "apiserver-kubelet-client.crt") },
    { name: "kubelet-client-key", value: join(pki, "apiserver-kubelet-client.key") },
    { name: "enable-bootstrap-token-auth", value: "true" },
    { name: "secure-port", value: String(bindPort) },
    { name: "allow-privileged", value: "true" },
    { name: "kubelet-preferred-address-types", value: "InternalIP,ExternalIP,Hostname" },
    { name: "requestheader-username-headers", value: "X-Remote-User" },
    { name: "requestheader-group-headers", value: "X-Remote-Group" },
    { name: "requestheader-extra-headers-prefix", value: "X-Remote-Extra-" },
    { name: "requestheader-client-ca-file", value: join(pki, "front-proxy-ca.crt") },
    { name: "requestheader-allowed-names", value: "front-proxy-client" },
    { name: "proxy-client-cert-file", value: join(pki, "front-proxy-client.crt") },
    { name: "proxy-client-key-file", value: join(pki, "front-proxy-client.key") },
  ];
  const ext = cfg.etcd.external;
  if (ext) {
    defaults = setArgValues(defaults, "etcd-servers", (ext.endpoints ?? []).join(","));
    if (ext.caFile) defaults = setArgValues(defaults, "etcd-cafile", ext.caFile);
    if (ext.certFile && ext.keyFile) {
      defaults = setArgValues(defaults, "etcd-certfile", ext.certFile);
      defaults = setArgValues(defaults, "etcd-keyfile", ext.keyFile);
    }
  } else {
    const localhost = isIPv6String(advertiseAddress) ? "::1" : "127.0.0.1";
    let etcdServers = `https://${joinHostPort(localhost, ETCD_LISTEN_CLIENT_PORT)}`;
    defaults = setArgValues(defaults, "etcd-servers", etcdServers);
    defaults = setArgValues(defaults, "etcd-cafile", join(pki, "etcd/ca.crt"));
    defaults = setArgValues(defaults, "etcd-certfile", join(pki, "apiserver-etcd-client.crt"));
    defaults = setArgValues(defaults, "etcd-keyfile", join(pki, "apiserver-etcd-client.key"));
    if (cfg.etcd.local) {
      const [, idx] = getArgValue(cfg.etcd.local.extraArgs, "advertise-client-urls");
      if (idx > -1) {
        const arg = cfg.etcd.local.extraArgs![idx];
        if (arg.mergeMethod) {
          warn(
            `the local etcd --advertise-client-urls flag has a merge method "${arg.mergeMethod}" and value "${arg.value}"; merging it with --etcd-servers "${etcdServers}"`,
          );
        }
        etcdServers = mergeArgWithBase(etcdServers, arg);
        defaults = setArgValues(defaults, "etcd-servers", etcdServers);
      }
    }
  }
  const extra = cfg.apiServer.extraArgs ?? [];
  const [, authzIdx] = getArgValue(extra, "authorization-mode");
  const [, structuredIdx] = getArgValue(extra, "authorization-config");
  if (structuredIdx === -1) {
    const authzArg = authzIdx > -1 ? extra[authzIdx] : undefined;
    defaults = setArgValues(defaults, "authorization-mode", getAuthzModes(authzArg, warn));
  }
  return ["kube-apiserver", ...argumentsToCommand(defaults, extra)];
}

/** getControllerManagerCommand. */
export function controllerManagerCommand(
  cfg: ClusterConfigurationLike,
  externalCA = false,
): string[] {
  const pki = cfg.certificatesDir ?? "";
  const kubeconfig = join(KUBERNETES_DIR, "controller-manager.conf");
  const caFile = join(pki, "ca.crt");
  let defaults: ArgLike[] = [
    { name: "bind-address", value: "127.0.0.1" },
    { name: "leader-elect", value: "true" },
    { name: "kubeconfig", value: kubeconfig },
    { name: "authentication-kubeconfig", value: kubeconfig },
    { name: "authorization-kubeconfig", value: kubeconfig },
    { name: "client-ca-file", value: caFile },
    { name: "requestheader-client-ca-file", value: join(pki, "front-proxy-ca.crt") },
    { name: "root-ca-file", value: caFile },
    { name: "service-account-private-key-file", value: join(pki, "sa.key") },
    { name: "cluster-signing-cert-file", value: caFile },
    { name: "cluster-signing-key-file", value: join(pki, "ca.key") },
    { name: "use-service-account-credentials", value: "true" },
    { name: "controllers", value: "*,bootstrapsigner,tokencleaner" },
  ];
  if (externalCA) {
    defaults = setArgValues(defaults, "cluster-signing-key-file", "");
    defaults = setArgValues(defaults, "cluster-signing-cert-file", "");
  }
  const podSubnet = cfg.networking.podSubnet ?? "";
  if (podSubnet !== "") {
    defaults = setArgValues(defaults, "allocate-node-cidrs", "true");
    defaults = setArgValues(defaults, "cluster-cidr", podSubnet);
    if (cfg.networking.serviceSubnet) {
      defaults = setArgValues(defaults, "service-cluster-ip-range", cfg.networking.serviceSubnet);
    }
  }
  if (cfg.clusterName) defaults = setArgValues(defaults, "cluster-name", cfg.clusterName);
  return [
    "kube-controller-manager",
    ...argumentsToCommand(defaults, cfg.controllerManager.extraArgs),
  ];
}

/** getSchedulerCommand. */
export function schedulerCommand(cfg: ClusterConfigurationLike): string[] {
  const kubeconfig = join(KUBERNETES_DIR, "scheduler.conf");
  const defaults: ArgLike[] = [
    { name: "bind-address", value: "127.0.0.1" },
    { name: "leader-elect", value: "true" },
    { name: "kubeconfig", value: kubeconfig },
    { name: "authentication-kubeconfig", value: kubeconfig },
    { name: "authorization-kubeconfig", value: kubeconfig },
  ];
  return ["kube-scheduler", ...argumentsToCommand(defaults, cfg.scheduler.extraArgs)];
}

/** An existing etcd member, for joining control-plane nodes (`initial-cluster`). */
export interface EtcdMember {
  name: string;
  peerURL: string;
}

/** getEtcdCommand. */
export function etcdCommand(
  cfg: ClusterConfigurationLike,
  advertiseAddress: string,
  nodeName: string,
  initialCluster: EtcdMember[] = [],
): string[] {
  const pki = cfg.certificatesDir ?? "";
  const local = cfg.etcd.local;
  const localhost = isIPv6String(advertiseAddress) ? "::1" : "127.0.0.1";
  const clientURL = `https://${joinHostPort(advertiseAddress, ETCD_LISTEN_CLIENT_PORT)}`;
  const peerURL = `https://${joinHostPort(advertiseAddress, ETCD_LISTEN_PEER_PORT)}`;
  let defaults: ArgLike[] = [
    { name: "name", value: nodeName },
    {
      name: "listen-client-urls",
      value: `https://${joinHostPort(localhost, ETCD_LISTEN_CLIENT_PORT)},${clientURL}`,
    },
    { name: "advertise-client-urls", value: clientURL },
    { name: "listen-peer-urls", value: peerURL },
    { name: "initial-advertise-peer-urls", value: peerURL },
    { name: "data-dir", value: local?.dataDir ?? "" },
    { name: "cert-file", value: join(pki, "etcd/server.crt") },
    { name: "key-file", value: join(pki, "etcd/server.key") },
    { name: "trusted-ca-file", value: join(pki, "etcd/ca.crt") },
    { name: "client-cert-auth", value: "true" },
    { name: "peer-cert-file", value: join(pki, "etcd/peer.crt") },
    { name: "peer-key-file", value: join(pki, "etcd/peer.key") },
    { name: "peer-trusted-ca-file", value: join(pki, "etcd/ca.crt") },
    { name: "peer-client-cert-auth", value: "true" },
    { name: "snapshot-count", value: "10000" },
    {
      name: "listen-metrics-urls",
      value: `http://${joinHostPort(localhost, ETCD_METRICS_PORT)}`,
    },
    { name: "feature-gates", value: "InitialCorruptCheck=true" },
    { name: "watch-progress-notify-interval", value: "5s" },
  ];
  if (initialCluster.length === 0) {
    defaults = setArgValues(defaults, "initial-cluster", `${nodeName}=${peerURL}`);
  } else {
    defaults = setArgValues(
      defaults,
      "initial-cluster",
      initialCluster.map((m) => `${m.name}=${m.peerURL}`).join(","),
    );
    defaults = setArgValues(defaults, "initial-cluster-state", "existing");
  }
  return ["etcd", ...argumentsToCommand(defaults, local?.extraArgs)];
}

/** GetEtcdProbeEndpoint: host, port and scheme from the first listen-metrics-urls URL. */
export function etcdProbeEndpoint(
  cfg: ClusterConfigurationLike,
  isIPv6: boolean,
): [string, number, string] {
  const localhost = isIPv6 ? "::1" : "127.0.0.1";
  const def: [string, number, string] = [localhost, ETCD_METRICS_PORT, "HTTP"];
  const extra = cfg.etcd.local?.extraArgs;
  if (!cfg.etcd.local || !extra) return def;
  const [value, idx] = getArgValue(extra, "listen-metrics-urls");
  if (idx === -1) return def;
  const first = value.split(",")[0];
  const m = first.match(/^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/);
  if (!m) return def;
  const scheme = m[1].toLowerCase() === "https" ? "HTTPS" : "HTTP";
  let authority = m[2];
  const at = authority.lastIndexOf("@");
  if (at >= 0) authority = authority.slice(at + 1);
  let hostname: string;
  let portStr = "";
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    hostname = close >= 0 ? authority.slice(1, close) : authority.slice(1);
    const rest = close >= 0 ? authority.slice(close + 1) : "";
    if (rest.startsWith(":")) portStr = rest.slice(1);
  } else {
    const c = authority.lastIndexOf(":");
    hostname = c >= 0 ? authority.slice(0, c) : authority;
    portStr = c >= 0 ? authority.slice(c + 1) : "";
  }
  if (hostname === "") hostname = localhost;
  let port = ETCD_METRICS_PORT;
  if (/^\d+$/.test(portStr)) {
    const p = Number(portStr);
    if (p >= 1 && p <= 65535) port = p;
  }
  return [hostname, port, scheme];
}

// ---------------------------------------------------------------------------------------------
// The Pods

function endpointOf(cfg: InitConfigLike): { advertiseAddress: string; bindPort: number } {
  return {
    advertiseAddress: cfg.init.localAPIEndpoint.advertiseAddress ?? "",
    bindPort: cfg.init.localAPIEndpoint.bindPort ?? 0,
  };
}

function healthCheckTimeout(cfg: InitConfigLike): string | undefined {
  return cfg.init.timeouts?.controlPlaneComponentHealthCheck;
}

/** The kube-apiserver static Pod. */
export function apiServerPod(cfg: InitConfigLike, opts: PodOptions): Pod {
  const c = cfg.cluster;
  const ep = endpointOf(cfg);
  const mounts = controlPlaneMounts(c, opts.caCertsExtraPaths ?? []);
  const probeHost = ep.advertiseAddress !== "" ? getProbeAddress(ep.advertiseAddress) : "127.0.0.1";
  const name = "kube-apiserver";
  return componentPod(
    container({
      name,
      image: opts.images.apiServer,
      command: apiServerCommand(c, ep.advertiseAddress, ep.bindPort, opts.warn),
      volumeMounts: mounts.getMounts(name),
      liveness: livenessProbe(probeHost, "/livez", "HTTPS"),
      readiness: readinessProbe(probeHost, "/readyz", "HTTPS"),
      startup: startupProbe(probeHost, "/livez", "HTTPS", healthCheckTimeout(cfg)),
      requests: { cpu: "250m" },
      env: mergeKubeadmEnvVars(opts.proxyEnvs ?? getProxyEnvVars(), c.apiServer.extraEnvs),
      port: ep.bindPort,
    }),
    mounts.getVolumes(name),
    { [APISERVER_ADVERTISE_ENDPOINT_ANNOTATION]: joinHostPort(ep.advertiseAddress, ep.bindPort) },
  );
}

/** The kube-controller-manager static Pod. */
export function controllerManagerPod(cfg: InitConfigLike, opts: PodOptions): Pod {
  const c = cfg.cluster;
  const mounts = controlPlaneMounts(c, opts.caCertsExtraPaths ?? []);
  const [addr, idx] = getArgValue(c.controllerManager.extraArgs, "bind-address");
  const probeHost = idx > -1 ? getProbeAddress(addr) : "127.0.0.1";
  const name = "kube-controller-manager";
  return componentPod(
    container({
      name,
      image: opts.images.controllerManager,
      command: controllerManagerCommand(c, opts.externalCA ?? false),
      volumeMounts: mounts.getMounts(name),
      liveness: livenessProbe(probeHost, "/healthz", "HTTPS"),
      startup: startupProbe(probeHost, "/healthz", "HTTPS", healthCheckTimeout(cfg)),
      requests: { cpu: "200m" },
      env: mergeKubeadmEnvVars(opts.proxyEnvs ?? getProxyEnvVars(), c.controllerManager.extraEnvs),
      port: KUBE_CONTROLLER_MANAGER_PORT,
    }),
    mounts.getVolumes(name),
    undefined,
  );
}

/** The kube-scheduler static Pod. */
export function schedulerPod(cfg: InitConfigLike, opts: PodOptions): Pod {
  const c = cfg.cluster;
  const mounts = controlPlaneMounts(c, opts.caCertsExtraPaths ?? []);
  const [addr, idx] = getArgValue(c.scheduler.extraArgs, "bind-address");
  const probeHost = idx > -1 ? getProbeAddress(addr) : "127.0.0.1";
  const name = "kube-scheduler";
  return componentPod(
    container({
      name,
      image: opts.images.scheduler,
      command: schedulerCommand(c),
      volumeMounts: mounts.getMounts(name),
      liveness: livenessProbe(probeHost, "/livez", "HTTPS"),
      readiness: readinessProbe(probeHost, "/readyz", "HTTPS"),
      startup: startupProbe(probeHost, "/livez", "HTTPS", healthCheckTimeout(cfg)),
      requests: { cpu: "100m" },
      env: mergeKubeadmEnvVars(opts.proxyEnvs ?? getProxyEnvVars(), c.scheduler.extraEnvs),
      port: KUBE_SCHEDULER_PORT,
    }),
    mounts.getVolumes(name),
    undefined,
  );
}

/**
 * The local etcd static Pod (GetEtcdPodSpec). `nodeName` defaults to
 * nodeRegistration.name; `initialCluster` lists the existing members when joining.
 */
export function etcdPod(
  cfg: InitConfigLike,
  opts: PodOptions & { nodeName?: string; initialCluster?: EtcdMember[] },
): Pod {
  const c = cfg.cluster;
  if (!c.etcd.local) {
    throw new Error("etcd static pod manifest cannot be generated for cluster using external etcd");
  }
  const ep = endpointOf(cfg);
  const nodeName = opts.nodeName ?? cfg.init.nodeRegistration.name ?? "";
  const dataDir = c.etcd.local.dataDir;
  const etcdCertsDir = (c.certificatesDir ?? "") + "/etcd";
  const volumes = new Map<string, HostPathVolume>([
    ["etcd-data", newVolume("etcd-data", dataDir, "DirectoryOrCreate")],
    ["etcd-certs", newVolume("etcd-certs", etcdCertsDir, "DirectoryOrCreate")],
  ]);
  const [probeHost, probePort, probeScheme] = etcdProbeEndpoint(
    c,
    isIPv6String(ep.advertiseAddress),
  );
  return componentPod(
    container({
      name: "etcd",
      image: opts.images.etcd,
      command: etcdCommand(c, ep.advertiseAddress, nodeName, opts.initialCluster),
      volumeMounts: [
        newVolumeMount("etcd-data", dataDir, false),
        newVolumeMount("etcd-certs", etcdCertsDir, false),
      ],
      liveness: livenessProbe(probeHost, "/livez", probeScheme),
      readiness: readinessProbe(probeHost, "/readyz", probeScheme),
      startup: startupProbe(probeHost, "/readyz", probeScheme, healthCheckTimeout(cfg)),
      requests: { cpu: "100m", memory: "100Mi" },
      env: mergeKubeadmEnvVars(c.etcd.local.extraEnvs),
      port: probePort,
    }),
    volumes,
    {
      [ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION]: `https://${
        joinHostPort(ep.advertiseAddress, ETCD_LISTEN_CLIENT_PORT)
      }`,
    },
  );
}
