/** Glue between a workflow command and its data factory. */
import type { CommandContext } from "../cli.ts";
import { type Workflow, type WorkflowOptions } from "../workflow.ts";

/**
 * Builds the data with `factory` (when the data module exports one) and runs the workflow.
 * A config-driven `skipPhases` on the returned data is honoured when the flag was not given.
 */
export async function runWorkflow<D>(
  workflow: Workflow<D>,
  ctx: CommandContext,
  opts: WorkflowOptions,
  factory: ((ctx: CommandContext) => Promise<D> | D) | undefined,
  /** Runs between the data initialisation and the phases (kubeadm's RunE preamble). */
  beforeRun?: (data: D) => void,
): Promise<D> {
  const data = factory ? await factory(ctx) : ({} as D);
  beforeRun?.(data);
  const configured = (data as { skipPhases?: string[] } | undefined)?.skipPhases;
  const skipPhases = opts.skipPhases?.length ? opts.skipPhases : configured;
  await workflow.run(data, { filterPhases: opts.filterPhases, skipPhases });
  return data;
}

/** Looks up an exported factory function by name in a dynamically imported module. */
export function factoryOf<D>(
  mod: Record<string, unknown>,
  name: string,
): ((ctx: CommandContext) => Promise<D> | D) | undefined {
  const f = mod[name];
  return typeof f === "function" ? f as (ctx: CommandContext) => Promise<D> | D : undefined;
}
