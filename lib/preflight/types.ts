/** Shared types of kubestrap's preflight framework (a re-implementation of kubeadm's). */
import type { Host } from "../host.ts";
import type { EnvGetter } from "./proxy.ts";
import type { CriRuntime } from "../cri/cri.ts";

/** Everything a check may touch. Tests replace parts (a Host subclass, env, CRI). */
export interface CheckContext {
  host: Host;
  /** Environment lookups (proxy variables). Default: Deno.env.get. */
  env: EnvGetter;
  /** Opens a CRI client for a socket endpoint. Default: crictl + a plain socket dial. */
  cri: (endpoint: string) => CriRuntime;
  /** Pause between external-etcd version retries (kubeadm: 5 s). */
  etcdRetryIntervalMs: number;
  /** Clock for klog-style lines (tests pin it). */
  now: () => Date;
}

/** What a check found. Messages are kubeadm's exact texts. */
export interface CheckResult {
  warnings: string[];
  errors: string[];
  /** What was observed on the host, for the JSON report. */
  observed?: string;
  /** A shell command (or commented hint) that fixes the problem. */
  remediation?: string;
  /** Text kubeadm writes to stdout while running this check (SystemVerification's report). */
  stdout?: string;
  /** klog warning lines kubeadm writes to stderr while running this check. */
  logs?: string[];
}

export interface Checker {
  /** The name `--ignore-preflight-errors` matches (case-insensitively). */
  readonly name: string;
  /** The state the check wants, for the JSON report. */
  readonly expected: string;
  check(ctx: CheckContext): Promise<CheckResult>;
}

export type Severity = "error" | "warning" | "ok" | "ignored";

/** One check in the JSON report (`-o json`). */
export interface CheckReport {
  id: string;
  severity: Severity;
  observed: string;
  expected: string;
  /** The check's messages, one per line, as kubeadm prints them after `]: `. */
  message: string;
  remediation: string | null;
  /** Which run group the check belongs to ("root", "node", "images"). */
  group: string;
  warnings: string[];
  errors: string[];
}

/** One line kubeadm would print, on the stream it would print it to. */
export interface OutputLine {
  stream: "stdout" | "stderr";
  text: string;
}
