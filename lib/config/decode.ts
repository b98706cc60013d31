/**
 * Strict decoding of kubeadm configuration files, following what kubeadm v1.37.2 does:
 *
 * 1. The file is split into documents like apimachinery's YAMLReader (a line starting with `---`
 *    ends a document; only blanks or a `#` comment may follow it on that line).
 * 2. `apiVersion`/`kind` are read from each document; missing group, version or kind is an error,
 *    and so is the same kind twice.
 * 3. Each document is converted YAML → JSON the way sigs.k8s.io/yaml does it (go-yaml v2, i.e.
 *    YAML 1.1 plain scalars: `yes`/`no`/`on`/`off` are booleans, `0755` is an octal integer,
 *    `1_000` is 1000, unquoted numbers stay numbers, no coercion towards the target type), then
 *    decoded into the Go types like encoding/json: case-sensitive keys, a JSON type that does not
 *    fit the field is `json: cannot unmarshal X into Go struct field S.path of type T`, unknown
 *    fields and duplicate keys are strict-decoding errors.
 *
 * Unlike kubeadm (which reports only the first problem, without a position), every problem is
 * reported and each message starts with `FILE:LINE:COLUMN: `.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node as YamlNode,
  parseDocument,
} from "yaml";
import { KubestrapError } from "../errors.ts";
import { canonicalDuration } from "../util/duration.ts";
import type { SchemaField, SchemaNode } from "./schema.ts";
import { resolveScalar } from "../util/yamlscalar.ts";

/**
 * kubestrap's limit on a configuration file's size (kubeadm has none): a kubeadm configuration
 * is a few kilobytes, and the ClusterConfiguration it uploads must fit in a ConfigMap (1 MiB).
 */
export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;

/** At most this many problems are printed; a last line counts the rest. */
export const MAX_REPORTED_PROBLEMS = 50;

/** A position in the configuration file (1-based). */
export interface Pos {
  line: number;
  col: number;
}

/** JSON value produced from YAML, with source positions kept for error messages. */
export type JNode =
  | { k: "map"; pos: Pos; entries: { key: string; keyPos: Pos; value: JNode }[] }
  | { k: "seq"; pos: Pos; items: JNode[] }
  | { k: "str"; pos: Pos; v: string }
  | { k: "num"; pos: Pos; v: number | bigint; text: string; float: boolean }
  | { k: "bool"; pos: Pos; v: boolean; raw: string }
  | { k: "null"; pos: Pos };

/** One problem found while decoding. */
export interface DecodeProblem {
  pos: Pos;
  message: string;
  /** "fatal" = the document cannot be decoded at all; "strict" = unknown/duplicate field. */
  severity: "fatal" | "strict";
}

/**
 * The first MAX_REPORTED_PROBLEMS of `lines`, and a last line counting the rest (a file of
 * 100,000 unknown fields would otherwise print megabytes).
 */
export function boundProblems(lines: string[]): string[] {
  if (lines.length <= MAX_REPORTED_PROBLEMS) return lines;
  return [
    ...lines.slice(0, MAX_REPORTED_PROBLEMS),
    `... and ${
      lines.length - MAX_REPORTED_PROBLEMS
    } more problems (kubestrap prints the first ${MAX_REPORTED_PROBLEMS})`,
  ];
}

export class ConfigDecodeError extends KubestrapError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(boundProblems(problems).join("\n"));
    this.name = "ConfigDecodeError";
    this.problems = problems;
  }
}

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

export function gvString(g: GVK): string {
  return g.group === "" ? g.version : `${g.group}/${g.version}`;
}

/** Formats like Go's `schema.GroupVersionKind.String()` (used with %+v / %v). */
export function gvkString(g: GVK): string {
  return `${g.group}/${g.version}, Kind=${g.kind}`;
}

/** Formats like Go's `%#v` of a schema.GroupVersionKind. */
export function gvkGoSyntax(g: GVK): string {
  return `schema.GroupVersionKind{Group:${JSON.stringify(g.group)}, Version:${
    JSON.stringify(g.version)
  }, Kind:${JSON.stringify(g.kind)}}`;
}

/** One YAML document of the file. */
export interface RawDocument {
  gvk: GVK;
  /** Line (1-based) in the file where the document's text starts. */
  startLine: number;
  text: string;
  /** Parsed content (JSON-like tree with positions). */
  node: JNode;
  /** Duplicate-key problems found while converting YAML to JSON. */
  yamlProblems: DecodeProblem[];
}

