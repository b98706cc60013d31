/**
 * End-to-end cluster nodes on this machine: a namespace host (tests/harness) with its own
 * containerd (CRI, runc, bridge CNI), the test-bed images imported, and a kubelet supervisor that
 * stands in for systemd's kubelet.service (the packaged 10-kubeadm.conf drop-in's command line,
 * restarted whenever it exits, started once kubelet-start has written its files).
 *
 * Environment accommodations (see README.md): per-host sysctls (ip_forward,
 * bridge-nf-call-iptables), a per-host cgroup root, a resolv.conf that names nothing outside the
 * test network, private /var/lib/cni, /etc/cni/net.d and /lib/modules.
 */

import { stringify } from "yaml";
import {
  type ContainerdHandle,
  createHost,
  type Host,
  type Proc,
  run,
  testbed,
  WaitAborted,
  waitFor,
} from "../harness/mod.ts";
import { startContainerd } from "../harness/mod.ts";

const PRIVATE_DIRS = [
  "/etc/kubernetes",
  "/var/lib/kubelet",
  "/var/lib/etcd",
  "/var/log/pods",
  "/var/log/containers",
  // CNI state (host-local IPAM, libcni cache) and config, per host.
  "/var/lib/cni",
  "/etc/cni/net.d",
  // kube-proxy's DaemonSet mounts hostPath /lib/modules; this machine has none.
  "/lib/modules",
  // Where kubestrap keeps the pid of a kubelet it started itself (/var/run/kubestrap).
  "/run/kubestrap",
];

/** kubestrap's log of a kubelet it started itself. */
export const OWN_KUBELET_LOG = "/var/log/kubestrap-kubelet.log";

export const SERVICE_CIDR = "10.96.0.0/12";
export const DNS_IP = "10.96.0.10";

export interface NodeOptions {
  /** Address with prefix, e.g. "10.210.0.11/24". */
  addr: string;
  network: string;
  /** This node's pod subnet (bridge CNI + host-local), e.g. "10.211.1.0/24". */
  podCidr: string;
  /** Import the test bed's images into containerd (default true; false: an air-gapped node). */
  importImages?: boolean;
  /** Also import the images of these other built Kubernetes releases (upgrade tests). */
  extraImageVersions?: string[];
  /** containerd's sandbox_image (default: the test bed's pause image). */
  sandboxImage?: string;
}

export interface Kubelet {
  /** The current kubelet process, if one runs. */
  proc(): Proc | undefined;
  /** Stop supervising and stop the kubelet (like `systemctl stop kubelet`). */
  stop(): Promise<void>;
  /** How many times a kubelet was started. */
  starts(): number;
  /**
   * Swap the kubelet binary to another built release and restart it (as a package upgrade and
   * `systemctl restart kubelet` would).
   */
  swap(version: string): Promise<void>;
  log(): string;
}

