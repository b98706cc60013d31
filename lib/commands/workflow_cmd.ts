/** Glue between a workflow command and its data factory. */
import type { CommandContext } from "../cli.ts";
import { type Workflow, type WorkflowOptions } from "../workflow.ts";
import { Host } from "../host.ts";
import { acquireRunLock } from "../runlock.ts";

/** What a command's preamble adds to a run: workflow hooks, and work once it succeeded. */
export type RunExtras = WorkflowOptions & { onSuccess?: () => Promise<void> };

/** The command line as `ps` would show it, for the run lock's holder line. */
export function commandLine(ctx: CommandContext): string {
  const words = ctx.argv ?? [...ctx.path.split(" ").slice(1), ...ctx.args];
  return ["kubestrap", ...words].join(" ");
}

/**
 * Builds the data with `factory` and runs the workflow. A config-driven `skipPhases` on the
 * returned data is honoured when the flag was not given.
 */
export async function runWorkflow<D>(
  workflow: Workflow<D>,
  ctx: CommandContext,
  opts: WorkflowOptions,
  factory: (ctx: CommandContext) => Promise<D> | D,
  /**
   * Runs between the data initialisation (and the run lock) and the phases (kubeadm's RunE
   * preamble); it may add to the workflow options (init --resume).
   */
  beforeRun?: (
    data: D,
  ) => void | RunExtras | Promise<void | RunExtras>,
  lockOpts: { onlyIfPresent?: boolean } = {},
): Promise<D> {
  const data = await factory(ctx);
  const configured = (data as { skipPhases?: string[] } | undefined)?.skipPhases;
  const skipPhases = opts.skipPhases?.length ? opts.skipPhases : configured;
  // One run at a time: a run that writes (not a dry run) holds the run lock of what its phases
  // write: /etc/kubernetes, or only a certificates or kubeconfig directory outside it
  // (lib/runlock.ts).
  const d = data as {
    host?: unknown;
    dryRun?: boolean;
    certificatesDir?: unknown;
    kubeconfigDir?: unknown;
  };
  const str = (v: unknown) => typeof v === "string" ? v : undefined;
  const lock = d.host instanceof Host && !d.dryRun
    ? await acquireRunLock(d.host, commandLine(ctx), {
      ...lockOpts,
      certificatesDir: str(d.certificatesDir),
      kubeconfigDir: str(d.kubeconfigDir),
      writes: workflow.writes({ filterPhases: opts.filterPhases, skipPhases }),
      warn: ctx.err,
    })
    : undefined;
  const first = workflow.timings.length;
  const started = performance.now();
  try {
    const extra = (await beforeRun?.(data)) ?? {};
    await workflow.run(data, { ...extra, filterPhases: opts.filterPhases, skipPhases });
    await extra.onSuccess?.();
  } finally {
    await lock?.release();
    if (Number(ctx.flags.v ?? 0) >= 1 || Deno.env.get("KUBESTRAP_PHASE_TIMING") === "1") {
      ctx.err(phaseTimingReport(workflow.timings.slice(first), performance.now() - started));
    }
  }
  return data;
}

/**
 * Per-phase wall times (beyond kubeadm), printed to stderr with `--v=1` or higher or with
 * KUBESTRAP_PHASE_TIMING=1.
 */
export function phaseTimingReport(timings: { phase: string; ms: number }[], totalMs: number) {
  const width = Math.max(5, ...timings.map((t) => t.phase.length));
  const lines = timings.map((t) => `[timing] ${t.phase.padEnd(width)} ${t.ms.toFixed(0)}ms`);
  lines.push(`[timing] ${"total".padEnd(width)} ${totalMs.toFixed(0)}ms`);
  return lines.join("\n") + "\n";
}
