/**
 * How go-yaml v2 (go.yaml.in/yaml/v2 v2.4.4, which sigs.k8s.io/yaml v1.6.0 and so kubeadm v1.37.2
 * use) reads an untagged plain scalar: a port of resolve.go's `resolve("", s)` with the Go
 * standard library parts it calls (strconv.ParseInt/ParseUint/ParseFloat, time.Parse with
 * yaml.v2's four timestamp layouts).
 *
 * The one place for these rules: the config decoder reads plain scalars with `resolveScalar`,
 * and the YAML writer (goyaml.ts) writes a string plain only when `canUsePlain` says it would
 * read back as that same string.
 */

/** YAML 1.1 words resolve.go reads as booleans (its resolveMapList). */
const YAML11_TRUE: ReadonlySet<string> = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "true",
  "True",
  "TRUE",
  "on",
  "On",
  "ON",
]);

const YAML11_FALSE: ReadonlySet<string> = new Set([
  "n",
  "N",
  "no",
  "No",
  "NO",
  "false",
  "False",
  "FALSE",
  "off",
  "Off",
  "OFF",
]);

const YAML11_NULLS: ReadonlySet<string> = new Set(["", "~", "null", "Null", "NULL"]);

const YAML11_SPECIAL_FLOATS: Readonly<Record<string, number>> = {
  ".nan": NaN,
  ".NaN": NaN,
  ".NAN": NaN,
  ".inf": Infinity,
  ".Inf": Infinity,
  ".INF": Infinity,
  "+.inf": Infinity,
  "+.Inf": Infinity,
  "+.INF": Infinity,
  "-.inf": -Infinity,
  "-.Inf": -Infinity,
  "-.INF": -Infinity,
};

/** What a plain scalar resolves to (the tag resolve.go returns, with its value). */
export type ResolvedScalar =
  | { tag: "null" }
  | { tag: "bool"; value: boolean }
  /** int64 or uint64 (resolve.go tries ParseInt, then ParseUint). */
  | { tag: "int"; value: bigint }
  | { tag: "float"; value: number }
  /** A timestamp: decoded into interface{} it stays the original string (go-yaml v2 rule). */
  | { tag: "timestamp" }
  | { tag: "str" };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const DIGITS: Record<number, RegExp> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};

/**
 * strconv.ParseInt(s, 0, 64) (or ParseUint when `unsigned`) for a string without underscores
 * (resolve.go removes them first): optional sign (signed only), base prefixes 0x/0o/0b in either
 * case, a leading 0 for octal. Returns the value, or undefined on a syntax or range error.
 */
function goParseInt(s: string, unsigned = false): bigint | undefined {
  let t = s;
  let neg = false;
  if (!unsigned && (t[0] === "+" || t[0] === "-")) {
    neg = t[0] === "-";
    t = t.slice(1);
  }
  if (t === "" || t.includes("_")) return undefined;
  let base = 10;
  if (t[0] === "0") {
    const p = t.length >= 3 ? t[1].toLowerCase() : "";
    if (p === "b") [base, t] = [2, t.slice(2)];
    else if (p === "o") [base, t] = [8, t.slice(2)];
    else if (p === "x") [base, t] = [16, t.slice(2)];
    else [base, t] = [8, t.slice(1)];
    if (t === "") return 0n; // "0"
  }
  if (!DIGITS[base].test(t)) return undefined;
  const prefix = base === 16 ? "0x" : base === 8 ? "0o" : base === 2 ? "0b" : "";
  const v = BigInt(prefix + t);
  if (unsigned) return v <= UINT64_MAX ? v : undefined;
  const r = neg ? -v : v;
  return r >= INT64_MIN && r <= INT64_MAX ? r : undefined;
}

