/**
 * `join --resume` of a control plane on real nodes (issue 16): a kubestrap control plane (cp1,
 * `init --upload-certs`) and a second host (cp2) whose `kubestrap join --control-plane` is
 * interrupted at points around the etcd member add, the learner's start and its promotion (and
 * one earlier, in download-certs), then `kubestrap join --resume` with the same configuration
 * must finish (exit 0) with etcd's member list exactly cp1 and cp2, both started voting members
 * (no learner, no second cp2), cp2 Ready and cp2's API server answering /readyz ok. Between
 * points cp2 is reset (which removes its etcd member) and its Node deleted, and the next point
 * joins the same host again: one cluster for every point.
 *
 * The points (what the cluster holds when the run stops is read from etcd and logged):
 * - download-certs: SIGKILL at "[download-certs] Saving the certificates": shared certificates
 *   partly written, no member.
 * - member added, manifest write failed: a directory stands where etcd.yaml goes (made once the
 *   other manifests are written), so etcd-join fails right after the member add; the directory
 *   is removed before the resume. A learner that never started, no etcd manifest.
 * - member added, killed: SIGKILL at "[etcd] Announced new etcd member": a learner that has not
 *   started (the manifest may or may not be written by then).
 * - learner started: SIGSTOP as soon as etcd.yaml appears (the run waits for the learner to
 *   start before it promotes it), the kubelet starts etcd, and once cp1 lists cp2 as a started
 *   learner, SIGKILL: a started learner, not promoted.
 * - promoted: SIGKILL at "[etcd] Waiting for the new etcd member to join the cluster" (printed
 *   after the promotion): two voting members, etcd-join not recorded as completed.
 *
 * Logs (every run with its line times, the member lists) in
 * $KUBESTRAP_E2E_LOGS/<time>-join-resume/.
 */
import { assert, assertEquals } from "../assert.ts";
import { testbed } from "../harness/mod.ts";
import {
  caCertHash,
  createNode,
  type E2eNode,
  initConfig,
  joinConfig,
  routePodSubnets,
  waitNodeReady,
} from "./cluster.ts";
import { runTool, toolError } from "./tools.ts";
import { E2E_IGNORE, logDir } from "./scenarios.ts";
import { logRun, startKubestrap, type StreamedRun } from "./streamed_run.ts";

const ignore = E2E_IGNORE;

const STATE = "/etc/kubernetes/kubestrap-join-state.json";
const ETCD_MANIFEST = "/etc/kubernetes/manifests/etcd.yaml";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Member {
  name: string;
  started: boolean;
  learner: boolean;
  peer: string;
}

/**
 * `etcdctl member list` against cp1's etcd (the test bed's etcdctl inside cp1, with the
 * healthcheck-client pair; etcd's mirror Pod may not be there yet), retried for 30 s.
 */
async function members(cp1: E2eNode): Promise<Member[]> {
  const pki = "/etc/kubernetes/pki/etcd";
  let last = "";
  for (const deadline = performance.now() + 30_000; performance.now() < deadline;) {
    const r = await cp1.host.exec([
      testbed.path("etcdctl"),
      `--endpoints=https://${cp1.ip}:2379`,
      `--cacert=${pki}/ca.crt`,
      `--cert=${pki}/healthcheck-client.crt`,
      `--key=${pki}/healthcheck-client.key`,
      "--command-timeout=5s",
      "member",
      "list",
      "-w",
      "json",
    ], { allowFailure: true });
    if (r.code === 0) {
      const list = (JSON.parse(r.stdout).members ?? []) as {
        name?: string;
        peerURLs?: string[];
        clientURLs?: string[];
        isLearner?: boolean;
      }[];
      return list.map((m) => ({
        name: m.name ?? "",
        // etcd: a member that has not started has no name and no client URLs.
        started: !!m.name,
        learner: m.isLearner === true,
        peer: m.peerURLs?.[0] ?? "",
      }));
    }
    last = r.stdout + r.stderr;
    await sleep(500);
  }
  throw new Error(`etcdctl member list on cp1: ${last}`);
}

function describe(ms: Member[]): string {
  return ms.map((m) =>
    `${m.name || "(no name)"} ${m.started ? "started" : "unstarted"} ${
      m.learner ? "learner" : "voter"
    } ${m.peer}`
  ).sort().join("; ");
}

