/**
 * `join --dry-run` without a cluster (issue 19 item 6; kinder's dry-run workflow): as kubeadm
 * v1.37.2, discovery reads cluster-info through the dry-run client, which answers kubeadm's fake
 * cluster-info when the endpoint has none; a token without a signature there switches discovery
 * to kubeadm's dry-run identity (token abcdef.abcdef0123456789, its CA hash, 192.168.0.101:6443),
 * and the cluster's configuration comes from kubeadm's fake ConfigMaps. The `[dryrun]` lines of
 * discovery and configuration, the mutation warning and the exit code are compared with the real
 * kubeadm's, run the same way (endpoint 127.0.0.1:1: nothing listens there), and so is everything
 * from the kubelet start on (the kubelet files printed under the paths they would have had).
 */
import { assert, assertEquals } from "../assert.ts";
import { kubeadmPath } from "../commands/helpers.ts";

const kubeadm = kubeadmPath() ?? "";
const root = Deno.uid?.() === 0;
const present = kubeadm !== "";
const main = new URL("../../main.ts", import.meta.url).pathname;

async function runJoin(cmd: string, pre: string[], args: string[]) {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-join-dryrun-" });
  try {
    const out = await new Deno.Command(cmd, {
      args: [...pre, ...args],
      env: { KUBEADM_JOIN_DRYRUN_DIR: dir },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const d = new TextDecoder();
    const norm = (s: string) => s.replaceAll(dir, "<dry-run dir>");
    return {
      code: out.code,
      stdout: norm(d.decode(out.stdout)),
      stderr: norm(d.decode(out.stderr)),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The output from the first API read up to the kubelet-start phase: discovery and config. */
function apiSection(stdout: string): string {
  const from = stdout.indexOf("[dryrun] Would perform action");
  const to = stdout.indexOf("[kubelet-start]");
  assert(from >= 0 && to > from, stdout);
  return stdout.slice(from, to);
}

function mutationWarning(stderr: string): string {
  const i = stderr.indexOf("[dryrun] Mutating");
  return i < 0 ? "" : stderr.slice(i).split("\n").slice(0, 4).join("\n");
}

for (
  const [name, args] of [
    [
      "a token the endpoint has no signature for: kubeadm's dry-run identity",
      ["--token", "xyzxyz.0123456789abcdef", "--discovery-token-unsafe-skip-ca-verification"],
    ],
    [
      "with a CA pin: the pinned second read",
      [
        "--token",
        "xyzxyz.0123456789abcdef",
        "--discovery-token-ca-cert-hash",
        "sha256:1111111111111111111111111111111111111111111111111111111111111111",
      ],
    ],
    [
      "kubeadm's dry-run token itself",
      ["--token", "abcdef.abcdef0123456789", "--discovery-token-unsafe-skip-ca-verification"],
    ],
  ] as const
) {
  Deno.test({
    name: `join --dry-run without a cluster, ${name}`,
    ignore: !present || !root,
    fn: async () => {
      const common = ["join", "--dry-run", "127.0.0.1:1", ...args, "--ignore-preflight-errors=all"];
      const theirs = await runJoin(kubeadm, [], common);
      const ours = await runJoin(Deno.execPath(), ["run", "-A", main], common);
      assertEquals(ours.code, theirs.code, ours.stderr);
      assertEquals(ours.code, 0, ours.stderr);
      assertEquals(apiSection(ours.stdout), apiSection(theirs.stdout));
      assertEquals(mutationWarning(ours.stderr), mutationWarning(theirs.stderr));
      // The preflight warnings on stderr as kubeadm prints them (no klog header), and no
      // dry-run directory notice for a directory KUBEADM_JOIN_DRYRUN_DIR names.
      const warnings = (s: string) => s.split("\n").filter((l) => l.includes("[WARNING "));
      assertEquals(warnings(ours.stderr), warnings(theirs.stderr));
      assert(warnings(ours.stderr).length > 0, ours.stderr);
      assert(!(ours.stdout + ours.stderr).includes("Using dry-run directory"), ours.stderr);
      // From the kubelet start on: the dry-run directory and the kubelet files as they would be
      // written (kubeadm's PrintFilesIfDryRunning), and the final message.
      const tail = (s: string) => s.slice(s.indexOf("[kubelet-start] Would start the kubelet"));
      assertEquals(tail(ours.stdout), tail(theirs.stdout));
      assert(ours.stdout.includes("This node has joined the cluster:"), ours.stdout);
    },
  });
}

Deno.test({
  name:
    "join --dry-run without a cluster: a token whose id matches but secret does not fails as kubeadm",
  ignore: !present || !root,
  fn: async () => {
    const common = [
      "join",
      "--dry-run",
      "127.0.0.1:1",
      "--token",
      "abcdef.0123456789abcdef",
      "--discovery-token-unsafe-skip-ca-verification",
      "--ignore-preflight-errors=all",
    ];
    const theirs = await runJoin(kubeadm, [], common);
    const ours = await runJoin(Deno.execPath(), ["run", "-A", main], common);
    assertEquals(ours.code, theirs.code);
    const last = (s: string) => s.split("\n").filter((l) => l.startsWith("error: "))[0];
    assertEquals(last(ours.stderr), last(theirs.stderr));
  },
});
