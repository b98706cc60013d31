/**
 * kubeadm's RunChecks and ignore-list handling, plus kubestrap's structured report.
 *
 * For each check, in order: errors of an ignored check (its lower-cased name in the ignore set,
 * or "all") become warnings; warnings print at once as `\t[WARNING Name]: msg` (stderr); errors
 * are collected and printed at the end inside kubeadm's "Some fatal errors occurred" block, and
 * the run fails with "preflight checks failed".
 */
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import { goQuote } from "../util/goquote.ts";
import { CrictlRuntime } from "../cri/cri.ts";
import type {
  CheckContext,
  Checker,
  CheckReport,
  CheckResult,
  OutputLine,
  Severity,
} from "./types.ts";

export const FATAL_HEADER = "[preflight] Some fatal errors occurred:";
export const FATAL_FOOTER =
  "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`";
/** The error RunChecks returns; the phase runner prints "error execution phase preflight: ...". */
export const PREFLIGHT_FAILED = "preflight checks failed";

/** A default context on `host` (the real host unless given). */
export function defaultCheckContext(
  host: Host = new Host("/"),
  overrides: Partial<CheckContext> = {},
): CheckContext {
  return {
    host,
    env: (n) => Deno.env.get(n),
    cri: (endpoint) => new CrictlRuntime(host, endpoint),
    etcdRetryIntervalMs: 5000,
    now: () => new Date(),
    ...overrides,
  };
}

/**
 * ValidateIgnorePreflightErrors: the lower-cased union of the flag and config lists; "all"
 * next to anything else is an error (kubeadm's field.Invalid text).
 */
export function validateIgnorePreflightErrors(
  fromCLI: string[],
  fromConfig: string[] = [],
): Set<string> {
  const set = new Set<string>();
  for (const i of fromConfig) set.add(i.toLowerCase());
  for (const i of fromCLI) set.add(i.toLowerCase());
  if (set.has("all") && set.size > 1) {
    const joined = [...set].sort().join(",");
    throw new KubestrapError(
      `ignore-preflight-errors: Invalid value: ${
        goQuote(joined)
      }: don't specify individual checks if 'all' is used`,
    );
  }
  return set;
}

/** setHasItemOrAll: case-insensitive membership, or "all". */
export function isIgnored(ignore: ReadonlySet<string>, name: string): boolean {
  return ignore.has("all") || ignore.has(name.toLowerCase());
}

export interface RunResult {
  reports: CheckReport[];
  output: OutputLine[];
  /** True when at least one (non-ignored) error occurred. */
  failed: boolean;
}

/** RunChecks: runs every check (never stops early), renders kubeadm's lines. */
/** Checks run at once (most wait on a subprocess or a socket). */
const CHECK_CONCURRENCY = 8;

/**
 * Runs every check, several at a time (kubeadm runs them one by one; they are independent),
 * and returns their results in the checks' order, so that output and errors read the same.
 */
async function allChecks(checks: Checker[], ctx: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(checks.length);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const i = next++;
      try {
        results[i] = await checks[i].check(ctx);
      } catch (e) {
        // A check that crashes is reported as its error, like a Go check returning err.
        results[i] = { warnings: [], errors: [(e as Error).message ?? String(e)] };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, checks.length) }, worker));
  return results;
}

export async function runChecks(
  checks: Checker[],
  ignore: ReadonlySet<string>,
  ctx: CheckContext,
  group = "node",
): Promise<RunResult> {
  const output: OutputLine[] = [];
  const errLines: string[] = [];
  const reports: CheckReport[] = [];
  const results = await allChecks(checks, ctx);
  for (const [i, c] of checks.entries()) {
    const res = results[i];
    for (const l of res.logs ?? []) output.push({ stream: "stderr", text: l });
    if (res.stdout !== undefined) {
      for (const l of res.stdout.split("\n")) output.push({ stream: "stdout", text: l });
    }
    const ignored = isIgnored(ignore, c.name);
    let warnings = res.warnings, errors = res.errors;
    if (ignored) {
      warnings = [...warnings, ...errors];
      errors = [];
    }
    for (const w of warnings) {
      output.push({ stream: "stderr", text: `\t[WARNING ${c.name}]: ${w}` });
    }
    for (const e of errors) errLines.push(`\t[ERROR ${c.name}]: ${e}`);
    const severity: Severity = res.errors.length > 0
      ? (ignored ? "ignored" : "error")
      : res.warnings.length > 0
      ? "warning"
      : "ok";
    reports.push({
      id: c.name,
      severity,
      observed: res.observed ?? "",
      expected: c.expected,
      message: [...res.errors, ...res.warnings].join("\n"),
      remediation: severity === "ok" ? null : res.remediation ?? null,
      group,
      warnings: res.warnings,
      errors: res.errors,
    });
  }
  if (errLines.length > 0) {
    output.push({ stream: "stderr", text: FATAL_HEADER });
    for (const l of errLines) output.push({ stream: "stderr", text: l });
    output.push({ stream: "stderr", text: FATAL_FOOTER });
  }
  return { reports, output, failed: errLines.length > 0 };
}

/** Writes output lines to their streams (each line gets its "\n"). */
export function writeOutput(
  lines: OutputLine[],
  sinks: { stdout: (s: string) => void; stderr: (s: string) => void },
): void {
  for (const l of lines) sinks[l.stream](l.text + "\n");
}

/** All lines as one text, both streams interleaved in order. */
export function renderText(lines: OutputLine[]): string {
  return lines.map((l) => l.text + "\n").join("");
}
