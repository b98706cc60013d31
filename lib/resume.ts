/**
 * `init --resume` and `join --resume` (kubestrap only; kubeadm's answer is `reset` and start
 * over): a whole `init` or `join` that writes (not a dry run) records in
 * /etc/kubernetes/kubestrap-<command>-state.json, under --rootfs, the digests of its inputs (every
 * field of the `--config` documents, every flag set on the command line, every file of the
 * patches directory, join's discovery file) and each phase as it completes. `<command> --resume`
 * with the same inputs skips the phases recorded as completed and runs the rest (the one that
 * failed and everything after it); with changed inputs it refuses and names each change. init's
 * file keeps what a skipped phase generated and later phases print (the bootstrap tokens, the
 * certificate key), so it is written 0600 like admin.conf; join's keeps no secret (the discovery
 * token and the certificate key are inputs: only their digests are kept). A successful run and
 * `reset` remove it.
 *
 * Only digests of the inputs are kept, never their values.
 */
import * as path from "@std/path";
import { KubestrapError } from "./errors.ts";
import type { Host } from "./host.ts";
import { plainValue, splitDocuments } from "./config/decode.ts";
import { readConfigFile } from "./config/load.ts";
import { INIT_STATE_PATH, JOIN_STATE_PATH } from "./config/constants.ts";
import { sha256Hex } from "./util/sha256.ts";

/** The commands that can be resumed. */
export type ResumableCommand = "init" | "join";

/** Where each command keeps its record. */
export const RUN_STATE_PATHS: Readonly<Record<ResumableCommand, string>> = {
  init: INIT_STATE_PATH,
  join: JOIN_STATE_PATH,
};

/** Digests of a run's inputs, by name (`Kind.field.path`, `--flag`, file path). */
export interface RunInputs {
  config: Record<string, string>;
  flags: Record<string, string>;
  files: Record<string, string>;
}

export interface RunState {
  version: 1;
  inputs: RunInputs;
  /** Phases (workflow names, e.g. "certs/ca") that completed, in order. */
  completed: string[];
  /** init: the bootstrap tokens the run used (generated ones included). */
  tokens?: string[];
  /** init: the certificate key upload-certs used or generated. */
  certificateKey?: string;
}

/** Flags that do not change what a phase does. */
const IGNORED_FLAGS = new Set(["resume", "v", "skip-phases", "config", "help"]);

function flatten(prefix: string, v: unknown, out: Record<string, string>): void {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) out[prefix] = sha256Hex("{}");
    for (const [k, x] of entries) flatten(`${prefix}.${k}`, x, out);
    return;
  }
  out[prefix] = sha256Hex(
    JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x),
  );
}

/** The digests of a run's inputs. */
export async function runInputs(
  opts: {
    configPath?: string;
    /** The flags set on the command line, with their values. */
    flags: Record<string, unknown>;
    /** The patches directory (a machine path under `host`'s root), if any. */
    patchesDir?: string;
    /** Other input files (machine paths under `host`'s root), e.g. join's discovery file. */
    files?: string[];
  },
  host: Host,
): Promise<RunInputs> {
  const inputs: RunInputs = { config: {}, flags: {}, files: {} };
  if (opts.configPath) {
    const text = readConfigFile(opts.configPath);
    for (const doc of splitDocuments(text, opts.configPath)) {
      flatten(doc.gvk.kind, plainValue(doc.node), inputs.config);
    }
  }
  for (const [name, value] of Object.entries(opts.flags).sort()) {
    if (IGNORED_FLAGS.has(name)) continue;
    inputs.flags[`--${name}`] = sha256Hex(JSON.stringify(value));
  }
  if (opts.patchesDir) {
    const dir = host.absolute(opts.patchesDir);
    let names: string[] = [];
    try {
      names = await host.readDir(dir);
    } catch {
      // absent: the patches phase reports it
    }
    for (const name of names.sort()) {
      const p = path.join(dir, name);
      const bytes = await host.readFile(p).catch(() => undefined);
      if (bytes) inputs.files[p] = sha256Hex(bytes);
    }
  }
  for (const f of opts.files ?? []) {
    const p = host.absolute(f);
    const bytes = await host.readFile(p).catch(() => undefined);
    inputs.files[p] = bytes ? sha256Hex(bytes) : "absent";
  }
  return inputs;
}

