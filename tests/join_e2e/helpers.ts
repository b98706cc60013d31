/** Shared pieces of the join/reset end-to-end tests: kubestrap and etcdctl inside namespace hosts. */
import type { ExecResult, Host } from "../harness/hosts.ts";
import { testbed } from "../harness/mod.ts";

export const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const DENO = Deno.execPath();

/** argv that runs a Deno script of the repo (cwd = the repo, so deno.json applies). */
export function denoArgv(script: string, args: string[]): string[] {
  return ["sh", "-c", `cd '${REPO}' && exec "$0" run -A --quiet "$@"`, DENO, script, ...args];
}

/** Runs `kubestrap <args>` inside `host`; never throws on a non-zero exit. */
export async function kubestrap(
  host: Host,
  args: string[],
  env: Record<string, string> = {},
): Promise<ExecResult> {
  return await host.exec(denoArgv("main.ts", args), { allowFailure: true, env });
}

/** `etcdctl` (the test bed's real one) inside `host` with the etcd healthcheck client over mTLS. */
export async function etcdctl(host: Host, endpoint: string, args: string[]): Promise<ExecResult> {
  const pki = "/etc/kubernetes/pki/etcd";
  return await host.exec([
    testbed.path("etcdctl"),
    `--endpoints=${endpoint}`,
    `--cacert=${pki}/ca.crt`,
    `--cert=${pki}/healthcheck-client.crt`,
    `--key=${pki}/healthcheck-client.key`,
    "--command-timeout=10s",
    ...args,
  ], { allowFailure: true });
}

export interface EtcdctlMember {
  ID: number | string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

/** `etcdctl member list -w json` → members (throws with etcdctl's output on failure). */
export async function memberList(host: Host, endpoint: string): Promise<EtcdctlMember[]> {
  const r = await etcdctl(host, endpoint, ["member", "list", "-w", "json"]);
  if (r.code !== 0) throw new Error(`etcdctl member list: ${r.stdout}${r.stderr}`);
  return (JSON.parse(r.stdout).members ?? []) as EtcdctlMember[];
}

/** Files (relative paths) under a directory, recursively; [] if it does not exist. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory) walk(`${d}/${e.name}`, r);
    }
  };
  walk(dir, "");
  return out.sort();
}

export function tail(s: string, n = 30): string {
  return s.split("\n").slice(-n).join("\n");
}

export function initConfigYAML(o: {
  nodeName: string;
  advertiseAddress: string;
  controlPlaneEndpoint: string;
}): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${o.advertiseAddress}
  bindPort: 6443
nodeRegistration:
  name: ${o.nodeName}
  criSocket: unix:///run/containerd/containerd.sock
---
${clusterConfigurationYAML(o.controlPlaneEndpoint)}`;
}

/** The ClusterConfiguration as kubeadm uploads it (kubeadm-config). */
export function clusterConfigurationYAML(controlPlaneEndpoint: string): string {
  return `apiServer: {}
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 8760h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controlPlaneEndpoint: ${controlPlaneEndpoint}
controllerManager: {}
dns: {}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
networking:
  dnsDomain: cluster.local
  serviceSubnet: 10.96.0.0/12
proxy: {}
scheduler: {}
`;
}