// ---------------------------------------------------------------------------------------------
// go-yaml's reader checks (readerc.go): UTF-8 and the characters YAML allows

/** Line and column (1-based, UTF-16 units as the yaml parser counts them) of `offset` in `text`. */
function textPos(text: string, offset: number): Pos {
  const before = text.lastIndexOf("\n", offset - 1);
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return { line, col: offset - before };
}

/**
 * A configuration file's bytes as text, checked as go-yaml v2's reader checks them
 * (yaml_parser_update_buffer): a malformed UTF-8 sequence is an error with go-yaml's text and
 * the FILE:LINE:COL where it starts (kubeadm reports it without a position). A UTF-8 byte
 * order mark at the start is dropped, as go-yaml drops it.
 */
export function decodeConfigBytes(bytes: Uint8Array, file: string): string {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const fail = (at: number, problem: string): never => {
    const before = new TextDecoder().decode(bytes.subarray(start, at));
    const p = textPos(before, before.length);
    throw new ConfigDecodeError([`${file}:${p.line}:${p.col}: yaml: ${problem}`]);
  };
  for (let i = start; i < bytes.length;) {
    const octet = bytes[i];
    if (octet < 0x80) {
      i++;
      continue;
    }
    const width = (octet & 0xe0) === 0xc0
      ? 2
      : (octet & 0xf0) === 0xe0
      ? 3
      : (octet & 0xf8) === 0xf0
      ? 4
      : 0;
    if (width === 0) fail(i, "invalid leading UTF-8 octet");
    // apimachinery's YAMLReader ends the last line with "\n": a sequence cut by the end of the
    // file meets that newline, an invalid trailing octet.
    if (i + width > bytes.length) fail(i, "invalid trailing UTF-8 octet");
    let value = octet & (width === 2 ? 0x1f : width === 3 ? 0x0f : 0x07);
    for (let k = 1; k < width; k++) {
      const t = bytes[i + k];
      if ((t & 0xc0) !== 0x80) fail(i, "invalid trailing UTF-8 octet");
      value = (value << 6) + (t & 0x3f);
    }
    if (
      (width === 2 && value < 0x80) || (width === 3 && value < 0x800) ||
      (width === 4 && value < 0x10000)
    ) {
      fail(i, "invalid length of a UTF-8 sequence");
    }
    if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) {
      fail(i, "invalid Unicode character");
    }
    i += width;
  }
  return new TextDecoder().decode(bytes.subarray(start));
}

/** Whether go-yaml's reader allows the code point (YAML 1.1's printable characters). */
function yamlPrintable(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e) || c === 0x85 ||
    (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/**
 * Rejects what go-yaml's reader rejects in decoded text: control characters (NUL, ESC, DEL, C1
 * controls, U+FFFE/U+FFFF) anywhere in the file, comments included, and lone surrogates.
 */
function checkCharacters(text: string, file: string): void {
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0x20 && u <= 0x7e) continue;
    const c = text.codePointAt(i)!;
    if (!yamlPrintable(c)) {
      const p = textPos(text, i);
      const problem = c >= 0xd800 && c <= 0xdfff
        ? "invalid Unicode character"
        : "control characters are not allowed";
      throw new ConfigDecodeError([`${file}:${p.line}:${p.col}: yaml: ${problem}`]);
    }
    if (c > 0xffff) i++;
  }
}

// ---------------------------------------------------------------------------------------------
// YAML 1.1 (go-yaml v2) plain scalar resolution

/**
 * Resolves an untagged plain scalar the way go-yaml v2 does (util/yamlscalar.ts, shared with the
 * YAML writer). A timestamp stays a string: decoded into interface{}, yaml.v2 keeps its text.
 */
export function resolvePlainScalar(s: string, pos: Pos): JNode {
  const r = resolveScalar(s);
  switch (r.tag) {
    case "null":
      return { k: "null", pos };
    case "bool":
      return { k: "bool", pos, v: r.value, raw: s };
    case "int": {
      const n = Number(r.value);
      return { k: "num", pos, v: Number.isSafeInteger(n) ? n : r.value, text: s, float: false };
    }
    case "float":
      return { k: "num", pos, v: r.value, text: s, float: true };
    default:
      return { k: "str", pos, v: s };
  }
}

