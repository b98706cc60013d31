/**
 * End-to-end tests: real clusters (containerd, runc, bridge CNI, kubelet, the test bed's images)
 * in namespace hosts on this machine, kubestrap as the release bundle, kubeadm v1.37.2 as the
 * control case and for interop. Needs root and the test bed (`deno task testbed`).
 *
 *   deno run -A scripts/e2e.ts [deno test arguments, e.g. --filter interop]
 *
 * Builds dist/kubestrap.js once (from the committed HEAD; KUBESTRAP_E2E_SOURCE=tree for the
 * working tree, KUBESTRAP_E2E_BUNDLE=<file> to test a given bundle) and runs tests/e2e/ with it,
 * one test at a time (each scenario is a whole cluster). The tests run only with KUBESTRAP_E2E=1
 * (set here), so `deno task test` skips them. Logs of every tool run and kubelet go to
 * KUBESTRAP_E2E_LOGS (default /tmp/kubestrap-e2e-logs). See tests/e2e/README.md.
 *
 * The test files run one after another, cheapest first. With KUBESTRAP_E2E_DEADLINE (Unix
 * seconds; `.ci/run` sets it from CI's 90 minutes) a file whose usual duration on two idle CPUs
 * (FILE_MINUTES) would end after the deadline is not started, and says so. The last line sums
 * the files' results in deno test's summary form.
 */
import * as path from "@std/path";
import { kubestrapBundle } from "../tests/e2e/tools.ts";

const repo = path.resolve(import.meta.dirname!, "..");
const given = Deno.env.get("KUBESTRAP_E2E_BUNDLE");
const started = performance.now();
const bundle = await kubestrapBundle();
console.error(
  `e2e: kubestrap bundle ${bundle} (${((performance.now() - started) / 1000).toFixed(1)}s)`,
);
/** Usual minutes per file on two idle CPUs (tests/e2e/README.md), the order they run in. */
const FILE_MINUTES: [string, number][] = [
  ["one_host_test.ts", 2],
  ["multi_host_test.ts", 6],
  ["airgap_test.ts", 1.5],
  ["dropin_test.ts", 2],
  ["cert_renewal_test.ts", 3],
  ["printers_test.ts", 1.5],
  ["join_resume_test.ts", 3],
  ["init_resume_test.ts", 8],
  ["init_faults_test.ts", 4],
  ["upgrade_test.ts", 26],
  ["upgrade_faults_test.ts", 14],
];
const UNKNOWN_FILE_MINUTES = 5;

const e2eDir = path.join(repo, "tests", "e2e");
const files = [...Deno.readDirSync(e2eDir)].map((e) => e.name).filter((n) =>
  n.endsWith("_test.ts")
);
const rank = (f: string) => {
  const i = FILE_MINUTES.findIndex(([n]) => n === f);
  return i < 0 ? FILE_MINUTES.length : i;
};
files.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
const deadline = Number(Deno.env.get("KUBESTRAP_E2E_DEADLINE") ?? "") || undefined;
const faultsOff = Deno.env.get("KUBESTRAP_E2E_UPGRADE_FAULTS") === "0";

let code = 0;
let passed = 0, failed = 0;
const skipped: string[] = [];
try {
  for (const file of files) {
    if (file === "upgrade_faults_test.ts" && faultsOff) continue;
    const minutes = FILE_MINUTES.find(([n]) => n === file)?.[1] ?? UNKNOWN_FILE_MINUTES;
    if (deadline && Date.now() / 1000 + minutes * 60 > deadline) {
      const left = Math.max(0, (deadline - Date.now() / 1000) / 60);
      console.log(
        `e2e: ${file} not started: it usually takes ${minutes} min, ${left.toFixed(0)} min left`,
      );
      skipped.push(file);
      continue;
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", `tests/e2e/${file}`, ...Deno.args],
      cwd: repo,
      // No colours: the summary line is read back from the output.
      env: { KUBESTRAP_E2E: "1", KUBESTRAP_E2E_BUNDLE: bundle, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
    }).spawn();
    // Pass the output on as it comes, keeping the last summary line.
    let tail = "";
    const dec = new TextDecoder();
    for await (const chunk of child.stdout) {
      await Deno.stdout.write(chunk);
      tail = (tail + dec.decode(chunk, { stream: true })).slice(-4096);
    }
    const st = await child.status;
    if (st.code !== 0) code = st.code;
    const m = [...tail.matchAll(/^(?:ok|FAILED) \| (\d+) passed(?: \([^)]*\))? \| (\d+) failed/gm)]
      .at(-1);
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    } else if (st.code !== 0) failed++;
  }
} finally {
  if (!given) await Deno.remove(path.dirname(bundle), { recursive: true }).catch(() => {});
}
if (skipped.length) console.log(`e2e: not started for lack of time: ${skipped.join(", ")}`);
console.log(
  `${code === 0 ? "ok" : "FAILED"} | ${passed} passed | ${failed} failed (all e2e files)`,
);
console.error(
  `e2e: ${code === 0 ? "passed" : "FAILED"} in ${
    ((performance.now() - started) / 1000).toFixed(0)
  }s`,
);
Deno.exit(code);
