import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { createProgram } from "../../lib/cli.ts";
import { NotImplementedError } from "../../lib/errors.ts";
import { Workflow } from "../../lib/workflow.ts";
import { run, STACK_HINT } from "./helpers.ts";

const INIT_PHASES = [
  "addon",
  "bootstrap-token",
  "certs",
  "control-plane",
  "etcd",
  "kubeconfig",
  "kubelet-finalize",
  "kubelet-start",
  "mark-control-plane",
  "preflight",
  "show-join-command",
  "upload-certs",
  "upload-config",
  "wait-control-plane",
];

function availableCommands(help: string): string[] {
  const section = help.split("Available Commands:\n")[1]?.split("\n\n")[0] ?? "";
  return section.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter((s) => s);
}

Deno.test("init phase --help lists kubeadm's init phases", async () => {
  const r = await run("init", "phase", "--help");
  assertEquals(r.code, 0);
  assertEquals(availableCommands(r.out), INIT_PHASES);
  assertStringIncludes(r.out, 'Use this command to invoke single phase of the "init" workflow');
});

Deno.test("init phase certs --help lists its sub-phases plus all", async () => {
  const r = await run("init", "phase", "certs", "--help");
  assertEquals(r.code, 0);
  assertEquals(availableCommands(r.out), [
    "all",
    "apiserver",
    "apiserver-etcd-client",
    "apiserver-kubelet-client",
    "ca",
    "etcd-ca",
    "etcd-healthcheck-client",
    "etcd-peer",
    "etcd-server",
    "front-proxy-ca",
    "front-proxy-client",
    "sa",
  ]);
});

Deno.test("join, reset and upgrade node phases; hidden phases have no subcommand", async () => {
  const join = await run("join", "phase", "--help");
  assertEquals(availableCommands(join.out), [
    "control-plane-join",
    "control-plane-prepare",
    "etcd-join",
    "kubelet-start",
    "kubelet-wait-bootstrap",
    "preflight",
    "wait-control-plane",
  ]);
  const reset = await run("reset", "phase", "--help");
  assertEquals(availableCommands(reset.out), ["cleanup-node", "preflight", "remove-etcd-member"]);
  const node = await run("upgrade", "node", "phase", "--help");
  assertEquals(availableCommands(node.out), [
    "addon",
    "control-plane",
    "kubelet-config",
    "post-upgrade",
    "preflight",
  ]);
  const check = await run("join", "phase", "check-etcd");
  assertEquals(check.code, 1);
  assertEquals(
    check.err,
    `error: unknown command "check-etcd" for "kubestrap join phase"\n` +
      STACK_HINT,
  );
});

Deno.test("phase usage lines keep kubeadm's argument hints", async () => {
  const r = await run("join", "phase", "preflight", "--help");
  assertStringIncludes(r.out, "  kubestrap join phase preflight [api-server-endpoint] [flags]\n");
  const all = await run("join", "phase", "control-plane-prepare", "all", "--help");
  assertStringIncludes(
    all.out,
    "  kubestrap join phase control-plane-prepare all [api-server-endpoint] [flags]\n",
  );
});

Deno.test("unknown flag exits 1 with pflag's message", async () => {
  const r = await run("version", "--x");
  assertEquals(r.code, 1);
  assertEquals(r.err, "error: unknown flag: --x\n" + STACK_HINT);
  const s = await run("init", "-q");
  assertEquals(s.err, "error: unknown shorthand flag: 'q' in -q\n" + STACK_HINT);
});

Deno.test("bad args exit 1 with cobra's messages", async () => {
  const none = await run("version", "extra");
  assertEquals(none.code, 1);
  assertEquals(none.err, `error: unknown command "extra" for "kubestrap version"\n` + STACK_HINT);
  const max = await run("join", "a", "b");
  assertEquals(max.code, 1);
  assertEquals(max.err, "error: accepts at most 1 arg(s), received 2\n" + STACK_HINT);
  const root = await run("inti");
  assertEquals(root.code, 1);
  assertEquals(
    root.err,
    `error: unknown command "inti" for "kubestrap"\n\nDid you mean this?\n\tinit\n\n` + STACK_HINT,
  );
});

Deno.test("a parent command without subcommand prints help and fails", async () => {
  const r = await run("token");
  assertEquals(r.code, 1);
  assertStringIncludes(r.out, "Available Commands:");
  assertEquals(r.err, "error: \nerror: subcommand is required\n" + STACK_HINT);
});

Deno.test("not-implemented commands exit 1 with a clear message", async () => {
  let err = "";
  const prog = createProgram({
    use: "kubestrap",
    short: "test",
    subcommands: [{
      use: "later",
      short: "later",
      run: () => {
        throw new NotImplementedError("kubeadm later");
      },
    }],
  }, { out: () => {}, err: (s) => void (err += s) });
  assertEquals(await prog.run(["later"]), 1);
  assertEquals(err, "error: kubeadm later is not implemented yet in kubestrap\n" + STACK_HINT);
});

