/**
 * `init --resume` on a real node (issue 16): `kubestrap init` is SIGKILLed at a point of its run,
 * then `kubestrap init --resume` with the same configuration must finish (exit 0) with the node
 * Ready, the API server's /readyz ok, and a worker must join with the join command the resumed
 * run printed.
 *
 * A kill point is a stdout line (the run goes in 1 ms slices, stopped between them, and is killed
 * in the slice that printed the line), or a time after a line (a timed
 * point, landing between lines: while a key is signed and written, while the kubelet boots,
 * inside an API phase). Each point names the phase it must land in: after the kill the state
 * file that init keeps for --resume must record every phase before that one as completed and not
 * that one (tests/e2e/init_state.ts), else the point failed. A line a phase prints once its files
 * are written (certificates, kubeconfigs, manifests) is followed only by the phase's record: the
 * kill may land just after it, at the start of the next phase, which is accepted and reported.
 *
 * - 9 points on fresh nodes each (one kill, one resume).
 * - 18 more points as one chain on one node (`init --upload-certs`): the init is killed at the
 *   first point, its `--resume` at the second, that run's `--resume` at the third, and so on;
 *   the last `--resume` finishes. The bootstrap token and the certificate key the first runs
 *   generated must be the ones the last run prints.
 *
 * Logs (every run with its line times) in $KUBESTRAP_E2E_LOGS/<time>-init-resume/.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  createNode,
  type E2eNode,
  initConfig,
  joinConfig,
  type Kubelet,
  routePodSubnets,
  waitNodeReady,
} from "./cluster.ts";
import { runTool, toolError } from "./tools.ts";
import { E2E_IGNORE, logDir } from "./scenarios.ts";
import { logRun, startKubestrap, type StreamedRun } from "./streamed_run.ts";
import { phaseInProgress, readState, type RecordedState } from "./init_state.ts";

const ignore = E2E_IGNORE;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface KillPoint {
  name: string;
  /** The phase the kill must land in (the first one the state file does not list). */
  phase: string;
  /** The run is killed when a stdout line matches ... */
  line: RegExp;
  /** ... or this long after it (a timed point). */
  delayMs?: number;
  /** A line the run must not have printed: the point lies before it. */
  before?: RegExp;
  /**
   * The line is the last the phase prints, once its files are written (kubestrap prints a
   * certificate's, kubeconfig's or manifest's line after writing it): only the phase's record
   * in the state file follows, and the kill may come just after it. The kill then lands at the
   * very start of the next phase, with this one the last recorded: accepted, and reported.
   */
  lastLine?: true;
}

/** One kill per fresh node. */
const FRESH: KillPoint[] = [
  {
    name: "certs/apiserver: its line",
    phase: "certs/apiserver",
    lastLine: true,
    line: /^\[certs\] Generating "apiserver" certificate and key/,
  },
  {
    name: "certs/etcd-peer: its line",
    phase: "certs/etcd-peer",
    lastLine: true,
    line: /^\[certs\] Generating "etcd\/peer" certificate and key/,
  },
  {
    name: "kubeconfig/admin: its line",
    phase: "kubeconfig/admin",
    lastLine: true,
    line: /^\[kubeconfig\] Writing "admin.conf"/,
  },
  {
    name: "control-plane/apiserver: its line",
    phase: "control-plane/apiserver",
    lastLine: true,
    line: /^\[control-plane\] Creating static Pod manifest for "kube-apiserver"/,
  },
  {
    name: "kubelet-start: 'Starting the kubelet'",
    phase: "kubelet-start",
    line: /^\[kubelet-start\] Starting the kubelet/,
  },
  {
    name: "wait-control-plane: the control-plane check starts",
    phase: "wait-control-plane",
    line: /^\[control-plane-check\] Waiting for healthy control plane components/,
  },
  {
    name: "upload-config/kubeadm: its line",
    phase: "upload-config/kubeadm",
    line: /^\[upload-config\] Storing the configuration/,
  },
  {
    name: "bootstrap-token: 'Using token'",
    phase: "bootstrap-token",
    line: /^\[bootstrap-token\] Using token/,
  },
  {
    name: "addon/coredns: 'Applied essential addon: CoreDNS'",
    phase: "addon/coredns",
    line: /^\[addons\] Applied essential addon: CoreDNS/,
  },
];

