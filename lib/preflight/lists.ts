/**
 * Which checks each command runs, in kubeadm v1.37.2's order (InitNodeChecks, JoinNodeChecks,
 * addCommonChecks, RunRootCheckOnly, RunUpgradeChecks, RunPullImagesCheck).
 */
import { versionInfo } from "../version.ts";
import { tryParseSemantic } from "../util/version.ts";
import { isV4Mapped, parseCIDR, parseIP, splitHostPort } from "../util/net.ts";
import {
  containerRuntimeCheck,
  containerRuntimeVersionCheck,
  CONTROL_PLANE_MEM_MB,
  CONTROL_PLANE_NUM_CPU,
  dirAvailableCheck,
  ExternalEtcd,
  externalEtcdVersionCheck,
  fileAvailableCheck,
  fileContentCheck,
  fileExistingCheck,
  firewalldCheck,
  hostnameCheck,
  httpProxyCheck,
  httpProxyCIDRCheck,
  imagePullCheck,
  inPathCheck,
  isPrivilegedUserCheck,
  kubeletVersionCheck,
  kubernetesVersionCheck,
  memCheck,
  numCPUCheck,
  portOpenCheck,
  serviceCheck,
  swapCheck,
  systemVerificationCheck,
} from "./checks.ts";
import type { Checker } from "./types.ts";

export const KUBE_SCHEDULER_PORT = 10259;
export const KUBE_CONTROLLER_MANAGER_PORT = 10257;
const KUBELET_PORT = 10250;
const ETCD_CLIENT_PORT = 2379;
const ETCD_PEER_PORT = 2380;
const IPV4_FORWARD = "/proc/sys/net/ipv4/ip_forward";
const IPV6_DEFAULT_FORWARDING = "/proc/sys/net/ipv6/conf/default/forwarding";

/** A component extra argument as in v1beta4 (`extraArgs: [{name, value}]`). */
export interface Arg {
  name: string;
  value: string;
}

/**
 * The slice of kubeadm's configuration that preflight reads. The phase glue fills it from the
 * (defaulted) Init/Join configuration.
 */
export interface PreflightInputs {
  /** ClusterConfiguration.kubernetesVersion, e.g. "v1.37.2" (join: leave empty). */
  kubernetesVersion: string;
  /** kubeadm's own version (default: kubestrap's, v1.37.2). */
  kubeadmVersion?: string;
  /** nodeRegistration.name. */
  nodeName: string;
  /** nodeRegistration.criSocket, e.g. "unix:///var/run/containerd/containerd.sock". */
  criSocket: string;
  /** localAPIEndpoint.advertiseAddress (init, join --control-plane). */
  advertiseAddress?: string;
  /** localAPIEndpoint.bindPort (default 6443). */
  bindPort?: number;
  apiServerExtraArgs?: Arg[];
  schedulerExtraArgs?: Arg[];
  controllerManagerExtraArgs?: Arg[];
  /** networking.serviceSubnet / podSubnet (comma-separated for dual stack). */
  serviceSubnet?: string;
  podSubnet?: string;
  etcd?: { local?: { dataDir: string }; external?: ExternalEtcd };
  /** Default /etc/kubernetes. */
  kubernetesDir?: string;
  /** Default <kubernetesDir>/manifests. */
  manifestsDir?: string;
  /** JoinConfiguration.caCertPath (default /etc/kubernetes/pki/ca.crt). */
  caCertPath?: string;
  /** Join: discovery.bootstrapToken.apiServerEndpoint ("host:port"), if token discovery. */
  discoveryAPIServerEndpoint?: string;
  /** Join: a controlPlane section is present. */
  controlPlane?: boolean;
  /** Join --control-plane with a certificate key (certificates get downloaded). */
  downloadCerts?: boolean;
  /** Images ImagePull pulls (kubeadm's GetControlPlaneImages). */
  images?: string[];
  /** The pause image kubeadm uses (for the sandbox-image warning). */
  pauseImage?: string;
  /** nodeRegistration.imagePullPolicy (default IfNotPresent). */
  imagePullPolicy?: string;
  /** nodeRegistration.imagePullSerial (default true). */
  imagePullSerial?: boolean;
  dryRun?: boolean;
}

/** GetArgValue(args, name, -1): the last occurrence wins. */
function argValue(args: Arg[] | undefined, name: string): string {
  for (let i = (args ?? []).length - 1; i >= 0; i--) {
    if (args![i].name === name) return args![i].value;
  }
  return "";
}

function kubeadmVersionOf(inputs: PreflightInputs): string {
  return inputs.kubeadmVersion ?? versionInfo().gitVersion;
}

/** MinimumKubeletVersion: kubeadm's minor − 3 (v1.37 → v1.34.0). */
export function minimumKubeletVersion(kubeadmVersion: string): string {
  const v = tryParseSemantic(kubeadmVersion);
  if (!v) return "v0.0.0";
  return `v${v.major}.${Math.max(0, v.minor - 3)}.0`;
}

export function rootChecks(): Checker[] {
  return [isPrivilegedUserCheck()];
}

/** addExecChecks (Linux). */
function execChecks(k8sVersion: string): Checker[] {
  const checks: Checker[] = [];
  const v = tryParseSemantic(k8sVersion);
  if (v && v.lessThan(tryParseSemantic("1.32.0")!)) checks.push(inPathCheck("conntrack", true));
  checks.push(inPathCheck("losetup", true), inPathCheck("mount", true), inPathCheck("cp", true));
  return checks;
}

