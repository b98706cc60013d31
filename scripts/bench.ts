/**
 * Benchmarks against the real kubeadm, in one run, alternating the two tools so that both see
 * the same machine load.
 *
 *   deno run -A scripts/bench.ts certs [--rounds N]
 *   deno run -A scripts/bench.ts e2e [--rounds N]       (root, test bed; see benchE2e)
 *
 * `certs`: wall time of `init phase certs all --cert-dir <fresh temp dir>`, kubestrap as the
 * release bundle (dist/kubestrap.js, built first) run by the pinned deno, kubeadm v1.37.2 from
 * the test bed. Prints each tool's median and the kubestrap/kubeadm ratio.
 */
import * as path from "@std/path";
import { RUNTIME_V8_ARG } from "./runtime_flags.ts";
import { kubeadmBinary } from "../tests/harness/testbed.ts";

const repo = path.resolve(import.meta.dirname!, "..");
const kubeadm = kubeadmBinary();

async function timeRun(cmd: string, args: string[]): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  const ms = performance.now() - start;
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function benchCerts(rounds: number): Promise<void> {
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/build.ts", "--bundle-only"],
    cwd: repo,
    stdout: "null",
  }).output();
  if (build.code !== 0) throw new Error("bundle build failed");
  const bundle = path.join(repo, "dist", "kubestrap.js");
  const tools: Record<string, (dir: string) => [string, string[]]> = {
    kubestrap: (
      dir,
    ) => [Deno.execPath(), [
      "run",
      "-A",
      RUNTIME_V8_ARG,
      bundle,
      "init",
      "phase",
      "certs",
      "all",
      "--cert-dir",
      dir,
    ]],
    kubeadm: (dir) => [kubeadm, ["init", "phase", "certs", "all", "--cert-dir", dir]],
  };
  const times: Record<string, number[]> = { kubestrap: [], kubeadm: [] };
  const work = await Deno.makeTempDir({ prefix: "kubestrap-bench-" });
  try {
    for (let i = 0; i < rounds; i++) {
      // Alternate which tool goes first in each round.
      const order = i % 2 === 0 ? ["kubestrap", "kubeadm"] : ["kubeadm", "kubestrap"];
      for (const t of order) {
        const [cmd, args] = tools[t](path.join(work, `${t}-${i}`, "pki"));
        times[t].push(await timeRun(cmd, args));
      }
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  const ks = median(times.kubestrap);
  const ka = median(times.kubeadm);
  console.log(`init phase certs all, ${rounds} rounds alternating, median wall time:`);
  console.log(`  kubestrap ${ks.toFixed(0)} ms`);
  console.log(`  kubeadm   ${ka.toFixed(0)} ms`);
  console.log(`  ratio kubestrap/kubeadm ${(ks / ka).toFixed(2)} (target <= 0.6)`);
}

/**
 * `e2e`: a control plane and a token-joined worker on namespace hosts (root, test bed), made by
 * kubestrap (bundle) and kubeadm alternately; default 3 rounds. See tests/e2e/bench.ts.
 */
async function benchE2e(rounds: number): Promise<void> {
  const e2e = await import("../tests/e2e/bench.ts");
  await e2e.benchE2e(rounds);
}

/**
 * `upgrade`: identical kubeadm v1.36.3 clusters upgraded to v1.37.2 by kubestrap and by kubeadm,
 * alternately (root, test bed with v1.36.3); default 3 rounds. See tests/e2e/bench_upgrade.ts.
 */
async function benchUpgrade(rounds: number): Promise<void> {
  Deno.env.set("KUBESTRAP_E2E", "1");
  const b = await import("../tests/e2e/bench_upgrade.ts");
  await b.benchUpgrade(rounds);
}

if (import.meta.main) {
  const [what, ...rest] = Deno.args;
  const roundsIdx = rest.indexOf("--rounds");
  const rounds = roundsIdx >= 0 ? Number(rest[roundsIdx + 1]) : 10;
  try {
    await Deno.stat(kubeadm);
  } catch {
    console.error(`bench: ${kubeadm} is missing; run \`deno task testbed\` first`);
    Deno.exit(1);
  }
  switch (what) {
    case "certs":
      await benchCerts(rounds);
      break;
    case "e2e":
      await benchE2e(roundsIdx >= 0 ? rounds : 3);
      break;
    case "upgrade":
      await benchUpgrade(roundsIdx >= 0 ? rounds : 3);
      break;
    default:
      console.error("usage: deno run -A scripts/bench.ts certs|e2e|upgrade [--rounds N]");
      Deno.exit(1);
  }
}
