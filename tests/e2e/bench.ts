/**
 * `scripts/bench.ts e2e`: the same two-host cluster (control plane + token worker) made by
 * kubestrap (the bundle) and by kubeadm v1.37.2, alternating in one invocation so that both see
 * the same machine load. Per tool, medians of: init start -> API server /readyz ok, init total,
 * join start -> worker Ready, peak RSS of the init and join processes; the kubestrap/kubeadm ratio
 * of each; and init phase timings from each tool's output (kubestrap: its `[timing]` report;
 * kubeadm prints none, so its phases are estimated from the first klog line, at --v=5, of the
 * source file that does each phase's work).
 */
import { cluster } from "./scenarios.ts";
import { toolArgv, type ToolName, type ToolRun } from "./tools.ts";

interface Sample {
  metrics: Record<string, number>;
  phases: Record<string, number>;
}

const METRICS: [string, string, string][] = [
  ["initToApiHealthyMs", "init start -> control plane healthy", "ms"],
  ["initMs", "init total", "ms"],
  ["w1JoinToReadyMs", "join start -> node Ready", "ms"],
  ["w1JoinMs", "join total", "ms"],
  ["initMaxRssKiB", "peak RSS, init", "KiB"],
  ["w1JoinMaxRssKiB", "peak RSS, join", "KiB"],
  ["initCpuMs", "CPU time (user + system), init", "ms"],
  ["w1JoinCpuMs", "CPU time (user + system), join", "ms"],
];

/** kubeadm source files whose first klog line marks the start of an init phase. */
const KUBEADM_MARKERS: [RegExp, string][] = [
  [/^(initconfiguration|checks)\.go$/, "preflight"],
  [/^certs\.go$/, "certs"],
  [/^kubeconfig\.go$/, "kubeconfig"],
  [/^local\.go$/, "etcd"],
  [/^manifests\.go$/, "control-plane"],
  // kubeadm logs nothing between writing the kubelet's files and the end of its kubelet and
  // control-plane waits: the two phases are compared together.
  [/^(kubelet|flags)\.go$/, "kubelet-start+wait-control-plane"],
  [/^uploadconfig\.go$/, "upload-config"],
  [/^uploadcerts\.go$/, "upload-certs"],
  [/^markcontrolplane\.go$/, "mark-control-plane"],
  [/^(clusterinfo|bootstraptoken|token)\.go$/, "bootstrap-token"],
  [/^kubeletfinalize\.go$/, "kubelet-finalize"],
  [/^(dns|coredns|proxy)\.go$/, "addon"],
];

function klogMs(line: string): { ms: number; file: string } | undefined {
  const m = /^[IWE]\d{4} (\d\d):(\d\d):(\d\d)\.(\d{6})\s+\d+ ([\w.-]+):\d+\]/.exec(line);
  if (!m) return undefined;
  return {
    ms: ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) / 1000,
    file: m[5],
  };
}

/** kubeadm init phases from its klog timestamps (approximate). */
export function kubeadmPhases(r: ToolRun): Record<string, number> {
  const starts: [string, number][] = [];
  const seen = new Set<string>();
  let last = 0;
  for (const line of r.stderr.split("\n")) {
    const k = klogMs(line);
    if (!k) continue;
    last = k.ms;
    const marker = KUBEADM_MARKERS.find(([re]) => re.test(k.file));
    if (!marker || seen.has(marker[1])) continue;
    // Phases run in order: a marker of an earlier phase seen again later is not a new phase.
    const idx = KUBEADM_MARKERS.indexOf(marker);
    const lastIdx = starts.length
      ? KUBEADM_MARKERS.findIndex(([, p]) => p === starts[starts.length - 1][0])
      : -1;
    if (idx < lastIdx) continue;
    seen.add(marker[1]);
    starts.push([marker[1], k.ms]);
  }
  const out: Record<string, number> = {};
  for (let i = 0; i < starts.length; i++) {
    const end = i + 1 < starts.length ? starts[i + 1][1] : last;
    out[starts[i][0]] = end - starts[i][1];
  }
  return out;
}

