/**
 * Go's fmt package on the values kubectl's printers see: the result of json.Unmarshal into
 * `interface{}` (map[string]interface{} as a plain object, []interface{} as an array, float64 as
 * a number, string, bool, nil as null) plus the Go integers that template and jsonpath literals
 * and functions make (GoInt). `%v`, `%+v`, `%#v` and fmt.Sprintf's verbs as
 * text/template's print/printf/println and client-go's jsonpath use them.
 */

import { goFormatFloat } from "./goyaml.ts";
import { goQuote } from "./goquote.ts";

/** A Go integer (int, or uint8 for a string's bytes, int32 for a rune constant). */
export class GoInt {
  constructor(readonly value: number, readonly type: "int" | "int64" | "uint8" | "int32" = "int") {}
}

/** A Go value as the printers see it. */
export type GoValue =
  | null
  | boolean
  | number
  | string
  | GoInt
  | GoValue[]
  | { [key: string]: GoValue };

/** Whether `v` is a map (a plain object that is not a GoInt). */
export function isGoMap(v: unknown): v is Record<string, GoValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GoInt);
}

/** reflect's Type.String() of a value (`map[string]interface {}`, `[]interface {}`, `float64`...). */
export function goTypeName(v: GoValue | undefined): string {
  if (v === undefined) return "<invalid reflect.Value>";
  if (v === null) return "<nil>";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "float64";
  if (typeof v === "string") return "string";
  if (v instanceof GoInt) return v.type;
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** Go's `<` on strings: bytewise over their UTF-8. */
export function compareGoStrings(a: string, b: string): number {
  const ea = new TextEncoder().encode(a), eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    if (ea[i] !== eb[i]) return ea[i] - eb[i];
  }
  return ea.length - eb.length;
}

/** A map's keys in Go's sorted order (fmt, encoding/json, text/template's range). */
export function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort(compareGoStrings);
}

/** fmt's `%v` (plus: `%+v`, the same for these types) of a value. */
export function goSprint(v: GoValue | undefined): string {
  if (v === undefined) return "<invalid reflect.Value>";
  if (v === null) return "<nil>";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return goFormatFloat(v);
  if (typeof v === "string") return v;
  if (v instanceof GoInt) return String(v.value);
  if (Array.isArray(v)) return "[" + v.map(goSprint).join(" ") + "]";
  return "map[" + sortedKeys(v).map((k) => `${k}:${goSprint(v[k])}`).join(" ") + "]";
}

/** fmt's `%#v` of a value inside an `interface{}`. */
export function goSyntaxValue(v: GoValue | undefined, top = true): string {
  if (v === undefined) return "<invalid reflect.Value>";
  if (v === null) return top ? "<nil>" : "interface {}(nil)";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return goFormatFloat(v);
  if (typeof v === "string") return goQuote(v);
  if (v instanceof GoInt) return v.type === "uint8" ? `0x${v.value.toString(16)}` : String(v.value);
  if (Array.isArray(v)) {
    return "[]interface {}{" + v.map((x) => goSyntaxValue(x, false)).join(", ") + "}";
  }
  return "map[string]interface {}{" +
    sortedKeys(v).map((k) => `${goQuote(k)}:${goSyntaxValue(v[k], false)}`).join(", ") + "}";
}

