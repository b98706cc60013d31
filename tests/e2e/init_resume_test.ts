/**
 * `init --resume` on a real node (issue 16): `kubestrap init` is SIGKILLed when a given line of
 * its output appears (points spread over its phases: certificates, kubeconfig files, static Pod
 * manifests, kubelet start, the control-plane wait, the API phases, the addons), then
 * `kubestrap init --resume` with the same configuration must finish (exit 0) with the node
 * Ready, the API server's /readyz ok, and a worker must join with the join command the resumed
 * run printed. Each point gets fresh nodes. Logs (every run with its line times) in
 * $KUBESTRAP_E2E_LOGS/<time>-init-resume/.
 */
import { assert, assertEquals } from "../assert.ts";
import { isRoot, skipReason, testbedReady } from "../harness/mod.ts";
import {
  createNode,
  type E2eNode,
  initConfig,
  joinConfig,
  routePodSubnets,
  waitNodeReady,
} from "./cluster.ts";
import { runTool, toolError } from "./tools.ts";
import { logDir } from "./scenarios.ts";
import { logRun, startKubestrap } from "./streamed_run.ts";

const wanted = Deno.env.get("KUBESTRAP_E2E") === "1";
if (wanted && !testbedReady) console.warn(`tests/e2e: skipped: ${skipReason}`);
const ignore = !wanted || !testbedReady || !isRoot;

/** Kill points: the first stdout line matching each. */
const POINTS: [string, RegExp][] = [
  ["certs: apiserver", /^\[certs\] Generating "apiserver" certificate and key/],
  ["certs: etcd/peer", /^\[certs\] Generating "etcd\/peer" certificate and key/],
  ["kubeconfig: admin.conf", /^\[kubeconfig\] Writing "admin.conf"/],
  [
    "control-plane: kube-apiserver",
    /^\[control-plane\] Creating static Pod manifest for "kube-apiserver"/,
  ],
  ["kubelet-start", /^\[kubelet-start\] Starting the kubelet/],
  ["wait-control-plane", /^\[control-plane-check\] Waiting for healthy control plane components/],
  ["upload-config", /^\[upload-config\] Storing the configuration/],
  ["bootstrap-token", /^\[bootstrap-token\] Using token/],
  ["addons: CoreDNS", /^\[addons\] Applied essential addon: CoreDNS/],
];

Deno.test({
  name:
    `e2e: init SIGKILLed at ${POINTS.length} points, then init --resume finishes (node Ready, a worker joins)`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const logs = await logDir("init-resume");
    const results: string[] = [];
    let failures = 0;
    for (const [i, [name, re]] of POINTS.entries()) {
      const file = `${logs}/${i}-${name.replace(/[^a-z0-9]+/gi, "-")}.log`;
      let node: E2eNode | undefined;
      let worker: E2eNode | undefined;
      try {
        node = await createNode("cp", {
          addr: `10.210.${70 + i}.11/24`,
          network: `e2e-ir${i}`,
          podCidr: `10.211.${70 + i}.0/24`,
        });
        const config = `${node.host.root}/e2e.yaml`;
        await Deno.writeTextFile(config, initConfig(node, {}));
        const kubelet = node.startKubelet();
        const run = await startKubestrap(node, ["init", "--config", config]);
        const line = await run.waitLine(re, 240_000);
        const killed = line !== undefined && run.kill(line);
        const end = await run.finish(300_000);
        await logRun(
          file,
          run,
          `killed: ${killed} after ${JSON.stringify(line)}, exit ${end.code}`,
        );
        assert(killed, `${name}: the line never came or init ended first (exit ${end.code})`);
        const resumed = await startKubestrap(node, ["init", "--config", config, "--resume"]);
        const r = await resumed.finish(360_000);
        await logRun(file, resumed, `resume: exit ${r.code}`);
        const skipped = resumed.lines.filter((l) => l.line.startsWith("[resume] Skipping")).length;
        if (r.code !== 0) {
          failures++;
          results.push(`${name}: resume FAILED (exit ${r.code}); see ${file}`);
          continue;
        }
        await waitNodeReady(node, "cp", 180_000, () => kubelet.log().slice(-3000));
        const ready = await node.kubectl(["get", "--raw=/readyz"], { allowFailure: true });
        assertEquals(ready.stdout.trim(), "ok", `${name}: /readyz ${ready.stderr}`);
        // A worker joins with the token and CA pin the resumed init printed (a token generated
        // by the killed run is kept: the resumed run must not print one it never created).
        const token = /--token (\S+)/.exec(resumed.stdout)?.[1];
        const pin = /--discovery-token-ca-cert-hash (\S+)/.exec(resumed.stdout)?.[1];
        assert(token && pin, `${name}: no join command printed`);
        worker = await createNode("w1", {
          addr: `10.210.${70 + i}.12/24`,
          network: `e2e-ir${i}`,
          podCidr: `10.221.${70 + i}.0/24`,
        });
        await routePodSubnets([node, worker]);
        const joinFile = `${worker.host.root}/join.yaml`;
        await Deno.writeTextFile(
          joinFile,
          joinConfig(worker, { apiServer: `${node.ip}:6443`, token, caCertHash: pin }),
        );
        const join = await runTool(worker, "kubestrap", ["join", "--config", joinFile], {
          logTo: `${file}.join`,
        });
        if (join.code !== 0) throw toolError(join, `${name}: worker join`);
        const w = worker;
        await waitNodeReady(node, "w1", 180_000, () => w.kubeletLog().slice(-3000));
        results.push(
          `${name}: killed, resumed (${skipped} phases skipped), node Ready, /readyz ok, a worker joined (Ready)`,
        );
      } catch (e) {
        failures++;
        results.push(`${name}: ERROR ${(e as Error).message.split("\n")[0]}`);
        await Deno.writeTextFile(`${file}.error`, `${(e as Error).stack}\n`);
      } finally {
        for (const n of [worker, node]) {
          if (!n) continue;
          await Deno.writeTextFile(`${file}.${n.name}.kubelet`, n.kubeletLog()).catch(() => {});
          await n.destroy().catch((e) => results.push(`${name}: teardown: ${e}`));
        }
      }
      console.log(`  ${results.at(-1)}`);
    }
    const summary = results.join("\n");
    await Deno.writeTextFile(`${logs}/summary.txt`, summary + "\n");
    console.log(summary);
    assertEquals(failures, 0, summary);
  },
});
