/**
 * The phase runner: kubeadm's workflow model. A workflow is an ordered tree of declarative
 * phases; the runner turns it into `phase` subcommands (with `all` for parents that ask for
 * it), runs it whole or filtered, honours `--skip-phases`, and records per-phase timing.
 */
import type { ArgsRule, CommandContext, CommandSpec, FlagSpec } from "./cli.ts";
import { KubestrapError } from "./errors.ts";

export interface Phase<D> {
  name: string;
  aliases?: string[];
  short: string;
  long?: string;
  example?: string;
  hidden?: boolean;
  phases?: Phase<D>[];
  /** A generated `all` entry: runs every sibling (its parent's children). */
  runAllSiblings?: boolean;
  run?: (data: D) => Promise<void> | void;
  runIf?: (data: D) => Promise<boolean> | boolean;
  /**
   * Starts, before any phase runs, work this phase will need (key generation): called once for
   * every phase selected to run, in order. Best effort: errors are ignored, and the phase's own
   * run reports any real problem.
   */
  prefetch?: (data: D) => Promise<void> | void;
  /**
   * What the phase's run writes on the host, for the run lock (lib/runlock.ts); its children
   * inherit it. `node` (the default): /etc/kubernetes and /var/lib/kubelet;
   * `certificatesDir` or `kubeconfigDir`: only that directory; `api`: only API objects, or
   * nothing at all.
   */
  writes?: PhaseWrites;
  /** Names of the workflow command's flags this phase's subcommand accepts. */
  inheritFlags?: string[];
  localFlags?: FlagSpec[];
  args?: ArgsRule;
  dependencies?: string[];
}

/** What a phase writes on the host (Phase.writes). */
export type PhaseWrites = "node" | "certificatesDir" | "kubeconfigDir" | "api";

export interface PhaseTiming {
  phase: string;
  ms: number;
}

interface PhaseRunner<D> {
  phase: Phase<D>;
  parent?: PhaseRunner<D>;
  level: number;
  generatedName: string;
  use: string;
}

export interface WorkflowOptions {
  filterPhases?: string[];
  skipPhases?: string[];
  /** Phases (by workflow name) a resumed run skips because they completed (`init --resume`). */
  completed?: (name: string) => boolean;
  /** Called after each phase that runs has completed (its run, or a false runIf). */
  onCompleted?: (name: string) => Promise<void>;
}

class WorkflowError extends KubestrapError {}

function cleanName(name: string): string {
  const lower = name.toLowerCase();
  const sp = lower.indexOf(" ");
  return sp === -1 ? lower : lower.slice(0, sp);
}

export class Workflow<D> {
  readonly phases: Phase<D>[];
  readonly timings: PhaseTiming[] = [];

  constructor(phases: Phase<D>[]) {
    this.phases = phases;
  }

  /** Phases in execution order (parent before its children), `all` entries left out. */
  runners(): PhaseRunner<D>[] {
    const out: PhaseRunner<D>[] = [];
    const add = (p: Phase<D>, parent?: PhaseRunner<D>) => {
      let use = cleanName(p.name);
      let generatedName = use;
      if (parent) {
        generatedName = `${parent.generatedName}/${generatedName}`;
        use = `/${use}`;
      }
      const r: PhaseRunner<D> = {
        phase: p,
        parent,
        level: parent ? parent.level + 1 : 0,
        generatedName,
        use,
      };
      out.push(r);
      for (const c of p.phases ?? []) if (!c.runAllSiblings) add(c, r);
    };
    for (const p of this.phases) if (!p.runAllSiblings) add(p);
    return out;
  }

  /** Every valid phase name for `--skip-phases`. */
  phaseNames(): string[] {
    return this.runners().map((r) => r.generatedName);
  }

  /**
   * What the phases `opts` selects write on the host (Phase.writes, inherited by children),
   * once each; `api` left out. Unknown phase names throw, as run does.
   */
  writes(opts: WorkflowOptions = {}): Exclude<PhaseWrites, "api">[] {
    const flags = this.runFlags(opts);
    const out = new Set<Exclude<PhaseWrites, "api">>();
    for (const r of this.runners()) {
      if (!flags.get(r.generatedName) || !r.phase.run) continue;
      let w: PhaseWrites | undefined;
      for (let p: PhaseRunner<D> | undefined = r; p && !w; p = p.parent) w = p.phase.writes;
      if (w !== "api") out.add(w ?? "node");
    }
    return [...out];
  }

  private runFlags(opts: WorkflowOptions): Map<string, boolean> {
    const runners = this.runners();
    const flags = new Map<string, boolean>();
    const hierarchy = new Map<string, string[]>();
    for (const r of runners) {
      flags.set(r.generatedName, true);
      hierarchy.set(r.generatedName, []);
      for (let p = r.parent; p; p = p.parent) hierarchy.get(p.generatedName)!.push(r.generatedName);
    }
    if (opts.filterPhases?.length) {
      for (const k of flags.keys()) flags.set(k, false);
      for (const f of opts.filterPhases) {
        if (!flags.has(f)) throw new WorkflowError(`invalid phase name: ${f}`);
        flags.set(f, true);
        for (const c of hierarchy.get(f)!) flags.set(c, true);
      }
    }
    for (const f of opts.skipPhases ?? []) {
      if (!flags.has(f)) throw new WorkflowError(`invalid phase name: ${f}`);
      flags.set(f, false);
      for (const c of hierarchy.get(f)!) flags.set(c, false);
    }
    return flags;
  }

