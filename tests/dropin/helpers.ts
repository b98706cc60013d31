/**
 * kubestrap installed as `kubeadm`, the way the tools that drive kubeadm find it: a symlink named
 * `kubeadm` on PATH to the release bundle (scripts/build.ts, built once per test process from the
 * working tree; KUBESTRAP_DROPIN_BUNDLE names a built one), next to the pinned `deno` its shebang
 * runs. The real kubeadm v1.37.2 sits on another PATH under the same name. A tool's command line
 * runs through `sh -c` exactly as the tool writes it, with one PATH or the other.
 */
import * as path from "@std/path";
import { kubeadmBinary } from "../harness/testbed.ts";

const repo = path.resolve(import.meta.dirname!, "..", "..");
export const REAL_KUBEADM: string = kubeadmBinary();

export const present = (() => {
  try {
    return Deno.statSync(REAL_KUBEADM).isFile;
  } catch {
    return false;
  }
})();

export const isRoot = Deno.uid() === 0;

export type Tool = "kubeadm" | "kubestrap";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dirs: Promise<{ work: string; bins: Record<Tool, string>; bundle: string }> | undefined;

async function sh(cmd: string, args: string[], cwd = repo): Promise<Run> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** The two PATH directories (built once): each has a `kubeadm`. */
export function installs(): Promise<{ work: string; bins: Record<Tool, string>; bundle: string }> {
  dirs ??= (async () => {
    const work = await Deno.makeTempDir({ prefix: "kubestrap-dropin-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(work, { recursive: true });
      } catch {
        // gone
      }
    });
    let bundle = Deno.env.get("KUBESTRAP_DROPIN_BUNDLE");
    if (!bundle) {
      const r = await sh(Deno.execPath(), [
        "run",
        "-A",
        "scripts/build.ts",
        "--bundle-only",
        "--out",
        `${work}/dist`,
      ]);
      if (r.code !== 0) throw new Error(`build failed:\n${r.stderr}`);
      bundle = `${work}/dist/kubestrap.js`;
    }
    await Deno.chmod(bundle, 0o755);
    const bins = { kubeadm: `${work}/kubeadm-bin`, kubestrap: `${work}/kubestrap-bin` };
    for (const d of Object.values(bins)) await Deno.mkdir(d);
    await Deno.symlink(REAL_KUBEADM, `${bins.kubeadm}/kubeadm`);
    await Deno.symlink(bundle, `${bins.kubestrap}/kubeadm`);
    await Deno.symlink(Deno.execPath(), `${bins.kubestrap}/deno`);
    return { work, bins, bundle };
  })();
  return dirs;
}

/**
 * Runs `line` (a tool's shell command line, `kubeadm` resolved through PATH) with `tool`
 * installed as `kubeadm`. `cwd` holds the files the line refers to.
 */
export async function runLine(
  tool: Tool,
  line: string,
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const { work, bins } = await installs();
  const out = await new Deno.Command("sh", {
    args: ["-c", line],
    cwd: opts.cwd ?? work,
    clearEnv: true,
    env: {
      PATH: `${bins[tool]}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: work,
      NO_COLOR: "1",
      ...opts.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** Runs `line` with both tools. */
export async function runBoth(
  line: string,
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Record<Tool, Run>> {
  return {
    kubeadm: await runLine("kubeadm", line, opts),
    kubestrap: await runLine("kubestrap", line, opts),
  };
}

/** Go's strings.TrimSpace. */
export function trimSpace(s: string): string {
  return s.replace(/^[\s]+|[\s]+$/g, "");
}

/** Ansible's `stdout_lines` (the output split on newlines, the trailing one dropped). */
export function stdoutLines(s: string): string[] {
  const lines = s.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * A scratch directory with a kubeconfig for an API server that is not there (its CA is a fresh
 * one): `token create --dry-run` prints its join line from it without a cluster.
 */
export async function scratchWithKubeconfig(): Promise<{ dir: string; kubeconfig: string }> {
  const { work } = await installs();
  const dir = await Deno.makeTempDir({ dir: work, prefix: "scratch-" });
  const certs = await runLine("kubeadm", `kubeadm init phase certs ca --cert-dir ${dir}/pki`);
  if (certs.code !== 0) throw new Error(certs.stderr);
  const ca = btoa(await Deno.readTextFile(`${dir}/pki/ca.crt`));
  const kubeconfig = `${dir}/admin.conf`;
  await Deno.writeTextFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: https://10.9.8.7:6443
  name: kubernetes
contexts:
- context: {cluster: kubernetes, user: kubernetes-admin}
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
users:
- name: kubernetes-admin
  user: {token: not-used}
`,
  );
  await Deno.writeTextFile(
    `${dir}/kubeadm-config.yaml`,
    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.37.2\n",
  );
  return { dir, kubeconfig };
}
