/**
 * Drop-in: the join command the tools take from `kubeadm token create --print-join-command` and
 * run on workers where only `kubeadm` exists. Each tool's own handling of the output (minikube's
 * string replace, the Ansible roles' stdout) is applied to kubestrap's and kubeadm's output; the
 * results must be the same (the random token masked) and must run as a `kubeadm join` line on a
 * worker. No cluster here: `--dry-run` is added and the join line is the last line of stdout (what
 * the tool's stdout is without --dry-run); a kubeconfig points at an API server that is not there.
 * The e2e suite joins real workers through the printed line.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  installs,
  isRoot,
  present,
  runBoth,
  runLine,
  scratchWithKubeconfig,
  stdoutLines,
  type Tool,
  trimSpace,
} from "./helpers.ts";

const TOKEN = /[a-z0-9]{6}\.[a-z0-9]{16}/;

function maskToken(s: string): string {
  return s.replace(new RegExp(TOKEN.source, "g"), "<token>");
}

/** The join line a tool sees: the last line of stdout (the only one without --dry-run). */
function joinLine(stdout: string): string {
  const lines = stdoutLines(stdout).filter((l) => l.trim() !== "");
  return lines[lines.length - 1] + "\n";
}

interface Case {
  source: string;
  /** The tool's command line (run on the control plane), `--dry-run` added here. */
  line: (kubeconfig: string) => string;
  /** The tool's handling of the output: the command it then runs on a worker. */
  toWorkerCommand: (stdout: string, workerKubeadm: string) => string;
}

const CASES: Case[] = [
  {
    source: "minikube (kubernetes/minikube pkg/minikube/bootstrapper/kubeadm/kubeadm.go, " +
      'GenerateToken: strings.Replace(out, "kubeadm", InvokeKubeadm, 1), TrimSpace, ' +
      '+ " --ignore-preflight-errors=all")',
    line: (kc) => `kubeadm token create --print-join-command --ttl=0 --kubeconfig ${kc} --dry-run`,
    toWorkerCommand: (out, invoke) =>
      `${trimSpace(joinLine(out).replace("kubeadm", invoke))} --ignore-preflight-errors=all`,
  },
  {
    source: "geerlingguy.kubernetes (geerlingguy/ansible-role-kubernetes tasks/main.yml: " +
      "`kubeadm token create --print-join-command`, stdout + kubernetes_join_command_extra_opts; " +
      "tasks/node-setup.yml runs it with shell)",
    line: (kc) => `kubeadm token create --print-join-command --kubeconfig ${kc} --dry-run`,
    toWorkerCommand: (out) => `${trimSpace(joinLine(out))} --ignore-preflight-errors=all\n`,
  },
  {
    source: "`kubeadm --kubeconfig=<admin.conf> token create --print-join-command` (the flag " +
      "before the subcommand; Kamaji's tenant-cluster guide and Terraform/Salt scripts in the " +
      "public code index), the line then run with sudo on the worker",
    line: (kc) => `kubeadm --kubeconfig=${kc} token create --print-join-command --dry-run`,
    toWorkerCommand: (out) => trimSpace(joinLine(out)),
  },
];

