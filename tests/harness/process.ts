/**
 * Processes and cleanup for the test bed.
 *
 * Every long-running process is started in its own session/process group
 * (`detached`), so that stopping it kills the whole group, children included.
 * Every resource registers a cleanup function; `cleanupAll()` runs what is
 * left (tests normally use `await using` or try/finally on each handle).
 */

type Cleanup = () => Promise<void> | void;

const cleanups = new Map<number, { what: string; fn: Cleanup }>();
let nextId = 1;

/** Register a cleanup; returns a function that unregisters it. */
export function registerCleanup(what: string, fn: Cleanup): () => void {
  const id = nextId++;
  cleanups.set(id, { what, fn });
  return () => cleanups.delete(id);
}

/** Run every registered cleanup, newest first. Errors are collected and thrown together. */
export async function cleanupAll(): Promise<void> {
  const errors: unknown[] = [];
  const entries = [...cleanups.entries()].reverse();
  cleanups.clear();
  for (const [, { what, fn }] of entries) {
    try {
      await fn();
    } catch (e) {
      errors.push(new Error(`cleanup of ${what} failed: ${e}`));
    }
  }
  if (errors.length) throw new AggregateError(errors, "test bed cleanup failed");
}

/** What is still registered (for tests asserting that nothing leaked). */
export function pendingCleanups(): string[] {
  return [...cleanups.values()].map((c) => c.what);
}

/** Run a command to completion; throws with its output when it fails (unless allowFailure). */
export async function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; allowFailure?: boolean; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(cmd, {
    args,
    env: opts.env,
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const res = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  if (res.code !== 0 && !opts.allowFailure) {
    throw new Error(
      `${cmd} ${
        args.join(" ")
      } exited ${res.code}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`,
    );
  }
  return res;
}

/** A background process in its own process group, logging to a file. */
export interface Proc extends AsyncDisposable {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process exits. */
  readonly status: Promise<Deno.CommandStatus>;
  /** True while the process runs. */
  running(): boolean;
  /** The log so far (stdout and stderr interleaved). */
  log(): string;
  /** SIGTERM the process group, SIGKILL it after `graceMs`; waits for the exit. */
  stop(graceMs?: number): Promise<void>;
}

/** Environment marker on every process the harness starts: the owning test process's pid. */
export const OWNER_ENV = "KUBESTRAP_TESTBED_OWNER";

/** Process groups started by this module instance and not stopped yet. */
const liveGroups = new Set<number>();
let unloadHooked = false;
let orphansSwept = false;

/**
 * Kill (SIGKILL) every process that the harness started for a test process that
 * no longer exists (found by the OWNER_ENV marker). Runs once before the first spawn.
 */
export function sweepOrphans(): number[] {
  const killed: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    let env: string;
    try {
      env = Deno.readTextFileSync(`/proc/${e.name}/environ`);
    } catch {
      continue;
    }
    const m = new RegExp(`(?:^|\0)${OWNER_ENV}=(\\d+)(?:\0|$)`).exec(env);
    if (!m || Number(m[1]) === Deno.pid) continue;
    try {
      Deno.statSync(`/proc/${m[1]}`);
      continue; // owner alive
    } catch {
      // owner gone: an orphan
    }
    try {
      Deno.kill(Number(e.name), "SIGKILL");
      killed.push(Number(e.name));
    } catch {
      // gone
    }
  }
  return killed;
}

function killGroup(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(-pid, sig);
  } catch {
    // group already gone
  }
}

/** Start `cmd args` as a process-group leader; output goes to `logFile`. */
export function spawnProc(
  what: string,
  cmd: string,
  args: string[],
  opts: { logFile: string; env?: Record<string, string>; cwd?: string; removeLog?: boolean },
): Proc {
  if (!orphansSwept) {
    orphansSwept = true;
    sweepOrphans();
  }
  if (!unloadHooked) {
    unloadHooked = true;
    // Last resort when a test process exits without stopping what it started.
    globalThis.addEventListener("unload", () => {
      for (const g of liveGroups) killGroup(g, "SIGKILL");
    });
  }
  const log = Deno.openSync(opts.logFile, { write: true, create: true, append: true });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, {
      args,
      env: { ...(opts.env ?? {}), [OWNER_ENV]: String(Deno.pid) },
      cwd: opts.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (e) {
    log.close();
    throw e;
  }
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) {
      for (let off = 0; off < chunk.length;) off += log.writeSync(chunk.subarray(off));
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then(async (s) => {
    exited = true;
    await pumps.catch(() => {});
    log.close();
    return s;
  });
  const pid = child.pid;
  liveGroups.add(pid);
  let unregister: () => void = () => {};
  const stop = async (graceMs = 5000) => {
    unregister();
    if (!exited) killGroup(pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
    try {
      await status;
    } finally {
      clearTimeout(timer);
    }
    // Children that ignored SIGTERM and outlived the leader.
    killGroup(pid, "SIGKILL");
    liveGroups.delete(pid);
    if (opts.removeLog) await Deno.remove(opts.logFile).catch(() => {});
  };
  unregister = registerCleanup(`${what} (pid ${pid})`, () => stop());
  return {
    pid,
    logFile: opts.logFile,
    status,
    running: () => !exited,
    log: () => {
      try {
        return Deno.readTextFileSync(opts.logFile);
      } catch {
        return "";
      }
    },
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
}

/** Thrown by a `waitFor` check to stop waiting at once (e.g. the process died). */
export class WaitAborted extends Error {}

/** Poll `check` until it returns true (a WaitAborted error ends the wait at once); throws with `describe()` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      if (e instanceof WaitAborted) {
        throw new Error(`${what}: ${e.message}${opts.describe ? `\n${opts.describe()}` : ""}`);
      }
      last = e;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
  throw new Error(
    `timed out waiting for ${what}${last ? ` (last error: ${last})` : ""}${
      opts.describe ? `\n${opts.describe()}` : ""
    }`,
  );
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A fresh temporary directory, removed by the returned handle (and by cleanupAll). */
export async function tempDir(prefix = "kubestrap-testbed-"): Promise<
  AsyncDisposable & { path: string; remove(): Promise<void> }
> {
  const path = await Deno.makeTempDir({ prefix });
  let unregister: () => void = () => {};
  const remove = async () => {
    unregister();
    await Deno.remove(path, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  };
  unregister = registerCleanup(`temp dir ${path}`, remove);
  return { path, remove, [Symbol.asyncDispose]: remove };
}