// ---------------------------------------------------------------------------------------------
// Document splitting (apimachinery YAMLReader semantics)

interface Chunk {
  text: string;
  startLine: number;
}

function splitChunks(text: string, file: string): Chunk[] {
  const lines = text.split("\n");
  // A trailing "" after the final "\n" is not a line.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const chunks: Chunk[] = [];
  let buf: string[] = [];
  let bufStart = 1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line.startsWith("---")) {
      const trimmed = line.slice(3).trim();
      if (trimmed.length > 0 && trimmed[0] !== "#") {
        throw new ConfigDecodeError([
          `${file}:${i + 1}:1: invalid Yaml document separator: ${trimmed}`,
        ]);
      }
      if (buf.length > 0) {
        // The separator ends the document and is consumed; a leading one stays in the next.
        chunks.push({ text: buf.join("\n") + "\n", startLine: bufStart });
        buf = [];
        continue;
      }
    }
    if (buf.length === 0) bufStart = i + 1;
    buf.push(lines[i]);
  }
  if (buf.length > 0) chunks.push({ text: buf.join("\n") + "\n", startLine: bufStart });
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// YAML AST → JNode

function formatGoFloatKey(f: number): string {
  if (f === Infinity) return ".inf";
  if (f === -Infinity) return "-.inf";
  if (Number.isNaN(f)) return ".nan";
  // strconv.FormatFloat(f, 'g', -1, 32)
  const r = Math.fround(f);
  let s = String(r);
  if (/e/.test(s)) s = s.replace(/e([+-])(\d)$/, "e$10$2");
  return s;
}

// go-yaml v2's alias limit (decode.go): once more than 100 nodes came from alias expansion and
// more than 1000 were decoded, alias-driven decodes may be at most 99% of all decodes (up to
// 400,000 decodes), scaled down to 10% at 4,000,000.
const ALIAS_RATIO_RANGE_LOW = 400_000;
const ALIAS_RATIO_RANGE_HIGH = 4_000_000;

function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= ALIAS_RATIO_RANGE_LOW) return 0.99;
  if (decodeCount >= ALIAS_RATIO_RANGE_HIGH) return 0.10;
  return 0.99 -
    0.89 *
      ((decodeCount - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW));
}

/**
 * kubestrap's nesting limit (go-yaml's is 10000 flow levels or indents; the yaml parser kubestrap
 * uses recurses per level, so kubestrap stops far earlier: a kubeadm configuration nests < 10).
 */
const MAX_DEPTH = 200;

const depthError =
  `yaml: exceeded max depth of ${MAX_DEPTH} (kubestrap's limit; kubeadm's is 10000)`;

/** State of one document's YAML → JNode conversion. */
interface Walk {
  doc: Document;
  file: string;
  at: (offset: number) => Pos;
  problems: DecodeProblem[];
  /** Each alias's anchored node, as go-yaml's parser resolves it (the last anchor before it). */
  targets: Map<YamlNode, YamlNode>;
  decodeCount: number;
  aliasCount: number;
  aliasDepth: number;
  /** Aliases being expanded (an anchor whose value contains its own alias). */
  expanding: Set<YamlNode>;
  /** Where the outermost alias being expanded is. */
  aliasPos: Pos;
}

function walkFail(w: Walk, pos: Pos, message: string): never {
  throw new ConfigDecodeError([`${w.file}:${pos.line}:${pos.col}: ${message}`]);
}

/**
 * Resolves aliases in document order as go-yaml's parser does (an anchor is known from where it
 * starts: an alias inside its own anchored node refers to it; an alias before its anchor, or to
 * an anchor that does not exist, is `unknown anchor`).
 */
function resolveAnchors(w: Walk, root: YamlNode | null | undefined): void {
  const anchors = new Map<string, YamlNode>();
  const visit = (node: unknown, depth: number) => {
    if (node === null || node === undefined) return;
    const n = node as YamlNode;
    const pos = n.range ? w.at(n.range[0]) : { line: 1, col: 1 };
    if (depth > MAX_DEPTH) walkFail(w, pos, depthError);
    if (isAlias(n)) {
      const target = anchors.get(n.source);
      if (!target) walkFail(w, pos, `yaml: unknown anchor '${n.source}' referenced`);
      w.targets.set(n, target);
      return;
    }
    if (n.anchor) anchors.set(n.anchor, n);
    if (isSeq(n)) { for (const it of n.items) visit(it, depth + 1); }
    else if (isMap(n)) {
      for (const pair of n.items) {
        visit(pair.key, depth + 1);
        visit(pair.value, depth + 1);
      }
    }
  };
  visit(root, 0);
}