/** strconv's underscoreOK: underscores only between digits (or after a base prefix). */
function underscoreOK(str: string): boolean {
  let saw = "^";
  let s = str;
  let i = 0;
  if (s.length >= 1 && (s[0] === "-" || s[0] === "+")) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "box".includes(s[1].toLowerCase())) {
    i = 2;
    saw = "0";
    hex = s[1].toLowerCase() === "x";
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

/**
 * strconv.ParseFloat(s, 64) for the strings resolve.go hands it: those starting with '.' and
 * those matching yamlStyleFloat, so decimal syntax only (`inf`, `nan` and hexadecimal floats
 * cannot reach it). Underscores as Go allows them (only between digits). Undefined on a syntax
 * error and on overflow (ParseFloat then returns ±Inf with ErrRange, which resolve.go treats as
 * "not a float").
 */
function goParseFloat(s: string): number | undefined {
  const m = s.match(/^[+-]?([0-9_]*)(?:\.([0-9_]*))?(?:[eE][+-]?[0-9][0-9_]*)?$/);
  if (!m || !/[0-9]/.test((m[1] ?? "") + (m[2] ?? ""))) return undefined;
  if (s.includes("_") && !underscoreOK(s)) return undefined;
  const v = Number(s.replaceAll("_", ""));
  return Number.isFinite(v) ? v : undefined;
}

/** resolve.go's yamlStyleFloat: the float syntax tried after the integer parses. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** time.Parse's getnum(s, false): one or two digits. */
function getnum(s: string): [number, string] | undefined {
  if (!/^[0-9]/.test(s)) return undefined;
  if (!/^[0-9][0-9]/.test(s)) return [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

/**
 * time.Parse of one of yaml.v2's timestamp layouts ("2006-1-2T15:4:5.999999999Z07:00", the same
 * with `t`, "2006-1-2 15:4:5.999999999", "2006-1-2"): `sep` is "T", "t", " " or "" (date only).
 */
function parsesAsLayout(value: string, sep: "T" | "t" | " " | ""): boolean {
  let v = value;
  if (!/^[0-9]{4}/.test(v)) return false;
  const year = Number(v.slice(0, 4));
  v = v.slice(4);
  if (v[0] !== "-") return false;
  let r = getnum(v.slice(1));
  if (!r) return false;
  const month = r[0];
  if (month < 1 || month > 12) return false;
  v = r[1];
  if (v[0] !== "-") return false;
  r = getnum(v.slice(1));
  if (!r) return false;
  const day = r[0];
  v = r[1];
  if (sep !== "") {
    if (sep === " ") {
      // A space in a layout matches one or more spaces (time.skip).
      if (v.length > 0 && v[0] !== " ") return false;
      v = v.replace(/^ +/, "");
    } else {
      if (v[0] !== sep) return false;
      v = v.slice(1);
    }
    const fields: number[] = [];
    for (const [i, max] of [[0, 24], [1, 60], [2, 60]] as const) {
      if (i > 0) {
        if (v[0] !== ":") return false;
        v = v.slice(1);
      }
      const n = getnum(v);
      if (!n || n[0] >= max) return false;
      fields.push(n[0]);
      v = n[1];
    }
    // .999999999: optional fraction, '.' or ',' and at least one digit (any number taken).
    const frac = v.match(/^[.,][0-9]+/);
    if (frac) v = v.slice(frac[0].length);
    if (sep !== " ") {
      // Z07:00
      if (v[0] === "Z") {
        v = v.slice(1);
      } else {
        if (v.length < 6 || v[3] !== ":") return false;
        const [sign, hh, mm] = [v[0], v.slice(1, 3), v.slice(4, 6)];
        if (!/^[0-9]{2}$/.test(hh) || !/^[0-9]{2}$/.test(mm)) return false;
        if (Number(hh) > 24 || Number(mm) > 60) return false;
        if (sign !== "+" && sign !== "-") return false;
        v = v.slice(6);
      }
    }
  }
  if (v.length > 0) return false; // extra text
  return day >= 1 && day <= daysIn(month, year);
}

/** yaml.v2's parseTimestamp: starts with four digits and '-', then one of the four layouts. */
export function isYamlTimestamp(s: string): boolean {
  if (!/^[0-9]{4}-/.test(s)) return false;
  return parsesAsLayout(s, "T") || parsesAsLayout(s, "t") || parsesAsLayout(s, " ") ||
    parsesAsLayout(s, "");
}

/** resolve.go's `resolve("", s)` for an untagged plain scalar. */
export function resolveScalar(s: string): ResolvedScalar {
  const c = s[0];
  const hint = s === ""
    ? "N"
    : c === "+" || c === "-"
    ? "S"
    : c >= "0" && c <= "9"
    ? "D"
    : "yYnNtTfFoO~".includes(c)
    ? "M"
    : c === "."
    ? "."
    : "";
  // No hint (this includes `<<`, which resolve.go's table lists but never reaches): a string.
  if (hint === "") return { tag: "str" };
  if (YAML11_NULLS.has(s)) return { tag: "null" };
  if (YAML11_TRUE.has(s)) return { tag: "bool", value: true };
  if (YAML11_FALSE.has(s)) return { tag: "bool", value: false };
  if (Object.hasOwn(YAML11_SPECIAL_FLOATS, s)) {
    return { tag: "float", value: YAML11_SPECIAL_FLOATS[s] };
  }
  if (hint === ".") {
    const f = goParseFloat(s);
    return f === undefined ? { tag: "str" } : { tag: "float", value: f };
  }
  if (hint === "D" || hint === "S") {
    if (isYamlTimestamp(s)) return { tag: "timestamp" };
    const plain = s.replaceAll("_", "");
    const iv = goParseInt(plain) ?? goParseInt(plain, true);
    if (iv !== undefined) return { tag: "int", value: iv };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = goParseFloat(plain);
      if (f !== undefined) return { tag: "float", value: f };
    }
    // resolve.go's own 0b / -0b parses accept nothing ParseInt(plain, 0, 64) rejected.
  }
  return { tag: "str" };
}

/** From http://yaml.org/type/float.html (encode.go's base60float). */
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** encode.go's isBase60Float: YAML 1.1 sexagesimal numbers, quoted for other parsers' sake. */
export function isBase60Float(s: string): boolean {
  if (s === "") return false;
  const c = s[0];
  if (!(c === "+" || c === "-" || (c >= "0" && c <= "9")) || !s.includes(":")) return false;
  return BASE60_FLOAT.test(s);
}

/**
 * encode.go's stringv `canUsePlain`: `s` written unquoted reads back as the same string (it
 * resolves to !!str) and is no base-60 float. Otherwise the writer double-quotes it.
 */
export function canUsePlain(s: string): boolean {
  return resolveScalar(s).tag === "str" && !isBase60Float(s);
}