/** A value as encoding/json's Marshal/MarshalIndent writes it (map keys sorted, HTML escaped). */
export function goMarshalJSON(v: GoValue | undefined, indent = ""): string {
  const plain = (x: GoValue | undefined): unknown => {
    if (x === undefined || x === null) return null;
    if (x instanceof GoInt) return x.value;
    if (Array.isArray(x)) return x.map(plain);
    if (isGoMap(x)) {
      const o: Record<string, unknown> = {};
      for (const k of sortedKeys(x)) o[k] = plain(x[k]);
      return o;
    }
    return x;
  };
  return JSON.stringify(plain(v), null, indent).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// ---------------------------------------------------------------------------------------------
// fmt.Sprintf

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

function pad(s: string, f: Spec, zeroOK = true): string {
  if (f.width === undefined || [...s].length >= f.width) return s;
  const n = f.width - [...s].length;
  if (f.minus) return s + " ".repeat(n);
  if (f.zero && zeroOK) {
    const sign = /^[+\- ]/.test(s) ? s[0] : "";
    return sign + "0".repeat(n) + s.slice(sign.length);
  }
  return " ".repeat(n) + s;
}

function signed(s: string, negative: boolean, f: Spec): string {
  if (negative) return "-" + s;
  if (f.plus) return "+" + s;
  if (f.space) return " " + s;
  return s;
}

/** strconv.FormatFloat(f, fmt, prec, 64) for 'e', 'f' and 'g' with a precision. */
function formatFloat(x: number, verb: string, prec: number | undefined, f: Spec): string {
  if (Number.isNaN(x)) return pad(f.plus ? "+NaN" : "NaN", f, false);
  if (!Number.isFinite(x)) return pad(x > 0 ? (f.plus ? "+Inf" : "Inf") : "-Inf", f, false);
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  const expFix = (e: string) => e.replace(/e([+-])(\d)$/, "e$10$2");
  switch (verb) {
    case "e":
    case "E":
      s = expFix(a.toExponential(prec ?? 6));
      break;
    case "f":
    case "F":
      s = a.toFixed(prec ?? 6);
      break;
    default: {
      if (prec === undefined) {
        s = goFormatFloat(a);
        break;
      }
      const p = prec === 0 ? 1 : prec;
      const exp = a === 0 ? 0 : Number(a.toExponential(p - 1).split("e")[1]);
      if (exp < -4 || exp >= p) {
        s = expFix(a.toExponential(p - 1)).replace(/\.?0+e/, "e");
      } else {
        s = a.toFixed(Math.max(0, p - 1 - exp));
        if (s.includes(".")) s = s.replace(/\.?0+$/, "");
      }
    }
  }
  if (verb === "E" || verb === "G") s = s.toUpperCase();
  return pad(signed(s, neg, f), f);
}

function badVerb(verb: string, v: GoValue | undefined): string {
  if (v === undefined) return `%!${verb}(MISSING)`;
  if (v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${goSprint(v)})`;
}

function formatInt(n: number, verb: string, f: Spec): string | undefined {
  const neg = n < 0;
  const a = Math.abs(n);
  let s: string;
  switch (verb) {
    case "d":
    case "v":
      s = String(a);
      break;
    case "b":
      s = a.toString(2);
      break;
    case "o":
      s = a.toString(8);
      if (f.sharp) s = "0" + s;
      break;
    case "O":
      s = "0o" + a.toString(8);
      break;
    case "x":
      s = a.toString(16);
      if (f.sharp) s = "0x" + s;
      break;
    case "X":
      s = a.toString(16).toUpperCase();
      if (f.sharp) s = "0X" + s;
      break;
    case "c":
      return pad(String.fromCodePoint(a), f, false);
    case "q":
      return pad(goQuote(String.fromCodePoint(a)).replace(/^"(.*)"$/, "'$1'"), f, false);
    case "U":
      return pad("U+" + a.toString(16).toUpperCase().padStart(4, "0"), f, false);
    default:
      return undefined;
  }
  if (f.prec !== undefined) s = s.padStart(f.prec, "0");
  return pad(signed(s, neg, f), f, f.prec === undefined);
}

function formatOne(verb: string, v: GoValue | undefined, f: Spec): string {
  if (v === undefined) return `%!${verb}(MISSING)`;
  if (verb === "T") return pad(goTypeName(v), f, false);
  if (verb === "v" && f.sharp) return pad(goSyntaxValue(v), f, false);
  if (v === null) return verb === "v" || verb === "s" ? pad("<nil>", f, false) : badVerb(verb, v);
  if (typeof v === "boolean") {
    return verb === "v" || verb === "t" ? pad(String(v), f, false) : badVerb(verb, v);
  }
  if (v instanceof GoInt) return formatInt(v.value, verb, f) ?? badVerb(verb, v);
  if (typeof v === "number") {
    if ("eEfFgGv".includes(verb)) return formatFloat(v, verb === "v" ? "g" : verb, f.prec, f);
    return badVerb(verb, v);
  }
  if (typeof v === "string") {
    let s = v;
    switch (verb) {
      case "v":
      case "s":
        if (f.prec !== undefined) s = [...s].slice(0, f.prec).join("");
        return pad(s, f, false);
      case "q":
        return pad(goQuote(s), f, false);
      case "x":
      case "X": {
        let h = [...new TextEncoder().encode(s)].map((b) => b.toString(16).padStart(2, "0"))
          .join(f.space ? " " : "");
        if (verb === "X") h = h.toUpperCase();
        return pad(h, f, false);
      }
      default:
        return badVerb(verb, v);
    }
  }
  // maps and slices: the verb applies to each element
  if (Array.isArray(v)) return pad("[" + v.map((x) => formatOne(verb, x, f)).join(" ") + "]", f);
  return "map[" + sortedKeys(v).map((k) => `${formatOne(verb, k, f)}:${formatOne(verb, v[k], f)}`)
    .join(" ") +
    "]";
}

/** fmt.Sprintf(format, args...) for the verbs and flags of fmt's documentation. */
export function goSprintf(format: string, args: (GoValue | undefined)[]): string {
  let out = "";
  let argi = 0;
  let i = 0;
  let reordered = false;
  while (i < format.length) {
    const c = format[i];
    if (c !== "%") {
      out += c;
      i++;
      continue;
    }
    i++;
    if (i >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    const f: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const ch = format[i];
      if (ch === "-") f.minus = true;
      else if (ch === "+") f.plus = true;
      else if (ch === "#") f.sharp = true;
      else if (ch === " ") f.space = true;
      else if (ch === "0") f.zero = !f.minus;
      else break;
    }
    const argIndex = () => {
      const m = /^\[(\d+)\]/.exec(format.slice(i));
      if (m) {
        argi = Number(m[1]) - 1;
        i += m[0].length;
        reordered = true;
      }
    };
    argIndex();
    if (format[i] === "*") {
      i++;
      const w = args[argi++];
      if (w instanceof GoInt) {
        f.width = Math.abs(w.value);
        if (w.value < 0) f.minus = true;
      } else out += "%!(BADWIDTH)";
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        f.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === ".") {
      i++;
      argIndex();
      if (format[i] === "*") {
        i++;
        const p = args[argi++];
        if (p instanceof GoInt && p.value >= 0) f.prec = p.value;
        else out += "%!(BADPREC)";
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    argIndex();
    if (i >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], f);
  }
  if (!reordered && argi < args.length) {
    out += "%!(EXTRA " + args.slice(argi).map((a) =>
      a === null || a === undefined ? "<nil>" : `${goTypeName(a)}=${goSprint(a)}`
    ).join(", ") + ")";
  }
  return out;
}

/** fmt.Sprint(args...): spaces between operands when neither side is a string. */
export function goSprintArgs(args: (GoValue | undefined)[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += goSprint(a);
  });
  return out;
}

/** fmt.Sprintln(args...): spaces between all operands, and a newline. */
export function goSprintln(args: (GoValue | undefined)[]): string {
  return args.map(goSprint).join(" ") + "\n";
}
