/**
 * The two tools under test, run inside a namespace host: the real kubeadm from the test bed, and
 * kubestrap as the release bundle (built once per process into a private directory, so that other
 * builds of dist/ never race with the test) run by the pinned deno.
 */

import * as path from "@std/path";
import { RUNTIME_V8_ARG } from "../../scripts/runtime_flags.ts";
import { run, testbed } from "../harness/mod.ts";
import type { E2eNode } from "./cluster.ts";

export type ToolName = "kubeadm" | "kubestrap";

export interface ToolRun {
  tool: ToolName;
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the tool process. */
  ms: number;
  /** Peak resident set size of the tool process (GNU time's %M), KiB. */
  maxRssKiB: number;
  /** CPU time of the tool process and its children, user + system (GNU time's %U + %S), ms. */
  cpuMs: number;
  /** Monotonic (performance.now()) start of the run. */
  startedAt: number;
}

const repo = path.resolve(import.meta.dirname!, "..", "..");
let bundlePromise: Promise<string> | undefined;

/**
 * Build dist/kubestrap.js into a private directory once. KUBESTRAP_E2E_BUNDLE names a bundle to
 * use instead; KUBESTRAP_E2E_SOURCE=tree builds from the working tree, the default builds the
 * committed HEAD (exported with `git archive`, so that edits in progress in the working tree
 * never leak into the artifact under test).
 */
export function kubestrapBundle(): Promise<string> {
  const given = Deno.env.get("KUBESTRAP_E2E_BUNDLE");
  if (given) return Promise.resolve(path.resolve(given));
  bundlePromise ??= (async () => {
    const out = await Deno.makeTempDir({ prefix: "kubestrap-e2e-bundle-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(out, { recursive: true });
      } catch {
        // gone
      }
    });
    let src = repo;
    if (Deno.env.get("KUBESTRAP_E2E_SOURCE") !== "tree") {
      src = `${out}/src`;
      await Deno.mkdir(src);
      await run("sh", ["-c", `git archive --format=tar HEAD | tar -x -C '${src}'`], { cwd: repo });
      await Deno.symlink(path.join(repo, "node_modules"), `${src}/node_modules`);
    }
    await run(Deno.execPath(), [
      "run",
      "-A",
      "scripts/build.ts",
      "--bundle-only",
      "--out",
      out,
    ], { cwd: src });
    return path.join(out, "kubestrap.js");
  })();
  return bundlePromise;
}

/** The tool's argv. */
export async function toolArgv(
  tool: ToolName,
  args: string[],
  kubeadmVersion?: string,
): Promise<string[]> {
  if (tool === "kubeadm") {
    return [
      kubeadmVersion ? `${testbed.binDir(kubeadmVersion)}/kubeadm` : testbed.path("kubeadm"),
      ...args,
    ];
  }
  return [Deno.execPath(), "run", "-A", RUNTIME_V8_ARG, await kubestrapBundle(), ...args];
}

