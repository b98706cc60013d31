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
let code = 1;
try {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "tests/e2e/", ...Deno.args],
    cwd: repo,
    env: { KUBESTRAP_E2E: "1", KUBESTRAP_E2E_BUNDLE: bundle },
    stdin: "null",
  }).spawn();
  code = (await child.status).code;
} finally {
  if (!given) await Deno.remove(path.dirname(bundle), { recursive: true }).catch(() => {});
}
console.error(
  `e2e: ${code === 0 ? "passed" : "FAILED"} in ${
    ((performance.now() - started) / 1000).toFixed(0)
  }s`,
);
Deno.exit(code);