export interface E2eNode extends AsyncDisposable {
  name: string;
  host: Host;
  ip: string;
  podCidr: string;
  ctrd: ContainerdHandle;
  /** unix:// endpoint of the node's containerd. */
  criSocket: string;
  /** The resolv.conf the kubelet gives to pods with dnsPolicy Default (CoreDNS's upstream). */
  resolvConf: string;
  kubelet?: Kubelet;
  /** The kubelet's log (the supervisor's, or the one kubestrap started itself). */
  kubeletLog(): string;
  /**
   * Start the kubelet supervisor (waits for kubelet-start's files, restarts the kubelet); the
   * kubelet of `version` (default: the pinned release).
   */
  startKubelet(version?: string): Kubelet;
  /** kubectl inside the host with /etc/kubernetes/admin.conf (or `kubeconfig`). */
  kubectl(
    args: string[],
    opts?: { allowFailure?: boolean; kubeconfig?: string; stdin?: string },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Tear everything down: kubelet, containerd, host. */
  destroy(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** KUBELET_KUBEADM_ARGS="..." from kubeadm-flags.env, as an argument list. */
export function parseFlagsEnv(text: string): string[] {
  const m = /KUBELET_KUBEADM_ARGS="([^"]*)"/.exec(text);
  return m ? m[1].split(/\s+/).filter(Boolean) : [];
}

/** The bridge CNI config of a node (host-local IPAM over `podCidr`). */
export function cniConflist(podCidr: string): string {
  return JSON.stringify(
    {
      cniVersion: "0.4.0",
      name: "e2e",
      plugins: [
        {
          type: "bridge",
          bridge: "cni0",
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: podCidr }]],
            routes: [{ dst: "0.0.0.0/0" }],
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** A namespace host with containerd, CNI and images, ready for `init`/`join`. */
export async function createNode(name: string, opts: NodeOptions): Promise<E2eNode> {
  const host = await createHost(name, {
    addr: opts.addr,
    network: opts.network,
    privateDirs: PRIVATE_DIRS,
  });
  let ctrd: ContainerdHandle | undefined;
  let kubelet: Kubelet | undefined;
  const destroy = async () => {
    const errors: unknown[] = [];
    for (
      const f of [() => kubelet?.stop(), () => ctrd?.stop(), () => host.destroy()]
    ) {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw new AggregateError(errors, `node ${name}: teardown failed`);
  };
  try {
    // What kubeadm's preflight asks for and the pod network needs, set inside the host's
    // network namespace only.
    await host.exec([
      "sysctl",
      "-q",
      "-w",
      "net.ipv4.ip_forward=1",
      "net.bridge.bridge-nf-call-iptables=1",
      "net.bridge.bridge-nf-call-ip6tables=1",
    ]);
    await Deno.writeTextFile(
      host.path("/etc/cni/net.d/10-e2e.conflist"),
      cniConflist(opts.podCidr),
    );
    // The machine's resolver is outside the test network: inside the host, /etc/resolv.conf names
    // the host itself (nothing listens on port 53 there: queries are refused; CoreDNS forwards
    // to it through the kubelet's resolvConf) and /etc/hosts names the node.
    const resolvConf = `${host.root}/resolv.conf`;
    await Deno.writeTextFile(resolvConf, `nameserver ${host.ip}\n`);
    const hosts = `${host.root}/hosts`;
    await Deno.writeTextFile(hosts, `127.0.0.1 localhost\n${host.ip} ${name}\n`);
    await host.exec(["mount", "--bind", resolvConf, "/etc/resolv.conf"]);
    await host.exec(["mount", "--bind", hosts, "/etc/hosts"]);
    // Where `kubestrap join` logs the kubelet it starts itself (no init system): per host.
    await Deno.writeTextFile(`${host.root}/kubestrap-kubelet.log`, "");
    await host.exec([
      "sh",
      "-c",
      `touch ${OWN_KUBELET_LOG} && mount --bind '${host.root}/kubestrap-kubelet.log' ${OWN_KUBELET_LOG}`,
    ]);
    ctrd = await startContainerd({
      root: `${host.root}/containerd`,
      cniConfDir: host.path("/etc/cni/net.d"),
      sandboxImage: opts.sandboxImage ?? testbed.pauseImage,
      wrap: host.wrap,
    });
    if (opts.importImages !== false) await ctrd.importImages();
    for (const v of opts.extraImageVersions ?? []) {
      await ctrd.importImages(testbed.imagesFor(v).map((i) => i.archive));
    }
    const c = ctrd;
    const node: E2eNode = {
      name,
      host,
      ip: host.ip,
      podCidr: opts.podCidr,
      ctrd: c,
      criSocket: c.endpoint,
      resolvConf,
      get kubelet() {
        return kubelet;
      },
      kubeletLog: () => {
        if (kubelet) return kubelet.log();
        try {
          return Deno.readTextFileSync(`${host.root}/kubestrap-kubelet.log`);
        } catch {
          return "";
        }
      },
      startKubelet: (version?: string) => {
        if (kubelet) return kubelet;
        kubelet = superviseKubelet(host, version);
        return kubelet;
      },
      kubectl: (args, o = {}) =>
        host.exec([
          testbed.path("kubectl"),
          `--kubeconfig=${o.kubeconfig ?? "/etc/kubernetes/admin.conf"}`,
          ...args,
        ], { allowFailure: o.allowFailure, stdin: o.stdin }),
      destroy,
      [Symbol.asyncDispose]: destroy,
    };
    return node;
  } catch (e) {
    await destroy().catch(() => {});
    throw e;
  }
}

/**
 * systemd's kubelet.service with kubeadm's drop-in, as a loop: when /var/lib/kubelet/config.yaml
 * exists, run `kubelet --bootstrap-kubeconfig=... --kubeconfig=... --config=...
 * $KUBELET_KUBEADM_ARGS`; when it exits, start it again a second later (Restart=always).
 */
export function superviseKubelet(host: Host, version?: string): Kubelet {
  let binary = version ? `${testbed.binDir(version)}/kubelet` : testbed.path("kubelet");
  let stopped = false;
  let current: Proc | undefined;
  let starts = 0;
  const loop = (async () => {
    while (!stopped) {
      const config = host.path("/var/lib/kubelet/config.yaml");
      const flagsFile = host.path("/var/lib/kubelet/kubeadm-flags.env");
      if (!exists(config)) {
        await sleep(300);
        continue;
      }
      let flags: string[] = [];
      try {
        flags = parseFlagsEnv(Deno.readTextFileSync(flagsFile));
      } catch {
        // not written (yet): the drop-in tolerates a missing EnvironmentFile
      }
      current = host.spawn("kubelet", [
        binary,
        "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
        "--kubeconfig=/etc/kubernetes/kubelet.conf",
        "--config=/var/lib/kubelet/config.yaml",
        ...flags,
      ]);
      starts++;
      await current.status;
      if (!stopped) await sleep(1000);
    }
  })();
  const logFile = `${host.root}/kubelet.log`;
  return {
    proc: () => current,
    starts: () => starts,
    log: () => {
      try {
        return Deno.readTextFileSync(logFile);
      } catch {
        return "";
      }
    },
    stop: async () => {
      stopped = true;
      await current?.stop(10_000);
      await loop;
    },
    swap: async (v: string) => {
      binary = `${testbed.binDir(v)}/kubelet`;
      await current?.stop(10_000); // the loop starts the new binary
    },
  };
}

/** The kubeadm-style configuration for one node (v1beta4), as YAML documents. */
export function initConfig(node: E2eNode, o: {
  controlPlaneEndpoint?: string;
  token?: string;
  certificateKey?: string;
  kubernetesVersion?: string;
  /** ClusterConfiguration.imageRepository (default: kubeadm's, registry.k8s.io). */
  imageRepository?: string;
  /** ClusterConfiguration.certificateValidityPeriod (default: kubeadm's, 8760h). */
  certificateValidityPeriod?: string;
  /** InitConfiguration.timeouts (e.g. `{ kubernetesAPICall: "5s" }`). */
  timeouts?: Record<string, string>;
  /** More KubeletConfiguration fields. */
  kubelet?: Record<string, unknown>;
}): string {
  const docs: unknown[] = [
    {
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "InitConfiguration",
      ...(o.token
        ? {
          bootstrapTokens: [{
            token: o.token,
            ttl: "1h0m0s",
            usages: ["signing", "authentication"],
            groups: ["system:bootstrappers:kubeadm:default-node-token"],
          }],
        }
        : {}),
      ...(o.certificateKey ? { certificateKey: o.certificateKey } : {}),
      ...(o.timeouts ? { timeouts: o.timeouts } : {}),
      localAPIEndpoint: { advertiseAddress: node.ip, bindPort: 6443 },
      nodeRegistration: nodeRegistration(node),
    },
    {
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "ClusterConfiguration",
      kubernetesVersion: o.kubernetesVersion ?? testbed.kubernetesVersion,
      ...(o.controlPlaneEndpoint ? { controlPlaneEndpoint: o.controlPlaneEndpoint } : {}),
      ...(o.imageRepository ? { imageRepository: o.imageRepository } : {}),
      ...(o.certificateValidityPeriod
        ? { certificateValidityPeriod: o.certificateValidityPeriod }
        : {}),
      networking: { serviceSubnet: SERVICE_CIDR, dnsDomain: "cluster.local" },
    },
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      cgroupDriver: "cgroupfs",
      // This machine has cgroup v1; kubelet >= 1.35 refuses it unless told.
      failCgroupV1: false,
      ...o.kubelet,
    },
    {
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      mode: "iptables",
      // nf_conntrack_max is read-only outside the initial network namespace.
      conntrack: { maxPerCore: 0 },
    },
  ];
  return docs.map((d) => stringify(d)).join("---\n");
}

/** nodeRegistration for init and join: this node's name, CRI socket and per-host kubelet flags. */
export function nodeRegistration(node: E2eNode): Record<string, unknown> {
  return {
    name: node.name,
    criSocket: node.criSocket,
    imagePullPolicy: "Never",
    kubeletExtraArgs: [
      // Kubelets of several hosts on one machine must not manage each other's pod cgroups.
      { name: "cgroup-root", value: node.host.cgroupRoot },
      { name: "node-ip", value: node.ip },
    ],
    ignorePreflightErrors: ["SystemVerification"],
  };
}

/** A JoinConfiguration (v1beta4) for a worker or (with certificateKey) a control plane. */
export function joinConfig(node: E2eNode, o: {
  apiServer: string;
  token: string;
  caCertHash: string;
  certificateKey?: string;
}): string {
  return stringify({
    apiVersion: "kubeadm.k8s.io/v1beta4",
    kind: "JoinConfiguration",
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: o.apiServer,
        token: o.token,
        caCertHashes: [o.caCertHash],
      },
    },
    nodeRegistration: nodeRegistration(node),
    ...(o.certificateKey
      ? {
        controlPlane: {
          localAPIEndpoint: { advertiseAddress: node.ip, bindPort: 6443 },
          certificateKey: o.certificateKey,
        },
      }
      : {}),
  });
}

/** Route each node's pod subnet through its host (flat L3 across the test network). */
export async function routePodSubnets(nodes: E2eNode[]): Promise<void> {
  for (const a of nodes) {
    for (const b of nodes) {
      if (a === b) continue;
      await a.host.exec(["ip", "route", "replace", b.podCidr, "via", b.ip]);
    }
  }
}

/**
 * What `kubectl get <what...> -o jsonpath=<template>` prints on `node` (admin.conf). A failing
 * kubectl throws; {@link tryGetJsonpath} is for reads while the API server may be away.
 */
export async function getJsonpath(
  node: E2eNode,
  what: string[],
  template: string,
): Promise<string> {
  return (await node.kubectl(["get", ...what, "-o", `jsonpath=${template}`])).stdout;
}

/** {@link getJsonpath} without the throw: `ok` false, and kubectl's stderr as `text`, on failure. */
export async function tryGetJsonpath(
  node: E2eNode,
  what: string[],
  template: string,
): Promise<{ ok: boolean; text: string }> {
  const r = await node.kubectl(["get", ...what, "-o", `jsonpath=${template}`], {
    allowFailure: true,
  });
  return r.code === 0 ? { ok: true, text: r.stdout } : { ok: false, text: r.stderr };
}

/**
 * `kubectl get <what...>` of a list on `node`: each item's `name` jsonpath mapped to its `value`
 * jsonpath (e.g. `.metadata.name` to `.metadata.resourceVersion`). A failing kubectl throws.
 */
export async function getItemValues(
  node: E2eNode,
  what: string[],
  name: string,
  value: string,
): Promise<Record<string, string>> {
  const text = await getJsonpath(node, what, `{range .items[*]}{${name}}={${value}}{"\\n"}{end}`);
  return Object.fromEntries(text.trim().split("\n").map((l) => l.split("=")));
}

/** Wait until `kubectl get node <name>` reports Ready. */
export async function waitNodeReady(
  cp: E2eNode,
  nodeName: string,
  timeoutMs = 180_000,
  describe?: () => string,
): Promise<void> {
  // `kubectl wait` watches: the change is seen when it happens (the join -> Ready timings of
  // scripts/bench.ts e2e rest on this), not at the next tick of a poll. A wait that fails early
  // (the Node does not exist yet, the API server is briefly away) is retried.
  const deadline = performance.now() + timeoutMs;
  let last = "";
  for (const condition of ["create", "condition=Ready"]) {
    while (true) {
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for node ${nodeName} Ready (kubectl wait: ${last})${
            describe ? `\n${describe()}` : ""
          }`,
        );
      }
      const r = await cp.kubectl([
        "wait",
        `--for=${condition}`,
        `node/${nodeName}`,
        `--timeout=${Math.ceil(left / 1000)}s`,
      ], { allowFailure: true });
      if (r.code === 0) break;
      last = r.stderr.trim();
      await sleep(500);
    }
  }
}

/** Wait until every pod matching `selector` in kube-system is Running and ready. */
export async function waitPodsReady(
  cp: E2eNode,
  selector: string,
  count: number,
  timeoutMs = 180_000,
  namespace = "kube-system",
): Promise<void> {
  let last = "";
  await waitFor(`${count} pod(s) ${selector} ready in ${namespace}`, async () => {
    const r = await cp.kubectl(["-n", namespace, "get", "pods", "-l", selector, "-o", "json"], {
      allowFailure: true,
    });
    if (r.code !== 0) return false;
    const pods = JSON.parse(r.stdout).items as {
      status: { phase: string; conditions?: { type: string; status: string }[] };
    }[];
    last = (await cp.kubectl(["-n", namespace, "get", "pods", "-l", selector, "-o", "wide"], {
      allowFailure: true,
    })).stdout;
    const ready = pods.filter((p) =>
      p.status.phase === "Running" &&
      p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
    );
    if (ready.length >= count) return true;
    const logs = await cp.kubectl(
      ["-n", namespace, "logs", "-l", selector, "--tail=20", "--all-containers", "--prefix"],
      { allowFailure: true },
    );
    last += `\n${logs.stdout}${logs.stderr}`;
    return false;
  }, { timeoutMs, intervalMs: 2000, describe: () => last });
}

/**
 * The test bed's CoreDNS image runs /coredns as user 65532 without the file capability
 * (cap_net_bind_service) that the released image's binary carries, so it cannot bind port 53.
 * Let the pods bind low ports instead (a namespaced, "safe" sysctl), as containerd >= 2.0 does
 * for every pod by default.
 */
export async function allowCoreDnsPort53(cp: E2eNode): Promise<void> {
  await cp.kubectl([
    "-n",
    "kube-system",
    "patch",
    "deployment",
    "coredns",
    "--type=strategic",
    "-p",
    JSON.stringify({
      spec: {
        template: {
          spec: {
            securityContext: {
              sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
            },
          },
        },
      },
    }),
  ]);
}

/** The SHA-256 pin of the cluster CA (for --discovery-token-ca-cert-hash). */
export async function caCertHash(cp: E2eNode): Promise<string> {
  const r = await run("sh", [
    "-c",
    `openssl x509 -pubkey -in '${
      cp.host.path("/etc/kubernetes/pki/ca.crt")
    }' -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //'`,
  ]);
  return `sha256:${r.stdout.trim()}`;
}

/** A busybox pod that checks DNS and the API server through the Service IP. */
export function probePod(nodeName?: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "e2e-probe", namespace: "default" },
    spec: {
      restartPolicy: "Never",
      ...(nodeName ? { nodeName } : {}),
      tolerations: [{ operator: "Exists" }],
      containers: [{
        name: "probe",
        image: testbed.testImage,
        imagePullPolicy: "Never",
        command: ["sh", "-c", "sleep 3600"],
        volumeMounts: [{ name: "kubectl", mountPath: "/e2e/kubectl", readOnly: true }],
      }],
      volumes: [{ name: "kubectl", hostPath: { path: testbed.path("kubectl"), type: "File" } }],
    },
  });
}

/** Run the probe pod, then check DNS and the Service IP path from inside it. */
export async function probeCluster(cp: E2eNode, nodeName?: string): Promise<string[]> {
  const out: string[] = [];
  // The API server may be restarting (e.g. right after a kubelet upgrade): retry the create.
  let created = { code: 1, stdout: "", stderr: "" };
  await waitFor("the probe pod to be created", async () => {
    created = await cp.kubectl(["apply", "-f", "-"], {
      stdin: probePod(nodeName),
      allowFailure: true,
    });
    return created.code === 0;
  }, { timeoutMs: 90_000, intervalMs: 2000, describe: () => created.stderr });
  await waitFor("the probe pod to run", async () => {
    const r = await tryGetJsonpath(cp, ["pod", "e2e-probe"], "{.status.phase}");
    if (r.ok && r.text === "Failed") throw new WaitAborted("probe pod failed");
    return r.ok && r.text === "Running";
  }, {
    timeoutMs: 120_000,
    intervalMs: 1000,
    describe: () => "",
  });
  const exec = async (cmd: string) =>
    await cp.kubectl(["exec", "e2e-probe", "--", "sh", "-c", cmd], { allowFailure: true });
  let dns = { code: 1, stdout: "", stderr: "" };
  await waitFor("kubernetes.default to resolve in the probe pod", async () => {
    dns = await exec("nslookup kubernetes.default.svc.cluster.local");
    return dns.code === 0 && dns.stdout.includes("10.96.0.1");
  }, { timeoutMs: 90_000, intervalMs: 2000, describe: () => JSON.stringify(dns) });
  out.push(dns.stdout);
  // The API server through the Service IP (kube-proxy's DNAT), as an in-cluster client:
  // kubectl (mounted from the test bed; busybox's TLS client shares no cipher suite with the
  // API server) with the pod's service account, KUBERNETES_SERVICE_HOST and the cluster CA.
  let api = { code: 1, stdout: "", stderr: "" };
  await waitFor("the API server through the Service IP", async () => {
    api = await exec(
      'echo "$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"; /e2e/kubectl get --raw /readyz',
    );
    return api.code === 0 && api.stdout.trim().endsWith("ok");
  }, { timeoutMs: 60_000, intervalMs: 2000, describe: () => JSON.stringify(api) });
  out.push(api.stdout);
  await cp.kubectl(["delete", "pod", "e2e-probe", "--grace-period=0", "--force"], {
    allowFailure: true,
  });
  return out;
}
