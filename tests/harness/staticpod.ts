/**
 * The static-pod runner: the control-plane tier that needs no kubelet.
 *
 * It reads a Pod manifest (as kubeadm writes to /etc/kubernetes/manifests),
 * takes the `command` + `args` of its single container and runs them as a
 * local process, with path prefixes rewritten so that manifests written into a
 * temporary root work, and the command's binary resolved to the test bed's build.
 */

import { parse } from "yaml";
import { type Proc, spawnProc } from "./process.ts";
import { testbed } from "./testbed.ts";

export interface StaticPodOptions {
  /** Path prefix -> replacement, applied to every argument (longest prefix first). */
  rewritePaths?: Record<string, string>;
  /** Binary name -> path overrides (default: the test bed's binaries by name). */
  binaries?: Record<string, string>;
  /** Extra arguments appended to the container's. */
  extraArgs?: string[];
  /** Environment (the container's `env` values are added to it). */
  env?: Record<string, string>;
  /**
   * Wraps the command line before it is started, e.g. `host.wrap` to run the
   * pod inside a namespace host (see hosts.ts).
   */
  wrap?: (argv: string[]) => string[];
  /** Log file (default: a temp file, removed when the pod stops). */
  logFile?: string;
}

export interface StaticPodHandle extends AsyncDisposable {
  /** metadata.name of the Pod. */
  name: string;
  /** The container's name. */
  container: string;
  /** The command line that runs, after rewriting: argv[0] is the binary path. */
  argv: string[];
  proc: Proc;
  /** The parsed manifest. */
  pod: Pod;
  stop(): Promise<void>;
}

/** The parts of a Pod that the runner reads. */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: {
    containers?: {
      name?: string;
      image?: string;
      command?: string[];
      args?: string[];
      env?: { name: string; value?: string }[];
    }[];
  };
}

/** Rewrite path prefixes in one string (longest first, no double rewriting). */
export function rewrite(s: string, rewrites: Record<string, string>): string {
  const keys = Object.keys(rewrites).filter((k) => k.length > 0).sort((a, b) =>
    b.length - a.length
  );
  if (keys.length === 0) return s;
  const escaped = keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  // A prefix matches at the start or after a separator (=, ",", ":", space), and
  // must end at a path boundary.
  const re = new RegExp(`(^|[=,: ])(${escaped.join("|")})(?=$|[/,: ])`, "g");
  return s.replace(re, (_m, pre: string, key: string) => pre + rewrites[key]);
}

/** Parse a manifest file and compute the command line it would run. */
export function staticPodCommand(
  manifestPath: string,
  opts: StaticPodOptions = {},
): { pod: Pod; name: string; container: string; argv: string[]; env: Record<string, string> } {
  const pod = parse(Deno.readTextFileSync(manifestPath)) as Pod;
  if (pod?.kind !== "Pod") throw new Error(`${manifestPath}: kind is ${pod?.kind}, not Pod`);
  const containers = pod.spec?.containers ?? [];
  if (containers.length !== 1) {
    throw new Error(`${manifestPath}: want exactly one container, found ${containers.length}`);
  }
  const c = containers[0];
  const cmdline = [...(c.command ?? []), ...(c.args ?? [])];
  if (cmdline.length === 0) throw new Error(`${manifestPath}: container has no command`);
  const rw = opts.rewritePaths ?? {};
  const argv = cmdline.map((a) => rewrite(a, rw));
  const bin = argv[0];
  const base = bin.split("/").pop()!;
  if (opts.binaries?.[base]) argv[0] = opts.binaries[base];
  else if (!bin.includes("/") || !exists(bin)) argv[0] = testbed.path(base);
  argv.push(...(opts.extraArgs ?? []));
  const env: Record<string, string> = { ...(opts.env ?? {}) };
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = rewrite(e.value, rw);
  return {
    pod,
    name: pod.metadata?.name ?? base,
    container: c.name ?? base,
    argv,
    env,
  };
}

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Run the single container of a static Pod manifest as a local process group. */
export function runStaticPod(
  manifestPath: string,
  opts: StaticPodOptions = {},
): StaticPodHandle {
  const { pod, name, container, argv, env } = staticPodCommand(manifestPath, opts);
  const full = opts.wrap ? opts.wrap(argv) : argv;
  const proc = spawnProc(`static pod ${name}`, full[0], full.slice(1), {
    logFile: opts.logFile ??
      Deno.makeTempFileSync({ prefix: `kubestrap-${name}-`, suffix: ".log" }),
    removeLog: !opts.logFile,
    env,
  });
  return {
    name,
    container,
    argv,
    proc,
    pod,
    stop: () => proc.stop(),
    [Symbol.asyncDispose]: () => proc.stop(),
  };
}