function toJNode(
  node: YamlNode | null | undefined,
  w: Walk,
  fallback: Pos,
  path: string,
  depth = 0,
): JNode {
  const { at, problems } = w;
  const here = node && node.range ? at(node.range[0]) : fallback;
  if (depth > MAX_DEPTH) walkFail(w, here, depthError);
  w.decodeCount++;
  if (w.aliasDepth > 0) w.aliasCount++;
  if (
    w.aliasCount > 100 && w.decodeCount > 1000 &&
    w.aliasCount / w.decodeCount > allowedAliasRatio(w.decodeCount)
  ) {
    walkFail(w, w.aliasPos, "yaml: document contains excessive aliasing");
  }
  if (node === null || node === undefined) return { k: "null", pos: fallback };
  if (isAlias(node)) {
    if (w.expanding.has(node)) {
      walkFail(w, here, `yaml: anchor '${node.source}' value contains itself`);
    }
    const target = w.targets.get(node);
    if (!target) walkFail(w, here, `yaml: unknown anchor '${node.source}' referenced`);
    if (w.aliasDepth === 0) w.aliasPos = here;
    w.expanding.add(node);
    w.aliasDepth++;
    const out = toJNode(target, w, here, path, depth + 1);
    w.aliasDepth--;
    w.expanding.delete(node);
    return out;
  }
  const pos = node.range ? at(node.range[0]) : fallback;
  if (isScalar(node)) {
    const raw = String(node.value ?? "");
    const tag = node.tag;
    if (tag && tag !== "tag:yaml.org,2002:str" && tag !== "!") {
      const short = tag.replace("tag:yaml.org,2002:", "!!");
      const resolved = resolvePlainScalar(raw, pos);
      const want = short.replace("!!", "");
      const kindOf = { int: "num", float: "num", bool: "bool", null: "null" } as Record<
        string,
        string
      >;
      if (kindOf[want] && kindOf[want] === resolved.k) {
        if (want === "float" && resolved.k === "num") return { ...resolved, float: true };
        return resolved;
      }
      if (want === "str") return { k: "str", pos, v: raw };
      problems.push({
        pos,
        severity: "fatal",
        message: `yaml: cannot decode ${raw} as a ${short}`,
      });
      return { k: "str", pos, v: raw };
    }
    if (node.type === "PLAIN") return resolvePlainScalar(raw, pos);
    return { k: "str", pos, v: raw };
  }
  if (isSeq(node)) {
    return {
      k: "seq",
      pos,
      items: node.items.map((it, i) => toJNode(it as YamlNode, w, pos, `${path}[${i}]`, depth + 1)),
    };
  }
  if (isMap(node)) {
    const entries: { key: string; keyPos: Pos; value: JNode }[] = [];
    const seen = new Map<string, number>();
    const put = (key: string, keyPos: Pos, value: JNode, fromMerge: boolean) => {
      const idx = seen.get(key);
      if (idx !== undefined) {
        if (fromMerge) return; // explicit keys win over merged ones
        problems.push({
          pos: keyPos,
          severity: "strict",
          message: `duplicate field ${JSON.stringify(path ? `${path}.${key}` : key)}` +
            ` (yaml: key ${JSON.stringify(key)} already set in map)`,
        });
        entries[idx] = { key, keyPos, value };
        return;
      }
      seen.set(key, entries.length);
      entries.push({ key, keyPos, value });
    };
    const merges: JNode[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyPos = keyNode && keyNode.range ? at(keyNode.range[0]) : pos;
      const kj = toJNode(keyNode, w, keyPos, path, depth + 1);
      let key: string;
      if (kj.k === "str") key = kj.v;
      else if (kj.k === "num") key = kj.float ? formatGoFloatKey(Number(kj.v)) : String(kj.v);
      else if (kj.k === "bool") key = kj.v ? "true" : "false";
      else {
        if (kj.k === "null" && isScalar(keyNode) && keyNode.type === "PLAIN") {
          // `<<`-less null key
        }
        problems.push({
          pos: keyPos,
          severity: "fatal",
          message: `unsupported map key of type ${kj.k === "null" ? "<nil>" : "collection"}`,
        });
        continue;
      }
      const childPath = path ? `${path}.${key}` : key;
      const value = toJNode(pair.value as YamlNode | null, w, keyPos, childPath, depth + 1);
      if (key === "<<" && isScalar(keyNode) && keyNode.type === "PLAIN") {
        merges.push(value);
        continue;
      }
      put(key, keyPos, value, false);
    }
    for (const m of merges) {
      const sources = m.k === "seq" ? m.items : [m];
      for (const src of sources) {
        if (src.k !== "map") {
          problems.push({
            pos: src.pos,
            severity: "fatal",
            message: "yaml: map merge requires map or sequence of maps as the value",
          });
          continue;
        }
        for (const e of src.entries) put(e.key, e.keyPos, e.value, true);
      }
    }
    return { k: "map", pos, entries };
  }
  problems.push({ pos, severity: "fatal", message: "yaml: unsupported node" });
  return { k: "null", pos };
}