/** kubestrap's `[timing]` report, sub-phases summed into their top-level phase. */
export function kubestrapPhases(r: ToolRun): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of r.stderr.split("\n")) {
    const m = /^\[timing\] (\S+)\s+(\d+)ms$/.exec(line.trim());
    if (!m || m[1] === "total") continue;
    let top = m[1].split("/")[0];
    if (top === "kubelet-start" || top === "wait-control-plane") {
      top = "kubelet-start+wait-control-plane";
    }
    out[top] = (out[top] ?? 0) + Number(m[2]);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function sample(tool: ToolName, round: number): Promise<Sample> {
  const r = await cluster({
    network: "bench",
    subnet: 100 + (round % 50),
    cpTool: tool,
    joins: [{ name: "w1", tool }],
  });
  const init = r.runs[0];
  return {
    metrics: r.timings,
    phases: tool === "kubestrap" ? kubestrapPhases(init) : kubeadmPhases(init),
  };
}

export async function benchE2e(rounds: number): Promise<void> {
  const samples: Record<ToolName, Sample[]> = { kubestrap: [], kubeadm: [] };
  // One untimed `version` per tool first: deno analyses a module it has not seen before (the
  // freshly built bundle) once per DENO_DIR, which costs the first run ~25 MiB and ~0.1 s. A
  // host runs that once after install; the rounds measure the runs after it.
  for (const t of ["kubestrap", "kubeadm"] as ToolName[]) {
    const [cmd, ...args] = await toolArgv(t, ["version"]);
    const r = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
    if (r.code !== 0) throw new Error(`${t} version: ${new TextDecoder().decode(r.stderr)}`);
  }
  for (let i = 0; i < rounds; i++) {
    const order: ToolName[] = i % 2 === 0 ? ["kubestrap", "kubeadm"] : ["kubeadm", "kubestrap"];
    for (const t of order) {
      const s = await sample(t, i);
      samples[t].push(s);
      console.error(
        `round ${i + 1}/${rounds} ${t}: ${
          METRICS.map(([k]) => `${k}=${(s.metrics[k] ?? NaN).toFixed(0)}`).join(" ")
        }`,
      );
    }
  }
  const med = (t: ToolName, k: string) => median(samples[t].map((s) => s.metrics[k] ?? NaN));
  console.log(
    `e2e: control plane + token worker on namespace hosts, ${rounds} round(s) alternating, medians`,
  );
  console.log(`  ${"".padEnd(38)} ${"kubestrap".padStart(10)} ${"kubeadm".padStart(10)}  ratio`);
  for (const [k, label, unit] of METRICS) {
    const a = med("kubestrap", k);
    const b = med("kubeadm", k);
    console.log(
      `  ${`${label} (${unit})`.padEnd(38)} ${a.toFixed(0).padStart(10)} ${
        b.toFixed(0).padStart(10)
      }  ${(a / b).toFixed(2)}`,
    );
  }
  const phases = [
    ...new Set([
      ...samples.kubestrap.flatMap((s) => Object.keys(s.phases)),
      ...samples.kubeadm.flatMap((s) => Object.keys(s.phases)),
    ]),
  ];
  console.log(
    "  init phases (ms; kubestrap: [timing] report; kubeadm: estimated from klog timestamps)",
  );
  for (const p of phases) {
    const a = median(samples.kubestrap.map((s) => s.phases[p]).filter((x) => x !== undefined));
    const b = median(samples.kubeadm.map((s) => s.phases[p]).filter((x) => x !== undefined));
    console.log(
      `    ${p.padEnd(36)} ${isNaN(a) ? "-".padStart(10) : a.toFixed(0).padStart(10)} ${
        isNaN(b) ? "-".padStart(10) : b.toFixed(0).padStart(10)
      }`,
    );
  }
}
