/**
 * Tool runs whose stdout is read line by line as it comes, so that a test can SIGKILL the tool
 * when a given line appears (tests/e2e/upgrade_faults_test.ts, init_resume_test.ts,
 * join_resume_test.ts).
 */
import * as path from "node:path";
import { testbed } from "../harness/mod.ts";
import type { E2eNode } from "./cluster.ts";
import { toolArgv } from "./tools.ts";

/** The tool's environment inside a host, as runTool gives it (packages' PATH). */
export function toolEnv(): Record<string, string> {
  return {
    PATH: [
      testbed.binDir(testbed.kubernetesVersion),
      path.dirname(testbed.path("crictl")),
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ].join(":"),
    KUBESTRAP_PHASE_TIMING: "1",
  };
}

/**
 * A tool run whose stdout is read as it comes (line by line), so that it can be killed when a
 * given line appears. nsenter execs the tool: the child's pid is the tool's own process.
 */
export class StreamedRun {
  readonly lines: { ms: number; line: string }[] = [];
  stderr = "";
  readonly status: Promise<Deno.CommandStatus>;
  readonly startedAt = performance.now();
  killedAt?: { ms: number; afterLine?: string };
  private listeners = new Set<(line: string) => void>();
  private child: Deno.ChildProcess;
  private readers: Promise<unknown>;
  private exited = false;

  constructor(readonly argv: string[]) {
    const child = this.child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: "/",
      env: toolEnv(),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = (async () => {
      let buf = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          this.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      }
      if (buf) this.push(buf);
    })();
    const err = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.stderr += chunk;
      }
    })();
    this.readers = Promise.all([out, err]);
    this.status = child.status.then((s) => {
      this.exited = true;
      return s;
    });
  }

  private push(line: string) {
    this.lines.push({ ms: performance.now() - this.startedAt, line });
    for (const f of this.listeners) f(line);
  }

  get stdout(): string {
    return this.lines.map((l) => l.line).join("\n");
  }

  /** The first line matching `re` (seen already, or to come); undefined when the run ends first. */
  waitLine(re: RegExp, timeoutMs: number): Promise<string | undefined> {
    const seen = this.lines.find((l) => re.test(l.line));
    if (seen) return Promise.resolve(seen.line);
    if (this.exited) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (v: string | undefined) => {
        this.listeners.delete(f);
        clearTimeout(timer);
        resolve(v);
      };
      const f = (line: string) => {
        if (re.test(line)) done(line);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.listeners.add(f);
      this.status.then(() => done(undefined));
    });
  }

  /**
   * Runs the tool in slices of `sliceMs` of wall time (SIGCONT, a blocking wait, SIGSTOP) until
   * a stdout line matches `re`, and returns that line with the tool stopped (or undefined when it
   * ended or `timeoutMs` passed). A kill "at a line" then lands at most one slice after it: a
   * phase that prints its line and is done a few milliseconds later (a certificate whose key is
   * ready, a kubeconfig, a manifest) finished before a kill sent on reading the line arrived, on
   * an idle machine, and the kill landed in the next phase. The tool runs at about a quarter of
   * its speed meanwhile; waits on the clock (the API server, the kubelet) are not slowed.
   */
  async stepUntil(re: RegExp, timeoutMs: number, sliceMs = 1): Promise<string | undefined> {
    const hit = () => this.lines.find((l) => re.test(l.line))?.line;
    if (!this.signal("SIGSTOP")) return hit();
    const clock = new Int32Array(new SharedArrayBuffer(4));
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      // What the last slice wrote reaches this.lines in a few event-loop turns.
      await new Promise((r) => setTimeout(r, 2));
      const line = hit();
      if (line !== undefined) return line;
      if (this.exited || !this.signal("SIGCONT")) return undefined;
      Atomics.wait(clock, 0, 0, sliceMs);
      if (!this.signal("SIGSTOP")) return hit();
    }
    this.signal("SIGCONT");
    return undefined;
  }

  kill(afterLine?: string): boolean {
    if (this.exited) return false;
    try {
      this.child.kill("SIGKILL");
    } catch {
      return false;
    }
    this.killedAt = { ms: performance.now() - this.startedAt, afterLine };
    return true;
  }

  /** Sends `sig` (e.g. SIGSTOP, to freeze the run at a point, then SIGKILL it there). */
  signal(sig: Deno.Signal): boolean {
    if (this.exited) return false;
    try {
      this.child.kill(sig);
      return true;
    } catch {
      return false;
    }
  }

  /** Waits for the end (killed after `timeoutMs`), both streams read. */
  async finish(timeoutMs = 360_000): Promise<{ code: number; signal: string | null }> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const s = await this.status.finally(() => clearTimeout(timer));
    await this.readers;
    return { code: s.code, signal: s.signal };
  }
}

/**
 * Starts kubestrap in the node. `lowPriority` runs it at nice 19, so that the test, at nice 0,
 * gets a CPU at once when a line comes (init's key generation keeps both CPUs of this machine
 * busy): a kill or a freeze then lands within a fraction of a millisecond of the line.
 */
export async function startKubestrap(
  node: E2eNode,
  args: string[],
  opts: { lowPriority?: boolean } = {},
): Promise<StreamedRun> {
  const argv = node.host.wrap(await toolArgv("kubestrap", args));
  return new StreamedRun(opts.lowPriority ? ["nice", "-n", "19", ...argv] : argv);
}

/** Appends a streamed run to `file`: its argv, `note`, each stdout line with its time, stderr. */
export async function logRun(file: string, run: StreamedRun, note: string, info?: unknown) {
  await Deno.writeTextFile(
    file,
    `$ ${run.argv.join(" ")}  # ${note}\n${info ? `# ${JSON.stringify(info)}\n` : ""}--- stdout\n${
      run.lines.map((l) => `${(l.ms / 1000).toFixed(3)} ${l.line}`).join("\n")
    }\n--- stderr\n${run.stderr}\n`,
    { append: true },
  );
}
