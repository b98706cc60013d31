/**
 * YAML output exactly as kubeadm writes it. kubeadm serialises objects to JSON and converts the
 * JSON to YAML with sigs.k8s.io/yaml (JSONToYAML), which decodes the JSON with go.yaml.in/yaml/v2
 * into generic maps and marshals them again. So the bytes are those of yaml.v2's encoder and
 * emitter: map keys in yaml.v2's "natural" key order, block style, sequences not indented inside
 * mappings, empty collections as `{}` / `[]`, strings quoted only when they would read back as
 * another type, plain scalars wrapped at column 80 on spaces.
 *
 * This module is a port of the parts of yaml.v2 (encode.go, emitterc.go, resolve.go, sorter.go)
 * that such documents reach. Input: JSON-shaped values (objects, arrays, strings, numbers,
 * booleans, null). `undefined` object members are skipped, like absent JSON keys.
 */

import { YAML11_FALSE, YAML11_NULLS, YAML11_SPECIAL_FLOATS, YAML11_TRUE } from "../util/yaml11.ts";

// ---------------------------------------------------------------------------------------------
// Key order (sorter.go keyList.Less for string keys)

function isLetter(c: string): boolean {
  return /\p{L}/u.test(c);
}
function isDigit(c: string): boolean {
  return /\p{Nd}/u.test(c);
}

/** yaml.v2's map key order for string keys: returns <0, 0, >0. */
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
      an = BigInt.asIntN(64, an * 10n + BigInt(ar[ai].charCodeAt(0) - 48));
    }
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) {
      bn = BigInt.asIntN(64, bn * 10n + BigInt(br[bi].charCodeAt(0) - 48));
    }
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
  }
  return ar.length < br.length;
}

// ---------------------------------------------------------------------------------------------
// resolve.go: would a plain scalar read back as something other than a string?

const RESOLVE_MAP = new Set([
  ...YAML11_TRUE,
  ...YAML11_FALSE,
  ...YAML11_NULLS,
  ...Object.keys(YAML11_SPECIAL_FLOATS),
  "<<",
]);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseInt(s, 0, 64) succeeds (bitSize 64, base prefixes, underscores per Go rules). */
function goParseIntBase0(s: string, unsigned: boolean): boolean {
  let t = s;
  let neg = false;
  if (!unsigned && (t.startsWith("+") || t.startsWith("-"))) {
    neg = t[0] === "-";
    t = t.slice(1);
  }
  if (t === "") return false;
  let base = 10;
  let digits = t;
  let prefixed = false;
  if (t[0] === "0" && t.length > 1) {
    const p = t[1].toLowerCase();
    if (p === "x") [base, digits, prefixed] = [16, t.slice(2), true];
    else if (p === "o") [base, digits, prefixed] = [8, t.slice(2), true];
    else if (p === "b") [base, digits, prefixed] = [2, t.slice(2), true];
    else [base, digits, prefixed] = [8, t.slice(1), true];
  }
  // Underscores: allowed only with base 0 between digits / after a prefix (underscoreOK).
  if (digits.includes("_")) {
    if (!/^_?[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$/.test(digits)) return false;
    if (digits.startsWith("_") && !prefixed) return false;
    digits = digits.replaceAll("_", "");
  }
  if (digits === "") return false;
  const valid = base === 16
    ? /^[0-9a-fA-F]+$/
    : base === 8
    ? /^[0-7]+$/
    : base === 2
    ? /^[01]+$/
    : /^[0-9]+$/;
  if (!valid.test(digits)) return false;
  let v = 0n;
  for (const c of digits) v = v * BigInt(base) + BigInt(parseInt(c, 16));
  if (unsigned) return v <= UINT64_MAX;
  if (neg) v = -v;
  return v >= INT64_MIN && v <= INT64_MAX;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** parseTimestamp of yaml.v2 (the formats it tries with time.Parse). */
function isYamlTimestamp(s: string): boolean {
  const m = s.match(
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])|( ))(\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/,
  );
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return false;
  if (m[6] === undefined) return true;
  if (Number(m[6]) > 23 || Number(m[7]) > 59 || Number(m[8]) > 59) return false;
  if (m[4] !== undefined) return m[10] !== undefined; // T form needs a zone
  return m[10] === undefined; // space form has no zone
}

