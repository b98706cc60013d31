/**
 * The YAML writer: output exactly as kubeadm writes it. kubeadm serialises objects to JSON and
 * converts the JSON to YAML with sigs.k8s.io/yaml (JSONToYAML), which decodes the JSON with
 * go.yaml.in/yaml/v2 into generic maps and marshals them again. So the bytes are those of
 * yaml.v2's encoder and emitter: map keys in yaml.v2's "natural" key order, block style,
 * sequences not indented inside mappings, empty collections as `{}` / `[]`, strings quoted only
 * when they would read back as another type, plain scalars wrapped at column 80 on spaces.
 *
 * This module is a port of the parts of yaml.v2 v2.4.4 (encode.go, emitterc.go, sorter.go) that
 * such documents reach; which strings need quotes is yamlscalar.ts's `canUsePlain` (resolve.go).
 * Input: JSON-shaped values (objects, arrays, strings, numbers, bigints, booleans, null).
 * `undefined` object members are skipped, like absent JSON keys. It is kubestrap's one YAML
 * writer: static Pods, kubelet and component configs, kubeadm's API types, API objects,
 * kubeconfig files, dry-run dumps and `-o yaml` output all go through `marshalGoYAML`.
 *
 * Line wrapping: yaml.v2 v2.4.x wraps plain and quoted scalars at 80 columns (best_width; v2.3.0
 * had turned this off, v2.4.0 restored it and added yaml.FutureLineWrap() to turn it off, which
 * nothing in kubeadm v1.37.2's dependencies calls). Literal block scalars are never wrapped.
 */

import { goJSON } from "./gojson.ts";
import { canUsePlain } from "./yamlscalar.ts";

// ---------------------------------------------------------------------------------------------
// Key order (sorter.go keyList.Less for string keys)

function isLetter(c: string): boolean {
  return /\p{L}/u.test(c);
}
function isDigit(c: string): boolean {
  return /\p{Nd}/u.test(c);
}

/**
 * yaml.v2's map key order for string keys: returns <0, 0, >0. Not transitive on some key sets
 * ("0755" < "0x1F" < "1_000" < "1e3" < "0755"); Go sorts its randomly ordered map keys with it,
 * so for such sets its output changes from run to run and this writer gives one of them.
 */
export function goYamlKeyCompare(a: string, b: string): number {
  if (a === b) return 0;
  return goYamlKeyLess(a, b) ? -1 : 1;
}

function goYamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === "0" || br[i] === "0") {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== "0") {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) {
      an = BigInt.asIntN(64, an * 10n + BigInt(ar[ai].codePointAt(0)! - 48));
    }
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) {
      bn = BigInt.asIntN(64, bn * 10n + BigInt(br[bi].codePointAt(0)! - 48));
    }
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
  }
  return ar.length < br.length;
}

// ---------------------------------------------------------------------------------------------
// Character classes (yamlprivateh.go), on code points

function isPrintable(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}
function isBreak(cp: number | undefined): boolean {
  return cp === 0x0d || cp === 0x0a || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}
function isSpace(cp: number | undefined): boolean {
  return cp === 0x20;
}
function isBlank(cp: number | undefined): boolean {
  return cp === 0x20 || cp === 0x09;
}
function isBlankz(cp: number | undefined): boolean {
  return isBlank(cp) || isBreak(cp) || cp === 0 || cp === undefined;
}
function utf8Len(s: string): number {
  return new TextEncoder().encode(s).length;
}

// ---------------------------------------------------------------------------------------------
// Scalar analysis (yaml_emitter_analyze_scalar)

