import { assertEquals, assertRejects } from "../assert.ts";
import { type Phase, Workflow } from "../../lib/workflow.ts";
import { createProgram } from "../../lib/cli.ts";

function tree(log: string[]): Phase<{ log: string[] }>[] {
  const leaf = (name: string): Phase<{ log: string[] }> => ({
    name,
    short: `leaf ${name}`,
    run: (d) => {
      d.log.push(name);
    },
  });
  return [
    leaf("preflight"),
    {
      name: "certs",
      short: "Certificate generation",
      run: (d) => void d.log.push("certs"),
      phases: [
        { name: "all", short: "Generate all certificates", runAllSiblings: true },
        leaf("ca"),
        leaf("apiserver"),
      ],
    },
    {
      name: "addon",
      short: "Install addons",
      phases: [leaf("coredns"), {
        ...leaf("kube-proxy"),
        runIf: () => log.length < 0, // never
      }],
    },
  ];
}

Deno.test("workflow runs phases depth-first, parents before children", async () => {
  const data = { log: [] as string[] };
  const wf = new Workflow(tree([]));
  await wf.run(data);
  assertEquals(data.log, ["preflight", "certs", "ca", "apiserver", "coredns"]);
  assertEquals(wf.phaseNames(), [
    "preflight",
    "certs",
    "certs/ca",
    "certs/apiserver",
    "addon",
    "addon/coredns",
    "addon/kube-proxy",
  ]);
});

Deno.test("skipping a parent skips its children; filter selects a subtree", async () => {
  const data = { log: [] as string[] };
  await new Workflow(tree([])).run(data, { skipPhases: ["certs", "addon/coredns"] });
  assertEquals(data.log, ["preflight"]);
  const only = { log: [] as string[] };
  await new Workflow(tree([])).run(only, { filterPhases: ["certs"] });
  assertEquals(only.log, ["certs", "ca", "apiserver"]);
});

Deno.test("unknown phase names are rejected with kubeadm's message", async () => {
  await assertRejects(
    () => new Workflow(tree([])).run({ log: [] }, { skipPhases: ["bogus"] }),
    Error,
    "invalid phase name: bogus",
  );
});

Deno.test("phase errors are wrapped with the phase's generated name", async () => {
  const wf = new Workflow<{ log: string[] }>([{
    name: "certs",
    short: "x",
    phases: [{
      name: "ca",
      short: "y",
      run: () => {
        throw new Error("boom");
      },
    }],
  }]);
  await assertRejects(() => wf.run({ log: [] }), Error, "error execution phase certs/ca: boom");
});

Deno.test("help table matches kubeadm's layout", () => {
  const wf = new Workflow(tree([]));
  assertEquals(
    wf.help("init"),
    [
      'The "init" command executes the following phases:',
      "```",
      "preflight    leaf preflight",
      "certs        Certificate generation",
      "  /ca          leaf ca",
      "  /apiserver   leaf apiserver",
      "addon        Install addons",
      "  /coredns     leaf coredns",
      "  /kube-proxy  leaf kube-proxy",
      "```",
    ].join("\n"),
  );
});

Deno.test("bind generates phase subcommands with `all`, and --skip-phases", async () => {
  const ran: { filter?: string[]; skip?: string[] }[] = [];
  const wf = new Workflow(tree([]));
  const spec = wf.bind({ use: "init", short: "Init things" }, (_ctx, opts) => {
    ran.push({ filter: opts.filterPhases, skip: opts.skipPhases });
    return Promise.resolve();
  });
  const out: string[] = [];
  const err: string[] = [];
  const prog = createProgram({ use: "kubestrap", short: "root", subcommands: [spec] }, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
  });
  assertEquals(await prog.run(["init", "phase", "certs", "all"]), 0);
  assertEquals(await prog.run(["init", "phase", "certs", "ca"]), 0);
  assertEquals(
    await prog.run(["init", "--skip-phases", "certs,addon", "--skip-phases=preflight"]),
    0,
  );
  assertEquals(ran, [
    { filter: ["certs"], skip: undefined },
    { filter: ["certs/ca"], skip: undefined },
    { filter: undefined, skip: ["certs", "addon", "preflight"] },
  ]);
  const help = prog.helpOf(["init", "phase", "certs"]);
  assertEquals(help.includes("  all         Generate all certificates\n"), true, help);
  assertEquals(help.includes("  apiserver   leaf apiserver\n"), true, help);
  // A parent phase run without a subcommand fails like cobra's RequireSubcommand.
  err.length = 0;
  assertEquals(await prog.run(["init", "phase", "certs"]), 1);
  assertEquals(
    err.join(""),
    "error: \nerror: subcommand is required\n" +
      "To see the stack trace of this error execute with --v=5 or higher\n",
  );
});

Deno.test("timings are recorded for the phases that ran, and reported per phase", async () => {
  const { phaseTimingReport } = await import("../../lib/commands/workflow_cmd.ts");
  const wf = new Workflow(tree([]));
  await wf.run({ log: [] }, { skipPhases: ["addon"] });
  assertEquals(wf.timings.map((t) => t.phase), [
    "preflight",
    "certs",
    "certs/ca",
    "certs/apiserver",
  ]);
  const report = phaseTimingReport([{ phase: "certs/ca", ms: 12.4 }, { phase: "sa", ms: 3 }], 20);
  assertEquals(
    report,
    "[timing] certs/ca 12ms\n[timing] sa       3ms\n[timing] total    20ms\n",
  );
});

Deno.test("prefetch runs for every selected phase before the first run; its errors are ignored", async () => {
  const phase = (name: string, fail = false): Phase<{ log: string[] }> => ({
    name,
    short: name,
    run: (d) => void d.log.push(`run ${name}`),
    prefetch: (d) => {
      d.log.push(`prefetch ${name}`);
      if (fail) throw new Error("no config yet");
    },
  });
  const phases = (): Phase<{ log: string[] }>[] => [
    phase("preflight"),
    { name: "certs", short: "c", phases: [phase("ca", true), phase("apiserver")] },
    phase("kubeconfig"),
  ];
  const all = { log: [] as string[] };
  await new Workflow(phases()).run(all, { skipPhases: ["certs/apiserver"] });
  assertEquals(all.log, [
    "prefetch preflight",
    "prefetch ca",
    "prefetch kubeconfig",
    "run preflight",
    "run ca",
    "run kubeconfig",
  ]);
  const one = { log: [] as string[] };
  await new Workflow(phases()).run(one, { filterPhases: ["certs/apiserver"] });
  assertEquals(one.log, ["prefetch apiserver", "run apiserver"]);
});