for (const c of CASES) {
  Deno.test({
    name: `join line: ${c.source}`,
    ignore: !present,
    fn: async () => {
      const { bins } = await installs();
      const { kubeconfig } = await scratchWithKubeconfig();
      const runs = await runBoth(c.line(kubeconfig));
      const worker: Partial<Record<Tool, string>> = {};
      for (const tool of ["kubeadm", "kubestrap"] as const) {
        assertEquals(runs[tool].code, 0, `${tool}: ${runs[tool].stderr}`);
        assertMatch(joinLine(runs[tool].stdout), TOKEN);
        worker[tool] = c.toWorkerCommand(
          runs[tool].stdout,
          `env PATH="${bins[tool]}:$PATH" kubeadm`,
        );
      }
      // The same command once the tool has handled it (the installs' paths and token aside).
      assertEquals(
        maskToken(worker.kubestrap!).replace(bins.kubestrap, "<bin>"),
        maskToken(worker.kubeadm!).replace(bins.kubeadm, "<bin>"),
      );
      assert(/\bkubeadm join 10\.9\.8\.7:6443 --token /.test(worker.kubestrap!), worker.kubestrap);
      // It runs on a worker where only `kubeadm` exists: its flags parse (--help: no cluster).
      for (const tool of ["kubeadm", "kubestrap"] as const) {
        const r = await runLine(tool, `${worker[tool]!.trim()} --help`);
        assertEquals(r.code, 0, `${tool}: ${r.stderr}`);
        assert(r.stdout.includes("Usage:\n  kubeadm join [api-server-endpoint] [flags]"), r.stdout);
      }
    },
  });
}

Deno.test({
  name: "join line: kubespray's token task takes stdout as the token " +
    "(kubernetes-sigs/kubespray roles/kubernetes/kubeadm/tasks/main.yml `kubeadm token create`; " +
    "issue 19: `kubeadm --kubeconfig /etc/kubernetes/admin.conf token create`)",
  ignore: !present,
  fn: async () => {
    const { kubeconfig } = await scratchWithKubeconfig();
    for (
      const line of [
        `kubeadm token create --kubeconfig ${kubeconfig} --dry-run`,
        `kubeadm --kubeconfig ${kubeconfig} token create --dry-run`,
      ]
    ) {
      const runs = await runBoth(line);
      for (const tool of ["kubeadm", "kubestrap"] as const) {
        assertEquals(runs[tool].code, 0, `${tool}: ${runs[tool].stderr}`);
        // kubeadm_token: "{{ temp_token.stdout }}" (the last line here: --dry-run prints more).
        assertMatch(joinLine(runs[tool].stdout), new RegExp(`^${TOKEN.source}\\n$`));
      }
    }
  },
});

/**
 * The self-extracting release artifact under the name `kubeadm` (a symlink): its launcher passes
 * its $0 on, so the join line names `kubeadm`; under the name `kubestrap` it names `kubestrap`.
 * The bundle itself (a symlink to kubestrap.js) is covered by the cases above.
 */
Deno.test({
  name: "join line: the self-extracting .run and the bundle name the program they were invoked as",
  ignore: !present || !isRoot || Deno.build.arch !== "x86_64",
  fn: async () => {
    const { work, bundle } = await installs();
    const { kubeconfig } = await scratchWithKubeconfig();
    const dist = `${work}/sfx`;
    const repo = new URL("../..", import.meta.url).pathname;
    const b = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "scripts/build.ts",
        "--self-extracting",
        "--target",
        "x86_64",
        "--out",
        dist,
      ],
      cwd: repo,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(b.code, 0, new TextDecoder().decode(b.stderr));
    const run = `${dist}/kubestrap-linux-amd64.run`;
    for (
      const [name, target, program] of [
        ["kubeadm", run, "kubeadm"],
        ["kubestrap", run, "kubestrap"],
        ["kubestrap", bundle, "kubestrap"],
        ["kubestrap-linux-amd64.run", run, "kubestrap"],
      ]
    ) {
      const bin = await Deno.makeTempDir({ dir: work, prefix: "bin-" });
      await Deno.symlink(target, `${bin}/${name}`);
      await Deno.symlink(Deno.execPath(), `${bin}/deno`);
      const out = await new Deno.Command("sh", {
        args: [
          "-c",
          `${name} token create --print-join-command --kubeconfig ${kubeconfig} --dry-run`,
        ],
        clearEnv: true,
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          HOME: work,
          KUBESTRAP_RUNTIME_DIR: `${work}/runtime`,
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      assert(
        joinLine(stdout).startsWith(`${program} join 10.9.8.7:6443 --token `),
        `${name}: ${stdout}`,
      );
    }
  },
});