/** addCommonChecks. */
function commonChecks(inputs: PreflightInputs, k8sVersion: string): Checker[] {
  return [
    containerRuntimeCheck(inputs.criSocket),
    containerRuntimeVersionCheck(inputs.criSocket),
    swapCheck(),
    ...execChecks(k8sVersion),
    systemVerificationCheck(false),
    hostnameCheck(inputs.nodeName),
    kubeletVersionCheck(k8sVersion, minimumKubeletVersion(kubeadmVersionOf(inputs))),
    serviceCheck("kubelet", false),
    portOpenCheck(KUBELET_PORT),
  ];
}

const ipv4Checks = () => [fileContentCheck(IPV4_FORWARD, "1")];
const ipv6Checks = () => [fileContentCheck(IPV6_DEFAULT_FORWARDING, "1")];

/** InitNodeChecks (also the "secondary control plane" list of join --control-plane). */
export function initNodeChecks(
  inputs: PreflightInputs,
  isSecondaryControlPlane = false,
  downloadCerts = false,
): Checker[] {
  const kdir = inputs.kubernetesDir ?? "/etc/kubernetes";
  const manifests = inputs.manifestsDir ?? `${kdir}/manifests`;
  const bindPort = inputs.bindPort ?? 6443;
  const advertise = inputs.advertiseAddress ?? "";
  const checks: Checker[] = [
    numCPUCheck(CONTROL_PLANE_NUM_CPU),
    memCheck(CONTROL_PLANE_MEM_MB),
    kubernetesVersionCheck(inputs.kubernetesVersion, kubeadmVersionOf(inputs)),
    firewalldCheck([bindPort, KUBELET_PORT]),
    portOpenCheck(bindPort, argValue(inputs.apiServerExtraArgs, "bind-address")),
    portOpenCheck(KUBE_SCHEDULER_PORT, argValue(inputs.schedulerExtraArgs, "bind-address")),
    portOpenCheck(
      KUBE_CONTROLLER_MANAGER_PORT,
      argValue(inputs.controllerManagerExtraArgs, "bind-address"),
    ),
    fileAvailableCheck(`${manifests}/kube-apiserver.yaml`),
    fileAvailableCheck(`${manifests}/kube-controller-manager.yaml`),
    fileAvailableCheck(`${manifests}/kube-scheduler.yaml`),
    fileAvailableCheck(`${manifests}/etcd.yaml`),
    httpProxyCheck("https", advertise),
  ];
  let v4 = false, v6 = false;
  for (const subnet of [inputs.serviceSubnet ?? "", inputs.podSubnet ?? ""]) {
    for (const cidr of subnet.split(",")) {
      checks.push(httpProxyCIDRCheck("https", cidr));
      const n = parseCIDR(cidr, true);
      if (n && n.v4) v4 = true;
      if (n && !n.v4) v6 = true;
    }
  }
  const etcd = inputs.etcd ?? { local: { dataDir: "/var/lib/etcd" } };
  if (!isSecondaryControlPlane) {
    checks.push(...commonChecks(inputs, inputs.kubernetesVersion));
    const ip = parseIP(advertise, true);
    if (ip && isV4Mapped(ip)) v4 = true;
    if (ip && !isV4Mapped(ip)) v6 = true;
    if (v4) checks.push(...ipv4Checks());
    if (v6) checks.push(...ipv6Checks());
    if (etcd.external) checks.push(externalEtcdVersionCheck(etcd.external));
  }
  if (etcd.local) {
    const etcdAddress = argValue(inputs.apiServerExtraArgs, "advertise-address") || advertise;
    checks.push(
      portOpenCheck(ETCD_CLIENT_PORT, etcdAddress),
      portOpenCheck(ETCD_PEER_PORT, etcdAddress),
      dirAvailableCheck(etcd.local.dataDir),
    );
  }
  if (etcd.external && !(isSecondaryControlPlane && downloadCerts)) {
    const ext = etcd.external;
    for (const f of [ext.caFile, ext.certFile, ext.keyFile]) {
      if (f) checks.push(fileExistingCheck(f, "ExternalEtcdClientCertificates"));
    }
  }
  return checks;
}

/** JoinNodeChecks. */
export function joinNodeChecks(inputs: PreflightInputs): Checker[] {
  const kdir = inputs.kubernetesDir ?? "/etc/kubernetes";
  const checks: Checker[] = [
    fileAvailableCheck(`${kdir}/kubelet.conf`),
    fileAvailableCheck(`${kdir}/bootstrap-kubelet.conf`),
    ...commonChecks(inputs, ""),
  ];
  if (!inputs.controlPlane) {
    checks.push(fileAvailableCheck(inputs.caCertPath ?? `${kdir}/pki/ca.crt`));
  }
  if (inputs.discoveryAPIServerEndpoint !== undefined) {
    let host: string | undefined;
    try {
      [host] = splitHostPort(inputs.discoveryAPIServerEndpoint);
    } catch {
      host = undefined;
    }
    if (host !== undefined) {
      checks.push(httpProxyCheck("https", host));
      const ip = parseIP(host, true);
      if (ip && isV4Mapped(ip)) checks.push(...ipv4Checks());
      if (ip && !isV4Mapped(ip)) checks.push(...ipv6Checks());
    }
  }
  return checks;
}

/** RunUpgradeChecks (upgrade apply / node). */
export function upgradeChecks(inputs: PreflightInputs): Checker[] {
  return [systemVerificationCheck(true), containerRuntimeVersionCheck(inputs.criSocket)];
}

/** RunPullImagesCheck. */
export function pullImagesChecks(inputs: PreflightInputs): Checker[] {
  return [
    imagePullCheck({
      criSocket: inputs.criSocket,
      images: inputs.images ?? [],
      sandboxImage: inputs.pauseImage ?? "",
      pullPolicy: inputs.imagePullPolicy ?? "IfNotPresent",
      serial: inputs.imagePullSerial ?? true,
    }),
  ];
}