function parseChunk(chunk: Chunk, file: string, problems: DecodeProblem[]): JNode {
  const lc = new LineCounter();
  const at = (offset: number): Pos => {
    const lp = lc.linePos(offset);
    return { line: lp.line + chunk.startLine - 1, col: lp.col };
  };
  let doc: Document;
  try {
    doc = parseDocument(chunk.text, {
      schema: "failsafe",
      lineCounter: lc,
      uniqueKeys: false,
      strict: false,
      prettyErrors: false,
      merge: false,
    });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ConfigDecodeError([`${file}:${chunk.startLine}:1: ${depthError}`]);
  }
  if (doc.errors.length > 0) {
    const msgs = doc.errors.map((e) => {
      const p = at(e.pos[0]);
      const msg = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      // The parser recurses per nesting level and reports its own stack overflow.
      const text = /Maximum call stack size exceeded/.test(msg) ? depthError : `yaml: ${msg}`;
      return `${file}:${p.line}:${p.col}: ${text}`;
    });
    throw new ConfigDecodeError(msgs);
  }
  const start = { line: chunk.startLine, col: 1 };
  const w: Walk = {
    doc,
    file,
    at,
    problems,
    targets: new Map(),
    decodeCount: 1, // the document node
    aliasCount: 0,
    aliasDepth: 0,
    expanding: new Set(),
    aliasPos: start,
  };
  resolveAnchors(w, doc.contents as YamlNode);
  return toJNode(doc.contents as YamlNode, w, start, "");
}

/** Parses GroupVersion like apimachinery's schema.ParseGroupVersion. */
function parseGroupVersion(gv: string): { group: string; version: string } {
  if (gv === "" || gv === "/") return { group: "", version: "" };
  const parts = gv.split("/");
  if (parts.length === 1) return { group: "", version: gv };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  throw new Error(`unexpected GroupVersion string: ${gv}`);
}

function scalarText(n: JNode | undefined): string {
  if (!n) return "";
  switch (n.k) {
    case "str":
      return n.v;
    case "num":
      return n.text;
    case "bool":
      return n.raw;
    default:
      return "";
  }
}

function mapGet(n: JNode, key: string): JNode | undefined {
  if (n.k !== "map") return undefined;
  for (const e of n.entries) if (e.key === key) return e.value;
  return undefined;
}

/**
 * Splits a configuration file into documents and reads each one's group/version/kind, with
 * kubeadm's checks (mandatory apiVersion+kind, no kind twice). Throws ConfigDecodeError.
 */
