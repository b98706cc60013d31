/**
 * The command-line layer: declarative command specs (cobra-like), parsed as cobra and pflag
 * parse kubeadm's command line (flags anywhere, shorthands combined or with their value
 * attached, pflag's error texts), with help rendered exactly in cobra/pflag's layout so that
 * kubeadm users see the screens they know.
 */
import { KubestrapError, UsageError } from "./errors.ts";
import { parseDuration } from "./util/duration.ts";
import { settled } from "./util/inflight.ts";

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
  /** The whole command line as given (without the program name). */
  argv?: string[];
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
function flagUsages(flags: FlagSpec[]): string {
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
function renderHelp(n: Node, usageOnly = false): string {
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
// Parsing: cobra's command lookup (Command.Find) and pflag's flag parsing (FlagSet.Parse)

/** How pflag names a flag in its errors: "--name", or "-s, --name" with a shorthand. */
function pflagName(f: { name: string; short?: string }): string {
  return f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
}

/** Go's strconv.ParseInt(s, 10, bits) as pflag's int flags and klog's Level use it. */
function parseIntValue(value: string): number | string {
  if (!/^[+-]?\d+$/.test(value)) {
    return `strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`;
  }
  return Number(value);
}

/** Go's strconv.ParseBool. */
function parseBoolValue(value: string): boolean | string {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return `strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`;
}

/** klog's moduleSpec.Set: comma-separated pattern=N. */
function checkVmodule(value: string): string | undefined {
  if (value === "") return undefined;
  for (const pat of value.split(",")) {
    const kv = pat.split("=");
    if (kv.length !== 2 || kv[0] === "" || !/^[+-]?\d+$/.test(kv[1])) {
      return "syntax error: expect comma-separated list of filename=N";
    }
  }
  return undefined;
}

/** The error of a flag's Value.Set, or the parsed value. */
function setValue(
  f: FlagSpec,
  value: string,
  previous: unknown,
  changed: boolean,
): { value: unknown } | { error: string } {
  switch (f.type) {
    case "bool": {
      const b = parseBoolValue(value);
      return typeof b === "string" ? { error: b } : { value: b };
    }
    case "strings": {
      // pflag's StringSlice: the first occurrence replaces the default, later ones append.
      const parts = value === "" ? [] : value.split(",");
      return { value: changed ? [...(previous as string[] ?? []), ...parts] : parts };
    }
    case "int":
    case "int32":
    case "level": {
      const n = parseIntValue(value);
      return typeof n === "string" ? { error: n } : { value: n };
    }
    case "duration":
      try {
        parseDuration(value);
      } catch (e) {
        return { error: (e as Error).message };
      }
      return { value };
    default:
      if (f.name === "vmodule" && f.typeName === "moduleSpec") {
        const err = checkVmodule(value);
        if (err) return { error: err };
      }
      return { value };
  }
}

function checkArgs(rule: ArgsRule | undefined, args: string[], n: Node): void {
  const r = rule ?? { kind: "any" };
  switch (r.kind) {
    case "none":
      if (args.length > 0) {
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

function buildTree(spec: CommandSpec, parent?: Node): Node {
  const n: Node = { spec, parent, children: [] };
  n.children = (spec.subcommands ?? []).map((s) => buildTree(s, n));
  return n;
}

/** Finds a command node by its path below the root, e.g. ["init", "phase", "certs"]. */
function findNode(root: Node, names: string[]): Node | undefined {
  let cur: Node | undefined = root;
  for (const name of names) {
    cur = cur?.children.find((c) => nameOf(c.spec) === name || c.spec.aliases?.includes(name));
    if (!cur) return undefined;
  }
  return cur;
}

/** A command's flag set as cobra's c.Flags() has it: own flags, then the inherited persistent ones. */
interface FlagSet {
  all: FlagSpec[];
  long: Map<string, FlagSpec>;
  short: Map<string, FlagSpec>;
}

function flagSet(n: Node, withHelp: boolean): FlagSet {
  const long = new Map<string, FlagSpec>();
  const short = new Map<string, FlagSpec>();
  const all: FlagSpec[] = [];
  const own = [...(n.spec.flags ?? []), ...(n.spec.persistentFlags ?? [])];
  // cobra adds the help flag when the command executes, not while it looks the command up.
  for (const f of [...own, ...inheritedFlags(n), ...(withHelp ? [helpFlag(n)] : [])]) {
    if (long.has(f.name)) continue;
    long.set(f.name, f);
    if (f.short && !short.has(f.short)) short.set(f.short, f);
    all.push(f);
  }
  return { all, long, short };
}

/**
 * cobra's check in stripFlags/argsMinusFirstX: does `s` (an argument without "=") take the
 * next argument as its value? Unknown flags are assumed to, as cobra does.
 */
function takesNextArg(s: string, fs: FlagSet): boolean {
  if (s.includes("=")) return false;
  if (s.startsWith("--")) return fs.long.get(s.slice(2))?.type !== "bool";
  if (s.startsWith("-") && s.length === 2) return fs.short.get(s.slice(1))?.type !== "bool";
  return false;
}

/** cobra's stripFlags: the words of `args` that are neither flags nor flag values. */
function stripFlags(args: string[], fs: FlagSet): string[] {
  const commands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const s = args[i];
    if (s === "--") break;
    if (takesNextArg(s, fs)) {
      if (args.length - i - 1 <= 1) break;
      i++;
      continue;
    }
    if (s !== "" && !s.startsWith("-")) commands.push(s);
  }
  return commands;
}

/** cobra's argsMinusFirstX: `args` without the first word `x` that is not a flag value. */
function argsMinusFirst(args: string[], x: string, fs: FlagSet): string[] {
  for (let i = 0; i < args.length; i++) {
    const s = args[i];
    if (s === "--") break;
    if (takesNextArg(s, fs)) {
      i++;
      continue;
    }
    if (!s.startsWith("-") && s === x) return [...args.slice(0, i), ...args.slice(i + 1)];
  }
  return args;
}

/** The `help` command cobra adds to the root. */
const HELP_COMMAND = "help";

/**
 * cobra's Command.Find: walks down the tree by the words that are not flags (flags anywhere on
 * the line, the command's own and its parents' persistent ones alike). Returns the command and
 * its arguments with the subcommand names removed; `help` for cobra's help command.
 */
function findCommand(root: Node, argv: string[]): { node: Node; args: string[]; help: boolean } {
  let n = root;
  let args = argv;
  for (;;) {
    const fs = flagSet(n, false);
    const words = stripFlags(args, fs);
    if (words.length === 0) return { node: n, args, help: false };
    const next = words[0];
    if (n === root && next === HELP_COMMAND) {
      return { node: n, args: argsMinusFirst(args, next, fs), help: true };
    }
    const child = findNode(n, [next]);
    if (!child) return { node: n, args, help: false };
    args = argsMinusFirst(args, next, fs);
    n = child;
  }
}

interface Parsed {
  values: Record<string, unknown>;
  changed: Set<string>;
  args: string[];
}

/** pflag's FlagSet.Parse (interspersed): flags anywhere, `--` ends them. */
function parseFlags(args: string[], fs: FlagSet, io: Io): Parsed {
  const values: Record<string, unknown> = {};
  for (const f of fs.all) if (f.default !== undefined) values[f.name] = f.default;
  const changed = new Set<string>();
  const positional: string[] = [];
  const set = (f: FlagSpec, value: string) => {
    const r = setValue(f, value, values[f.name], changed.has(f.name));
    if ("error" in r) {
      throw new UsageError(
        `invalid argument ${JSON.stringify(value)} for "${pflagName(f)}" flag: ${r.error}`,
      );
    }
    values[f.name] = r.value;
    changed.add(f.name);
    if (f.deprecated) io.err(`Flag --${f.name} has been deprecated, ${f.deprecated}\n`);
  };
  let rest = args;
  while (rest.length > 0) {
    const s = rest[0];
    rest = rest.slice(1);
    if (s.length < 2 || s[0] !== "-") {
      positional.push(s);
      continue;
    }
    if (s[1] === "-") {
      if (s.length === 2) {
        positional.push(...rest);
        break;
      }
      // parseLongArg
      const body = s.slice(2);
      if (body[0] === "-" || body[0] === "=") throw new UsageError(`bad flag syntax: ${s}`);
      const eq = body.indexOf("=");
      const name = eq < 0 ? body : body.slice(0, eq);
      const f = fs.long.get(name);
      if (!f) throw new UsageError(`unknown flag: --${name}`);
      if (eq >= 0) set(f, body.slice(eq + 1));
      else if (f.type === "bool") set(f, "true");
      else if (rest.length > 0) {
        set(f, rest[0]);
        rest = rest.slice(1);
      } else throw new UsageError(`flag needs an argument: ${s}`);
      continue;
    }
    // parseShortArg: a series of shorthands ("-abc"), the last one possibly with its value
    // ("-oyaml", "-o=yaml", "-o yaml").
    let shorthands = s.slice(1);
    while (shorthands.length > 0) {
      const c = shorthands[0];
      const f = fs.short.get(c);
      if (!f) throw new UsageError(`unknown shorthand flag: '${c}' in -${shorthands}`);
      if (shorthands.length > 2 && shorthands[1] === "=") {
        set(f, shorthands.slice(2));
        shorthands = "";
      } else if (f.type === "bool") {
        set(f, "true");
        shorthands = shorthands.slice(1);
      } else if (shorthands.length > 1) {
        set(f, shorthands.slice(1));
        shorthands = "";
      } else if (rest.length > 0) {
        set(f, rest[0]);
        rest = rest.slice(1);
        shorthands = "";
      } else throw new UsageError(`flag needs an argument: '${c}' in -${shorthands}`);
    }
  }
  return { values, changed, args: positional };
}

export interface Program {
  root: Node;
  run(argv: string[]): Promise<number>;
  helpOf(names: string[]): string;
}

export function createProgram(rootSpec: CommandSpec, io: Io = defaultIo): Program {
  const root = buildTree(rootSpec);

  /** cobra's help command: `help [command...]` prints that command's help. */
  function helpCommand(args: string[]): number {
    // An unknown first word prints "Unknown help topic" and the root usage on stderr.
    const names = args.filter((a) => !a.startsWith("-"));
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

  async function execute(n: Node, argv: string[], whole: string[]): Promise<void> {
    // cobra's legacyArgs, checked while finding the command (before its flags are parsed):
    // the root rejects an unknown subcommand.
    if (!n.parent && n.children.length > 0 && n.spec.args === undefined) {
      const words = stripFlags(argv, flagSet(n, false));
      if (words.length > 0) {
        throw new UsageError(
          `unknown command ${JSON.stringify(words[0])} for ${JSON.stringify(commandPath(n))}` +
            suggestionsFor(n, words[0]),
        );
      }
    }
    const fs = flagSet(n, true);
    const { values, changed, args } = parseFlags(argv, fs, io);
    const ctx: CommandContext = {
      path: commandPath(n),
      argv: whole,
      args,
      flags: values,
      changed,
      declared: new Set(fs.all.filter((f) => f.name !== "help").map((f) => f.name)),
      out: io.out,
      err: io.err,
      help: () => io.out(renderHelp(n)),
    };
    if (values.help) {
      ctx.help();
      return;
    }
    if (!runnable(n)) {
      ctx.help();
      return;
    }
    if (n.spec.requireSubcommand || !n.spec.run) {
      if (args.length > 0) checkArgs({ kind: "none" }, args, n);
      ctx.help();
      throw new KubestrapError(SUBCOMMAND_REQUIRED.slice("\nerror: ".length + 0));
    }
    checkArgs(n.spec.args, args, n);
    const missing = fs.all.filter((f) => f.required && !changed.has(f.name));
    if (missing.length > 0) {
      throw new UsageError(
        `required flag(s) ${missing.map((f) => JSON.stringify(f.name)).join(", ")} not set`,
      );
    }
    await n.spec.run(ctx);
  }

  return {
    root,
    helpOf(names: string[]): string {
      const n = findNode(root, names);
      if (!n) throw new Error(`no command ${names.join(" ")}`);
      return renderHelp(n);
    },
    async run(argv: string[]): Promise<number> {
      try {
        const found = findCommand(root, argv);
        if (found.help) return helpCommand(found.args);
        await execute(found.node, found.args, [...argv]);
        return 0;
      } catch (e) {
        return reportError(e, io);
      } finally {
        // A failed command may leave key generation running on another thread: the process
        // must not exit under it (lib/util/inflight.ts).
        await settled();
      }
    },
  };
}

/** Prints an error the way kubeadm's HandleError does and returns the exit code. */
function reportError(e: unknown, io: Io): number {
  let msg: string;
  let code = 1;
  if (e instanceof KubestrapError) {
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
