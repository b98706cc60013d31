/**
 * The architecture of main.ts, lib/ and phases/, checked on their import graph (issue 18, "How it
 * is checked"). The graph is `deno info --json` over every module (static imports, dynamic
 * `import()` calls with a literal specifier, and `import type`), so modules that main.ts does not
 * reach are read too. The rules:
 *
 * 1. layers: main → lib/commands → phases/<workflow> → lib domain modules → lib/config,
 *    lib/host.ts, lib/kube → lib/util (see LAYERS below for exactly who may import whom);
 * 2. no import cycle between files (dynamic and type-only imports count), and none between the
 *    folders of the layers (lib/<folder>, phases/<workflow>, the files directly in lib/);
 * 3. no direct host effect (Deno's file, command, process, FFI and network calls, `fetch`, the
 *    effectful node: modules) outside lib/host.ts and tests/architecture_allowlist.ts;
 * 4. one YAML writer: lib/util/goyaml.ts. The yaml package only parses; no other YAML library;
 *    the writer's pieces stay inside lib/util; a function named for writing YAML calls
 *    marshalGoYAML;
 * 5. hygiene: every module of lib/ and phases/ is reached from main.ts (nothing dead), `node:path`
 *    only through the import map's `@std/path`, dynamic imports only with a literal specifier.
 *
 * Each failure names the file (with its line), the import or call, and the rule. Runs in about a
 * second: one `deno info` and a scan of about 200 files.
 */
import { assert } from "./assert.ts";
import { HOST_EFFECT_ALLOWLIST } from "./architecture_allowlist.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

// ---------------------------------------------------------------------------------------------
// Layers

type Layer = "main" | "commands" | "phases" | "framework" | "domain" | "foundation" | "base";

interface Place {
  layer: Layer;
  /** The folder-level unit: lib/<folder>, phases/<workflow>, or the file itself. */
  unit: string;
}

/** Where a file of main.ts, lib/ or phases/ sits. */
function placeOf(file: string): Place {
  const parts = file.split("/");
  if (file === "main.ts") return { layer: "main", unit: "main.ts" };
  if (parts[0] === "phases") return { layer: "phases", unit: `phases/${parts[1]}` };
  if (parts[0] !== "lib") throw new Error(`${file}: outside main.ts, lib/ and phases/`);
  const unit = parts.length === 2 ? file : `lib/${parts[1]}`;
  if (unit === "lib/commands") return { layer: "commands", unit };
  if (unit === "lib/cli.ts" || unit === "lib/workflow.ts") return { layer: "framework", unit };
  if (unit === "lib/config" || unit === "lib/kube" || unit === "lib/host.ts") {
    return { layer: "foundation", unit };
  }
  if (unit === "lib/util" || unit === "lib/errors.ts" || unit === "lib/build_info.ts") {
    return { layer: "base", unit };
  }
  return { layer: "domain", unit };
}

/**
 * Who may import whom, top-down. A unit may always import its own files.
 * - main.ts: lib/commands and the command framework (lib/cli.ts).
 * - lib/commands: everything below it, and phases/ (the run bodies of workflow commands).
 * - phases/<workflow>: its own workflow's phases and everything below; never lib/commands, never
 *   another workflow's phases.
 * - framework (lib/cli.ts, lib/workflow.ts: the generic command and phase runner): only the
 *   framework and the base. Domain modules know no command-line framework.
 * - domain (every other folder or file of lib/): other domain modules (no cycle between folders,
 *   rule 2), the foundation and the base.
 * - foundation: lib/host.ts only the base; lib/config and lib/kube lib/host.ts and the base (they
 *   do not import each other).
 * - base (lib/util, lib/errors.ts, lib/build_info.ts): lib/util only lib/util; lib/errors.ts and
 *   lib/build_info.ts nothing of ours.
 */
function layerAllows(from: Place, to: Place): boolean {
  if (from.unit === to.unit) return true;
  switch (from.layer) {
    case "main":
      return to.layer === "commands" || to.unit === "lib/cli.ts";
    case "commands":
      return to.layer !== "main";
    case "phases":
      return ["framework", "domain", "foundation", "base"].includes(to.layer);
    case "framework":
      return to.layer === "framework" || to.layer === "base";
    case "domain":
      return ["domain", "foundation", "base"].includes(to.layer);
    case "foundation":
      if (to.layer === "base") return true;
      return from.unit !== "lib/host.ts" && to.unit === "lib/host.ts";
    case "base":
      return false;
  }
}

