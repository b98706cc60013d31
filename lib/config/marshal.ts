/**
 * YAML output the way kubeadm produces it: Go's encoding/json marshalling of the typed object
 * (field emission decided by `omitempty` and pointer-ness), then sigs.k8s.io/yaml's JSONToYAML,
 * i.e. go-yaml v2 marshalling of the resulting maps: keys sorted with go-yaml's key order,
 * block style, compact sequences, strings quoted only when YAML 1.1 would read them as something
 * else (`"true"`, `"0"`, `""`), single quotes when a plain scalar is not allowed (`'*.example.com'`).
 */
import type { SchemaField, SchemaNode } from "./schema.ts";
import { isYamlTimestamp, resolvePlainScalar } from "./decode.ts";

/** A JSON-like value ready for YAML emission (object key order is irrelevant: keys get sorted). */
export type GoValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | GoValue[]
  | { [k: string]: GoValue };

function isEmptyForOmit(v: unknown, s: SchemaNode): boolean {
  if (v === undefined || v === null) return true;
  switch (s.t) {
    case "string":
    case "token":
      return v === "";
    case "bool":
      return v === false;
    case "int":
    case "float":
      return v === 0;
    case "slice":
      return Array.isArray(v) && v.length === 0;
    case "map":
      return typeof v === "object" && Object.keys(v as object).length === 0;
    default:
      // structs (also metav1.Duration / metav1.Time / custom types) are never "empty"
      return false;
  }
}

function zeroFor(s: SchemaNode, template: unknown): GoValue {
  if (template !== undefined) return structuredClone(template) as GoValue;
  switch (s.t) {
    case "string":
    case "token":
      return "";
    case "bool":
      return false;
    case "int":
    case "float":
      return 0;
    case "duration":
      return "0s";
    case "struct":
      return toGoValue({}, s, undefined);
    case "slice":
    case "map":
    case "time":
    case "any":
      return null;
  }
}

/**
 * Applies Go's JSON field-emission rules to a plain object described by a schema.
 * `template` supplies the Go zero-value rendering of always-emitted fields that are absent
 * (used for component configs whose zero values have custom marshallers).
 */
export function toGoValue(v: unknown, s: SchemaNode, template: unknown): GoValue {
  if (v === undefined || v === null) {
    if (s.t === "struct") v = {};
    else return null;
  }
  switch (s.t) {
    case "struct": {
      const out: Record<string, GoValue> = {};
      const obj = v as Record<string, unknown>;
      const tmpl = (template && typeof template === "object" ? template : {}) as Record<
        string,
        unknown
      >;
      for (const [name, f] of Object.entries(s.fields) as [string, SchemaField][]) {
        const fv = obj[name];
        if (fv === undefined || fv === null) {
          if (f.ptr) {
            if (!f.omit) out[name] = null;
            continue;
          }
          if (f.s.t === "struct") {
            out[name] = toGoValue({}, f.s, tmpl[name]);
          } else if (f.s.t === "duration" || (f.s.t === "any" && tmpl[name] !== undefined)) {
            out[name] = zeroFor(f.s, tmpl[name]);
          } else if (!f.omit) {
            out[name] = zeroFor(f.s, tmpl[name]);
          }
          continue;
        }
        if (!f.ptr && f.omit && isEmptyForOmit(fv, f.s)) continue;
        out[name] = toGoValue(fv, f.s, tmpl[name]);
      }
      // Keep unknown extra keys of generic objects (should not happen after strict decoding).
      for (const [k, val] of Object.entries(obj)) {
        if (!(k in s.fields) && val !== undefined) out[k] = val as GoValue;
      }
      return out;
    }
    case "slice":
      return (v as unknown[]).map((x) => toGoValue(x, s.elem, undefined));
    case "map": {
      const out: Record<string, GoValue> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        out[k] = toGoValue(x, s.elem, undefined);
      }
      return out;
    }
    default:
      return v as GoValue;
  }
}

// ---------------------------------------------------------------------------------------------
// go-yaml v2 key ordering

function isLetter(c: string): boolean {
  return /\p{L}/u.test(c);
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** go-yaml v2 `keyList.Less` for string keys. */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    let ai = i;
    let bi = i;
    if (ar[i] === "0" || br[i] === "0") {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== "0") {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.length < br.length;
}

export function sortKeys(keys: string[]): string[] {
  return [...keys].sort((x, y) => (goYamlKeyLess(x, y) ? -1 : goYamlKeyLess(y, x) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Scalar styles (libyaml emitter analysis)

function isPrintable(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) ||
    cp >= 0x10000;
}

interface Analysis {
  blockPlain: boolean;
  single: boolean;
  block: boolean;
  multiline: boolean;
}

function analyze(s: string): Analysis {
  if (s === "") return { blockPlain: true, single: true, block: false, multiline: false };
  const chars = Array.from(s);
  let flowInd = false;
  let blockInd = false;
  if (s.startsWith("---") || s.startsWith("...")) {
    flowInd = true;
    blockInd = true;
  }
  const blankz = (c: string | undefined) =>
    c === undefined || c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\u0085" ||
    c === "\u2028" || c === "\u2029";
  const isBreak = (c: string) =>
    c === "\n" || c === "\r" || c === "\u0085" || c === "\u2028" || c === "\u2029";
  let preceded = true;
  let special = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const followed = blankz(chars[i + 1]);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(c)) {
        flowInd = true;
        blockInd = true;
      }
      if (c === "?" || c === ":") {
        flowInd = true;
        if (followed) blockInd = true;
      }
      if (c === "-" && followed) {
        flowInd = true;
        blockInd = true;
      }
    } else {
      if (",?[]{}".includes(c)) flowInd = true;
      if (c === ":") {
        flowInd = true;
        if (followed) blockInd = true;
      }
      if (c === "#" && preceded) {
        flowInd = true;
        blockInd = true;
      }
    }
    const cp = c.codePointAt(0)!;
    if (!isPrintable(cp)) special = true;
    if (isBreak(c)) lineBreaks = true;
    if (c === " ") {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    preceded = blankz(c);
  }
  let blockPlain = true;
  let single = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) {
    blockPlain = false;
    single = false;
  }
  if (spaceBreak || special) {
    blockPlain = false;
    single = false;
    block = false;
  }
  if (lineBreaks) blockPlain = false;
  if (blockInd) blockPlain = false;
  void flowInd;
  return { blockPlain, single, block, multiline: lineBreaks };
}