async function waitUntil(what: string, f: () => Promise<boolean>, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (!(await f())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** How a point stops the join; returns what it did, for the log. */
type Interrupt = (run: StreamedRun, cp1: E2eNode, cp2: E2eNode) => Promise<string>;

/** SIGKILL when the first stdout line matching `re` appears. */
function killAtLine(re: RegExp): Interrupt {
  return async (run) => {
    const line = await run.waitLine(re, 240_000);
    assert(line !== undefined && run.kill(line), `the line ${re} never came or join ended first`);
    return `SIGKILL after ${JSON.stringify(line)}`;
  };
}

const POINTS: [string, Interrupt][] = [
  [
    "download-certs",
    killAtLine(/^\[download-certs\] Saving the certificates to the folder/),
  ],
  [
    "member added, manifest write failed",
    async (run, _cp1, cp2) => {
      // The other control-plane manifests are written (after preflight, which wants an empty
      // manifests directory); etcd-join comes after check-etcd and kubelet-start.
      const line = await run.waitLine(
        /^\[control-plane\] Creating static Pod manifest for "kube-scheduler"/,
        240_000,
      );
      assert(line !== undefined, "the kube-scheduler manifest line never came");
      await Deno.mkdir(cp2.host.path(`${ETCD_MANIFEST}/blocker`), { recursive: true });
      return `a directory at ${ETCD_MANIFEST} after ${JSON.stringify(line)}`;
    },
  ],
  [
    "member added, killed",
    killAtLine(/^\[etcd\] Announced new etcd member joining to the existing etcd cluster/),
  ],
  [
    "learner started, not promoted",
    async (run, cp1, cp2) => {
      const line = await run.waitLine(/^\[etcd\] Announced new etcd member/, 240_000);
      assert(line !== undefined, "the member add line never came");
      // Frozen as soon as the manifest is there: the run only promotes a started learner, and
      // the kubelet needs more than a second to start etcd.
      await waitUntil(
        "etcd.yaml on cp2",
        () => Deno.stat(cp2.host.path(ETCD_MANIFEST)).then(() => true, () => false),
        60_000,
      );
      assert(run.signal("SIGSTOP"), "the join ended before etcd.yaml was written");
      let last: Member[] = [];
      await waitUntil("cp2 to start as a learner", async () => {
        last = await members(cp1).catch(() => last);
        await sleep(300);
        return last.some((m) => m.name === "cp2" && m.started && m.learner);
      }, 120_000).catch((e) => {
        throw new Error(`${e.message}: ${describe(last)}`);
      });
      assert(run.kill("learner started"), "could not kill the stopped join");
      return "SIGSTOP once etcd.yaml was written, SIGKILL once cp2 was a started learner";
    },
  ],
  [
    "promoted, before the health wait",
    killAtLine(/^\[etcd\] Waiting for the new etcd member to join the cluster/),
  ],
];

Deno.test({
  name:
    `e2e: control-plane join interrupted at ${POINTS.length} points around etcd's member add and promotion, then join --resume (2 voting members, no learner)`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const logs = await logDir("join-resume");
    const t0 = performance.now();
    const results: string[] = [];
    let failures = 0;
    const nodes: E2eNode[] = [];
    try {
      const cp1 = await createNode("cp1", {
        addr: "10.210.90.11/24",
        network: "e2e-jr",
        podCidr: "10.211.90.0/24",
      });
      nodes.push(cp1);
      const cp2 = await createNode("cp2", {
        addr: "10.210.90.12/24",
        network: "e2e-jr",
        podCidr: "10.212.90.0/24",
      });
      nodes.push(cp2);
      await routePodSubnets(nodes);
      for (const n of nodes) {
        await Deno.writeTextFile(
          `${n.host.root}/hosts`,
          `127.0.0.1 localhost\n${nodes.map((m) => `${m.ip} ${m.name}`).join("\n")}\n`,
        );
      }
      const token = "jr0001.0123456789abcdef";
      const certificateKey = "5c".repeat(32);
      const initFile = `${cp1.host.root}/e2e.yaml`;
      await Deno.writeTextFile(
        initFile,
        initConfig(cp1, { controlPlaneEndpoint: `${cp1.ip}:6443`, token, certificateKey }),
      );
      const kubelet = cp1.startKubelet();
      const init = await runTool(cp1, "kubestrap", [
        "init",
        "--config",
        initFile,
        "--upload-certs",
      ], { logTo: `${logs}/cp1-init.log` });
      if (init.code !== 0) throw toolError(init, `logs in ${logs}`);
      await waitNodeReady(cp1, "cp1", 180_000, () => kubelet.log().slice(-3000));
      const joinFile = `${cp2.host.root}/join.yaml`;
      await Deno.writeTextFile(
        joinFile,
        joinConfig(cp2, {
          apiServer: `${cp1.ip}:6443`,
          token,
          caCertHash: await caCertHash(cp1),
          certificateKey,
        }),
      );
      const setupMs = performance.now() - t0;
      results.push(`cluster: cp1 Ready after ${(setupMs / 1000).toFixed(0)} s`);

      for (const [i, [name, interrupt]] of POINTS.entries()) {
        const p0 = performance.now();
        const file = `${logs}/${i}-${name.replace(/[^a-z0-9]+/gi, "-")}.log`;
        try {
          const run = await startKubestrap(cp2, ["join", "--config", joinFile]);
          const how = await interrupt(run, cp1, cp2).catch(async (e) => {
            run.kill();
            await run.finish(60_000);
            await logRun(file, run, `not interrupted: ${(e as Error).message}`);
            throw e;
          });
          const end = await run.finish(300_000);
          const atStop = describe(await members(cp1));
          const manifest = await Deno.stat(cp2.host.path(ETCD_MANIFEST)).then(
            (s) => s.isFile ? "etcd.yaml written" : "etcd.yaml is a directory",
            () => "no etcd.yaml",
          );
          await logRun(file, run, `${how}; exit ${end.code}; members: ${atStop}; ${manifest}`);
          assert(end.code !== 0, `${name}: the join was not interrupted (exit 0)`);
          if (manifest === "etcd.yaml is a directory") {
            assert(/error execution phase etcd-join/.test(run.stderr), run.stderr);
            // The blocker goes; whatever the run wrote stays.
            await Deno.remove(cp2.host.path(ETCD_MANIFEST), { recursive: true });
          }
          const r0 = performance.now();
          const resumed = await startKubestrap(cp2, ["join", "--config", joinFile, "--resume"]);
          const r = await resumed.finish(360_000);
          const resumeMs = performance.now() - r0;
          await logRun(file, resumed, `resume: exit ${r.code}`);
          if (r.code !== 0) {
            throw new Error(`resume exited ${r.code}: ${resumed.stderr.slice(-500)}`);
          }
          const skipped = resumed.lines.filter((l) => l.line.startsWith("[resume] Skipping"));
          const after = await members(cp1);
          await Deno.writeTextFile(file, `# members after the resume: ${describe(after)}\n`, {
            append: true,
          });
          assertEquals(
            after.map((m) => `${m.name} ${m.started} learner=${m.learner}`).sort(),
            ["cp1 true learner=false", "cp2 true learner=false"],
            `${name}: etcd members after the resume`,
          );
          await waitNodeReady(cp1, "cp2", 180_000, () => cp2.kubeletLog().slice(-3000));
          const ready = await cp2.kubectl(
            ["--server", `https://${cp2.ip}:6443`, "get", "--raw", "/readyz"],
            { allowFailure: true },
          );
          assertEquals(ready.stdout.trim(), "ok", `${name}: cp2's /readyz: ${ready.stderr}`);
          assert(
            !(await Deno.stat(cp2.host.path(STATE)).then(() => true, () => false)),
            `${name}: ${STATE} left after a successful join`,
          );
          results.push(
            `${name}: ${how}; at the stop: ${atStop}, ${manifest}; resumed (${skipped.length} phases skipped) in ${
              (resumeMs / 1000).toFixed(1)
            } s; 2 voting members, cp2 Ready, its /readyz ok (${
              ((performance.now() - p0) / 1000).toFixed(0)
            } s)`,
          );
        } catch (e) {
          failures++;
          results.push(`${name}: ERROR ${(e as Error).message.split("\n")[0]}`);
          await Deno.writeTextFile(`${file}.error`, `${(e as Error).stack}\n`);
        }
        console.log(`  ${results.at(-1)}`);
        if (i === POINTS.length - 1) break;
        // The next point joins the same host again: reset removes cp2's etcd member; the Node
        // goes too (else the next join's kubelet-start finds a Ready "cp2").
        const reset = await runTool(cp2, "kubestrap", [
          "reset",
          "--force",
          "--cri-socket",
          cp2.criSocket,
        ], { logTo: `${file}.reset` });
        if (reset.code !== 0) throw toolError(reset, `${name}: reset of cp2`);
        // A pod left running would hold the next join's ports.
        const pods = await cp2.ctrd.crictl(["pods", "-q"], { allowFailure: true });
        assertEquals(pods.trim(), "", `${name}: reset left pods on cp2:\n${reset.stderr}`);
        await cp1.kubectl(["delete", "node", "cp2", "--ignore-not-found"]);
        const left = await members(cp1);
        assertEquals(left.map((m) => m.name), ["cp1"], `after reset: ${describe(left)}`);
      }
    } finally {
      for (const n of nodes) {
        await Deno.writeTextFile(`${logs}/${n.name}.kubelet`, n.kubeletLog()).catch(() => {});
      }
      for (const n of [...nodes].reverse()) {
        await n.destroy().catch((e) => results.push(`teardown ${n.name}: ${e}`));
      }
    }
    results.push(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const summary = results.join("\n");
    await Deno.writeTextFile(`${logs}/summary.txt`, summary + "\n");
    console.log(summary);
    assertEquals(failures, 0, summary);
  },
});
