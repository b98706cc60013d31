/**
 * The e2e scenarios, shared by tests/e2e/*_test.ts and `scripts/bench.ts e2e`.
 */

import { isRoot, skipReason, testbed, testbedReady } from "../harness/mod.ts";
import {
  allowCoreDnsPort53,
  caCertHash,
  createNode,
  type E2eNode,
  initConfig,
  joinConfig,
  probeCluster,
  routePodSubnets,
  waitNodeReady,
  waitPodsReady,
} from "./cluster.ts";
import { runTool, timingLines, toolError, type ToolName, type ToolRun } from "./tools.ts";

export interface Timings {
  [k: string]: number;
}

export interface OneHostResult {
  tool: ToolName;
  timings: Timings;
  init: ToolRun;
  reset?: ToolRun;
  phaseLines: string[];
  leftovers: string[];
}

/** Directory for logs of a scenario (KUBESTRAP_E2E_LOGS, else a temp dir that is kept). */
export async function logDir(name: string): Promise<string> {
  const base = Deno.env.get("KUBESTRAP_E2E_LOGS") ?? "/tmp/kubestrap-e2e-logs";
  const d = `${base}/${new Date().toISOString().replace(/[:.]/g, "-")}-${name}`;
  await Deno.mkdir(d, { recursive: true });
  return d;
}

/** Poll the API server's /readyz from inside the host until it answers ok; resolves the time. */
export function watchApiHealthy(node: E2eNode, signal: AbortSignal): Promise<number | undefined> {
  return (async () => {
    while (!signal.aborted) {
      const r = await node.host.exec(
        ["curl", "-ksf", "--max-time", "2", `https://${node.ip}:6443/readyz`],
        { allowFailure: true },
      );
      if (r.code === 0 && r.stdout.trim() === "ok") return performance.now();
      await new Promise((res) => setTimeout(res, 250));
    }
    return undefined;
  })();
}

/** What the host holds of a cluster: files in kubeadm's dirs, mounts, containers, pod network. */
export async function hostState(node: E2eNode): Promise<string[]> {
  const out: string[] = [];
  const walk = (dir: string, inside: string) => {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const e of entries) {
      out.push(`file ${inside}/${e.name}`);
      if (e.isDirectory) walk(`${dir}/${e.name}`, `${inside}/${e.name}`);
    }
  };
  for (const d of ["/etc/kubernetes", "/var/lib/kubelet", "/var/lib/etcd", "/var/lib/cni"]) {
    walk(node.host.path(d), d);
  }
  const mounts = await node.host.exec("cat /proc/self/mountinfo");
  for (const line of mounts.stdout.split("\n")) {
    const mp = line.split(" ")[4];
    if (!mp) continue;
    if (/^\/(var\/lib\/kubelet\/|run\/containerd|var\/run\/netns\/cni|run\/netns\/cni)/.test(mp)) {
      out.push(`mount ${mp}`);
    }
    if (mp.startsWith(node.ctrd.root + "/")) out.push(`mount ${mp}`);
  }
  for (
    const c of (await node.ctrd.crictl(["ps", "-a", "-q"], { allowFailure: true })).split("\n")
  ) {
    if (c) out.push(`container ${c}`);
  }
  for (const p of (await node.ctrd.crictl(["pods", "-q"], { allowFailure: true })).split("\n")) {
    if (p) out.push(`pod ${p}`);
  }
  const links = await node.host.exec("ip -o link show", { allowFailure: true });
  for (const l of links.stdout.split("\n")) {
    const m = /^\d+: ([^:@]+)/.exec(l);
    if (m && m[1] !== "lo" && m[1] !== "eth0") out.push(`link ${m[1]}`);
  }
  const ipt = await node.host.exec("iptables-save", { allowFailure: true });
  for (const l of ipt.stdout.split("\n")) {
    if (/^:(KUBE-|CNI-)/.test(l)) out.push(`iptables chain ${l.slice(1).split(" ")[0]}`);
  }
  return out.sort();
}

/**
 * One host: `<tool> init` with the kubelet supervised as systemd would, node Ready, CoreDNS and
 * kube-proxy running, a busybox pod resolving kubernetes.default and reaching the API server
 * through the Service IP, then `<tool> reset` and a check that the host is as it was.
 */