/** Kills in one chain on one node (`init --upload-certs`), in the order of the run. */
const CHAIN: KillPoint[] = [
  {
    name: "preflight: 100 ms into its checks (timed)",
    phase: "preflight",
    line: /^\[init\] Using Kubernetes version/,
    delayMs: 100,
    before: /^\[preflight\] Running pre-flight checks/,
  },
  {
    name: "certs/ca: its line",
    phase: "certs/ca",
    lastLine: true,
    line: /^\[certs\] Generating "ca" /,
  },
  {
    name: "certs/apiserver-kubelet-client: its line",
    phase: "certs/apiserver-kubelet-client",
    lastLine: true,
    line: /^\[certs\] Generating "apiserver-kubelet-client" /,
  },
  {
    name: "certs/front-proxy-ca: its line",
    phase: "certs/front-proxy-ca",
    lastLine: true,
    line: /^\[certs\] Generating "front-proxy-ca" /,
  },
  {
    name: "certs/etcd-server: its SAN line",
    phase: "certs/etcd-server",
    lastLine: true,
    line: /^\[certs\] etcd\/server serving cert is signed/,
  },
  {
    name: "certs/sa: its line",
    phase: "certs/sa",
    lastLine: true,
    line: /^\[certs\] Generating "sa" key/,
  },
  {
    name: "kubeconfig/kubelet: its line",
    phase: "kubeconfig/kubelet",
    lastLine: true,
    line: /^\[kubeconfig\] Writing "kubelet.conf"/,
  },
  {
    name: "kubeconfig/scheduler: its line",
    phase: "kubeconfig/scheduler",
    lastLine: true,
    line: /^\[kubeconfig\] Writing "scheduler.conf"/,
  },
  {
    name: "etcd/local: its line",
    phase: "etcd/local",
    lastLine: true,
    line: /^\[etcd\] Creating static Pod manifest for local etcd/,
  },
  {
    name: "control-plane/scheduler: its line",
    phase: "control-plane/scheduler",
    lastLine: true,
    line: /^\[control-plane\] Creating static Pod manifest for "kube-scheduler"/,
  },
  {
    name: "wait-control-plane: 50 ms into the kubelet check, the kubelet booting (timed)",
    phase: "wait-control-plane",
    line: /^\[kubelet-check\] Waiting for a healthy kubelet/,
    delayMs: 50,
    before: /^\[control-plane-check\] Waiting/,
  },
  {
    name: "wait-control-plane: 1 s into the control-plane check, kube-apiserver starting (timed)",
    phase: "wait-control-plane",
    line: /^\[control-plane-check\] Checking kube-apiserver/,
    delayMs: 1000,
    before: /^\[control-plane-check\] kube-apiserver is healthy/,
  },
  {
    name: "upload-config/kubelet: its line",
    phase: "upload-config/kubelet",
    line: /^\[kubelet\] Creating a ConfigMap "kubelet-config"/,
  },
  {
    name: "upload-certs: its line",
    phase: "upload-certs",
    line: /^\[upload-certs\] Storing the certificates in Secret/,
  },
  {
    name: "mark-control-plane: its labels line",
    phase: "mark-control-plane",
    line: /^\[mark-control-plane\] Marking the node \S+ as control-plane by adding the labels/,
  },
  {
    name: "bootstrap-token: its cluster-info line, after the RBAC rules",
    phase: "bootstrap-token",
    line: /^\[bootstrap-token\] Creating the "cluster-info" ConfigMap/,
  },
  {
    name: "kubelet-finalize: its line",
    phase: "kubelet-finalize/enable-client-cert-rotation",
    line: /^\[kubelet-finalize\] Updating/,
  },
  {
    name: "addon/kube-proxy: 20 ms after CoreDNS was applied (timed)",
    phase: "addon/kube-proxy",
    line: /^\[addons\] Applied essential addon: CoreDNS/,
    delayMs: 20,
    before: /^\[addons\] Applied essential addon: kube-proxy/,
  },
];

/**
 * Kills `run` at `point` and checks where it landed. Returns what went wrong ("" when the kill
 * landed at the point) and the state file's content.
 */
async function killAt(
  node: E2eNode,
  run: StreamedRun,
  point: KillPoint,
  file: string,
): Promise<{ problem: string; state?: RecordedState; landed?: string }> {
  // A line that starts a phase: the run goes in 1 ms slices and is stopped at the line (see
  // stepUntil), so that a short phase cannot end before the kill. A phase's last line, or a
  // timed point: the run goes at full speed (a slice would let the phase's record through).
  const line = point.delayMs || point.lastLine
    ? await run.waitLine(point.line, 240_000)
    : await run.stepUntil(point.line, 240_000);
  if (line !== undefined && point.delayMs) await Promise.race([sleep(point.delayMs), run.status]);
  const killed = line !== undefined && run.kill(line);
  const end = await run.finish(300_000);
  const { phase, state } = await phaseInProgress(node);
  const late = point.before && run.lines.find((l) => point.before!.test(l.line));
  await logRun(
    file,
    run,
    `killed: ${killed} ${point.delayMs ?? 0} ms after ${
      JSON.stringify(line)
    }, exit ${end.code}; landed in ${phase}`,
  );
  if (!killed) return { problem: `the line never came or the run ended first (exit ${end.code})` };
  if (phase !== point.phase) {
    const justAfter = point.lastLine && state?.completed.at(-1) === point.phase;
    if (!justAfter) return { problem: `the kill landed in ${phase}`, state };
    return { problem: "", state, landed: `right after ${point.phase} was recorded, in ${phase}` };
  }
  if (late) return { problem: `the run had printed ${JSON.stringify(late.line)}`, state };
  return { problem: "", state };
}