export function splitDocuments(text: string, file: string): RawDocument[] {
  const docs: RawDocument[] = [];
  const errs: string[] = [];
  const seenKinds = new Set<string>();
  if (text.length > MAX_CONFIG_BYTES) {
    throw new ConfigDecodeError([
      `${file} is larger than ${MAX_CONFIG_BYTES} bytes (kubestrap's limit for configuration files)`,
    ]);
  }
  checkCharacters(text, file);
  for (const chunk of splitChunks(text, file)) {
    const problems: DecodeProblem[] = [];
    const node = parseChunk(chunk, file, problems);
    const fatal = problems.filter((p) => p.severity === "fatal");
    if (fatal.length > 0) {
      throw new ConfigDecodeError(
        fatal.map((p) => `${file}:${p.pos.line}:${p.pos.col}: ${p.message}`),
      );
    }
    let apiVersion = "";
    let kind = "";
    if (node.k === "map") {
      const av = mapGet(node, "apiVersion");
      const kn = mapGet(node, "kind");
      for (const [name, v] of [["apiVersion", av], ["kind", kn]] as const) {
        if (v && (v.k === "map" || v.k === "seq")) {
          throw new ConfigDecodeError([
            `${file}:${v.pos.line}:${v.pos.col}: could not interpret GroupVersionKind; unmarshal ` +
            `error: ${name} must be a string`,
          ]);
        }
      }
      apiVersion = scalarText(av);
      kind = scalarText(kn);
    } else if (node.k !== "null") {
      throw new ConfigDecodeError([
        `${file}:${node.pos.line}:${node.pos.col}: could not interpret GroupVersionKind; ` +
        `unmarshal error: the document is not a mapping`,
      ]);
    }
    let gv: { group: string; version: string };
    try {
      gv = parseGroupVersion(apiVersion);
    } catch (e) {
      throw new ConfigDecodeError([`${file}:${chunk.startLine}:1: ${(e as Error).message}`]);
    }
    const gvk = { ...gv, kind };
    if (gvk.group === "" || gvk.version === "" || gvk.kind === "") {
      throw new ConfigDecodeError([
        `${file}:${chunk.startLine}:1: invalid configuration for GroupVersionKind ${
          gvkString(gvk)
        }: kind and apiVersion is mandatory information that must be specified`,
      ]);
    }
    if (seenKinds.has(kind)) {
      errs.push(
        `${file}:${chunk.startLine}:1: invalid configuration: kind ${
          JSON.stringify(kind)
        } is specified twice in YAML file`,
      );
      continue;
    }
    seenKinds.add(kind);
    docs.push({ gvk, startLine: chunk.startLine, text: chunk.text, node, yamlProblems: problems });
  }
  if (errs.length > 0) throw new ConfigDecodeError(errs);
  return docs;
}

// ---------------------------------------------------------------------------------------------
// JNode → typed object (encoding/json semantics)

interface DecodeCtx {
  file: string;
  problems: DecodeProblem[];
  /** Go struct type name of the innermost struct (for type errors). */
  structName: string;
  /** Go-style field stack (no indexes) for type errors. */
  fieldStack: string[];
  /** Strict path (with [i] indexes) for unknown-field errors. */
  strictPath: string;
  /** Redact scalar values of these field names in error messages. */
}

function jsonKindName(n: JNode): string {
  switch (n.k) {
    case "map":
      return "object";
    case "seq":
      return "array";
    case "str":
      return "string";
    case "num":
      return "number";
    case "bool":
      return "bool";
    case "null":
      return "null";
  }
}

function shortGo(go: string | undefined): string {
  return go ?? "interface {}";
}