export async function oneHost(tool: ToolName, o: {
  network: string;
  subnet: number;
  probe?: boolean;
  reset?: boolean;
  logs?: string;
} = { network: "e2e1", subnet: 1 }): Promise<OneHostResult> {
  const logs = o.logs ?? await logDir(`one-host-${tool}`);
  const timings: Timings = {};
  const t0 = performance.now();
  const node = await createNode("cp", {
    addr: `10.210.${o.subnet}.11/24`,
    network: o.network,
    podCidr: `10.211.${o.subnet}.0/24`,
  });
  try {
    timings.hostSetupMs = performance.now() - t0;
    const before = await hostState(node);
    const config = `${node.host.root}/e2e.yaml`;
    await Deno.writeTextFile(config, initConfig(node, {}));
    await Deno.copyFile(config, `${logs}/e2e.yaml`);
    const kubelet = node.startKubelet();
    const abort = new AbortController();
    const healthy = watchApiHealthy(node, abort.signal);
    const init = await runTool(node, tool, ["init", "--config", config, "--v=5"], {
      logTo: `${logs}/init.log`,
    });
    abort.abort();
    const healthyAt = await healthy;
    timings.initMs = init.ms;
    if (healthyAt !== undefined) timings.initToApiHealthyMs = healthyAt - init.startedAt;
    timings.initMaxRssKiB = init.maxRssKiB;
    timings.initCpuMs = init.cpuMs;
    const describe = () => kubelet.log().slice(-3000);
    if (init.code !== 0) {
      await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
      throw toolError(init, `logs in ${logs}`);
    }
    const afterInit = performance.now();
    await allowCoreDnsPort53(node);
    await waitNodeReady(node, "cp", 180_000, describe);
    timings.initToNodeReadyMs = performance.now() - init.startedAt;
    await waitPodsReady(node, "k8s-app=kube-proxy", 1, 180_000);
    await waitPodsReady(node, "k8s-app=kube-dns", 2, 180_000);
    timings.initEndToDnsReadyMs = performance.now() - afterInit;
    if (o.probe !== false) {
      const p0 = performance.now();
      await probeCluster(node);
      timings.probeMs = performance.now() - p0;
    }
    let reset: ToolRun | undefined;
    let leftovers: string[] = [];
    if (o.reset !== false) {
      // As `systemctl stop kubelet` would (kubestrap's own kubelet, if any, it stops itself).
      await kubelet.stop();
      // kubeadm reset needs --cri-socket here (the node's socket is not containerd's default
      // path); kubestrap reads it from the node's kubelet instance config, as kubeadm does on a
      // node whose cluster configuration it can read.
      reset = await runTool(node, tool, [
        "reset",
        "--force",
        ...(tool === "kubestrap" ? ["--cleanup-network"] : ["--cri-socket", node.criSocket]),
        "--v=5",
      ], {
        logTo: `${logs}/reset.log`,
      });
      timings.resetMs = reset.ms;
      if (reset.code !== 0) throw toolError(reset, `logs in ${logs}`);
      const after = await hostState(node);
      const had = new Set(before);
      leftovers = after.filter((x) => !had.has(x));
    }
    await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
    timings.totalMs = performance.now() - t0;
    return { tool, timings, init, reset, phaseLines: timingLines(init), leftovers };
  } finally {
    await node.destroy();
  }
}

/**
 * kubeadm's kubelet check in a tool's stdout: the wait line, then "healthy after" a Go duration
 * (fractional, as time.Duration prints a measured time).
 */
export function assertKubeletChecked(stdout: string): void {
  const out = stdout.split("\n");
  const at = out.indexOf(
    "[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s",
  );
  if (
    at < 0 ||
    !/^\[kubelet-check\] The kubelet is healthy after \d+\.\d+(ns|µs|ms|s)$/.test(out[at + 1] ?? "")
  ) {
    throw new Error(`no kubeadm-style kubelet check in:\n${stdout}`);
  }
}