/**
 * The finished run's checks: node Ready, /readyz ok, a worker joins with the token and CA pin
 * `run` printed (its kubelet Ready). Returns the token and the worker (torn down by the caller).
 */
async function joinWorker(
  node: E2eNode,
  kubelet: Kubelet,
  run: StreamedRun,
  net: { network: string; subnet: number },
  file: string,
  keep: (worker: E2eNode) => void,
): Promise<string> {
  await waitNodeReady(node, "cp", 180_000, () => kubelet.log().slice(-3000));
  const ready = await node.kubectl(["get", "--raw=/readyz"], { allowFailure: true });
  assertEquals(ready.stdout.trim(), "ok", `/readyz ${ready.stderr}`);
  const token = /--token (\S+)/.exec(run.stdout)?.[1];
  const pin = /--discovery-token-ca-cert-hash (\S+)/.exec(run.stdout)?.[1];
  assert(token && pin, "no join command printed");
  const worker = await createNode("w1", {
    addr: `10.210.${net.subnet}.12/24`,
    network: net.network,
    podCidr: `10.221.${net.subnet}.0/24`,
  });
  keep(worker);
  await routePodSubnets([node, worker]);
  const joinFile = `${worker.host.root}/join.yaml`;
  await Deno.writeTextFile(
    joinFile,
    joinConfig(worker, { apiServer: `${node.ip}:6443`, token, caCertHash: pin }),
  );
  const join = await runTool(worker, "kubestrap", ["join", "--config", joinFile], {
    logTo: `${file}.join`,
  });
  if (join.code !== 0) throw toolError(join, "worker join");
  await waitNodeReady(node, "w1", 180_000, () => worker.kubeletLog().slice(-3000));
  return token;
}

/** A resumed run's own account of what it skipped, checked against the state it resumed. */
function checkResumeLines(run: StreamedRun, resumed: RecordedState | undefined): string {
  const skipped = run.lines.filter((l) => /^\[resume\] Skipping phase "/.test(l.line)).map((l) =>
    /"([^"]+)"/.exec(l.line)![1]
  );
  const want = resumed?.completed ?? [];
  return JSON.stringify(skipped) === JSON.stringify(want)
    ? ""
    : `it skipped ${JSON.stringify(skipped)}, the state listed ${JSON.stringify(want)}`;
}

async function teardown(nodes: (E2eNode | undefined)[], file: string, results: string[]) {
  for (const n of nodes) {
    if (!n) continue;
    await Deno.writeTextFile(`${file}.${n.name}.kubelet`, n.kubeletLog()).catch(() => {});
    await n.destroy().catch((e) => results.push(`teardown of ${n.name}: ${e}`));
  }
}

Deno.test({
  name:
    `e2e: init SIGKILLed at ${FRESH.length} points on fresh nodes, then init --resume finishes (node Ready, a worker joins)`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const logs = await logDir("init-resume");
    const results: string[] = [];
    let failures = 0;
    for (const [i, point] of FRESH.entries()) {
      const file = `${logs}/${i}-${point.phase.replace(/[^a-z0-9]+/gi, "-")}.log`;
      const net = { network: `e2e-ir${i}`, subnet: 70 + i };
      let node: E2eNode | undefined;
      let worker: E2eNode | undefined;
      try {
        node = await createNode("cp", {
          addr: `10.210.${net.subnet}.11/24`,
          network: net.network,
          podCidr: `10.211.${net.subnet}.0/24`,
        });
        const config = `${node.host.root}/e2e.yaml`;
        await Deno.writeTextFile(config, initConfig(node, {}));
        const kubelet = node.startKubelet();
        const run = await startKubestrap(node, ["init", "--config", config], {
          lowPriority: true,
        });
        const { problem, state, landed } = await killAt(node, run, point, file);
        if (problem) throw new Error(problem);
        const resumed = await startKubestrap(node, ["init", "--config", config, "--resume"]);
        const r = await resumed.finish(360_000);
        await logRun(file, resumed, `resume: exit ${r.code}`);
        if (r.code !== 0) throw new Error(`resume FAILED (exit ${r.code}); see ${file}`);
        const skips = checkResumeLines(resumed, state);
        if (skips) throw new Error(skips);
        // The token generated by the killed run is kept: the resumed run must not print one it
        // never created.
        const token = await joinWorker(node, kubelet, resumed, net, file, (w) => worker = w);
        assertEquals(token, state?.tokens?.[0], "the join token is not the one init recorded");
        results.push(
          `${point.name}: killed ${
            landed ?? `in ${point.phase}`
          }, resumed (${state?.completed.length} phases skipped), node Ready, /readyz ok, a worker joined (Ready)`,
        );
      } catch (e) {
        failures++;
        results.push(`${point.name}: FAILED ${(e as Error).message.split("\n")[0]}`);
        await Deno.writeTextFile(`${file}.error`, `${(e as Error).stack}\n`);
      } finally {
        await teardown([worker, node], file, results);
      }
      console.log(`  ${results.at(-1)}`);
    }
    const summary = results.join("\n");
    await Deno.writeTextFile(`${logs}/summary.txt`, summary + "\n");
    console.log(summary);
    assertEquals(failures, 0, summary);
  },
});