/** Each difference between the recorded inputs and these, named for the operator. */
export function inputChanges(before: RunInputs, now: RunInputs): string[] {
  const out: string[] = [];
  const what = { config: "configuration field", flags: "flag", files: "file" } as const;
  for (const part of ["config", "flags", "files"] as const) {
    const a = before[part] ?? {};
    const b = now[part];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (a[k] === b[k]) continue;
      const how = a[k] === undefined ? "added" : b[k] === undefined ? "removed" : "changed";
      out.push(`${what[part]} ${k} ${how}`);
    }
  }
  return out;
}

export async function readRunState(
  host: Host,
  command: ResumableCommand,
): Promise<RunState | undefined> {
  const file = RUN_STATE_PATHS[command];
  const text = await host.readText(file);
  if (text === undefined) return undefined;
  try {
    const s = JSON.parse(text) as RunState;
    if (s.version !== 1 || !Array.isArray(s.completed)) throw new Error("unknown layout");
    return s;
  } catch (e) {
    throw new KubestrapError(
      `${host.resolve(file)} cannot be read (${
        (e as Error).message
      }): run 'kubestrap reset' and ${command} again`,
    );
  }
}

async function writeRunState(
  host: Host,
  command: ResumableCommand,
  state: RunState,
): Promise<void> {
  await host.writeFile(RUN_STATE_PATHS[command], JSON.stringify(state, null, 2) + "\n", {
    mode: 0o600,
  });
}

async function removeRunState(host: Host, command: ResumableCommand): Promise<void> {
  await host.remove(RUN_STATE_PATHS[command]);
}

/**
 * The state a resumed run continues from: refuses, naming each change, when the inputs are
 * not those recorded, and when nothing was recorded.
 */
async function resumeFrom(
  host: Host,
  command: ResumableCommand,
  inputs: RunInputs,
): Promise<RunState> {
  const state = await readRunState(host, command);
  if (!state) {
    throw new KubestrapError(
      `--resume: there is no interrupted ${command} to resume (${
        host.resolve(RUN_STATE_PATHS[command])
      } does not exist); run ${command} without --resume`,
    );
  }
  const changes = inputChanges(state.inputs, inputs);
  if (changes.length > 0) {
    throw new KubestrapError(
      `--resume: the inputs changed since the interrupted ${command}: ${
        changes.join(", ")
      }. Resume with the same configuration, flags and patches, or run 'kubestrap reset' and ${command} again`,
    );
  }
  return state;
}

/** The workflow hooks of a recorded run (structurally lib/workflow.ts's WorkflowOptions). */
export interface ResumeHooks {
  /** Whether a phase completed in the interrupted run (it is skipped, with a line saying so). */
  completed(name: string): boolean;
  /** Records a phase as completed. */
  onCompleted(name: string): Promise<void>;
  /** After a successful run: nothing is left to resume. */
  onSuccess(): Promise<void>;
}

/**
 * Starts recording a whole run of `command`, or (`resume`) continues the recorded one: the
 * workflow hooks that skip and record phases. `fresh` adds the command's own fields to a new
 * record; `restore` takes them back from a resumed one; `beforeSave` updates them before each
 * write.
 */
export async function recordRun(
  host: Host,
  command: ResumableCommand,
  opts: {
    resume: boolean;
    inputs: RunInputs;
    progress: (line: string) => void;
    fresh?: () => Partial<RunState>;
    restore?: (state: RunState) => void;
    beforeSave?: (state: RunState) => void;
    /** After the line of a phase skipped because it completed (what it printed that is needed). */
    skipped?: (phase: string) => void;
  },
): Promise<ResumeHooks> {
  let state: RunState;
  if (opts.resume) {
    state = await resumeFrom(host, command, opts.inputs);
    opts.restore?.(state);
    opts.progress(
      `[resume] Continuing the interrupted ${command}: ${state.completed.length} phases completed with the same inputs are skipped\n`,
    );
  } else {
    state = { version: 1, inputs: opts.inputs, completed: [], ...opts.fresh?.() };
    await writeRunState(host, command, state);
  }
  const done = new Set(state.completed);
  return {
    completed: (name) => {
      if (!done.has(name)) return false;
      opts.progress(`[resume] Skipping phase ${JSON.stringify(name)}: it completed\n`);
      opts.skipped?.(name);
      return true;
    },
    onCompleted: async (name) => {
      if (done.has(name)) return;
      done.add(name);
      state.completed.push(name);
      opts.beforeSave?.(state);
      await writeRunState(host, command, state);
    },
    onSuccess: () => removeRunState(host, command),
  };
}