/** What the rule for imports out of a layer says, for failure messages. */
const LAYER_RULE: Record<Layer, string> = {
  main: "main.ts imports only lib/commands and lib/cli.ts",
  commands: "lib/commands may import anything but main.ts",
  phases: "phases/<workflow> imports its own workflow, lib/cli.ts, lib/workflow.ts and lib " +
    "modules, never lib/commands or another workflow's phases",
  framework: "lib/cli.ts and lib/workflow.ts import only each other, lib/util and lib/errors.ts",
  domain: "lib domain modules import other domain modules, lib/config, lib/kube, lib/host.ts and " +
    "lib/util, never lib/commands, phases/, lib/cli.ts or lib/workflow.ts",
  foundation: "lib/host.ts imports only lib/util and lib/errors.ts; lib/config and lib/kube only " +
    "lib/host.ts, lib/util and lib/errors.ts",
  base: "lib/util imports only lib/util; lib/errors.ts and lib/build_info.ts nothing of ours",
};

/**
 * Imports against the layers that are there on purpose: "from -> to" (files), with the reason.
 * Empty: every import follows the layers.
 */
const LAYER_EXCEPTIONS: Readonly<Record<string, string>> = {};

// ---------------------------------------------------------------------------------------------
// Host effects

/** Deno's calls that reach files, processes, FFI, the network or host facts (with *Sync). */
const DENO_EFFECTS = [
  "readTextFile",
  "readFile",
  "writeFile",
  "writeTextFile",
  "open",
  "create",
  "stat",
  "lstat",
  "fstat",
  "mkdir",
  "remove",
  "readDir",
  "rename",
  "copyFile",
  "link",
  "symlink",
  "readLink",
  "realPath",
  "chmod",
  "chown",
  "truncate",
  "ftruncate",
  "utime",
  "futime",
  "makeTempDir",
  "makeTempFile",
  "watchFs",
  "chdir",
  "Command",
  "run",
  "kill",
  "dlopen",
  "connect",
  "connectTls",
  "startTls",
  "listen",
  "listenTls",
  "listenDatagram",
  "createHttpClient",
  "serve",
  "resolveDns",
  "hostname",
  "networkInterfaces",
  "osRelease",
  "osUptime",
  "loadavg",
  "systemMemoryInfo",
  "uid",
  "gid",
];

/** node: modules whose import is a host effect (files, processes, network, host facts). */
const NODE_EFFECT_MODULES = [
  "node:fs",
  "node:fs/promises",
  "node:child_process",
  "node:net",
  "node:tls",
  "node:http",
  "node:https",
  "node:http2",
  "node:dgram",
  "node:dns",
  "node:os",
  "node:worker_threads",
  "node:cluster",
];

// ---------------------------------------------------------------------------------------------
// The YAML writer

const YAML_WRITER = "lib/util/goyaml.ts";
/** What lib/ and phases/ may take from the yaml package: its parsers and type guards. */
const YAML_READERS = new Set([
  "parse",
  "parseDocument",
  "parseAllDocuments",
  "LineCounter",
  "isAlias",
  "isCollection",
  "isDocument",
  "isMap",
  "isNode",
  "isPair",
  "isScalar",
  "isSeq",
]);
/** The writer's pieces: nothing outside lib/util builds YAML text from them. */
const WRITER_PIECES = [
  "goYamlKeyCompare",
  "sortGoYamlKeys",
  "goYAMLScalar",
  "goFormatFloat",
  "canUsePlain",
];
/** Functions named for writing YAML that do not go through marshalGoYAML, with the reason. */
const YAML_WRITER_EXCEPTIONS: Readonly<Record<string, string>> = {
  "lib/util/kyaml.ts#marshalKYAML":
    "KYAML (`-o kyaml`, sigs.k8s.io/yaml/kyaml), not YAML as yaml.v2 writes it: flow style, every " +
    "string double-quoted, trailing commas, fields in the object's order",
};

// ---------------------------------------------------------------------------------------------
// Source text

/**
 * `src` with comments blanked and the contents of string, template and regular expression
 * literals blanked (quotes, backticks and `${...}` code kept), same length and lines: what is
 * left is code, so that `Deno.readFile` in a comment or a message is not a call.
 */