  /**
   * Runs the selected phases in order. Errors are wrapped as kubeadm does:
   * "error execution phase <name>: <cause>".
   */
  async run(data: D, opts: WorkflowOptions = {}): Promise<void> {
    const flags = this.runFlags(opts);
    const runners = this.runners();
    const missed: string[] = [];
    const visited = new Set<string>();
    for (const r of runners) {
      if (!flags.get(r.generatedName)) continue;
      for (const dep of r.phase.dependencies ?? []) {
        if (!visited.has(dep)) {
          missed.push(`\n\tmissing [${dep}] phase(s) needed by "${r.phase.name}" phase`);
        }
      }
      visited.add(r.phase.name);
    }
    if (missed.length) throw new WorkflowError(`unresolved dependencies:${missed.join("")}`);

    for (const r of runners) {
      if (!flags.get(r.generatedName) || !r.phase.prefetch) continue;
      try {
        await r.phase.prefetch(data);
      } catch {
        // Only an optimisation: the phase's run reports the problem.
      }
    }

    for (const r of runners) {
      if (!flags.get(r.generatedName)) continue;
      if (r.phase.run && opts.completed?.(r.generatedName)) continue;
      const started = performance.now();
      try {
        if (r.phase.runIf) {
          let ok: boolean;
          try {
            ok = await r.phase.runIf(data);
          } catch (e) {
            throw new WorkflowError(
              `error execution run condition for phase ${r.generatedName}: ${messageOf(e)}`,
            );
          }
          if (!ok) {
            if (r.phase.run) await opts.onCompleted?.(r.generatedName);
            continue;
          }
        }
        if (r.phase.run) {
          try {
            await r.phase.run(data);
          } catch (e) {
            if (e instanceof WorkflowError) throw e;
            const code = e instanceof KubestrapError ? e.exitCode : 1;
            throw new WorkflowError(
              `error execution phase ${r.generatedName}: ${messageOf(e)}`,
              code,
            );
          }
          await opts.onCompleted?.(r.generatedName);
        }
      } finally {
        if (r.phase.run) {
          this.timings.push({ phase: r.generatedName, ms: performance.now() - started });
        }
      }
    }
  }

  /** The phase table kubeadm appends to the workflow command's long help. */
  help(cmdUse: string): string {
    const rs = this.runners().filter((r) => !r.phase.hidden);
    const maxLength = Math.max(0, ...rs.map((r) => r.use.length));
    let line = `The ${JSON.stringify(cmdUse)} command executes the following phases:\n\`\`\`\n`;
    for (const r of rs) {
      line += " ".repeat(2 * r.level) + r.use + " ".repeat(maxLength - r.use.length + 2) +
        r.phase.short + "\n";
    }
    return line + "```";
  }

  /**
   * Binds the workflow to its command: adds the phase table to the long help, the
   * `--skip-phases` flag, and the `phase` subcommand tree.
   */
  bind(
    cmd: CommandSpec,
    start: (ctx: CommandContext, opts: WorkflowOptions) => Promise<void>,
    /** kubeadm's SetAdditionalFlags: flags only phase subcommands may inherit. */
    additionalFlags: FlagSpec[] = [],
  ): CommandSpec {
    const cmdName = cmd.use.split(" ")[0];
    const cmdFlags = cmd.flags ?? [];
    const phaseNameSet = new Set(this.phaseNames());
    const toSpec = (p: Phase<D>, parentName?: string): CommandSpec | undefined => {
      if (p.hidden) return undefined;
      const generated = parentName ? `${parentName}/${cleanName(p.name)}` : cleanName(p.name);
      const selector = p.runAllSiblings ? parentName! : generated;
      const inherited = (p.inheritFlags ?? []).map((name) => {
        const f = cmdFlags.find((f) => f.name === name) ??
          additionalFlags.find((f) => f.name === name);
        if (!f) throw new Error(`phase ${generated} inherits unknown flag ${name}`);
        return f;
      });
      const children = (p.phases ?? []).map((c) => toSpec(c, generated)).filter((c) =>
        c !== undefined
      );
      const hasChildren = (p.phases ?? []).length > 0;
      return {
        use: p.name.toLowerCase(),
        aliases: p.aliases,
        short: p.short,
        long: p.long,
        example: p.example,
        flags: [...inherited, ...(p.localFlags ?? [])],
        args: hasChildren ? { kind: "none" } : (p.args ?? cmd.args),
        subcommands: children,
        requireSubcommand: hasChildren,
        run: hasChildren ? undefined : async (ctx) => {
          if (!phaseNameSet.has(selector)) {
            throw new WorkflowError(`invalid phase name: ${selector}`);
          }
          await start(ctx, { filterPhases: [selector] });
        },
      };
    };
    const phaseCmd: CommandSpec = {
      use: "phase",
      short: `Use this command to invoke single phase of the ${JSON.stringify(cmdName)} workflow`,
      requireSubcommand: true,
      args: { kind: "none" },
      subcommands: this.phases.map((p) => toSpec(p)).filter((c) => c !== undefined),
    };
    const base = cmd.long || cmd.short;
    return {
      ...cmd,
      long: `${base}\n\n${this.help(cmd.use)}\n`,
      flags: [
        ...cmdFlags,
        { name: "skip-phases", type: "strings", usage: "List of phases to be skipped" },
      ],
      subcommands: [...(cmd.subcommands ?? []), phaseCmd],
      run: async (ctx) => {
        await start(ctx, { skipPhases: ctx.flags["skip-phases"] as string[] | undefined });
      },
    };
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