/** Run a tool inside the node's host (cwd /), timed, with its peak RSS. */
export async function runTool(
  node: E2eNode,
  tool: ToolName,
  args: string[],
  opts: {
    env?: Record<string, string>;
    logTo?: string;
    timeoutMs?: number;
    /** Put before the tool's argv (inside the host, under time(1)), e.g. strace. */
    prefix?: string[];
    /** The real kubeadm of another built release (default: the pinned one). */
    kubeadmVersion?: string;
    /** Whose kubelet, kubectl, ... are on PATH (default: the pinned release's). */
    pathRelease?: string;
    /**
     * Run `args[0]` as a shell command line (`sh -c`) with the tool installed as `kubeadm` first
     * on PATH, as the tools that drive kubeadm run it (tests/e2e/dropin_test.ts).
     */
    asKubeadmShell?: boolean;
  } = {},
): Promise<ToolRun> {
  const argv = opts.asKubeadmShell
    ? ["sh", "-c", args[0]]
    : [...(opts.prefix ?? []), ...await toolArgv(tool, args, opts.kubeadmVersion)];
  const kubeadmDir = opts.asKubeadmShell ? [await installedAsKubeadm(tool)] : [];
  const rssFile = `${node.host.root}/.time-${crypto.randomUUID().slice(0, 8)}`;
  const w = node.host.wrap(["/usr/bin/time", "-f", "%M %U %S", "-o", rssFile, ...argv]);
  const startedAt = performance.now();
  const timeoutMs = opts.timeoutMs ?? 360_000;
  const child = new Deno.Command(w[0], {
    args: w.slice(1),
    cwd: "/",
    env: {
      // As installed from packages: kubelet, kubeadm, kubectl on PATH
      // (the kubeadm package depends on cri-tools: crictl too).
      PATH: [
        ...kubeadmDir,
        testbed.binDir(opts.pathRelease ?? testbed.kubernetesVersion),
        path.dirname(testbed.path("crictl")),
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      ].join(":"),
      KUBESTRAP_PHASE_TIMING: "1",
      ...(opts.env ?? {}),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Bounded: kill the tool (time(1)'s child too: the whole host is torn down afterwards).
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, timeoutMs);
  const out = await child.output().finally(() => clearTimeout(timer));
  const dec = new TextDecoder();
  const r = {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr) + (timedOut ? `\n(e2e: killed after ${timeoutMs} ms)\n` : ""),
  };
  const ms = performance.now() - startedAt;
  let maxRssKiB = 0;
  let cpuMs = 0;
  try {
    const t = Deno.readTextFileSync(rssFile).trim().split("\n");
    const [rss, user, sys] = t[t.length - 1].split(" ").map(Number);
    maxRssKiB = rss || 0;
    cpuMs = ((user || 0) + (sys || 0)) * 1000;
    Deno.removeSync(rssFile);
  } catch {
    // time(1) did not write it
  }
  if (opts.logTo) {
    await Deno.writeTextFile(
      opts.logTo,
      `$ ${tool} ${args.join(" ")}\n# exit ${r.code}, ${ms.toFixed(0)} ms, ${maxRssKiB} KiB, ` +
        `${cpuMs.toFixed(0)} ms CPU\n` +
        `--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n`,
      { append: true },
    );
  }
  return {
    tool,
    args,
    code: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
    ms,
    maxRssKiB,
    cpuMs,
    startedAt,
  };
}

const kubeadmDirs = new Map<ToolName, Promise<string>>();

/**
 * A directory with the tool under the name `kubeadm`: kubestrap's bundle by a symlink (its main
 * module keeps the name, so it prints `kubeadm join ...`), the pinned deno beside it for the
 * bundle's `#!/usr/bin/env -S deno run -A`; the real kubeadm by a symlink.
 */
export function installedAsKubeadm(tool: ToolName): Promise<string> {
  let dir = kubeadmDirs.get(tool);
  if (!dir) {
    dir = (async () => {
      const d = await Deno.makeTempDir({ prefix: `kubestrap-e2e-as-kubeadm-${tool}-` });
      globalThis.addEventListener("unload", () => {
        try {
          Deno.removeSync(d, { recursive: true });
        } catch {
          // gone
        }
      });
      if (tool === "kubeadm") await Deno.symlink(testbed.path("kubeadm"), `${d}/kubeadm`);
      else {
        const bundle = await kubestrapBundle();
        await Deno.chmod(bundle, 0o755);
        await Deno.symlink(bundle, `${d}/kubeadm`);
        await Deno.symlink(Deno.execPath(), `${d}/deno`);
      }
      return d;
    })();
    kubeadmDirs.set(tool, dir);
  }
  return dir;
}

/** A failed tool run as an error with its output (the tail, for long logs). */
export function toolError(r: ToolRun, what = ""): Error {
  const tail = (s: string) => s.length > 6000 ? "...\n" + s.slice(-6000) : s;
  return new Error(
    `${r.tool} ${r.args.join(" ")}${what ? ` (${what})` : ""} exited ${r.code}\n--- stdout\n${
      tail(r.stdout)
    }\n--- stderr\n${tail(r.stderr)}`,
  );
}

/** "[xxx] ... is healthy after 1.5s" lines and kubestrap's "[timing]" report, as printed. */
export function timingLines(r: ToolRun): string[] {
  return `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => /healthy after|\[timing\]/.test(l))
    .map((l) => l.trim());
}