/** Print a result (for logs and the bench). */
export function describeResult(r: OneHostResult): string {
  const lines = [`${r.tool}:`];
  for (const [k, v] of Object.entries(r.timings)) lines.push(`  ${k} ${v.toFixed(0)}`);
  for (const l of r.phaseLines) lines.push(`  ${l}`);
  if (r.leftovers.length) lines.push(`  leftovers after reset: ${r.leftovers.join(", ")}`);
  return lines.join("\n");
}

export interface JoinSpec {
  name: string;
  tool: ToolName;
  controlPlane?: boolean;
  /**
   * Joins the node its own way instead of `join --config` (e.g. through the line the control
   * plane printed); its kubelet is the tool's as for a config join.
   */
  run?: (cp: E2eNode, node: E2eNode, logs: string) => Promise<ToolRun>;
}

export interface ClusterResult {
  timings: Timings;
  nodes: string;
  etcdMembers?: string;
  runs: ToolRun[];
  extra: Record<string, ToolRun>;
}

function randomToken(): string {
  const a = "abcdefghijklmnopqrstuvwxyz0123456789";
  const pick = (n: number) =>
    Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => a[b % a.length]).join("");
  return `${pick(6)}.${pick(16)}`;
}

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/**
 * Several hosts on one test network: `cpTool init --upload-certs` on cp1 (controlPlaneEndpoint =
 * cp1), then each join in turn (`<tool> join --config`, a token and the CA pin; control planes
 * with the certificate key), all nodes Ready, the etcd member list when a second control plane
 * joined; `after` runs extra checks on cp1 (e.g. the real kubeadm reading a kubestrap cluster).
 * Joined nodes' kubelets: kubestrap starts its own when there is no init system (beyond kubeadm);
 * for kubeadm the kubelet supervisor plays systemd.
 */
