/**
 * The command-line layer: declarative command specs (cobra-like), turned into a commander
 * program for parsing, with help rendered exactly in cobra/pflag's layout so that kubeadm
 * users see the screens they know.
 */
import { Command, CommanderError, Option } from "commander";
import { KubestrapError, UsageError } from "./errors.ts";
import { parseDurationMs } from "./util/duration.ts";

export type FlagType = "string" | "bool" | "strings" | "int" | "int32" | "duration" | "level";

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** Default as kubeadm shows it; `undefined` for the zero value. */
  default?: string | boolean | number | string[];
  usage: string;
  hidden?: boolean;
  /** Overrides the type name shown in help (pflag's back-quoted name in usage also works). */
  typeName?: string;
  /** pflag MarkDeprecated: hidden from help; using it prints "Flag --x has been deprecated, <msg>". */
  deprecated?: string;
  /** cobra MarkFlagRequired: the command fails when the flag is not set. */
  required?: boolean;
}

export interface CommandContext {
  /** The full command path, e.g. "kubeadm init phase certs". */
  path: string;
  args: string[];
  /** Flag values by flag name (kebab-case), defaults included. */
  flags: Record<string, unknown>;
  /** Names of flags the user set explicitly. */
  changed: Set<string>;
  /** Names of every flag this command accepts (set or not). */
  declared?: Set<string>;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Prints this command's help to stdout. */
  help: () => void;
}

export type ArgsRule =
  | { kind: "none" }
  | { kind: "any" }
  | { kind: "max"; n: number }
  | { kind: "exact"; n: number }
  | { kind: "range"; min: number; max: number };

export interface CommandSpec {
  /** The cobra `Use` string: name first, then argument hints. */
  use: string;
  aliases?: string[];
  short: string;
  long?: string;
  example?: string;
  hidden?: boolean;
  flags?: FlagSpec[];
  /** Flags inherited by every subcommand ("Global Flags" in their help). */
  persistentFlags?: FlagSpec[];
  args?: ArgsRule;
  subcommands?: CommandSpec[];
  /** Absent: the command only groups subcommands and fails with "subcommand is required". */
  run?: (ctx: CommandContext) => Promise<void> | void;
  /** cobra RequireSubcommand: runnable, prints help and fails. */
  requireSubcommand?: boolean;
  /** cobra DisableFlagsInUseLine: no " [flags]" appended to the usage line. */
  disableFlagsInUseLine?: boolean;
}

/** The error kubeadm returns for a parent command run without a subcommand. */
export const SUBCOMMAND_REQUIRED = "\nerror: subcommand is required";

function nameOf(spec: CommandSpec): string {
  return spec.use.split(" ")[0];
}

// ---------------------------------------------------------------------------------------------
// Help rendering (cobra's default templates, pflag's FlagUsages)

function flagTypeName(f: FlagSpec): { name: string; usage: string } {
  const m = f.usage.match(/`([^`]+)`/);
  if (m) return { name: m[1], usage: f.usage.replace(/`([^`]+)`/, "$1") };
  if (f.typeName !== undefined) return { name: f.typeName, usage: f.usage };
  switch (f.type) {
    case "bool":
      return { name: "", usage: f.usage };
    case "level":
      return { name: "Level", usage: f.usage };
    default:
      return { name: f.type, usage: f.usage };
  }
}

function defaultText(f: FlagSpec): string {
  const d = f.default;
  if (d === undefined || d === "" || d === false || d === 0) return "";
  if (Array.isArray(d)) return d.length === 0 ? "" : ` (default [${d.join(",")}])`;
  if (f.type === "string") return ` (default ${JSON.stringify(d)})`;
  return ` (default ${d})`;
}

/** pflag's FlagSet.FlagUsages with no wrapping. */
export function flagUsages(flags: FlagSpec[]): string {
  const lines: string[] = [];
  let maxlen = 0;
  const sorted = [...flags].filter((f) => !f.hidden && !f.deprecated).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  for (const f of sorted) {
    let line = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
    const { name, usage } = flagTypeName(f);
    if (name) line += " " + name;
    line += "\x00";
    if (line.length > maxlen) maxlen = line.length;
    line += usage + defaultText(f);
    lines.push(line);
  }
  let out = "";
  for (const line of lines) {
    const sidx = line.indexOf("\x00");
    const spacing = " ".repeat(maxlen - sidx);
    const usage = line.slice(sidx + 1).replaceAll("\n", "\n" + " ".repeat(maxlen + 2));
    out += `${line.slice(0, sidx)} ${spacing} ${usage}\n`;
  }
  return out;
}