Deno.test("a phase error is wrapped with the phase name", async () => {
  const wf = new Workflow<Record<string, never>>([{
    name: "certs",
    short: "Certificate generation",
    phases: [{
      name: "ca",
      short: "ca",
      run: () => {
        throw new NotImplementedError("kubeadm init phase certs ca");
      },
    }],
  }]);
  let err = "";
  const prog = createProgram({
    use: "kubestrap",
    short: "test",
    subcommands: [wf.bind({ use: "init", short: "init" }, (_ctx, opts) => wf.run({}, opts))],
  }, { out: () => {}, err: (s) => void (err += s) });
  assertEquals(await prog.run(["init", "phase", "certs", "ca"]), 1);
  assertEquals(
    err,
    "error: error execution phase certs/ca: kubeadm init phase certs ca is not implemented " +
      "yet in kubestrap\n" + STACK_HINT,
  );
});

Deno.test("--skip-phases with an unknown phase", async () => {
  const r = await run("init", "--skip-phases", "bogus");
  assertEquals(r.code, 1);
  assert(r.err.endsWith("error: invalid phase name: bogus\n" + STACK_HINT), r.err);
});

Deno.test("required flags and bool flags set to false", async () => {
  const r = await run("kubeconfig", "user");
  assertEquals(r.code, 1);
  assertEquals(r.err, `error: required flag(s) "client-name" not set\n` + STACK_HINT);
  const b = await run("version", "--help=false", "-o", "bogus");
  assertEquals(b.err, "error: invalid output format: bogus\n" + STACK_HINT);
});

Deno.test("deprecated flags are hidden and warn when used", async () => {
  const h = await run("init", "phase", "control-plane", "apiserver", "--help");
  assert(!h.out.includes("apiserver-extra-args"));
  // In a temporary root: the phase writes its manifest.
  const root = await Deno.makeTempDir({ prefix: "kubestrap-deprecated-flag-" });
  try {
    const r = await run(
      "init",
      "phase",
      "control-plane",
      "apiserver",
      "--apiserver-extra-args=a=b",
      "--apiserver-advertise-address=192.0.2.10",
      "--rootfs",
      root,
    );
    assertStringIncludes(
      r.err,
      "Flag --apiserver-extra-args has been deprecated, use " +
        "'ClusterConfiguration.apiServer.extraArgs' instead. This flag will be removed in a future " +
        "version\n",
    );
    assertEquals(r.code, 0, r.err);
    // The deprecated flag still works.
    const manifest = await Deno.readTextFile(
      `${root}/etc/kubernetes/manifests/kube-apiserver.yaml`,
    );
    assertStringIncludes(manifest, "    - --a=b\n");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("completion: bash and zsh scripts; other shells rejected", async () => {
  const r = await run("completion", "bash");
  assertEquals(r.code, 0);
  const check = new Deno.Command("bash", { args: ["-n"], stdin: "piped", stderr: "piped" })
    .spawn();
  const w = check.stdin.getWriter();
  await w.write(new TextEncoder().encode(r.out));
  await w.close();
  const res = await check.output();
  assertEquals(res.code, 0, new TextDecoder().decode(res.stderr));
  const z = await run("completion", "zsh");
  assertEquals(z.code, 0);
  assertStringIncludes(z.out, "bashcompinit");
  // fish is kubestrap's addition (kubeadm has bash and zsh only).
  const f = await run("completion", "fish");
  assertEquals(f.code, 0, f.err);
  assertStringIncludes(
    f.out,
    "complete -c kubestrap -f -n '__kubestrap_at \\'init phase\\'' -a 'certs'",
  );
  const fish = await new Deno.Command("fish", { args: ["-n"], stdin: "piped", stderr: "piped" })
    .spawn();
  const fw = fish.stdin.getWriter();
  await fw.write(new TextEncoder().encode(f.out));
  await fw.close();
  const fres = await fish.output();
  assertEquals(fres.code, 0, new TextDecoder().decode(fres.stderr));
  const bad = await run("completion", "tcsh");
  assertEquals(bad.code, 1);
  assertStringIncludes(
    bad.err,
    `unsupported shell type "tcsh", the supported shell types are [bash zsh fish]`,
  );
  const none = await run("completion");
  assertEquals(none.err, "error: shell not specified\n" + STACK_HINT);
});

async function complete(script: string, line: string): Promise<string[]> {
  const words = line.split(" ");
  const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})
COMP_CWORD=${words.length - 1}
__kubestrap_complete
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const out = await new Deno.Command("bash", { args: ["-c", program], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((s) => s);
}

Deno.test("completion bash completes subcommands, aliases and flags", async () => {
  const { out } = await run("completion", "bash");
  assertEquals(await complete(out, "kubestrap in"), ["init"]);
  assertEquals(await complete(out, "kubestrap init phase ce"), ["certs"]);
  assertEquals(await complete(out, "kubestrap certificates renew sch"), ["scheduler.conf"]);
  assertEquals(await complete(out, "kubestrap init --config x.yaml phase et"), ["etcd"]);
  assertEquals(await complete(out, "kubestrap token create --print"), ["--print-join-command"]);
  assertEquals(await complete(out, "kubestrap completion z"), ["zsh"]);
});

Deno.test("a shorthand with = takes the value, as pflag does: -o=json, -v=5", async () => {
  const json = await run("version", "-o=json");
  assertEquals(json.code, 0, json.err);
  assertEquals(JSON.parse(json.out).clientVersion.gitVersion.startsWith("v1.37.2"), true);
  const verbose = await run("version", "-v=5", "-o", "json");
  assertEquals(verbose.code, 0, verbose.err);
  const bad = await run("version", "-v=x");
  assertEquals(bad.code, 1);
  assertStringIncludes(bad.err, 'invalid argument "x" for "-v, --v" flag');
});
