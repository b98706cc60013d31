/**
 * Drop-in: the version checks of the tools that drive kubeadm, run as each tool writes them with
 * kubestrap installed as `kubeadm` and with the real kubeadm v1.37.2; the tool's own parsing is
 * applied to both outputs and what it extracts must be the same.
 */
import { assertEquals } from "../assert.ts";
import { present, runBoth, type Tool, trimSpace } from "./helpers.ts";

/** k8s.io/apimachinery's version.ParseSemantic, as far as these checks need it. */
function parseSemantic(s: string): string {
  const m = s.match(/^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/);
  if (!m) throw new Error(`${JSON.stringify(s)} is not a valid kubeadm version`);
  return `${m[1]}.${m[2]}.${m[3]}${m[4] ?? ""}`;
}

interface Case {
  /** The tool and where the line is in its source. */
  source: string;
  line: string;
  /** The tool's parsing of stdout (throws where the tool would fail). */
  extract: (stdout: string) => unknown;
  /** What the tool needs to extract to go on as with kubeadm (checked for both). */
  expect?: unknown;
}

const CASES: Case[] = [
  {
    source: "kinder (kubernetes/kubeadm kinder/pkg/cluster/status/node.go, Node.KubeadmVersion)",
    line: "kubeadm version -o=short",
    extract: (out) => {
      // RunAndCapture: the output lines; exactly one, a semantic version.
      const lines = out.split("\n").filter((l, i, a) => !(l === "" && i === a.length - 1));
      if (lines.length !== 1) {
        throw new Error(`kubeadm version should only be one line, got ${lines.length} lines`);
      }
      return parseSemantic(lines[0]);
    },
    expect: "1.37.2",
  },
  {
    source: "kubernetes/kubernetes cmd/kubeadm/test/cmd (getKubeadmVersion: MustParseSemantic of " +
      "TrimSpace of `version -o=short`)",
    line: "kubeadm version -o=short",
    extract: (out) => parseSemantic(trimSpace(out)),
    expect: "1.37.2",
  },
  {
    source: "image-builder (kubernetes-sigs/image-builder images/capi/packer/goss/" +
      "goss-command.yaml: stdout must be [kubernetes_version])",
    line: `kubeadm version -o json | jq .clientVersion.gitVersion | tr -d '"' | ` +
      `awk '{print substr($1,2); }'`,
    extract: (out) => out.split("\n").filter((l) => l !== ""),
    expect: ["1.37.2"],
  },
  {
    source: "kubekey (issue 19's survey: `kubeadm version -o short` compared as a string; its " +
      "line is not in the code index)",
    line: `[ "$(kubeadm version -o short)" = "v1.37.2" ] && echo same || echo replace`,
    extract: (out) => out.trim(),
    expect: "same",
  },
  {
    source: "kinder and kubeadm's docs: `kubeadm version -o short` with the shorthand attached",
    line: "kubeadm version -oshort",
    extract: (out) => out,
    expect: "v1.37.2\n",
  },
  {
    source:
      "scripts that read gitVersion from the yaml form (`grep gitVersion | awk '{print $2}'`)",
    line: "kubeadm version -o yaml | grep gitVersion | awk '{print $2}'",
    extract: (out) => out,
    expect: "v1.37.2\n",
  },
  {
    source: 'scripts that read GitVersion from the default form (sed on `GitVersion:"..."`)',
    line: `kubeadm version | sed -n 's/.*GitVersion:"\\([^"]*\\)".*/\\1/p'`,
    extract: (out) => out,
    expect: "v1.37.2\n",
  },
  // Issue 16 item 6: pflag's forms of the klog verbosity flag, before and after the command.
  ...["-v=5", "--v=5", "-v5", "-v 5", "--v 5"].flatMap((v) => [
    {
      source: `kubeadm's own hint "execute with --v=5 or higher", as ${v} after the command`,
      line: `kubeadm version -o short ${v} 2>/dev/null`,
      extract: (out: string) => out,
      expect: "v1.37.2\n",
    },
    {
      source: `${v} before the command (cobra takes persistent flags anywhere)`,
      line: `kubeadm ${v} version -o short 2>/dev/null`,
      extract: (out: string) => out,
      expect: "v1.37.2\n",
    },
  ]),
];

for (const c of CASES) {
  Deno.test({
    name: `version: ${c.line} — ${c.source}`,
    ignore: !present,
    fn: async () => {
      const runs = await runBoth(c.line);
      const got: Partial<Record<Tool, unknown>> = {};
      for (const tool of ["kubeadm", "kubestrap"] as const) {
        assertEquals(runs[tool].code, 0, `${tool}: ${runs[tool].stderr}`);
        got[tool] = c.extract(runs[tool].stdout);
      }
      assertEquals(got.kubestrap, got.kubeadm);
      if (c.expect !== undefined) assertEquals(got.kubestrap, c.expect);
    },
  });
}