interface Node {
  spec: CommandSpec;
  parent?: Node;
  children: Node[];
}

function commandPath(n: Node): string {
  const names: string[] = [];
  for (let c: Node | undefined = n; c; c = c.parent) names.unshift(nameOf(c.spec));
  return names.join(" ");
}

function helpFlag(n: Node): FlagSpec {
  return { name: "help", short: "h", type: "bool", usage: `help for ${nameOf(n.spec)}` };
}

function inheritedFlags(n: Node): FlagSpec[] {
  const out: FlagSpec[] = [];
  for (let p = n.parent; p; p = p.parent) out.push(...(p.spec.persistentFlags ?? []));
  return out;
}

function runnable(n: Node): boolean {
  return n.spec.run !== undefined || n.spec.requireSubcommand === true;
}

function trimTrailing(s: string): string {
  return s.replace(/\s+$/, "");
}

/** cobra's IsAvailableCommand: shown in "Available Commands". */
function available(n: Node): boolean {
  if (n.spec.hidden) return false;
  return runnable(n) || n.children.some(available);
}

/** cobra's IsAdditionalHelpTopicCommand: neither runnable nor with available subcommands. */
function helpTopic(n: Node): boolean {
  if (n.spec.hidden || runnable(n)) return false;
  return !n.children.some(available);
}

