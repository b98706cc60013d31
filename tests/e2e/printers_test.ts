/**
 * The `-o` printers where they need a live cluster (issue 19, item 3): on one kubestrap control
 * plane, kubestrap and the real kubeadm v1.37.2 each run `token list`, `certs check-expiration`
 * (configuration from the kubeadm-config ConfigMap) and `upgrade plan v1.37.2` with the same
 * printers; their stdout, stderr and exit codes must be the same (residual times blanked: the runs
 * are seconds apart). Includes kubespray's renewal-script line
 * `certs check-expiration -o 'jsonpath={.certificates[?(@.residualTime<N.0)]}'` with a threshold
 * beyond the certificates' year (everything selected) and one below it (nothing).
 */
import { assertEquals } from "../assert.ts";
import { cluster, E2E_IGNORE } from "./scenarios.ts";
import { runTool, type ToolRun } from "./tools.ts";

const ignore = E2E_IGNORE;

/** Residual times of two runs seconds apart differ: blanked in every printer's form. */
function normalise(r: ToolRun): string {
  const n = (s: string) => s.replace(/(residualTime\\?"?:? ?)[0-9][0-9.e+]*/g, "$1N");
  return JSON.stringify({ code: r.code, out: n(r.stdout), err: n(r.stderr) });
}

const LINES: string[][] = [
  ["token", "list", "-o", "json"],
  ["token", "list", "-o", "yaml"],
  ["token", "list", "-o", 'jsonpath={.token}{"\\n"}'],
  ["token", "list", "-o", "jsonpath-as-json={.usages}"],
  ["token", "list", "-o", 'go-template={{.token}} {{.ttl}} {{.description}}{{"\\n"}}'],
  ["token", "list", "-o", "go-template={{.nope}}", "--allow-missing-template-keys=false"],
  ["token", "list", "-o", "jsonpath={.nope}", "--allow-missing-template-keys=false"],
  // kubespray k8s-certs-renew.sh: renew when this extraction is not empty
  ["certs", "check-expiration", "-o", "jsonpath={.certificates[?(@.residualTime<34560000.0)]}"],
  ["certs", "check-expiration", "-o", "jsonpath={.certificates[?(@.residualTime<1000.0)]}"],
  ["certs", "check-expiration", "-o", "jsonpath={.certificates[*].name}"],
  ["certs", "check-expiration", "-o", "json"],
  [
    "certs",
    "check-expiration",
    "-o",
    'go-template={{range .certificateAuthorities}}{{.name}} {{gt .residualTime 34560000}}{{"\\n"}}{{end}}',
  ],
  ["upgrade", "plan", "v1.37.2", "-o", "json"],
  ["upgrade", "plan", "v1.37.2", "-o", "jsonpath={.availableUpgrades[*].description}"],
];

Deno.test({
  name:
    "e2e: printers: token list, check-expiration, upgrade plan -o <printer> = kubeadm's on a kubestrap cluster",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const bad: string[] = [];
  await cluster({
    network: "e2e-pr1",
    subnet: 41,
    cpTool: "kubestrap",
    joins: [],
    after: async (cp) => {
      for (const args of LINES) {
        const ours = await runTool(cp, "kubestrap", args);
        const theirs = await runTool(cp, "kubeadm", args);
        const a = normalise(ours), b = normalise(theirs);
        if (a !== b) bad.push(`${args.join(" ")}\n--- kubeadm\n${b}\n--- kubestrap\n${a}`);
        if (theirs.code === 0 && theirs.stdout === "" && !args.includes("plan")) {
          if (!args.some((a) => a.includes("<1000.0"))) bad.push(`${args.join(" ")}: no output`);
        }
      }
    },
  });
  assertEquals(bad, []);
});
