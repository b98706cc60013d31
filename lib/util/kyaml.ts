/**
 * KYAML as cli-runtime's `-o kyaml` printer writes it (sigs.k8s.io/yaml/kyaml v1.6.0,
 * Encoder.FromObject, not compact): the object's JSON (fields in their order) rendered as a
 * `---` document in flow style — maps as `{` one `key: value,` per line `}` with keys unquoted
 * unless ambiguous, sequences of scalars one per line, sequences of maps or sequences "cuddled"
 * (`[{...}, {...}]`), every string double-quoted (long lines folded at newlines), two-space
 * indentation, trailing commas.
 */

/** strconv.ParseBool's words, YAML 1.1's booleans and nulls: strings that need quotes. */
function isTypeAmbiguous(s: string): boolean {
  const l = s.toLowerCase();
  if (s.length <= 5 && ["null", "~", ""].includes(l)) return true;
  if (
    ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"].includes(s)
  ) {
    return true;
  }
  if (s.length <= 5 && ["true", "y", "yes", "on", "false", "n", "no", "off"].includes(l)) {
    return true;
  }
  const u = s.replaceAll("_", "");
  if (/^[+-]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+)$/.test(u)) return true;
  if (
    /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F.]+[pP][+-]?\d+|inf|infinity|nan)$/i
      .test(u)
  ) return true;
  if (/^[+-]?[1-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(s)) return true;
  if (s.length <= 5 && [".inf", "-.inf", "+.inf", ".nan"].includes(l)) return true;
  // a timestamp: four digits and a dash, then one of kyaml's date/time layouts
  return /^\d{4}-\d{1,2}-\d{1,2}([Tt ]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/
    .test(s);
}

function needsQuotes(s: string): boolean {
  if (s === "" || isTypeAmbiguous(s)) return true;
  const runes = [...s];
  return runes.some((r, i) => {
    if (/[\p{L}\p{N}_]/u.test(r)) return false;
    if (i > 0 && i < runes.length - 1 && "-./".includes(r)) return false;
    return true;
  });
}

const indentOf = (level: number) => "  ".repeat(level);

/** renderString: a double-quoted string (or a bare key when `lazy` and unambiguous). */
function renderString(val: string, indent: number, lazy: boolean, compact: boolean): string {
  const multi = val.includes("\n");
  if (!multi && lazy && !needsQuotes(val)) return val;
  let buf = '"';
  if (multi && !compact) buf += "\\\n";
  for (const r of val) {
    if (buf.endsWith("\n")) {
      buf += indentOf(indent);
      buf += /\s/.test(r) && r !== "\n" ? "\\" : " ";
    }
    if (r === "\n") {
      buf += compact ? "\\n" : "\\n\\\n";
      continue;
    }
    if (r === "\t") {
      buf += compact ? "\\t" : "\t";
      continue;
    }
    if (r === '"' || r === "\\") {
      buf += "\\" + r;
      continue;
    }
    if (/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(r)) {
      buf += r;
      continue;
    }
    const special: Record<string, string> = {
      "\x07": "\\a",
      "\b": "\\b",
      "\f": "\\f",
      "\r": "\\r",
      "\v": "\\v",
      "\0": "\\0",
      "\x1b": "\\e",
      "\x85": "\\N",
      "\xa0": "\\_",
      "\u2028": "\\L",
      "\u2029": "\\P",
    };
    const cp = r.codePointAt(0)!;
    if (r in special) buf += special[r];
    else if (cp < 0x20 || cp === 0x7f) buf += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp < 0x10000) buf += "\\u" + cp.toString(16).padStart(4, "0");
    else buf += "\\U" + cp.toString(16).padStart(8, "0");
  }
  if (multi && !compact) {
    if (!buf.endsWith("\n")) buf += "\\\n";
    buf += indentOf(indent);
  }
  return buf + '"';
}

function renderNode(v: unknown, indent: number): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (typeof v === "string") return renderString(v, indent + 1, false, false);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    const cuddle = v.every((c) => typeof c === "object" && c !== null);
    if (cuddle) return "[" + v.map((c) => renderNode(c, indent)).join(", ") + "]";
    let out = "[\n" + indentOf(indent);
    for (const c of v) {
      out += indentOf(1) + renderNode(c, indent + 1) + ",\n" + indentOf(indent);
    }
    return out + "]";
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  let out = "{\n";
  for (const [k, x] of entries) {
    out += indentOf(indent + 1) + renderString(k, indent + 1, true, true) + ": " +
      renderNode(x, indent + 1) + ",\n";
  }
  return out + indentOf(indent) + "}";
}

/** kyaml.Encoder.FromObject: `---`, the document, a newline. */
export function marshalKYAML(obj: unknown): string {
  return "---\n" + renderNode(JSON.parse(JSON.stringify(obj)), 0) + "\n";
}