/** True when `s`, written plain, resolves to the YAML str tag (resolve("", s) == !!str). */
function resolvesToString(s: string): boolean {
  if (s === "") return false;
  const c = s[0];
  const hint = c === "+" || c === "-"
    ? "S"
    : c >= "0" && c <= "9"
    ? "D"
    : "yYnNtTfFoO~".includes(c)
    ? "M"
    : c === "."
    ? "."
    : "";
  if (hint === "") return true;
  if (RESOLVE_MAP.has(s)) return false;
  if (hint === "M") return true;
  if (hint === ".") {
    return !goParseFloatOK(s);
  }
  if (isYamlTimestamp(s)) return false;
  const plain = s.replaceAll("_", "");
  if (goParseIntBase0(plain, false)) return false;
  if (goParseIntBase0(plain, true)) return false;
  if (YAML_STYLE_FLOAT.test(plain) && goParseFloatOK(plain)) return false;
  if (plain.startsWith("0b")) {
    if (/^[01]+$/.test(plain.slice(2))) {
      const v = BigInt("0b" + plain.slice(2));
      if (v <= UINT64_MAX) return false;
    }
  } else if (plain.startsWith("-0b")) {
    if (/^[01]+$/.test(plain.slice(3)) && BigInt("0b" + plain.slice(3)) <= 2n ** 63n) return false;
  }
  return true;
}

/** strconv.ParseFloat(s, 64) succeeds (decimal, hex floats, inf/nan, underscores). */
function goParseFloatOK(s: string): boolean {
  if (/^[+-]?(inf|infinity|nan)$/i.test(s)) return true;
  if (/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(s)) {
    if (s.includes("_")) return false; // base-10 underscores only valid with base prefix
    return true;
  }
  return /^[+-]?0[xX]([0-9a-fA-F_]*\.?[0-9a-fA-F_]*)[pP][+-]?\d+$/.test(s);
}

function isBase60Float(s: string): boolean {
  if (s === "") return false;
  const c = s[0];
  if (!(c === "+" || c === "-" || (c >= "0" && c <= "9")) || !s.includes(":")) return false;
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s);
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
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(goYamlKeyCompare);
    if (this.flowLevel > 0 || keys.length === 0) {
      this.writeIndicator("{", true, true, false);
      this.increaseIndent(true, false);
      this.flowLevel++;
      for (let i = 0; i < keys.length; i++) {
        if (i > 0) this.writeIndicator(",", false, false, false);
        if (this.column > BEST_WIDTH) this.writeIndent();
        const k = scalarOf(keys[i]);
        if (this.isSimpleKey(k)) {
          this.node(keys[i], { mapping: true, simpleKey: true });
          this.writeIndicator(":", false, false, false);
        } else {
          this.writeIndicator("?", true, false, false);
          this.node(keys[i], { mapping: true });
          if (this.column > BEST_WIDTH) this.writeIndent();
          this.writeIndicator(":", true, false, false);
        }
        this.node(obj[keys[i]], { mapping: true });
      }
      this.flowLevel--;
      this.popIndent();
      this.writeIndicator("}", false, false, false);
      return;
    }
    this.increaseIndent(false, false);
    for (const key of keys) {
      this.writeIndent();
      const k = scalarOf(key);
      if (this.isSimpleKey(k)) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(":", false, false, false);
      } else {
        this.writeIndicator("?", true, false, true);
        this.node(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(":", true, false, true);
      }
      this.node(obj[key], { mapping: true });
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
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i];
      const cp = c.codePointAt(0)!;
      if (!isPrintable(cp) || cp === 0xfeff || isBreak(cp) || c === '"' || c === "\\") {
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

/** Go's strconv.FormatFloat(f, 'g', -1, 64). */
export function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const e = f.toExponential(); // shortest round-trip digits
  const m = e.match(/^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/)!;
  const digits = m[2] + (m[3] ?? "");
  const exp = Number(m[4]);
  if (exp < -4 || exp >= 21) {
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

function scalarOf(v: unknown): Scalar {
  if (v === null || v === undefined) return { value: "null", style: "plain" };
  if (typeof v === "boolean") return { value: v ? "true" : "false", style: "plain" };
  if (typeof v === "number") {
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) {
      return { value: BigInt(v).toString(), style: "plain" };
    }
    let s = goFormatFloat(v);
    if (s === "+Inf") s = ".inf";
    else if (s === "-Inf") s = "-.inf";
    else if (s === "NaN") s = ".nan";
    return { value: s, style: "plain" };
  }
  if (typeof v === "bigint") return { value: v.toString(), style: "plain" };
  const s = String(v);
  const canUsePlain = resolvesToString(s) && !isBase60Float(s);
  if (s.includes("\n")) return { value: s, style: "literal" };
  return { value: s, style: canUsePlain ? "plain" : "double" };
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