Deno.test({
  name:
    `e2e: init --upload-certs and each --resume SIGKILLed in turn at ${CHAIN.length} more points on one node, the last --resume finishes (node Ready, a worker joins)`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const logs = await logDir("init-resume-chain");
    const file = `${logs}/chain.log`;
    const net = { network: "e2e-irc", subnet: 80 };
    const results: string[] = [];
    let failures = 0;
    let node: E2eNode | undefined;
    let worker: E2eNode | undefined;
    try {
      node = await createNode("cp", {
        addr: `10.210.${net.subnet}.11/24`,
        network: net.network,
        podCidr: `10.211.${net.subnet}.0/24`,
      });
      const config = `${node.host.root}/e2e.yaml`;
      await Deno.writeTextFile(config, initConfig(node, {}));
      const kubelet = node.startKubelet();
      const args = ["init", "--config", config, "--upload-certs"];
      let run = await startKubestrap(node, args, { lowPriority: true });
      let resumedFrom: RecordedState | undefined;
      let firstToken: string | undefined;
      let certificateKey: string | undefined;
      for (const point of CHAIN) {
        const { problem, state, landed } = await killAt(node, run, point, file);
        const skips = resumedFrom ? checkResumeLines(run, resumedFrom) : "";
        firstToken ??= state?.tokens?.[0];
        certificateKey ??= state?.certificateKey;
        if (problem || skips) {
          failures++;
          results.push(`${point.name}: FAILED ${problem || skips}`);
        } else {
          results.push(`${point.name}: killed ${landed ?? `in ${point.phase}`}`);
        }
        console.log(`  ${results.at(-1)}`);
        if (!state) throw new Error(`no state file after the kill at ${point.name}`);
        assertEquals(state.tokens?.[0], firstToken, "the recorded bootstrap token changed");
        if (certificateKey) {
          assertEquals(
            state.certificateKey,
            certificateKey,
            "the recorded certificate key changed",
          );
        }
        resumedFrom = state;
        run = await startKubestrap(node, [...args, "--resume"], { lowPriority: true });
      }
      const r = await run.finish(360_000);
      await logRun(file, run, `last resume: exit ${r.code}`);
      if (r.code !== 0) throw new Error(`the last resume FAILED (exit ${r.code}); see ${file}`);
      const skips = checkResumeLines(run, resumedFrom);
      if (skips) throw new Error(`the last resume: ${skips}`);
      assert(!(await readState(node)), "a finished init left its state file");
      const token = await joinWorker(node, kubelet, run, net, file, (w) => worker = w);
      assertEquals(token, firstToken, "the join token is not the one the first run generated");
      // Printed by upload-certs, and by each --resume that skips it.
      const key = /^\[upload-certs\] Using certificate key:\n(\S+)/m.exec(run.stdout)?.[1];
      assert(certificateKey, "no certificate key was recorded");
      assertEquals(key, certificateKey, "the printed certificate key is not the uploaded one");
      results.push(
        `last --resume: exit 0, node Ready, /readyz ok, a worker joined (Ready) with the first run's token; it printed the key upload-certs used`,
      );
    } catch (e) {
      failures++;
      results.push(`chain: FAILED ${(e as Error).message.split("\n")[0]}`);
      await Deno.writeTextFile(`${file}.error`, `${(e as Error).stack}\n`);
    } finally {
      await teardown([worker, node], file, results);
    }
    const summary = results.join("\n");
    await Deno.writeTextFile(`${logs}/summary.txt`, summary + "\n");
    console.log(summary);
    assertEquals(failures, 0, summary);
  },
});