function typeError(ctx: DecodeCtx, n: JNode, value: string, goType: string | undefined): void {
  const field = ctx.fieldStack.join(".");
  let msg: string;
  if (ctx.structName || field) {
    msg =
      `json: cannot unmarshal ${value} into Go struct field ${ctx.structName}.${field} of type ${
        shortGo(goType)
      }`;
  } else {
    msg = `json: cannot unmarshal ${value} into Go value of type ${shortGo(goType)}`;
  }
  if (n.k === "bool" && !["true", "false"].includes(n.raw) && value === "bool") {
    msg += ` (YAML 1.1 reads the unquoted ${JSON.stringify(n.raw)} as a boolean; quote it)`;
  } else if (n.k === "num" && goType === "string") {
    msg += ` (quote the value to make it a string)`;
  }
  ctx.problems.push({ pos: n.pos, severity: "fatal", message: msg });
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-(1n << 7n), (1n << 7n) - 1n],
  int16: [-(1n << 15n), (1n << 15n) - 1n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  int: [-(1n << 63n), (1n << 63n) - 1n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  uint8: [0n, (1n << 8n) - 1n],
  uint16: [0n, (1n << 16n) - 1n],
  uint32: [0n, (1n << 32n) - 1n],
  uint: [0n, (1n << 64n) - 1n],
  uint64: [0n, (1n << 64n) - 1n],
};

function goBaseName(go: string | undefined): string {
  if (!go) return "";
  const i = go.lastIndexOf(".");
  return i >= 0 ? go.slice(i + 1) : go;
}

/** The JSON text Go would have produced for a number (json.Marshal of float64/int). */
function jsonNumberText(n: { v: number | bigint; float: boolean }): string {
  if (typeof n.v === "bigint") return n.v.toString();
  if (!n.float) return String(n.v);
  const f = n.v;
  if (Number.isInteger(f) && Math.abs(f) < 1e21) return String(f);
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return f.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return String(f);
}

/** Converts a JNode to plain JS according to schema; problems are collected in ctx. */
function decodeValue(n: JNode, s: SchemaNode, ctx: DecodeCtx): unknown {
  if (n.k === "num" && typeof n.v === "number" && !Number.isFinite(n.v)) {
    ctx.problems.push({
      pos: n.pos,
      severity: "fatal",
      message: `json: unsupported value: ${Number.isNaN(n.v) ? "NaN" : n.v > 0 ? "+Inf" : "-Inf"}`,
    });
    return undefined;
  }
  if (n.k === "null") return undefined;
  switch (s.t) {
    case "any":
      return plainValue(n);
    case "string":
      if (n.k !== "str") {
        typeError(ctx, n, jsonKindName(n), s.go ?? "string");
        return undefined;
      }
      return n.v;
    case "bool":
      if (n.k !== "bool") {
        typeError(ctx, n, jsonKindName(n), s.go ?? "bool");
        return undefined;
      }
      return n.v;
    case "int": {
      if (n.k !== "num") {
        typeError(ctx, n, jsonKindName(n), s.go ?? "int");
        return undefined;
      }
      const text = jsonNumberText(n);
      const range = INT_RANGES[s.go ?? "int"] ?? INT_RANGES.int;
      if (!/^-?\d+$/.test(text) || BigInt(text) < range[0] || BigInt(text) > range[1]) {
        typeError(ctx, n, `number ${text}`, s.go);
        return undefined;
      }
      return Number(text);
    }
    case "float":
      if (n.k !== "num") {
        typeError(ctx, n, jsonKindName(n), s.go ?? "float64");
        return undefined;
      }
      return Number(n.v);
    case "duration":
      if (n.k !== "str") {
        typeError(ctx, n, jsonKindName(n), "string");
        return undefined;
      }
      try {
        return canonicalDuration(n.v);
      } catch (e) {
        ctx.problems.push({ pos: n.pos, severity: "fatal", message: (e as Error).message });
        return undefined;
      }
    case "time": {
      if (n.k !== "str") {
        typeError(ctx, n, jsonKindName(n), "string");
        return undefined;
      }
      const t = parseRFC3339(n.v);
      if (t === undefined) {
        ctx.problems.push({
          pos: n.pos,
          severity: "fatal",
          message: `parsing time ${JSON.stringify(n.v)} as "2006-01-02T15:04:05Z07:00": ` +
            `cannot parse ${JSON.stringify(n.v)} as RFC 3339`,
        });
        return undefined;
      }
      return t;
    }
    case "token": {
      // BootstrapTokenString.UnmarshalJSON strips quotes from the raw JSON and checks the form.
      const raw = n.k === "str"
        ? n.v
        : n.k === "num"
        ? jsonNumberText(n)
        : n.k === "bool"
        ? String(n.v)
        : undefined;
      if (raw === undefined || !/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(raw)) {
        ctx.problems.push({
          pos: n.pos,
          severity: "fatal",
          message: `${ctx.strictPath}: the bootstrap token was not of the form ` +
            `"\\\\A([a-z0-9]{6})\\\\.([a-z0-9]{16})\\\\z" (value not shown)`,
        });
        return undefined;
      }
      return raw;
    }
    case "slice": {
      if (n.k !== "seq") {
        typeError(ctx, n, jsonKindName(n), s.go);
        return undefined;
      }
      const out: unknown[] = [];
      const base = ctx.strictPath;
      n.items.forEach((item, i) => {
        ctx.strictPath = `${base}[${i}]`;
        const v = decodeValue(item, s.elem, ctx);
        out.push(v === undefined ? zeroValue(s.elem) : v);
      });
      ctx.strictPath = base;
      return out;
    }
    case "map": {
      if (n.k !== "map") {
        typeError(ctx, n, jsonKindName(n), s.go);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      const base = ctx.strictPath;
      for (const e of n.entries) {
        ctx.strictPath = base ? `${base}.${e.key}` : e.key;
        const v = decodeValue(e.value, s.elem, ctx);
        out[e.key] = v === undefined ? zeroValue(s.elem) : v;
      }
      ctx.strictPath = base;
      return out;
    }
    case "struct": {
      if (n.k !== "map") {
        typeError(ctx, n, jsonKindName(n), s.go);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      const saved = { structName: ctx.structName, stack: ctx.fieldStack, path: ctx.strictPath };
      for (const e of n.entries) {
        const f: SchemaField | undefined = Object.hasOwn(s.fields, e.key)
          ? s.fields[e.key]
          : undefined;
        const childPath = saved.path ? `${saved.path}.${e.key}` : e.key;
        if (!f) {
          ctx.problems.push({
            pos: e.keyPos,
            severity: "strict",
            message: `unknown field ${JSON.stringify(childPath)}`,
          });
          continue;
        }
        ctx.structName = goBaseName(s.go);
        ctx.fieldStack = f.via ? [...saved.stack, f.via, e.key] : [...saved.stack, e.key];
        ctx.strictPath = childPath;
        const v = decodeValue(e.value, f.s, ctx);
        if (v !== undefined) out[e.key] = v;
        else if (e.value.k === "null") delete out[e.key];
      }
      ctx.structName = saved.structName;
      ctx.fieldStack = saved.stack;
      ctx.strictPath = saved.path;
      return out;
    }
  }
}

function zeroValue(s: SchemaNode): unknown {
  switch (s.t) {
    case "string":
    case "duration":
      return s.t === "duration" ? "0s" : "";
    case "bool":
      return false;
    case "int":
    case "float":
      return 0;
    case "struct":
    case "map":
      return {};
    default:
      return null;
  }
}

/** JNode → plain JS value (numbers as numbers, big integers as bigint). */
export function plainValue(n: JNode): unknown {
  switch (n.k) {
    case "map": {
      const o: Record<string, unknown> = {};
      for (const e of n.entries) o[e.key] = plainValue(e.value);
      return o;
    }
    case "seq":
      return n.items.map(plainValue);
    case "str":
      return n.v;
    case "num":
      return typeof n.v === "bigint" ? n.v : n.v;
    case "bool":
      return n.v;
    case "null":
      return null;
  }
}

/** Parses RFC 3339 and returns Go's UTC RFC 3339 rendering (metav1.Time MarshalJSON). */
export function parseRFC3339(s: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
    .exec(s);
  if (!m) return undefined;
  const d = new Date(s.toUpperCase());
  if (Number.isNaN(d.getTime())) return undefined;
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Result of decoding one document into a kind. */
export interface DecodedDocument<T> {
  value: T;
  /** Unknown / duplicate fields (kubeadm: fatal for validate/migrate, warnings elsewhere). */
  strictProblems: string[];
}

/**
 * Decodes one document with the kind's schema. Fatal problems (wrong types, bad durations,
 * malformed tokens) throw ConfigDecodeError; strict problems are returned.
 */
export function decodeDocument<T>(
  doc: RawDocument,
  schema: SchemaNode,
  file: string,
): DecodedDocument<T> {
  const problems: DecodeProblem[] = [...doc.yamlProblems];
  const ctx: DecodeCtx = { file, problems, structName: "", fieldStack: [], strictPath: "" };
  const value = decodeValue(doc.node, schema, ctx) as T;
  const byPos = (a: DecodeProblem, b: DecodeProblem) =>
    a.pos.line - b.pos.line || a.pos.col - b.pos.col;
  const fmt = (p: DecodeProblem) => `${file}:${p.pos.line}:${p.pos.col}: ${p.message}`;
  const fatal = problems.filter((p) => p.severity === "fatal").sort(byPos);
  if (fatal.length > 0) throw new ConfigDecodeError(fatal.map(fmt));
  const strict = problems.filter((p) => p.severity === "strict").sort(byPos).map(fmt);
  return { value: (value ?? {}) as T, strictProblems: strict };
}