function byName(a: Node, b: Node): number {
  const x = nameOf(a.spec);
  const y = nameOf(b.spec);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** cobra's UseLine. */
function useLine(n: Node): string {
  const parentPath = n.parent ? commandPath(n.parent) + " " : "";
  let line = parentPath + n.spec.use;
  if (n.spec.disableFlagsInUseLine) return line;
  if (!line.includes("[flags]")) line += " [flags]";
  return line;
}

/** cobra's help output for a command. */
export function renderHelp(n: Node, usageOnly = false): string {
  const spec = n.spec;
  let out = "";
  const text = spec.long || spec.short;
  if (text && !usageOnly) out += trimTrailing(text) + "\n\n";
  // cobra's help template prints the usage only for runnable commands or command groups.
  if (!runnable(n) && n.children.length === 0) return out;
  const cpath = commandPath(n);
  out += "Usage:";
  // cobra adds the help flag when the command executes: absent from the root usage that
  // "Unknown help topic" prints.
  const localFlags = [
    ...(spec.flags ?? []),
    ...(spec.persistentFlags ?? []),
    ...(usageOnly ? [] : [helpFlag(n)]),
  ];
  if (runnable(n)) out += `\n  ${useLine(n)}`;
  const isRoot = !n.parent;
  const helpCmd = {
    spec: { use: "help [command]", short: "Help about any command" },
    children: [],
  };
  const hasSubs = n.children.some(available);
  const listed = hasSubs && isRoot
    ? [...n.children, { ...helpCmd, parent: n } as Node]
    : n.children;
  if (hasSubs) out += `\n  ${cpath} [command]`;
  if (spec.aliases?.length) out += `\n\nAliases:\n  ${[nameOf(spec), ...spec.aliases].join(", ")}`;
  if (spec.example) out += `\n\nExamples:\n${spec.example}`;
  if (hasSubs) {
    const sorted = [...listed].sort(byName);
    const pad = Math.max(11, ...listed.map((c) => nameOf(c.spec).length));
    out += "\n\nAvailable Commands:";
    for (const c of sorted) {
      if (available(c) || nameOf(c.spec) === "help") {
        out += `\n  ${nameOf(c.spec).padEnd(pad)} ${c.spec.short}`;
      }
    }
  }
  out += "\n\nFlags:\n" + trimTrailing(flagUsages(localFlags));
  const inherited = inheritedFlags(n);
  if (inherited.some((f) => !f.hidden && !f.deprecated)) {
    out += "\n\nGlobal Flags:\n" + trimTrailing(flagUsages(inherited));
  }
  const topics = n.children.filter(helpTopic);
  if (topics.length > 0) {
    const pad = Math.max(...n.children.map((c) => commandPath(c).length));
    out += "\n\nAdditional help topics:";
    for (const c of [...topics].sort(byName)) {
      out += `\n  ${commandPath(c).padEnd(pad)} ${c.spec.short}`;
    }
  }
  if (hasSubs) {
    out += `\n\nUse "${cpath} [command] --help" for more information about a command.`;
  }
  return out + "\n";
}

// ---------------------------------------------------------------------------------------------
// Parsing with commander

function collectStrings(value: string, previous: string[] | undefined): string[] {
  const parts = value === "" ? [] : value.split(",");
  return [...(previous ?? []), ...parts];
}

/** How pflag names a flag in its errors: "--name", or "-s, --name" with a shorthand. */
function pflagName(f: { name: string; short?: string }): string {
  return f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
}

function parseIntFlag(flag: string) {
  return (value: string): number => {
    if (!/^[+-]?\d+$/.test(value)) {
      throw new UsageError(
        `invalid argument ${JSON.stringify(value)} for "${flag}" flag: strconv.ParseInt: ` +
          `parsing ${JSON.stringify(value)}: invalid syntax`,
      );
    }
    return Number(value);
  };
}

/** Parses a Go duration ("24h0m0s", "1h30m", "90s", "0") to milliseconds; undefined if invalid. */
function parseDuration(value: string): number | undefined {
  try {
    return parseDurationMs(value);
  } catch {
    return undefined;
  }
}

function parseDurationFlag(flag: string) {
  return (value: string): string => {
    if (parseDuration(value) === undefined) {
      throw new UsageError(
        `invalid argument ${JSON.stringify(value)} for "${flag}" flag: time: invalid duration ` +
          JSON.stringify(value),
      );
    }
    return value;
  };
}

function optionFor(f: FlagSpec): Option {
  const long = `--${f.name}`;
  const flags = f.short ? `-${f.short}, ${long}` : long;
  let opt: Option;
  switch (f.type) {
    case "bool":
      opt = new Option(flags);
      break;
    case "strings": {
      // pflag's StringSlice: the first occurrence replaces the default, later ones append.
      const def = f.default;
      opt = new Option(`${flags} <value>`).argParser((v: string, prev: string[] | undefined) =>
        collectStrings(v, prev === def ? undefined : prev)
      );
      break;
    }
    case "int":
    case "int32":
    case "level":
      opt = new Option(`${flags} <value>`).argParser(parseIntFlag(pflagName(f)));
      break;
    case "duration":
      opt = new Option(`${flags} <value>`).argParser(parseDurationFlag(pflagName(f)));
      break;
    default:
      opt = new Option(`${flags} <value>`);
  }
  opt.attributeName = () => f.name;
  if (f.default !== undefined) opt.default(f.default);
  return opt;
}

function checkArgs(rule: ArgsRule | undefined, args: string[], n: Node): void {
  const r = rule ?? { kind: "any" };
  switch (r.kind) {
    case "none":
      if (args.length > 0) {
        if (n.children.length > 0) {
          throw new UsageError(
            `unknown command ${JSON.stringify(args[0])} for ${JSON.stringify(commandPath(n))}`,
          );
        }
        throw new UsageError(
          `unknown command ${JSON.stringify(args[0])} for ${JSON.stringify(commandPath(n))}`,
        );
      }
      return;
    case "max":
      if (args.length > r.n) {
        throw new UsageError(`accepts at most ${r.n} arg(s), received ${args.length}`);
      }
      return;
    case "exact":
      if (args.length !== r.n) {
        throw new UsageError(`accepts ${r.n} arg(s), received ${args.length}`);
      }
      return;
    case "range":
      if (args.length < r.min || args.length > r.max) {
        throw new UsageError(
          `accepts between ${r.min} and ${r.max} arg(s), received ${args.length}`,
        );
      }
      return;
    default:
      return;
  }
}

/** Levenshtein distance, case-insensitive (cobra's ld). */
function ld(s: string, t: string): number {
  s = s.toLowerCase();
  t = t.toLowerCase();
  const d: number[][] = [];
  for (let i = 0; i <= s.length; i++) d.push([i, ...new Array(t.length).fill(0)]);
  for (let j = 0; j <= t.length; j++) d[0][j] = j;
  for (let j = 1; j <= t.length; j++) {
    for (let i = 1; i <= s.length; i++) {
      d[i][j] = s[i - 1] === t[j - 1]
        ? d[i - 1][j - 1]
        : Math.min(d[i - 1][j], d[i][j - 1], d[i - 1][j - 1]) + 1;
    }
  }
  return d[s.length][t.length];
}

/** cobra's findSuggestions: "\n\nDid you mean this?\n\t<name>\n" or "". */
function suggestionsFor(n: Node, typed: string): string {
  const names = n.children.filter(available).map((c) => nameOf(c.spec)).filter((name) =>
    ld(typed, name) <= 2 || name.toLowerCase().startsWith(typed.toLowerCase())
  );
  if (names.length === 0) return "";
  return "\n\nDid you mean this?\n" + names.map((name) => `\t${name}\n`).join("");
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => Deno.stdout.writeSync(new TextEncoder().encode(s)),
  err: (s) => Deno.stderr.writeSync(new TextEncoder().encode(s)),
};

function allBoolFlags(n: Node, acc: Set<string>): Set<string> {
  for (const f of [...(n.spec.flags ?? []), ...(n.spec.persistentFlags ?? [])]) {
    if (f.type === "bool") acc.add(f.name);
  }
  for (const c of n.children) allBoolFlags(c, acc);
  return acc;
}

/**
 * pflag accepts `--flag=true|false` for booleans; commander does not. `--x=true` becomes `--x`;
 * `--x=false` is removed from argv and reported in `falses`, to be applied after parsing.
 */
function normalizeBoolArgs(
  argv: string[],
  bools: Set<string>,
  shortBools: Map<string, string>,
  shortValued: ReadonlySet<string> = new Set(),
): { args: string[]; falses: string[] } {
  const out: string[] = [];
  const falses: string[] = [];
  for (const a of argv) {
    if (a === "--") {
      out.push(...argv.slice(argv.indexOf(a)));
      break;
    }
    const m = a.match(/^--([^=]+)=(.*)$/) ?? a.match(/^-([^-=])=(.*)$/);
    if (m && m[1].length === 1 && !a.startsWith("--")) {
      // A bool shorthand with a value (`-h=false`): resolve it to its long name.
      const long = shortBools.get(m[1]);
      if (long) m[1] = long;
      else if (shortValued.has(m[1])) {
        // pflag reads `-o=short` and `-v=5` as the shorthand with that value (commander would
        // take "=short" as the value): pass them as `-o short`.
        out.push(`-${m[1]}`, m[2]);
        continue;
      }
    }
    if (m && bools.has(m[1])) {
      const v = m[2].toLowerCase();
      if (["true", "t", "1"].includes(v)) out.push(`--${m[1]}`);
      else if (["false", "f", "0"].includes(v)) falses.push(m[1]);
      else {
        throw new UsageError(
          `invalid argument ${JSON.stringify(m[2])} for "--${m[1]}" flag: strconv.ParseBool: ` +
            `parsing ${JSON.stringify(m[2])}: invalid syntax`,
        );
      }
    } else out.push(a);
  }
  return { args: out, falses };
}

function buildTree(spec: CommandSpec, parent?: Node): Node {
  const n: Node = { spec, parent, children: [] };
  n.children = (spec.subcommands ?? []).map((s) => buildTree(s, n));
  return n;
}

/** Finds a command node by its path below the root, e.g. ["init", "phase", "certs"]. */
export function findNode(root: Node, names: string[]): Node | undefined {
  let cur: Node | undefined = root;
  for (const name of names) {
    cur = cur?.children.find((c) => nameOf(c.spec) === name || c.spec.aliases?.includes(name));
    if (!cur) return undefined;
  }
  return cur;
}

export interface Program {
  root: Node;
  run(argv: string[]): Promise<number>;
  helpOf(names: string[]): string;
}

export function createProgram(rootSpec: CommandSpec, io: Io = defaultIo): Program {
  const root = buildTree(rootSpec);
  const bools = allBoolFlags(root, new Set(["help"]));
  const shortBools = new Map<string, string>([["h", "help"]]);
  const shortValued = new Set<string>();
  const collectShort = (n: Node) => {
    for (const f of [...(n.spec.flags ?? []), ...(n.spec.persistentFlags ?? [])]) {
      if (f.type === "bool" && f.short) shortBools.set(f.short, f.name);
      else if (f.short) shortValued.add(f.short);
    }
    n.children.forEach(collectShort);
  };
  collectShort(root);

  let falses: string[] = [];

  function toCommander(n: Node, result: { action?: () => Promise<void> }): Command {
    const c = new Command(nameOf(n.spec));
    c.enablePositionalOptions();
    c.helpOption(false);
    c.helpCommand(false);
    c.exitOverride();
    c.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    c.allowExcessArguments(true);
    c.argument("[args...]");
    if (n.spec.aliases) c.aliases(n.spec.aliases);
    const own = [...(n.spec.flags ?? []), ...(n.spec.persistentFlags ?? [])];
    const all = [...own, ...inheritedFlags(n)];
    for (const f of all) c.addOption(optionFor(f));
    c.addOption(new Option("-h, --help"));
    for (const child of n.children) c.addCommand(toCommander(child, result));
    c.action((args: string[], _opts: unknown, cmd: Command) => {
      result.action = async () => {
        const opts = cmd.opts() as Record<string, unknown>;
        const boolNames = new Set([
          "help",
          ...all.filter((f) => f.type === "bool").map((f) => f.name),
        ]);
        for (const f of falses) {
          if (!boolNames.has(f)) throw new UsageError(`unknown flag: --${f}`);
          opts[f] = false;
        }
        const ctx: CommandContext = {
          path: commandPath(n),
          args,
          flags: opts,
          changed: new Set(
            all.map((f) => f.name).filter((k) =>
              cmd.getOptionValueSource(k) === "cli" || falses.includes(k)
            ),
          ),
          declared: new Set(all.map((f) => f.name)),
          out: io.out,
          err: io.err,
          help: () => io.out(renderHelp(n)),
        };
        for (const f of all) {
          if (f.deprecated && ctx.changed.has(f.name)) {
            io.err(`Flag --${f.name} has been deprecated, ${f.deprecated}\n`);
          }
        }
        if (opts.help) {
          ctx.help();
          return;
        }
        if (!runnable(n)) {
          // cobra's legacyArgs: only the root rejects unknown subcommands; other non-runnable
          // commands print their help.
          if (args.length > 0 && !n.parent && n.children.length > 0) {
            throw new UsageError(
              `unknown command ${JSON.stringify(args[0])} for ${JSON.stringify(commandPath(n))}` +
                suggestionsFor(n, args[0]),
            );
          }
          ctx.help();
          return;
        }
        if (n.spec.requireSubcommand || !n.spec.run) {
          if (args.length > 0) checkArgs({ kind: "none" }, args, n);
          ctx.help();
          throw new KubestrapError(SUBCOMMAND_REQUIRED.slice("\nerror: ".length + 0));
        }
        checkArgs(n.spec.args, args, n);
        const missing = all.filter((f) => f.required && !ctx.changed.has(f.name));
        if (missing.length > 0) {
          throw new UsageError(
            `required flag(s) ${missing.map((f) => JSON.stringify(f.name)).join(", ")} not set`,
          );
        }
        await n.spec.run(ctx);
      };
    });
    return c;
  }

  return {
    root,
    helpOf(names: string[]): string {
      const n = findNode(root, names);
      if (!n) throw new Error(`no command ${names.join(" ")}`);
      return renderHelp(n);
    },
    async run(argv: string[]): Promise<number> {
      const result: { action?: () => Promise<void> } = {};
      try {
        const normalized = normalizeBoolArgs(argv, bools, shortBools, shortValued);
        const args = normalized.args;
        falses = normalized.falses;
        // `kubeadm help [command...]` prints that command's help (cobra's help command: an
        // unknown first word prints "Unknown help topic" and the root usage on stderr).
        if (args[0] === "help") {
          const names = args.slice(1).filter((a) => !a.startsWith("-"));
          let n = root;
          for (const name of names) {
            const c = findNode(n, [name]);
            if (!c) {
              if (n === root) {
                io.err(`Unknown help topic [${names.map((a) => `\`${a}\``).join(" ")}]\n`);
                io.err(renderHelp(root, true));
                return 0;
              }
              break;
            }
            n = c;
          }
          io.out(renderHelp(n));
          return 0;
        }
        const program = toCommander(root, result);
        await program.parseAsync(args, { from: "user" });
        if (result.action) await result.action();
        return 0;
      } catch (e) {
        return reportError(e, io, argv);
      }
    },
  };
}

/** Prints an error the way kubeadm's HandleError does and returns the exit code. */
export function reportError(e: unknown, io: Io, argv: string[] = []): number {
  let msg: string;
  let code = 1;
  if (e instanceof CommanderError) {
    msg = commanderMessage(e, argv[argv.length - 1]);
  } else if (e instanceof KubestrapError) {
    msg = e.message;
    code = e.exitCode;
    if (msg === SUBCOMMAND_REQUIRED.slice("\nerror: ".length)) {
      io.err(`error: ${SUBCOMMAND_REQUIRED}\n`);
      io.err("To see the stack trace of this error execute with --v=5 or higher\n");
      return 1;
    }
  } else if (e instanceof Error) {
    msg = e.message;
  } else {
    msg = String(e);
  }
  io.err(`error: ${msg}\nTo see the stack trace of this error execute with --v=5 or higher\n`);
  return code;
}

function commanderMessage(e: CommanderError, lastArg?: string): string {
  const m = e.message.replace(/^error: /, "");
  let r: RegExpMatchArray | null;
  if (e.code === "commander.unknownOption" && (r = m.match(/unknown option '([^']+)'/))) {
    const flag = r[1].split("=")[0];
    return flag.startsWith("--")
      ? `unknown flag: ${flag}`
      : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`;
  }
  if (e.code === "commander.optionMissingArgument" && (r = m.match(/option '([^']+)'/))) {
    const names = r[1].replace(/\s*<value>$/, "").split(",").map((s) => s.trim());
    const long = names.find((s) => s.startsWith("--")) ?? names[0];
    const short = names.find((s) => /^-[^-]$/.test(s));
    if (short && lastArg?.startsWith(short)) {
      return `flag needs an argument: '${short.slice(1)}' in ${lastArg}`;
    }
    return `flag needs an argument: ${long}`;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// kubeadm's documentation helpers (cmd/util/documentation.go)

/**
 * kubeadm's LongDesc: trims the text, re-flows each paragraph onto one line, and keeps a line
 * break where a source line ends with two spaces.
 */
export function longDesc(s: string): string {
  const lines = s.trim().split("\n");
  const output: string[] = [];
  let paragraph: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === "") {
      if (paragraph.length > 0) {
        output.push(paragraph.join(" ") + "\n");
        paragraph = [];
      }
    } else {
      paragraph.push(trimmed);
      if (line.endsWith("  ")) {
        output.push(paragraph.join(" "));
        paragraph = [];
      }
    }
  }
  output.push(paragraph.join(" "));
  return output.join("\n");
}

/** kubeadm's Examples: trims the text and indents every line by two spaces. */
export function examples(s: string): string {
  const trimmed = s.trim();
  if (trimmed === "") return "";
  return trimmed.split("\n").map((l) => "  " + l.trim()).join("\n");
}

/** lithammer/dedent: removes the common leading whitespace of all non-blank lines. */
export function dedent(s: string): string {
  let margin: string | undefined;
  const lines = s.split("\n");
  for (const line of lines) {
    if (line.trim() === "") continue;
    const indent = line.match(/^[ \t]*/)![0];
    if (margin === undefined || !indent.startsWith(margin)) {
      if (margin === undefined || margin.startsWith(indent)) margin = indent;
      else {
        let i = 0;
        while (i < margin.length && i < indent.length && margin[i] === indent[i]) i++;
        margin = margin.slice(0, i);
      }
    }
  }
  return lines.map((l) => (l.trim() === "" ? l.replace(/^[ \t]+$/, "") : l.slice(margin!.length)))
    .join("\n");
}
