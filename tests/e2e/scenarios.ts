/**
 * The e2e scenarios, shared by tests/e2e/*_test.ts and `scripts/bench.ts e2e`.
 */

import {
  allowCoreDnsPort53,
  createNode,
  type E2eNode,
  initConfig,
  probeCluster,
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
      reset = await runTool(node, tool, [
        "reset",
        "--force",
        "--cri-socket",
        node.criSocket,
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

/** Print a result (for logs and the bench). */
export function describeResult(r: OneHostResult): string {
  const lines = [`${r.tool}:`];
  for (const [k, v] of Object.entries(r.timings)) lines.push(`  ${k} ${v.toFixed(0)}`);
  for (const l of r.phaseLines) lines.push(`  ${l}`);
  if (r.leftovers.length) lines.push(`  leftovers after reset: ${r.leftovers.join(", ")}`);
  return lines.join("\n");
}