export async function cluster(o: {
  network: string;
  subnet: number;
  cpTool: ToolName;
  joins: JoinSpec[];
  /**
   * The cluster's Kubernetes release (default: the pinned one): its images, kubelets, binaries
   * on PATH and, for kubeadm, its kubeadm.
   */
  release?: string;
  /** Supervise every node's kubelet as systemd would (default: only where kubeadm joins). */
  superviseKubelets?: boolean;
  after?: (cp: E2eNode, extra: Record<string, ToolRun>, nodes: E2eNode[]) => Promise<void>;
  logs?: string;
}): Promise<ClusterResult> {
  const logs = o.logs ??
    await logDir(`cluster-${o.cpTool}-${o.joins.map((j) => j.tool).join("-")}`);
  const timings: Timings = {};
  const runs: ToolRun[] = [];
  const extra: Record<string, ToolRun> = {};
  const t0 = performance.now();
  const pinned = testbed.kubernetesVersion;
  const release = o.release ?? pinned;
  const other = release === pinned ? undefined : release;
  const toolOpts = { kubeadmVersion: other, pathRelease: other };
  const mk = (name: string, i: number) =>
    createNode(name, {
      addr: `10.210.${o.subnet}.${11 + i}/24`,
      network: o.network,
      podCidr: `10.${220 + i}.${o.subnet}.0/24`,
      extraImageVersions: other ? [other] : [],
    });
  // The first host alone: the harness sets up a network (and its base directory) without
  // guarding against concurrent createHost calls.
  const nodes = [await mk("cp1", 0)];
  try {
    const settled = await Promise.allSettled(o.joins.map((s, i) => mk(s.name, i + 1)));
    for (const s of settled) if (s.status === "fulfilled") nodes.push(s.value);
    for (const s of settled) if (s.status === "rejected") throw s.reason;
    timings.hostSetupMs = performance.now() - t0;
    await routePodSubnets(nodes);
    for (const n of nodes) {
      // Every node knows every other node's name.
      await Deno.writeTextFile(
        `${n.host.root}/hosts`,
        `127.0.0.1 localhost\n${nodes.map((m) => `${m.ip} ${m.name}`).join("\n")}\n`,
      );
    }
    const [cp, ...joiners] = nodes;
    const token = randomToken();
    const certificateKey = randomHex(32);
    const config = `${cp.host.root}/e2e.yaml`;
    await Deno.writeTextFile(
      config,
      initConfig(cp, {
        controlPlaneEndpoint: `${cp.ip}:6443`,
        token,
        certificateKey,
        kubernetesVersion: release,
      }),
    );
    const cpKubelet = cp.startKubelet(other);
    const abort = new AbortController();
    const healthy = watchApiHealthy(cp, abort.signal);
    const init = await runTool(cp, o.cpTool, [
      "init",
      "--config",
      config,
      "--upload-certs",
      "--v=5",
    ], {
      logTo: `${logs}/cp1-init.log`,
      ...toolOpts,
    });
    abort.abort();
    const healthyAt = await healthy;
    if (healthyAt !== undefined) timings.initToApiHealthyMs = healthyAt - init.startedAt;
    runs.push(init);
    timings.initMs = init.ms;
    timings.initMaxRssKiB = init.maxRssKiB;
    timings.initCpuMs = init.cpuMs;
    if (init.code !== 0) throw toolError(init, `logs in ${logs}`);
    await allowCoreDnsPort53(cp);
    await waitNodeReady(cp, "cp1", 180_000, () => cpKubelet.log().slice(-3000));
    const hash = await caCertHash(cp);
    for (const [i, j] of o.joins.entries()) {
      const node = joiners[i];
      const joinFile = `${node.host.root}/join.yaml`;
      await Deno.writeTextFile(
        joinFile,
        joinConfig(node, {
          apiServer: `${cp.ip}:6443`,
          token,
          caCertHash: hash,
          certificateKey: j.controlPlane ? certificateKey : undefined,
        }),
      );
      if (j.tool === "kubeadm" || o.superviseKubelets) node.startKubelet(other);
      const join = j.run
        ? await j.run(cp, node, logs)
        : await runTool(node, j.tool, ["join", "--config", joinFile, "--v=5"], {
          logTo: `${logs}/${j.name}-join.log`,
          ...toolOpts,
        });
      runs.push(join);
      timings[`${j.name}JoinMs`] = join.ms;
      timings[`${j.name}JoinMaxRssKiB`] = join.maxRssKiB;
      timings[`${j.name}JoinCpuMs`] = join.cpuMs;
      if (join.code !== 0) throw toolError(join, `logs in ${logs}`);
      await waitNodeReady(cp, j.name, 180_000, () => node.kubeletLog().slice(-3000));
      timings[`${j.name}JoinToReadyMs`] = performance.now() - join.startedAt;
    }
    const got = await cp.kubectl(["get", "nodes", "-o", "wide"]);
    let etcdMembers: string | undefined;
    if (o.joins.some((j) => j.controlPlane)) {
      etcdMembers = await etcdMemberList(cp, "cp1");
    }
    if (o.after) await o.after(cp, extra, nodes);
    timings.totalMs = performance.now() - t0;
    return { timings, nodes: got.stdout, etcdMembers, runs, extra };
  } finally {
    for (const n of nodes) {
      await Deno.writeTextFile(`${logs}/${n.name}-kubelet.log`, n.kubeletLog()).catch(
        () => {},
      );
    }
    await destroyAll(nodes);
  }
}

async function destroyAll(nodes: E2eNode[]): Promise<void> {
  const errors: unknown[] = [];
  for (const n of [...nodes].reverse()) await n.destroy().catch((e) => errors.push(e));
  if (errors.length) throw new AggregateError(errors, "cluster teardown failed");
}

/** `etcdctl member list` through the etcd static pod of `cp` (node name `cpName`). */
export async function etcdMemberList(cp: E2eNode, cpName: string): Promise<string> {
  const r = await cp.kubectl([
    "-n",
    "kube-system",
    "exec",
    `etcd-${cpName}`,
    "--",
    "etcdctl",
    "--endpoints=https://127.0.0.1:2379",
    "--cacert=/etc/kubernetes/pki/etcd/ca.crt",
    "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt",
    "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key",
    "member",
    "list",
  ]);
  return r.stdout;
}

/** Whether the e2e scenarios were asked for (KUBESTRAP_E2E=1, as `deno task e2e` sets it). */
export const E2E_WANTED = Deno.env.get("KUBESTRAP_E2E") === "1";
if (E2E_WANTED && !testbedReady) console.warn(`tests/e2e: skipped: ${skipReason}`);
/** The `ignore` of every e2e test: not asked for, no test bed, or not root. */
export const E2E_IGNORE = !E2E_WANTED || !testbedReady || !isRoot;
