/**
 * Test cases shared by the manifest and kubelet tests: each testdata/<case>/config.yaml is a
 * kubeadm config; golden/ holds what the real kubeadm v1.37.2 wrote for it (regen.sh).
 * `loadCase` applies just enough of kubeadm's defaulting for these configs (the real defaulting
 * lives in lib/config).
 */
import * as path from "@std/path";
import { parseAllDocuments } from "yaml";
import type { ComponentImages, InitConfigLike } from "../../lib/manifests/mod.ts";

export const TESTDATA = path.join(import.meta.dirname!, "testdata");
export const CASES = ["default", "ha", "external", "dualstack", "patched"];
/** The CA directories that existed on the host that produced the goldens. */
export const GOLDEN_CA_PATHS = [
  "/etc/ca-certificates",
  "/usr/share/ca-certificates",
  "/usr/local/share/ca-certificates",
];

export interface Case extends InitConfigLike {
  images: ComponentImages;
  kubeletConfig: Record<string, unknown>;
  patchesDir?: string;
  configText: string;
}

function tenthIP(cidr: string): string {
  const [ip] = cidr.split("/");
  if (!ip.includes(":")) {
    const n = ip.split(".").map(Number).reduce((a, b) => a * 256 + b, 0) + 10;
    return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
  }
  // IPv6 with a "::" tail in these cases: prefix:: + 0xa
  return ip.replace(/::$/, "::a");
}

// deno-lint-ignore no-explicit-any
type Any = any;

export function loadCase(name: string): Case {
  const dir = path.join(TESTDATA, name);
  const text = Deno.readTextFileSync(path.join(dir, "config.yaml")).replaceAll(
    "PATCHDIR",
    path.join(dir, "patches"),
  );
  const docs: Any[] = parseAllDocuments(text).map((d) => d.toJS());
  const init: Any = docs.find((d) => d.kind === "InitConfiguration") ?? {};
  const cluster: Any = docs.find((d) => d.kind === "ClusterConfiguration") ?? {};
  const kc: Any = docs.find((d) => d.kind === "KubeletConfiguration") ?? {};
  delete kc.apiVersion;
  delete kc.kind;
  init.localAPIEndpoint ??= {};
  init.localAPIEndpoint.bindPort ??= 6443;
  init.nodeRegistration ??= {};
  init.nodeRegistration.criSocket ??= "unix:///var/run/containerd/containerd.sock";
  cluster.etcd ??= {};
  if (!cluster.etcd.external) {
    cluster.etcd.local ??= {};
    cluster.etcd.local.dataDir ??= "/var/lib/etcd";
  }
  cluster.networking ??= {};
  cluster.networking.serviceSubnet ??= "10.96.0.0/12";
  cluster.networking.dnsDomain ??= "cluster.local";
  cluster.apiServer ??= {};
  cluster.controllerManager ??= {};
  cluster.scheduler ??= {};
  cluster.certificatesDir ??= "/etc/kubernetes/pki";
  cluster.clusterName ??= "kubernetes";
  const repo = cluster.imageRepository ?? "registry.k8s.io";
  const v = cluster.kubernetesVersion ?? "v1.37.2";
  // kubeadm's component-config defaults (componentconfigs/kubelet.go Default)
  kc.featureGates ??= {};
  kc.staticPodPath ??= "/etc/kubernetes/manifests";
  kc.clusterDNS ??= [tenthIP(cluster.networking.serviceSubnet.split(",")[0])];
  kc.clusterDomain ??= cluster.networking.dnsDomain;
  kc.authentication ??= {};
  kc.authentication.x509 ??= {};
  kc.authentication.x509.clientCAFile ??= `${cluster.certificatesDir}/ca.crt`;
  kc.authentication.anonymous ??= {};
  kc.authentication.anonymous.enabled ??= false;
  kc.authentication.webhook ??= {};
  kc.authentication.webhook.enabled ??= true;
  kc.authorization ??= {};
  kc.authorization.mode ??= "Webhook";
  kc.healthzBindAddress ??= "127.0.0.1";
  kc.healthzPort ??= 10248;
  kc.rotateCertificates = true;
  kc.cgroupDriver ??= "systemd";
  return {
    init,
    cluster,
    images: {
      apiServer: `${repo}/kube-apiserver:${v}`,
      controllerManager: `${repo}/kube-controller-manager:${v}`,
      scheduler: `${repo}/kube-scheduler:${v}`,
      etcd: `${repo}/etcd:3.7.0-0`,
    },
    kubeletConfig: kc,
    patchesDir: init.patches?.directory,
    configText: text,
  };
}

export function golden(name: string, file: string): string | undefined {
  try {
    return Deno.readTextFileSync(path.join(TESTDATA, name, "golden", file + ".golden"));
  } catch {
    return undefined;
  }
}

/** A unified-ish line diff for failure messages. */
export function lineDiff(actual: string, expected: string): string {
  const a = actual.split("\n");
  const e = expected.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) out.push(`line ${i + 1}:\n  ours:    ${a[i]}\n  kubeadm: ${e[i]}`);
    if (out.length > 10) break;
  }
  return out.join("\n");
}
