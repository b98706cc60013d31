/**
 * Whole preflight runs per command, in kubeadm's groups (each group fails fast), as a
 * structured report (`-o json`) plus the exact lines kubeadm prints.
 */
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import {
  initNodeChecks,
  joinNodeChecks,
  PreflightInputs,
  pullImagesChecks,
  rootChecks,
  upgradeChecks,
} from "./lists.ts";
import { defaultCheckContext, PREFLIGHT_FAILED, renderText, runChecks } from "./runner.ts";
import type { CheckContext, Checker, CheckReport, OutputLine } from "./types.ts";

export type PreflightCommand = "init" | "join" | "reset" | "upgrade-apply" | "upgrade-node";

export interface PreflightReport {
  apiVersion: "kubestrap.io/v1alpha1";
  kind: "PreflightReport";
  command: PreflightCommand;
  /** The lower-cased ignore set the run used. */
  ignorePreflightErrors: string[];
  /** False when a group failed (the command would stop with "preflight checks failed"). */
  passed: boolean;
  /** The group that failed, if any ("root", "node", "control-plane", "images"). */
  failedGroup?: string;
  /** A non-check failure (join --control-plane readiness), kubeadm's text. */
  error?: string;
  checks: CheckReport[];
  /** What kubeadm would have printed, in order, with its stream. Not part of the JSON. */
  output: OutputLine[];
}

export interface PreflightOptions {
  /** Host and injectables; default: the real host. */
  ctx?: Partial<CheckContext> & { host?: Host };
  /** Stop at the first failing group like kubeadm (default true; false runs every group). */
  failFast?: boolean;
  /**
   * join --control-plane: the error of checkIfReadyForAdditionalControlPlane, when the cluster
   * is not ready for another control plane (no controlPlaneEndpoint, missing shared certs).
   */
  controlPlaneNotReady?: string;
  /** upgrade node: whether this node runs a control plane (pulls images). */
  isControlPlaneNode?: boolean;
}

const RUNNING = "[preflight] Running pre-flight checks";
const PULL_LINES = [
  "[preflight] Pulling images required for setting up a Kubernetes cluster",
  "[preflight] This might take a minute or two, depending on the speed of your internet connection",
  "[preflight] You can also perform this action beforehand using 'kubeadm config images pull'",
];

/** The text kubeadm wraps around the join --control-plane readiness error. */
function notReadyToJoinControlPlane(err: string): string {
  return `\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n${err}\n\n` +
    "Please ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n" +
    "* The certificates that must be shared among control plane instances are provided.\n\n";
}

type Step =
  | { say: string }
  | { group: string; checks: () => Checker[] }
  | { fail: string };

function steps(
  command: PreflightCommand,
  inputs: PreflightInputs,
  opts: PreflightOptions,
): Step[] {
  const pull = (prefix: string, dryRunLine: string): Step[] =>
    inputs.dryRun ? [{ say: dryRunLine }] : [
      ...PULL_LINES.map((l) => ({ say: l.replace("[preflight]", prefix) })),
      { group: "images", checks: () => pullImagesChecks(inputs) },
    ];
  const wouldPull =
    "[preflight] Would pull the required images (like 'kubeadm config images pull')";
  switch (command) {
    case "init":
      return [
        { say: RUNNING },
        { group: "root", checks: rootChecks },
        { group: "node", checks: () => initNodeChecks(inputs, false, false) },
        ...pull("[preflight]", wouldPull),
      ];
    case "join": {
      const s: Step[] = [
        { say: RUNNING },
        { group: "root", checks: rootChecks },
        { group: "node", checks: () => joinNodeChecks(inputs) },
      ];
      if (inputs.controlPlane) {
        if (opts.controlPlaneNotReady) {
          s.push({ fail: notReadyToJoinControlPlane(opts.controlPlaneNotReady) });
        }
        s.push(
          {
            say:
              "[preflight] Running pre-flight checks before initializing the new control plane instance",
          },
          {
            group: "control-plane",
            checks: () => initNodeChecks(inputs, true, inputs.downloadCerts ?? false),
          },
          ...pull("[preflight]", wouldPull),
        );
      }
      return s;
    }
    case "reset":
      return [{ say: RUNNING }, { group: "root", checks: rootChecks }];
    case "upgrade-apply":
      return [
        { say: "[upgrade/preflight] Running preflight checks" },
        { group: "root", checks: rootChecks },
        { group: "node", checks: () => upgradeChecks(inputs) },
      ];
    case "upgrade-node": {
      const s: Step[] = [
        { say: "[upgrade/preflight] Running pre-flight checks" },
        { group: "root", checks: rootChecks },
        { group: "node", checks: () => upgradeChecks(inputs) },
      ];
      if (opts.isControlPlaneNode) {
        s.push(
          ...pull(
            "[upgrade/preflight]",
            "[upgrade/preflight] Would pull the required images (like 'kubeadm config images pull')",
          ),
        );
      } else {
        s.push({ say: "[upgrade/preflight] Skipping prepull. Not a control plane node." });
      }
      return s;
    }
  }
}

/**
 * Runs the preflight of `command` like kubeadm's preflight phase and returns the report.
 * `ignore` is the validated, lower-cased set (see validateIgnorePreflightErrors).
 */
export async function preflightReport(
  command: PreflightCommand,
  inputs: PreflightInputs,
  ignore: ReadonlySet<string>,
  opts: PreflightOptions = {},
): Promise<PreflightReport> {
  const ctx = defaultCheckContext(opts.ctx?.host ?? new Host("/"), opts.ctx ?? {});
  const failFast = opts.failFast ?? true;
  const report: PreflightReport = {
    apiVersion: "kubestrap.io/v1alpha1",
    kind: "PreflightReport",
    command,
    ignorePreflightErrors: [...ignore].sort(),
    passed: true,
    checks: [],
    output: [],
  };
  for (const step of steps(command, inputs, opts)) {
    if ("say" in step) {
      report.output.push({ stream: "stdout", text: step.say });
    } else if ("fail" in step) {
      report.passed = false;
      report.error = step.fail;
      if (failFast) break;
    } else {
      const r = await runChecks(step.checks(), ignore, ctx, step.group);
      report.checks.push(...r.reports);
      report.output.push(...r.output);
      if (r.failed) {
        if (report.passed) report.failedGroup = step.group;
        report.passed = false;
        if (failFast) break;
      }
    }
  }
  return report;
}

/** The error a failed run ends with (the CLI prints it as kubeadm's phase error). */
export function preflightError(report: PreflightReport): KubestrapError | undefined {
  if (report.passed) return undefined;
  return new KubestrapError(report.error ?? PREFLIGHT_FAILED);
}

/** The report as `-o json` prints it (without the raw output lines). */
export function reportJSON(report: PreflightReport): string {
  const { output: _output, ...rest } = report;
  return JSON.stringify(rest, null, 2) + "\n";
}

/** kubeadm's text: every line it would print, streams interleaved in order. */
export function reportText(report: PreflightReport): string {
  return renderText(report.output);
}