export function codeOnly(src: string): string {
  const out = src.split("");
  const n = src.length;
  const blank = (a: number, b: number) => {
    for (let k = a; k < Math.min(b, n); k++) if (out[k] !== "\n") out[k] = " ";
  };
  // Template literals nest: each "tmpl" is inside backticks, each "expr" inside `${ }` (with its
  // own brace depth).
  const stack: ({ kind: "tmpl" } | { kind: "expr"; depth: number })[] = [];
  let prev = ""; // the last significant token, to tell a regular expression from a division
  const regexAfter = new Set([
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
  ]);
  const regexAllowed = () =>
    prev === "" || (prev.length === 1 && "(,=:[!&|?{};+-*%<>~^}".includes(prev)) ||
    regexAfter.has(prev);
  let i = 0;
  while (i < n) {
    const top = stack.at(-1);
    const c = src[i];
    if (top?.kind === "tmpl") {
      if (c === "`") {
        stack.pop();
        prev = "`";
        i++;
      } else if (c === "\\") {
        blank(i, i + 2);
        i += 2;
      } else if (c === "$" && src[i + 1] === "{") {
        stack.push({ kind: "expr", depth: 0 });
        prev = "{";
        i += 2;
      } else {
        blank(i, i + 1);
        i++;
      }
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      const j = src.indexOf("\n", i);
      blank(i, j === -1 ? n : j);
      i = j === -1 ? n : j;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const j = src.indexOf("*/", i + 2);
      const end = j === -1 ? n : j + 2;
      blank(i, end);
      i = end;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
      prev = '"';
      continue;
    }
    if (c === "`") {
      stack.push({ kind: "tmpl" });
      i++;
      continue;
    }
    if (c === "{") {
      if (top?.kind === "expr") top.depth++;
      prev = "{";
      i++;
      continue;
    }
    if (c === "}") {
      if (top?.kind === "expr") {
        if (top.depth === 0) {
          stack.pop();
          i++;
          continue;
        }
        top.depth--;
      }
      prev = "}";
      i++;
      continue;
    }
    if (c === "/" && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== "\n") {
        if (src[j] === "\\") {
          j += 2;
          continue;
        }
        if (src[j] === "[") inClass = true;
        else if (src[j] === "]") inClass = false;
        else if (src[j] === "/" && !inClass) break;
        j++;
      }
      blank(i + 1, j);
      i = j + 1;
      while (i < n && /[a-z]/.test(src[i])) i++;
      prev = "/re/";
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(src[j])) j++;
      prev = src.slice(i, j);
      i = j;
      continue;
    }
    if (/\d/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(src[j])) j++;
      prev = "0";
      i = j;
      continue;
    }
    if (!/\s/.test(c)) prev = c;
    i++;
  }
  return out.join("");
}

