/**
 * Go's `%q` of a string (strconv.Quote): double-quoted, Go escape sequences, printable
 * runes (unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII
 * space) kept as they are, every other rune escaped as `\xHH`, `\uHHHH` or `\UHHHHHHHH`.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (ch === " " || PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + hex(cp, 2);
    else if (cp < 0x10000) out += "\\u" + hex(cp, 4);
    else out += "\\U" + hex(cp, 8);
  }
  return out + '"';
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** Go's `%#U` of a rune: `U+0023 '#'` (the character only when printable). */
export function goSharpU(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const u = "U+" + cp.toString(16).toUpperCase().padStart(4, "0");
  return ch === " " || PRINTABLE.test(ch) ? `${u} '${ch}'` : u;
}

/** A Go string literal's syntax error (strconv.ErrSyntax). */
export class GoSyntaxError extends Error {
  constructor() {
    super("invalid syntax");
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
};

/**
 * The body of a Go quoted literal through strconv.UnquoteChar: escapes (\n, \xHH, \ooo, \uHHHH,
 * \UHHHHHHHH, the quote), an unescaped `quote` or newline is a GoSyntaxError.
 */
export function goUnquoteChars(body: string, quote: string): string {
  let out = "";
  for (let i = 0; i < body.length;) {
    const c = body[i];
    if (c === quote || c === "\n") throw new GoSyntaxError();
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    if (e !== undefined && e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else if (e === quote) out += e;
    else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const digits = body.slice(i, i + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw new GoSyntaxError();
      i += n;
      const v = parseInt(digits, 16);
      if (e === "x") out += String.fromCharCode(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new GoSyntaxError();
      else out += String.fromCodePoint(v);
    } else if (e !== undefined && e >= "0" && e <= "7") {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new GoSyntaxError();
      i += 2;
      out += String.fromCharCode(parseInt(oct, 8));
    } else throw new GoSyntaxError();
  }
  return out;
}