interface ScalarAnalysis {
  multiline: boolean;
  flowPlainAllowed: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

function analyzeScalar(value: string): ScalarAnalysis {
  const cps = [...value].map((c) => c.codePointAt(0)!);
  if (cps.length === 0) {
    return {
      multiline: false,
      flowPlainAllowed: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  if (value.startsWith("---") || value.startsWith("...")) {
    blockIndicators = true;
    flowIndicators = true;
  }
  for (let i = 0; i < cps.length; i++) {
    const c = String.fromCodePoint(cps[i]);
    const followedByWhitespace = i + 1 >= cps.length || isBlank(cps[i + 1]);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(c)) {
        flowIndicators = true;
        blockIndicators = true;
      } else if (c === "?" || c === ":") {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (c === "-") {
        if (followedByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      }
    } else {
      if (",?[]{}".includes(c)) {
        flowIndicators = true;
      } else if (c === ":") {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (c === "#") {
        if (precededByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      }
    }
    // The emitter is in unicode mode: only non-printable characters are special.
    if (!isPrintable(cps[i])) specialCharacters = true;
    if (isSpace(cps[i])) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(cps[i])) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankz(cps[i]);
  }
  const r: ScalarAnalysis = {
    multiline: lineBreaks,
    flowPlainAllowed: true,
    blockPlainAllowed: true,
    singleQuotedAllowed: true,
    blockAllowed: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    r.flowPlainAllowed = false;
    r.blockPlainAllowed = false;
  }
  if (trailingSpace) r.blockAllowed = false;
  if (breakSpace) {
    r.flowPlainAllowed = false;
    r.blockPlainAllowed = false;
    r.singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) {
    r.flowPlainAllowed = false;
    r.blockPlainAllowed = false;
    r.singleQuotedAllowed = false;
    r.blockAllowed = false;
  }
  if (lineBreaks) {
    r.flowPlainAllowed = false;
    r.blockPlainAllowed = false;
  }
  if (flowIndicators) r.flowPlainAllowed = false;
  if (blockIndicators) r.blockPlainAllowed = false;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Emitter

type Style = "plain" | "single" | "double" | "literal";

interface Scalar {
  value: string;
  style: Style;
}

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

class Emitter {
  out = "";
  column = 0;
  indent = -1;
  indents: number[] = [];
  whitespace = true;
  indention = true;
  flowLevel = 0;
  mappingContext = false;
  simpleKeyContext = false;

  put(s: string): void {
    this.out += s;
    this.column++;
  }
  putBreak(): void {
    this.out += "\n";
    this.column = 0;
  }
  writeChars(s: string): void {
    for (const c of s) this.put(c);
  }
  increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }
  popIndent(): void {
    this.indent = this.indents.pop()!;
  }
  writeIndent(): void {
    const indent = this.indent < 0 ? 0 : this.indent;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.putBreak();
    }
    while (this.column < indent) this.put(" ");
    this.whitespace = true;
    this.indention = true;
  }
  writeIndicator(
    ind: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ) {
    if (needWhitespace && !this.whitespace) this.put(" ");
    this.writeChars(ind);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  // -- nodes

  node(v: unknown, ctx: { sequence?: boolean; mapping?: boolean; simpleKey?: boolean }): void {
    this.mappingContext = ctx.mapping ?? false;
    this.simpleKeyContext = ctx.simpleKey ?? false;
    if (Array.isArray(v)) return this.sequence(v);
    if (v !== null && typeof v === "object") return this.mapping(v as Record<string, unknown>);
    this.scalar(scalarOf(v));
  }

  sequence(items: unknown[]): void {
    if (this.flowLevel > 0 || items.length === 0) {
      this.writeIndicator("[", true, true, false);
      this.increaseIndent(true, false);
      this.flowLevel++;
      for (let i = 0; i < items.length; i++) {
        if (i > 0) this.writeIndicator(",", false, false, false);
        if (this.column > BEST_WIDTH) this.writeIndent();
        this.node(items[i], { sequence: true });
      }
      this.flowLevel--;
      this.popIndent();
      this.writeIndicator("]", false, false, false);
      return;
    }
    this.increaseIndent(false, this.mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator("-", true, false, true);
      this.node(item, { sequence: true });
    }
    this.popIndent();
  }

  mapping(obj: Record<string, unknown>): void {
    const entries = Object.keys(obj).filter((k) => obj[k] !== undefined)
      .map((k): [string, unknown] => [fromJSONKey(k), obj[k]])
      .sort(([a], [b]) => goYamlKeyCompare(a, b));
    if (this.flowLevel > 0 || entries.length === 0) {
      this.writeIndicator("{", true, true, false);
      this.increaseIndent(true, false);
      this.flowLevel++;
      for (let i = 0; i < entries.length; i++) {
        const [key, value] = entries[i];
        if (i > 0) this.writeIndicator(",", false, false, false);
        if (this.column > BEST_WIDTH) this.writeIndent();
        if (this.isSimpleKey(scalarOf(key))) {
          this.node(key, { mapping: true, simpleKey: true });
          this.writeIndicator(":", false, false, false);
        } else {
          this.writeIndicator("?", true, false, false);
          this.node(key, { mapping: true });
          if (this.column > BEST_WIDTH) this.writeIndent();
          this.writeIndicator(":", true, false, false);
        }
        this.node(value, { mapping: true });
      }
      this.flowLevel--;
      this.popIndent();
      this.writeIndicator("}", false, false, false);
      return;
    }
    this.increaseIndent(false, false);
    for (const [key, value] of entries) {
      this.writeIndent();
      if (this.isSimpleKey(scalarOf(key))) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(":", false, false, false);
      } else {
        this.writeIndicator("?", true, false, true);
        this.node(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(":", true, false, true);
      }
      this.node(value, { mapping: true });
    }
    this.popIndent();
  }

  isSimpleKey(k: Scalar): boolean {
    if (analyzeScalar(k.value).multiline) return false;
    return utf8Len(k.value) <= 128;
  }

  scalar(s: Scalar): void {
    const a = analyzeScalar(s.value);
    let style = s.style;
    if (this.simpleKeyContext && a.multiline) style = "double";
    if (style === "plain") {
      if (
        (this.flowLevel > 0 && !a.flowPlainAllowed) ||
        (this.flowLevel === 0 && !a.blockPlainAllowed)
      ) style = "single";
      if (s.value === "" && (this.flowLevel > 0 || this.simpleKeyContext)) style = "single";
    }
    if (style === "single" && !a.singleQuotedAllowed) style = "double";
    if (style === "literal") {
      if (!a.blockAllowed || this.flowLevel > 0 || this.simpleKeyContext) style = "double";
    }
    this.increaseIndent(true, false);
    const allowBreaks = !this.simpleKeyContext;
    switch (style) {
      case "plain":
        this.writePlain(s.value, allowBreaks);
        break;
      case "single":
        this.writeSingleQuoted(s.value, allowBreaks);
        break;
      case "double":
        this.writeDoubleQuoted(s.value, allowBreaks);
        break;
      case "literal":
        this.writeLiteral(s.value);
        break;
    }
    this.popIndent();
  }

  writePlain(value: string, allowBreaks: boolean): void {
    if (!this.whitespace) this.put(" ");
    const cps = [...value];
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < cps.length; i++) {
      const cp = cps[i].codePointAt(0)!;
      if (isSpace(cp)) {
        if (
          allowBreaks && !spaces && this.column > BEST_WIDTH && !isSpace(cps[i + 1]?.codePointAt(0))
        ) {
          this.writeIndent();
        } else {
          this.put(cps[i]);
        }
        spaces = true;
      } else if (isBreak(cp)) {
        if (!breaks && cps[i] === "\n") this.putBreak();
        this.writeBreak(cps[i]);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(cps[i]);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  writeBreak(c: string): void {
    if (c === "\n") {
      this.putBreak();
    } else {
      this.out += c;
      this.column = 0;
    }
  }

  writeSingleQuoted(value: string, allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    const cps = [...value];
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < cps.length; i++) {
      const cp = cps[i].codePointAt(0)!;
      if (isSpace(cp)) {
        if (
          allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < cps.length - 1 &&
          !isSpace(cps[i + 1]?.codePointAt(0))
        ) {
          this.writeIndent();
        } else {
          this.put(cps[i]);
        }
        spaces = true;
      } else if (isBreak(cp)) {
        if (!breaks && cps[i] === "\n") this.putBreak();
        this.writeBreak(cps[i]);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (cps[i] === "'") this.put("'");
        this.put(cps[i]);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  writeDoubleQuoted(value: string, allowBreaks: boolean): void {
    let spaces = false;
    this.writeIndicator('"', true, false, false);
    const cps = [...value];
    // is_bom(value, i) looks at the start of the value whatever i is: after a leading U+FEFF
    // yaml.v2 escapes every character.
    const bom = cps[0] === "\ufeff";
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i];
      const cp = c.codePointAt(0)!;
      if (bom || !isPrintable(cp) || isBreak(cp) || c === '"' || c === "\\") {
        this.put("\\");
        const esc: Record<number, string> = {
          0x00: "0",
          0x07: "a",
          0x08: "b",
          0x09: "t",
          0x0a: "n",
          0x0b: "v",
          0x0c: "f",
          0x0d: "r",
          0x1b: "e",
          0x22: '"',
          0x5c: "\\",
          0x85: "N",
          0xa0: "_",
          0x2028: "L",
          0x2029: "P",
        };
        if (esc[cp] !== undefined) {
          this.put(esc[cp]);
        } else {
          const [p, w] = cp <= 0xff ? ["x", 2] : cp <= 0xffff ? ["u", 4] : ["U", 8];
          this.put(p);
          this.writeChars(cp.toString(16).toUpperCase().padStart(w as number, "0"));
        }
        spaces = false;
      } else if (isSpace(cp)) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < cps.length - 1) {
          this.writeIndent();
          if (isSpace(cps[i + 1]?.codePointAt(0))) this.put("\\");
        } else {
          this.put(c);
        }
        spaces = true;
      } else {
        this.put(c);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  writeLiteral(value: string): void {
    this.writeIndicator("|", true, false, false);
    // block scalar hints
    const cps = [...value];
    if (isSpace(cps[0]?.codePointAt(0)) || isBreak(cps[0]?.codePointAt(0))) {
      this.writeIndicator(String(BEST_INDENT), false, false, false);
    }
    let chomp = "";
    if (cps.length === 0) {
      chomp = "-";
    } else {
      const last = cps[cps.length - 1].codePointAt(0);
      if (!isBreak(last)) chomp = "-";
      else if (cps.length === 1) chomp = "+";
      else if (isBreak(cps[cps.length - 2].codePointAt(0))) chomp = "+";
    }
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const c of cps) {
      if (isBreak(c.codePointAt(0))) {
        this.writeBreak(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(c);
        this.indention = false;
        breaks = false;
      }
    }
  }
}

/**
 * Go's strconv.FormatFloat(f, 'g', -1, 64): the shortest digits that read back as `f`, in %e form
 * when the exponent is < -4 or >= 6 (the 'g' threshold for the shortest precision), else %f.
 */
export function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const e = f.toExponential(); // shortest round-trip digits
  const m = e.match(/^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/)!;
  const digits = m[2] + (m[3] ?? "");
  const exp = Number(m[4]);
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ae = Math.abs(exp);
    return `${m[1]}${mant}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" + ae : ae}`;
  }
  // %f with the shortest digits
  let s: string;
  if (exp >= digits.length - 1) s = digits + "0".repeat(exp - digits.length + 1);
  else if (exp >= 0) s = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  else s = "0." + "0".repeat(-exp - 1) + digits;
  return m[1] + s;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A number as it comes out of JSONToYAML: Go's encoding/json writes a float64 with integral
 * value below 1e21 as its digits (JavaScript's String(n) gives the same digits), which yaml.v2
 * reads back as an int when ParseInt or ParseUint takes it (`-0` becoming `0`); everything
 * else is a float and written with FormatFloat(f, 'g', -1, 64).
 */
function numberText(v: number | bigint): string {
  if (typeof v === "bigint") {
    return v >= INT64_MIN && v <= UINT64_MAX ? v.toString() : numberText(Number(v));
  }
  if (Number.isInteger(v) && Math.abs(v) < 1e21) {
    const digits = String(v);
    const n = BigInt(digits);
    if (n >= INT64_MIN && n <= UINT64_MAX) return digits;
  }
  const s = goFormatFloat(v);
  return s === "+Inf" ? ".inf" : s === "-Inf" ? "-.inf" : s === "NaN" ? ".nan" : s;
}

/**
 * A string as yaml.v2 reads it back from the JSON text Go's encoding/json wrote (JSONToYAML
 * decodes that JSON as YAML). encoding/json escapes control characters, U+2028 and U+2029 but
 * writes U+0085 (NEL), DEL, the other C1 controls and U+FFFE/U+FFFF as they are: the YAML reader
 * refuses the latter (kubeadm fails with this error) and, NEL being a YAML 1.1 line break, folds
 * NEL inside the double-quoted scalar like a line break (one becomes a space, n > 1 become n - 1
 * newlines, spaces around them dropped).
 */
function fromJSONText(s: string): string {
  if (/[\x7f-\x84\x86-\x9f\ufffe\uffff]/.test(s)) {
    throw new Error("yaml: control characters are not allowed");
  }
  if (!s.includes("\u0085")) return s;
  const cs = [...s];
  let out = "";
  let i = 0;
  while (i < cs.length) {
    while (i < cs.length && cs[i] !== " " && cs[i] !== "\u0085") out += cs[i++];
    if (i >= cs.length) break;
    let whitespaces = "";
    let leadingBlanks = false;
    let trailingBreaks = "";
    for (; i < cs.length && (cs[i] === " " || cs[i] === "\u0085"); i++) {
      if (cs[i] === " ") {
        if (!leadingBlanks) whitespaces += " ";
      } else if (!leadingBlanks) {
        whitespaces = "";
        leadingBlanks = true;
      } else {
        trailingBreaks += "\n";
      }
    }
    out += leadingBlanks ? (trailingBreaks || " ") : whitespaces;
  }
  return out;
}

/**
 * A mapping key as JSONToYAML reads it back: the JSON text is a flow mapping whose keys are
 * simple keys, which yaml.v2 only accepts on one line and within 1024 characters from the key's
 * opening quote to its ':' (yaml_parser_stale_simple_keys). A longer key (as Go's encoding/json
 * escapes it) or one holding a NEL makes kubeadm's marshalling fail with this error (Go puts
 * "line N: " before it when NELs precede the key in its JSON text).
 */
function fromJSONKey(k: string): string {
  if (k.includes("\u0085") || [...goJSON(k)].length > 1024) {
    throw new Error("yaml: did not find expected ',' or '}'");
  }
  return fromJSONText(k);
}

function scalarOf(v: unknown): Scalar {
  if (v === null || v === undefined) return { value: "null", style: "plain" };
  if (typeof v === "boolean") return { value: v ? "true" : "false", style: "plain" };
  if (typeof v === "number" || typeof v === "bigint") {
    return { value: numberText(v), style: "plain" };
  }
  // encode.go stringv: literal when multi-line, else plain when it reads back as this string.
  const s = fromJSONText(String(v));
  if (s.includes("\n")) return { value: s, style: "literal" };
  return { value: s, style: canUsePlain(s) ? "plain" : "double" };
}

/**
 * Marshals a JSON-shaped value as sigs.k8s.io/yaml.JSONToYAML (go.yaml.in/yaml/v2) would.
 * The result ends with a newline.
 */
export function marshalGoYAML(value: unknown): string {
  const e = new Emitter();
  e.node(value, {});
  // document end (implicit): write_indent puts the final line break
  e.writeIndent();
  return e.out;
}

/** yaml.v2's key order as a sort of `keys` (sorter.go keyList.Less). */
export function sortGoYamlKeys(keys: readonly string[]): string[] {
  return [...keys].sort(goYamlKeyCompare);
}

/**
 * A string as the writer puts it as the value of a top-level mapping key (`k: <this>`): plain,
 * single- or double-quoted, wrapped or a literal block exactly as in a whole document.
 */
export function goYAMLScalar(s: string): string {
  return marshalGoYAML({ k: s }).slice("k: ".length, -1);
}