/** `src` with only its comments blanked (string literals kept), same length and lines. */
function withoutComments(src: string, code: string): string {
  // Where codeOnly blanked a character that is not inside a string, template or regular
  // expression literal, it was a comment. Strings keep their quotes in `code`, so a blanked run
  // between two code characters that are not quotes is a comment.
  const out = src.split("");
  let inLiteral: string | undefined;
  for (let k = 0; k < src.length; k++) {
    if (inLiteral) {
      if (code[k] === inLiteral && src[k] === inLiteral) inLiteral = undefined;
      continue;
    }
    if (code[k] === '"' || code[k] === "'" || code[k] === "`") {
      inLiteral = code[k];
      continue;
    }
    if (code[k] !== src[k] && src[k] !== "\n") out[k] = " ";
  }
  return out.join("");
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

// ---------------------------------------------------------------------------------------------
// The graph

interface Edge {
  from: string;
  to: string;
  specifier: string;
  line: number;
  kind: "static" | "dynamic" | "type";
}

interface Graph {
  files: string[];
  edges: Edge[];
  /** Every import of a package or node: module (bare specifier as written). */
  external: Edge[];
  unresolved: string[];
  reachable: Set<string>;
  sources: Map<string, { src: string; code: string; text: string }>;
}

async function sourceFiles(): Promise<string[]> {
  const out = ["main.ts"];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${ROOT}/${dir}`)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && p.endsWith(".ts")) out.push(p);
    }
  };
  await walk("lib");
  await walk("phases");
  return out.sort();
}

interface InfoDep {
  specifier: string;
  code?: { specifier?: string; error?: string; span: { start: { line: number } } };
  type?: { specifier?: string; error?: string; span: { start: { line: number } } };
  isDynamic?: boolean;
}
interface InfoModule {
  specifier: string;
  error?: string;
  dependencies?: InfoDep[];
}

async function loadGraph(): Promise<Graph> {
  const files = await sourceFiles();
  const prefix = `file://${ROOT}/`;
  const rootsFile = await Deno.makeTempFile({ prefix: "kubestrap-architecture-", suffix: ".ts" });
  let info: { modules: InfoModule[]; redirects: Record<string, string> };
  try {
    await Deno.writeTextFile(
      rootsFile,
      files.map((f) => `import ${JSON.stringify(prefix + f)};\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", `${ROOT}/deno.json`, rootsFile],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, `deno info failed: ${new TextDecoder().decode(out.stderr)}`);
    info = JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(rootsFile);
  }
  const edges: Edge[] = [];
  const external: Edge[] = [];
  const unresolved: string[] = [];
  for (const m of info.modules) {
    if (!m.specifier.startsWith(prefix)) continue;
    const from = m.specifier.slice(prefix.length);
    if (m.error) unresolved.push(`${from}: ${m.error}`);
    for (const d of m.dependencies ?? []) {
      for (const [res, kind] of [[d.code, "code"], [d.type, "type"]] as const) {
        if (!res) continue;
        const line = res.span.start.line + 1;
        if (res.error) unresolved.push(`${from}:${line}: ${d.specifier}: ${res.error}`);
        const target = res.specifier ? info.redirects[res.specifier] ?? res.specifier : "";
        const edge: Edge = {
          from,
          to: target.startsWith(prefix) ? target.slice(prefix.length) : target,
          specifier: d.specifier,
          line,
          kind: kind === "type" ? "type" : d.isDynamic ? "dynamic" : "static",
        };
        if (target.startsWith(prefix)) edges.push(edge);
        else external.push(edge);
      }
    }
  }
  // What main.ts reaches, through any kind of import.
  const reachable = new Set<string>(["main.ts"]);
  const queue = ["main.ts"];
  while (queue.length) {
    const f = queue.pop()!;
    for (const e of edges) {
      if (e.from === f && !reachable.has(e.to)) {
        reachable.add(e.to);
        queue.push(e.to);
      }
    }
  }
  const sources = new Map<string, { src: string; code: string; text: string }>();
  for (const f of files) {
    const src = await Deno.readTextFile(`${ROOT}/${f}`);
    const code = codeOnly(src);
    sources.set(f, { src, code, text: withoutComments(src, code) });
  }
  return { files, edges, external, unresolved, reachable, sources };
}

const graph = loadGraph();

function describe(e: Edge): string {
  const how = e.kind === "dynamic" ? "import()" : e.kind === "type" ? "import type" : "import";
  return `${e.from}:${e.line}: ${how} "${e.specifier}"${
    e.to && e.to !== e.specifier ? ` (${e.to})` : ""
  }`;
}

function report(problems: string[], what: string): void {
  assert(
    problems.length === 0,
    `${problems.length} ${what}:\n  ${problems.join("\n  ")}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The tests

Deno.test("architecture: every import resolves", async () => {
  const g = await graph;
  report(g.unresolved, "imports that do not resolve");
  // A guard against reading an empty or partial graph (and passing every rule on it).
  assert(g.files.length > 100 && g.edges.length > 500, "the graph is too small to be the tree");
});

Deno.test("architecture: imports follow the layers", async () => {
  const g = await graph;
  const problems: string[] = [];
  const used = new Set<string>();
  for (const e of g.edges) {
    if (!g.sources.has(e.to)) {
      problems.push(`${describe(e)}: outside main.ts, lib/ and phases/`);
      continue;
    }
    const from = placeOf(e.from);
    const to = placeOf(e.to);
    let ok = layerAllows(from, to);
    // phases/<workflow> may not import another workflow.
    if (from.layer === "phases" && to.layer === "phases" && from.unit !== to.unit) ok = false;
    const key = `${e.from} -> ${e.to}`;
    if (!ok && key in LAYER_EXCEPTIONS) {
      used.add(key);
      continue;
    }
    if (!ok) {
      problems.push(
        `${describe(e)}: ${from.unit} (${from.layer}) -> ${to.unit} (${to.layer}) is against ` +
          `the layers: ${LAYER_RULE[from.layer]}`,
      );
    }
  }
  for (const key of Object.keys(LAYER_EXCEPTIONS)) {
    if (!used.has(key)) problems.push(`LAYER_EXCEPTIONS["${key}"]: no such import any more`);
  }
  report(problems, "imports against the layers");
});

/** Tarjan's strongly connected components with more than one member (or a self-loop). */
function cycles(nodes: Iterable<string>, next: (n: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || next(v).includes(v)) out.push(comp.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return out;
}

Deno.test("architecture: no import cycle between files or folders", async () => {
  const g = await graph;
  const problems: string[] = [];
  const byFrom = new Map<string, Edge[]>();
  for (const e of g.edges) byFrom.set(e.from, [...byFrom.get(e.from) ?? [], e]);
  const fileNext = (f: string) => (byFrom.get(f) ?? []).map((e) => e.to);
  for (const comp of cycles(g.files, fileNext)) {
    const inside = new Set(comp);
    const links = g.edges.filter((e) => inside.has(e.from) && inside.has(e.to)).map(describe);
    problems.push(
      `files ${comp.join(", ")} import each other (rule: no import cycle, dynamic and type ` +
        `imports count): ${links.join("; ")}`,
    );
  }
  const unitOf = (f: string) => g.sources.has(f) ? placeOf(f).unit : f;
  const unitEdges = g.edges.filter((e) => unitOf(e.from) !== unitOf(e.to));
  const units = new Set(g.files.map(unitOf));
  const unitNext = (u: string) => [
    ...new Set(unitEdges.filter((e) => unitOf(e.from) === u).map((e) => unitOf(e.to))),
  ];
  for (const comp of cycles(units, unitNext)) {
    const inside = new Set(comp);
    const links = unitEdges.filter((e) => inside.has(unitOf(e.from)) && inside.has(unitOf(e.to)))
      .map(describe);
    problems.push(
      `folders ${comp.join(", ")} import each other (rule: no cycle between folders): ${
        links.join("; ")
      }`,
    );
  }
  report(problems, "import cycles");
});

function allowance(file: string) {
  const key = Object.keys(HOST_EFFECT_ALLOWLIST).find((k) =>
    k.endsWith("/") ? file.startsWith(k) : file === k
  );
  return key === undefined ? undefined : { key, ...HOST_EFFECT_ALLOWLIST[key] };
}

Deno.test("architecture: host effects only through lib/host.ts and the allow-list", async () => {
  const g = await graph;
  const problems: string[] = [];
  const seen = new Map<string, Set<string>>(); // allow-list key -> calls found
  const found = (file: string, line: number, call: string, what: string) => {
    const a = allowance(file);
    if (a && (a.calls === "any" || a.calls.includes(call))) {
      seen.set(a.key, (seen.get(a.key) ?? new Set()).add(call));
      return;
    }
    problems.push(
      `${file}:${line}: ${what}: a direct host effect (rule: files, commands, processes, FFI ` +
        `and the network only through lib/host.ts; exceptions in ` +
        `tests/architecture_allowlist.ts${
          a ? `, whose entry for ${a.key} does not list ${call}` : ""
        })`,
    );
  };
  const denoCall = new RegExp(`\\bDeno\\s*\\.\\s*(${DENO_EFFECTS.join("|")})(Sync)?\\b`, "g");
  for (const [file, { code }] of g.sources) {
    for (const m of code.matchAll(denoCall)) {
      found(file, lineOf(code, m.index), m[1], `Deno.${m[1]}${m[2] ?? ""}`);
    }
    for (const m of code.matchAll(/(?<![\w$.])fetch\s*\(/g)) {
      found(file, lineOf(code, m.index), "fetch", "fetch()");
    }
    // Reaching Deno's members other than by name would get past the check above.
    for (
      const m of code.matchAll(
        /\bDeno\s*\[|[}\]]\s*=\s*(?:globalThis\s*\.\s*)?Deno\b(?!\s*\.)|\bglobalThis\s*\.\s*Deno\b/g,
      )
    ) {
      problems.push(
        `${file}:${lineOf(code, m.index)}: "${m[0].trim()}": Deno reached indirectly (rule: ` +
          "name Deno's calls, Deno.x, so that this test sees them)",
      );
    }
  }
  for (const e of g.external) {
    if (NODE_EFFECT_MODULES.includes(e.specifier) && e.kind !== "type") {
      found(
        e.from,
        e.line,
        e.specifier,
        `${e.kind === "dynamic" ? "import()" : "import"} ${e.specifier}`,
      );
    }
  }
  // Entries for main.ts, lib/ and phases/ must still be needed, each listed call still made.
  for (const [key, a] of Object.entries(HOST_EFFECT_ALLOWLIST)) {
    if (!(key === "main.ts" || key.startsWith("lib/") || key.startsWith("phases/"))) continue;
    if (!key.endsWith("/") && !g.sources.has(key)) {
      problems.push(`HOST_EFFECT_ALLOWLIST["${key}"]: no such file`);
      continue;
    }
    const calls = seen.get(key) ?? new Set();
    if (calls.size === 0) problems.push(`HOST_EFFECT_ALLOWLIST["${key}"]: no host effect left`);
    else if (a.calls !== "any") {
      for (const c of a.calls) {
        if (!calls.has(c)) problems.push(`HOST_EFFECT_ALLOWLIST["${key}"]: ${c} not used any more`);
      }
    }
  }
  report(problems, "direct host effects");
});

/** The names an import clause takes: `{ a, type b, c as d }`, `* as ns`, `def`. */
function importedNames(clause: string): { names: string[]; namespace?: string } {
  const names: string[] = [];
  let namespace: string | undefined;
  const braces = clause.match(/\{([^}]*)\}/);
  for (const part of braces?.[1].split(",") ?? []) {
    const p = part.trim();
    if (!p || /^type\s/.test(p)) continue;
    names.push(p.split(/\s+as\s+|\s*:\s*/)[0].trim());
  }
  const rest = clause.replace(/\{[^}]*\}/, "").replace(/,/g, " ").trim();
  const ns = rest.match(/\*\s*as\s+([\w$]+)/);
  if (ns) namespace = ns[1];
  else if (rest && rest !== "type") names.push("default");
  return { names, namespace };
}

Deno.test("architecture: one YAML writer (lib/util/goyaml.ts)", async () => {
  const g = await graph;
  const problems: string[] = [];
  const rule = `rule: one YAML writer, ${YAML_WRITER}; the yaml package only parses`;
  // 1. Other YAML libraries, or the yaml package past the import map.
  for (const e of g.external) {
    if (/yaml/i.test(e.specifier) && e.specifier !== "yaml") {
      problems.push(`${describe(e)}: a second YAML library (${rule})`);
    }
  }
  // 2. What is taken from the yaml package. deno info lists one import per file and specifier,
  //    so every import of it is read from the text here; one it cannot read fails.
  const yamlFiles = new Set(g.external.filter((e) => e.specifier === "yaml").map((e) => e.from));
  for (const [file, { text, code }] of g.sources) {
    const uses: { line: number; names: string[]; namespace?: string }[] = [];
    const statics = /\b(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']yaml["']/g;
    for (const m of text.matchAll(statics)) {
      if (!m[1]) uses.push({ line: lineOf(text, m.index), ...importedNames(m[2]) });
    }
    for (const m of text.matchAll(/\bimport\s*\(\s*["']yaml["']\s*\)/g)) {
      const line = lineOf(text, m.index);
      const bound = /(?:const|let|var)\s+(\{[^}]*\}|[\w$]+)\s*=\s*await\s+$/.exec(
        text.slice(Math.max(0, m.index - 300), m.index),
      );
      if (!bound) {
        problems.push(
          `${file}:${line}: import("yaml"): the test cannot tell what it takes (write ` +
            '`const { parse } = await import("yaml")`)',
        );
      } else if (bound[1].startsWith("{")) uses.push({ line, ...importedNames(bound[1]) });
      else uses.push({ line, names: [], namespace: bound[1] });
    }
    if (yamlFiles.has(file) && uses.length === 0 && !/from\s*["']yaml["']/.test(text)) {
      problems.push(`${file}: imports yaml in a way the test cannot read`);
    }
    for (const u of uses) {
      const names = [...u.names];
      if (u.namespace) {
        for (const m of code.matchAll(new RegExp(`\\b${u.namespace}\\s*\\.\\s*([\\w$]+)`, "g"))) {
          names.push(m[1]);
        }
      }
      for (const n of names) {
        if (!YAML_READERS.has(n)) {
          problems.push(`${file}:${u.line}: takes ${n} from the yaml package (${rule})`);
        }
      }
    }
  }
  // 3. The writer's pieces stay in lib/util.
  for (const [file, { code }] of g.sources) {
    if (file.startsWith("lib/util/")) continue;
    for (const piece of WRITER_PIECES) {
      for (const m of code.matchAll(new RegExp(`\\b${piece}\\b`, "g"))) {
        problems.push(
          `${file}:${lineOf(code, m.index)}: uses ${piece}, a piece of the YAML writer (${rule}: ` +
            "build the value and write it with marshalGoYAML)",
        );
      }
    }
  }
  // 4. A function named for writing YAML writes it with marshalGoYAML (or another such
  //    function): a hand-made emitter would not.
  const used = new Set<string>();
  const decl =
    /^(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*([\w$]+)|(?:const|let)\s+([\w$]+)\s*=\s*(?:async\s+)?(?:\([^)]*\)|[\w$]+)\s*(?::[^=\n]+)?=>)/gm;
  const writerName = (n: string) =>
    /yaml$/i.test(n) && !/^(parse|split|read|load|decode|is|has|check|validate)/i.test(n);
  for (const [file, { code }] of g.sources) {
    if (file === YAML_WRITER) continue;
    const decls = [...code.matchAll(decl)];
    decls.forEach((m, k) => {
      const name = m[1] ?? m[2];
      if (!writerName(name)) return;
      const body = code.slice(m.index + m[0].length, decls[k + 1]?.index ?? code.length);
      const calls = [...body.matchAll(/\b([\w$]+)\s*\(/g)].map((c) => c[1]);
      if (calls.some((c) => c === "marshalGoYAML" || (c !== name && writerName(c)))) return;
      const key = `${file}#${name}`;
      if (key in YAML_WRITER_EXCEPTIONS) {
        used.add(key);
        return;
      }
      problems.push(
        `${file}:${lineOf(code, m.index)}: ${name} is named for writing YAML but does not call ` +
          `marshalGoYAML: a second YAML emitter? (${rule})`,
      );
    });
  }
  for (const key of Object.keys(YAML_WRITER_EXCEPTIONS)) {
    if (!used.has(key)) {
      problems.push(`YAML_WRITER_EXCEPTIONS["${key}"]: no such function any more`);
    }
  }
  report(problems, "YAML writers besides lib/util/goyaml.ts");
});

Deno.test("architecture: no dead module, node:path through @std/path, literal import()", async () => {
  const g = await graph;
  const problems: string[] = [];
  for (const f of g.files) {
    if (!g.reachable.has(f)) {
      problems.push(`${f}: nothing that main.ts reaches imports it (rule: no dead modules)`);
    }
  }
  for (const e of g.external) {
    if (e.specifier === "node:path" || e.specifier.startsWith("node:path/")) {
      problems.push(`${describe(e)}: import "@std/path" (rule: node:path through the import map)`);
    }
  }
  for (const [file, { code }] of g.sources) {
    for (const m of code.matchAll(/(?<![\w$.])import\s*\(\s*(.)/g)) {
      if (m[1] !== '"' && m[1] !== "'") {
        problems.push(
          `${file}:${lineOf(code, m.index)}: import() with a computed specifier (rule: literal ` +
            "specifiers, so that the import graph is complete)",
        );
      }
    }
  }
  report(problems, "problems");
});

Deno.test("architecture: codeOnly keeps code and blanks comments and literals", () => {
  const src = [
    'const a = "Deno.readFile"; // Deno.stat',
    "const b = `x ${Deno.cwd()} ${`y ${1}`} Deno.open`; /* Deno.lstat */",
    "const re = /Deno\\.remove/g, d = 4 / 2 / 1;",
    "Deno.mkdir(x);",
  ].join("\n");
  const code = codeOnly(src);
  assert(code.length === src.length && code.split("\n").length === 4);
  const calls = [...code.matchAll(/Deno\.(\w+)/g)].map((m) => m[1]);
  assert(JSON.stringify(calls) === '["cwd","mkdir"]', `found ${JSON.stringify(calls)}`);
});
