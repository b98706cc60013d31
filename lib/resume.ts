/**
 * `init --resume` (kubestrap only; kubeadm's answer is `reset` and start over): a whole `init`
 * that writes (not a dry run) records in /etc/kubernetes/kubestrap-init-state.json, under
 * --rootfs, the digests of its inputs (every field of the `--config` documents, every flag set
 * on the command line, every file of the patches directory) and each phase as it completes.
 * `init --resume` with the same inputs skips the phases recorded as completed and runs the rest
 * (the one that failed and everything after it); with changed inputs it refuses and names each
 * change. The file keeps what a skipped phase generated and later phases print (the bootstrap
 * tokens, the certificate key), so it is written 0600 like admin.conf. A successful init and
 * `reset` remove it.
 *
 * Only digests of the inputs are kept, never their values.
 */
import * as path from "@std/path";
import { KubestrapError } from "./errors.ts";
import type { Host } from "./host.ts";
import { plainValue, splitDocuments } from "./config/decode.ts";
import { readConfigFile } from "./config/load.ts";
import { INIT_STATE_PATH } from "./config/constants.ts";
import { sha256Hex } from "./util/sha256.ts";

export { INIT_STATE_PATH };

/** Digests of a run's inputs, by name (`Kind.field.path`, `--flag`, file path). */
export interface RunInputs {
  config: Record<string, string>;
  flags: Record<string, string>;
  files: Record<string, string>;
}

export interface InitState {
  version: 1;
  inputs: RunInputs;
  /** Phases (workflow names, e.g. "certs/ca") that completed, in order. */
  completed: string[];
  /** The bootstrap tokens the run used (generated ones included). */
  tokens?: string[];
  /** The certificate key upload-certs used or generated. */
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
  return inputs;
}

/** Each difference between the recorded inputs and these, named for the operator. */
function inputChanges(before: RunInputs, now: RunInputs): string[] {
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

async function readInitState(host: Host): Promise<InitState | undefined> {
  const text = await host.readText(INIT_STATE_PATH);
  if (text === undefined) return undefined;
  try {
    const s = JSON.parse(text) as InitState;
    if (s.version !== 1 || !Array.isArray(s.completed)) throw new Error("unknown layout");
    return s;
  } catch (e) {
    throw new KubestrapError(
      `${host.resolve(INIT_STATE_PATH)} cannot be read (${
        (e as Error).message
      }): run 'kubestrap reset' and init again`,
    );
  }
}

export async function writeInitState(host: Host, state: InitState): Promise<void> {
  await host.writeFile(INIT_STATE_PATH, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
}

export async function removeInitState(host: Host): Promise<void> {
  await host.remove(INIT_STATE_PATH);
}

/**
 * The state a resumed init continues from: refuses, naming each change, when the inputs are
 * not those recorded, and when nothing was recorded.
 */
export async function resumeFrom(host: Host, inputs: RunInputs): Promise<InitState> {
  const state = await readInitState(host);
  if (!state) {
    throw new KubestrapError(
      `--resume: there is no interrupted init to resume (${
        host.resolve(INIT_STATE_PATH)
      } does not exist); run init without --resume`,
    );
  }
  const changes = inputChanges(state.inputs, inputs);
  if (changes.length > 0) {
    throw new KubestrapError(
      `--resume: the inputs changed since the interrupted init: ${
        changes.join(", ")
      }. Resume with the same configuration, flags and patches, or run 'kubestrap reset' and init again`,
    );
  }
  return state;
}
