/**
 * Shared by the init API tests: a real control plane (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler of the test bed) started from the manifests, PKI and
 * kubeconfigs kubestrap's own node-local phases write, inside a namespace host (so the fixed
 * ports never collide with other tests); and runners for kubestrap, kubectl and the real
 * kubeadm inside that host.
 */
import * as path from "@std/path";
import {
  createHost,
  type ExecResult,
  type Host,
  isRoot,
  runStaticPod,
  skipReason,
  type StaticPodHandle,
  tempDir,
  testbed,
  testbedReady,
  WaitAborted,
  waitFor,
} from "../harness/mod.ts";
import { isFile, kubestrapPhases, REPO } from "../integration/common.ts";

export const SKIP = !testbedReady
  ? skipReason
  : !isRoot
  ? "needs root (network and mount namespaces)"
  : !isFile("/usr/bin/nsenter") || !isFile("/usr/bin/curl")
  ? "needs nsenter and curl"
  : "";

export const K8S = "/etc/kubernetes";
export const ADMIN = `${K8S}/admin.conf`;
export const SUPER_ADMIN = `${K8S}/super-admin.conf`;
export const CRI = "unix:///run/containerd/containerd.sock";
export const TOKEN = "abcdef.0123456789abcdef";

/** The InitConfiguration + ClusterConfiguration both kubeadm and kubestrap run with. */
export function initConfig(addr: string, node: string, extra: { apiTimeout?: string } = {}) {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: ${TOKEN}
localAPIEndpoint:
  advertiseAddress: ${addr}
  bindPort: 6443
nodeRegistration:
  name: ${node}
  criSocket: ${CRI}
timeouts:
  kubernetesAPICall: ${extra.apiTimeout ?? "1m0s"}
  controlPlaneComponentHealthCheck: 2m0s
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
networking:
  podSubnet: 10.244.0.0/16
`;
}

/** A running control plane in a namespace host. */
export interface Cluster extends AsyncDisposable {
  host: Host;
  addr: string;
  node: string;
  /** Scratch directory outside the host (config, logs). */
  dir: string;
  config: string;
  pods: Record<string, StaticPodHandle>;
  /** (Re)start one control-plane component from its manifest. */
  start(name: string): StaticPodHandle;
  /** Wait until the API server answers /readyz. */
  waitReady(timeoutMs?: number): Promise<void>;
  kubestrap(args: string[], env?: Record<string, string>): Promise<ExecResult>;
  kubeadm(args: string[]): Promise<ExecResult>;
  kubectl(args: string[], kubeconfig?: string): Promise<ExecResult>;
  /** kubectl get -o json, parsed. */
  getJSON(args: string[]): Promise<KubeObj>;
  /** Create the Node object the way a kubelet registers itself (kubelet.conf credentials). */
  registerNode(): Promise<void>;
}

// deno-lint-ignore no-explicit-any
export type KubeObj = Record<string, any>;

const ENV = { HOME: "/nonexistent", KUBECONFIG: "", NO_COLOR: "1" };

/** Generates everything with kubestrap's node-local phases and starts the control plane. */
export async function startCluster(
  name: string,
  addr: string,
  opts: { network?: string; node?: string; start?: boolean } = {},
): Promise<Cluster> {
  const node = opts.node ?? `${name}-node`;
  const host = await createHost(name, { addr: `${addr}/24`, network: opts.network ?? name });
  const scratch = await tempDir(`kubestrap-initapi-${name}-`);
  const config = path.join(scratch.path, "config.yaml");
  await Deno.writeTextFile(config, initConfig(addr, node));
  await kubestrapPhases(config, host.root, {
    phases: ["certs all", "kubeconfig all", "etcd local", "control-plane all"],
  });
  const pods: Record<string, StaticPodHandle> = {};
  const start = (component: string) => {
    const logFile = path.join(scratch.path, `${component}.${Date.now()}.log`);
    const p = runStaticPod(host.path(`${K8S}/manifests/${component}.yaml`), {
      wrap: host.wrap,
      logFile,
    });
    pods[component] = p;
    return p;
  };
  const exec = (argv: string[], env: Record<string, string> = {}) =>
    host.exec(["sh", "-c", `cd "${REPO}" && exec "$@"`, "sh", ...argv], {
      allowFailure: true,
      env: { ...ENV, ...env },
    });
  const kubectl = (args: string[], kubeconfig = SUPER_ADMIN) =>
    exec([testbed.path("kubectl"), "--kubeconfig", kubeconfig, ...args]);
  const cluster: Cluster = {
    host,
    addr,
    node,
    dir: scratch.path,
    config,
    pods,
    start,
    async waitReady(timeoutMs = 180_000) {
      await waitFor(`kube-apiserver of ${name} ready`, async () => {
        const p = pods["kube-apiserver"];
        if (p && !p.proc.running()) throw new WaitAborted("kube-apiserver exited");
        const r = await kubectl(["get", "--raw", "/readyz", "--request-timeout=5s"]);
        return r.code === 0 && r.stdout.trim() === "ok";
      }, {
        timeoutMs,
        intervalMs: 500,
        describe: () => pods["kube-apiserver"]?.proc.log().slice(-3000) ?? "",
      });
    },
    kubestrap: (args, env = {}) =>
      exec([Deno.execPath(), "run", "-A", "--quiet", "main.ts", ...args], env),
    kubeadm: (args) => exec([testbed.path("kubeadm"), ...args]),
    kubectl,
    async getJSON(args) {
      const r = await kubectl(["get", ...args, "-o", "json"]);
      if (r.code !== 0) throw new Error(`kubectl get ${args.join(" ")}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    async registerNode() {
      const nodeObj = {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name: node,
          labels: {
            "kubernetes.io/hostname": node,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": "amd64",
          },
        },
      };
      const file = `/tmp/node-${name}.json`;
      await host.exec(["sh", "-c", `cat > ${file}`], { stdin: JSON.stringify(nodeObj) });
      const r = await kubectl(["create", "-f", file], `${K8S}/kubelet.conf`);
      if (r.code !== 0 && !r.stderr.includes("AlreadyExists")) {
        throw new Error(`registering the Node: ${r.stderr}`);
      }
    },
    async [Symbol.asyncDispose]() {
      for (const c of ["kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"]) {
        await pods[c]?.stop().catch(() => {});
      }
      await host.destroy();
      await scratch[Symbol.asyncDispose]();
    },
  };
  if (opts.start !== false) {
    start("etcd");
    start("kube-apiserver");
    await cluster.waitReady();
    start("kube-controller-manager");
    start("kube-scheduler");
  }
  return cluster;
}

/** Phases kubestrap's node-local steps already did: init runs only the API part. */
export const NODE_LOCAL_SKIP = "preflight,certs,kubeconfig,etcd,control-plane,kubelet-start";