function isBase60Float(s: string): boolean {
  if (s === "") return false;
  const c = s[0];
  if (!(c === "+" || c === "-" || (c >= "0" && c <= "9")) || !s.includes(":")) return false;
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s);
}

function doubleQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    switch (c) {
      case "\0":
        out += "\\0";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\x0b":
        out += "\\v";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\x1b":
        out += "\\e";
        continue;
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\u0085":
        out += "\\N";
        continue;
      case "\u00a0":
        out += "\\_";
        continue;
      case "\u2028":
        out += "\\L";
        continue;
      case "\u2029":
        out += "\\P";
        continue;
    }
    if (!isPrintable(cp) || cp === 0xfeff) {
      if (cp <= 0xff) out += "\\x" + cp.toString(16).toUpperCase().padStart(2, "0");
      else if (cp <= 0xffff) out += "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
      else out += "\\U" + cp.toString(16).toUpperCase().padStart(8, "0");
    } else out += c;
  }
  return out + '"';
}

type Style = "plain" | "single" | "double" | "literal";

function stringStyle(s: string, isKey: boolean): Style {
  const resolved = resolvePlainScalar(s, { line: 0, col: 0 });
  const canPlain = resolved.k === "str" && !isYamlTimestamp(s) && !isBase60Float(s) && s !== "<<";
  let style: Style = s.includes("\n") ? "literal" : canPlain ? "plain" : "double";
  const an = analyze(s);
  if (style === "plain") {
    if (!an.blockPlain || (s.length === 0 && isKey)) style = "single";
  }
  if (style === "single" && !an.single) style = "double";
  if (style === "literal" && (!an.block || isKey)) style = "double";
  return style;
}

function renderScalar(v: GoValue, isKey: boolean, indent: string): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (Number.isNaN(v)) return ".nan";
    if (v === Infinity) return ".inf";
    if (v === -Infinity) return "-.inf";
    if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
    const abs = Math.abs(v);
    if (abs < 1e-4 || abs >= 1e21) {
      return v.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
    }
    return String(v);
  }
  const s = v as string;
  switch (stringStyle(s, isKey)) {
    case "plain":
      return s;
    case "single":
      return "'" + s.replaceAll("'", "''") + "'";
    case "double":
      return doubleQuote(s);
    case "literal": {
      const trailing = s.match(/\n*$/)![0].length;
      const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
      const body = s.endsWith("\n") ? s.slice(0, s.length - (trailing === 0 ? 0 : 1)) : s;
      const lead = /^[ \n]/.test(s) ? "2" : "";
      const ind = indent + "  ";
      const lines = body.split("\n").map((l) => (l === "" ? "" : ind + l));
      return `|${lead}${chomp}\n` + lines.join("\n");
    }
  }
}

function isCollection(v: GoValue): v is GoValue[] | { [k: string]: GoValue } {
  return v !== null && typeof v === "object";
}

function emitNode(v: GoValue, indent: string, out: string[]): void {
  // v is a non-empty collection
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isCollection(item) && !isEmptyCollection(item)) {
        const sub: string[] = [];
        emitNode(item, indent + "  ", sub);
        // first line of sub goes after "- "
        const first = sub[0].slice(indent.length + 2);
        out.push(`${indent}- ${first}`);
        for (const l of sub.slice(1)) out.push(l);
      } else {
        out.push(`${indent}- ${inline(item, indent + "  ")}`);
      }
    }
    return;
  }
  const m = v as { [k: string]: GoValue };
  for (const k of sortKeys(Object.keys(m))) {
    const val = m[k];
    const key = renderScalar(k, true, indent);
    if (isCollection(val) && !isEmptyCollection(val)) {
      out.push(`${indent}${key}:`);
      emitNode(val, Array.isArray(val) ? indent : indent + "  ", out);
    } else {
      out.push(`${indent}${key}: ${inline(val, indent)}`);
    }
  }
}

function isEmptyCollection(v: GoValue): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return isCollection(v) && Object.keys(v).length === 0;
}

function inline(v: GoValue, indent: string): string {
  if (Array.isArray(v)) return "[]";
  if (isCollection(v)) return "{}";
  return renderScalar(v, false, indent);
}

/** Emits a value like sigs.k8s.io/yaml.Marshal (trailing newline included). */
export function toYaml(v: GoValue): string {
  if (isCollection(v) && !isEmptyCollection(v)) {
    const out: string[] = [];
    emitNode(v, "", out);
    return out.join("\n") + "\n";
  }
  return inline(v, "") + "\n";
}

/** Typed object + schema → YAML text, as kubeadm marshals its API objects. */
export function marshalYaml(obj: unknown, schema: SchemaNode, template?: unknown): string {
  return toYaml(toGoValue(obj, schema, template));
}

/** Go-style JSON with 4-space indentation (kubectl's JSON printer), keys in the given order. */
export function marshalJsonPrinter(obj: unknown): string {
  return JSON.stringify(obj, null, 4) + "\n";
}
