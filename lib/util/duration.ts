/**
 * Go `time.Duration` parsing and formatting (metav1.Duration on the wire), exact to Go's
 * `time.ParseDuration` grammar and `Duration.String()` output. Values are nanoseconds as bigint.
 */

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "µs": 1000n, // U+00B5
  "μs": 1000n, // U+03BC
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};

const MAX = (1n << 63n) - 1n;

/** Parses a Go duration string; throws Error with Go's message on failure. */
export function parseDuration(input: string): bigint {
  const orig = input;
  const quoted = JSON.stringify(orig);
  let s = input;
  let neg = false;
  if (s !== "") {
    const c = s[0];
    if (c === "-" || c === "+") {
      neg = c === "-";
      s = s.slice(1);
    }
  }
  if (s === "0") return 0n;
  if (s === "") throw new Error(`time: invalid duration ${quoted}`);
  let total = 0n;
  while (s !== "") {
    // integer part
    let i = 0;
    while (i < s.length && s[i] >= "0" && s[i] <= "9") i++;
    const intPart = s.slice(0, i);
    s = s.slice(i);
    let fracPart = "";
    let pre = intPart !== "";
    if (s.startsWith(".")) {
      s = s.slice(1);
      let j = 0;
      while (j < s.length && s[j] >= "0" && s[j] <= "9") j++;
      fracPart = s.slice(0, j);
      s = s.slice(j);
      pre = pre || fracPart !== "";
    }
    if (!pre) throw new Error(`time: invalid duration ${quoted}`);
    let k = 0;
    while (k < s.length && s[k] !== "." && !(s[k] >= "0" && s[k] <= "9")) k++;
    if (k === 0) throw new Error(`time: missing unit in duration ${quoted}`);
    const unitName = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS[unitName];
    if (unit === undefined) {
      throw new Error(`time: unknown unit ${JSON.stringify(unitName)} in duration ${quoted}`);
    }
    const v = BigInt(intPart === "" ? "0" : intPart);
    if (v > MAX / unit) throw new Error(`time: invalid duration ${quoted}`);
    let part = v * unit;
    if (fracPart !== "") {
      // Go truncates the fraction scaled to the unit.
      const scale = 10n ** BigInt(fracPart.length);
      part += (BigInt(fracPart) * unit) / scale;
    }
    total += part;
    if (total > MAX) throw new Error(`time: invalid duration ${quoted}`);
  }
  return neg ? -total : total;
}

function fmtFrac(v: bigint, prec: number): [string, bigint] {
  // Returns digits after the decimal point (trailing zeros removed) and v / 10^prec.
  let s = "";
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) s = digit.toString() + s;
    v /= 10n;
  }
  return [print ? "." + s : "", v];
}

/** Formats nanoseconds exactly like Go's `time.Duration.String()`. */
export function formatDuration(d: bigint): string {
  if (d === 0n) return "0s";
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1000000000n) {
    let prec: number;
    let unit: string;
    if (u < 1000n) {
      return (neg ? "-" : "") + u.toString() + "ns";
    } else if (u < 1000000n) {
      prec = 3;
      unit = "µs";
    } else {
      prec = 6;
      unit = "ms";
    }
    const [frac, rest] = fmtFrac(u, prec);
    out = rest.toString() + frac + unit;
  } else {
    const [frac, rest] = fmtFrac(u, 9);
    u = rest;
    let str = (u % 60n).toString() + frac + "s";
    u /= 60n;
    if (u > 0n) {
      str = (u % 60n).toString() + "m" + str;
      u /= 60n;
      if (u > 0n) str = u.toString() + "h" + str;
    }
    out = str;
  }
  return (neg ? "-" : "") + out;
}

/** Parses then re-formats: the canonical form kubeadm would print. */
export function canonicalDuration(s: string): string {
  return formatDuration(parseDuration(s));
}

export const HOUR = 3600000000000n;

/** A Go duration string as milliseconds (fractions kept); throws Go's error like parseDuration. */
export function parseDurationMs(s: string): number {
  return Number(parseDuration(s)) / 1e6;
}

/** Go's `time.Duration.String()` of a number of milliseconds (rounded to nanoseconds). */
export function formatDurationMs(ms: number): string {
  return formatDuration(
    Number.isInteger(ms) ? BigInt(ms) * 1_000_000n : BigInt(Math.round(ms * 1e6)),
  );
}
