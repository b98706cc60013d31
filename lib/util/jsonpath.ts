/**
 * client-go's util/jsonpath (v0.37.2), the engine of kubectl's `-o jsonpath=...`: its parser
 * (actions in `{...}`, text outside; fields, `[n]`, slices `[a:b:c]`, `[*]`, unions `[a,b]`,
 * `['key']`, filters `[?(@.x<1.0)]`, recursive descent `..`, `range`/`end`, quoted strings,
 * int/float/bool literals) and its evaluation on the json.Unmarshal form of an object, with
 * its error texts. What Go leaves to map iteration order (wildcards and recursive descent over
 * a map) is done in sorted key order here.
 */

import {
  compareGoStrings,
  GoInt,
  goMarshalJSON,
  goSprint,
  goTypeName,
  type GoValue,
  isGoMap,
  sortedKeys,
} from "./gofmt.ts";
import { goSharpU, GoSyntaxError, goUnquoteChars } from "./goquote.ts";

// ---------------------------------------------------------------------------------------------
// Nodes (node.go)

interface ParamsEntry {
  value: number;
  known: boolean;
  derived: boolean;
}

type Node =
  | { t: "list"; nodes: Node[] }
  | { t: "text"; text: string }
  | { t: "field"; value: string }
  | { t: "identifier"; name: string }
  | { t: "array"; params: [ParamsEntry, ParamsEntry, ParamsEntry] }
  | { t: "filter"; left: ListNode; right: ListNode; operator: string }
  | { t: "int"; value: number }
  | { t: "float"; value: number }
  | { t: "wildcard" }
  | { t: "recursive" }
  | { t: "union"; nodes: ListNode[] }
  | { t: "bool"; value: boolean };

type ListNode = { t: "list"; nodes: Node[] };

const newList = (): ListNode => ({ t: "list", nodes: [] });

/** A jsonpath syntax or evaluation error, with client-go's text. */
export class JSONPathError extends Error {}

const fail = (msg: string): never => {
  throw new JSONPathError(msg);
};

// ---------------------------------------------------------------------------------------------
// Parser (parser.go)

const EOF = -1;

function isTerminator(r: number): boolean {
  if (r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a) return true;
  return r === EOF || ".,[]$@{}".includes(String.fromCodePoint(r));
}

function isAlphaNumeric(r: number): boolean {
  if (r === EOF) return false;
  return r === 0x5f || /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r));
}

function isDigit(r: number): boolean {
  return r !== EOF && /\p{Nd}/u.test(String.fromCodePoint(r));
}

/** client-go's UnquoteExtend: a '...' or "..." literal (single quotes may hold any text). */
function unquoteExtend(s: string): string {
  if (s.length < 2 || s[0] !== s[s.length - 1] || (s[0] !== '"' && s[0] !== "'")) {
    throw new GoSyntaxError();
  }
  const body = s.slice(1, -1);
  if (!body.includes("\\") && !body.includes(s[0])) return body;
  return goUnquoteChars(body, s[0]);
}

class Parser {
  root: ListNode = newList();
  private input = "";
  private pos = 0;
  private start = 0;
  private width = 0;

  parse(text: string): void {
    this.input = text;
    this.root = newList();
    this.pos = 0;
    this.parseText(this.root);
  }

  private consumeText(): string {
    const v = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return v;
  }

  private next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos)!;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  private peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private parseText(cur: ListNode): void {
    for (;;) {
      if (this.input.startsWith("{", this.pos)) {
        if (this.pos > this.start) cur.nodes.push({ t: "text", text: this.consumeText() });
        return this.parseLeftDelim(cur);
      }
      if (this.next() === EOF) break;
    }
    if (this.pos > this.start) cur.nodes.push({ t: "text", text: this.consumeText() });
  }

  private parseLeftDelim(cur: ListNode): void {
    this.pos += 1;
    this.consumeText();
    const n = newList();
    cur.nodes.push(n);
    return this.parseInsideAction(n);
  }

  private parseInsideAction(cur: ListNode): void {
    for (;;) {
      const rest = this.input.slice(this.pos);
      if (rest.startsWith("}")) return this.parseRightDelim();
      if (rest.startsWith("[?(")) return this.parseFilter(cur);
      if (rest.startsWith("..")) return this.parseRecursive(cur);
      const r = this.next();
      if (r === EOF || r === 0x0d || r === 0x0a) fail("unclosed action");
      else if (r === 0x20 || r === 0x40 || r === 0x24) this.consumeText(); // ' ', '@', '$'
      else if (r === 0x5b) return this.parseArray(cur); // '['
      else if (r === 0x22 || r === 0x27) return this.parseQuote(cur, r);
      else if (r === 0x2e) return this.parseField(cur); // '.'
      else if (r === 0x2b || r === 0x2d || isDigit(r)) {
        this.backup();
        return this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        return this.parseIdentifier(cur);
      } else fail(`unrecognized character in action: ${goSharpU(String.fromCodePoint(r))}`);
    }
  }

  private parseRightDelim(): void {
    this.pos += 1;
    this.consumeText();
    return this.parseText(this.root);
  }

  private parseIdentifier(cur: ListNode): void {
    for (;;) {
      if (isTerminator(this.next())) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === "true" || value === "false") {
      cur.nodes.push({ t: "bool", value: value === "true" });
    } else cur.nodes.push({ t: "identifier", name: value });
    return this.parseInsideAction(cur);
  }

  private parseRecursive(cur: ListNode): void {
    const last = cur.nodes[cur.nodes.length - 1];
    if (last?.t === "recursive") fail("invalid multiple recursive descent");
    this.pos += 2;
    this.consumeText();
    cur.nodes.push({ t: "recursive" });
    if (isAlphaNumeric(this.peek())) return this.parseField(cur);
    return this.parseInsideAction(cur);
  }

  private parseNumber(cur: ListNode): void {
    const r = this.peek();
    if (r === 0x2b || r === 0x2d) this.next();
    for (;;) {
      const c = this.next();
      if (c !== 0x2e && !isDigit(c)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (/^[+-]?\d+$/.test(value)) {
      cur.nodes.push({ t: "int", value: Number(value) });
      return this.parseInsideAction(cur);
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) {
      cur.nodes.push({ t: "float", value: Number(value) });
      return this.parseInsideAction(cur);
    }
    fail(`cannot parse number ${value}`);
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) fail("unterminated array");
      if (r === 0x5d) break;
    }
    let text = this.consumeText();
    text = text.slice(1, -1);
    if (text === "*") text = ":";
    const strs = text.split(",");
    if (strs.length > 1) {
      const union: ListNode[] = [];
      for (const s of strs) union.push(parseAction(`[${s.trim()}]`));
      cur.nodes.push({ t: "union", nodes: union });
      return this.parseInsideAction(cur);
    }
    const dict = /^'([^']*)'$/.exec(text);
    if (dict) {
      for (const n of parseAction(`.${dict[1]}`).nodes) cur.nodes.push(n);
      return this.parseInsideAction(cur);
    }
    const m = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/.exec(text);
    if (!m) fail(`invalid array index ${text}`);
    const value = [m![1] ?? "", m![2] ?? "", m![3] ?? ""];
    const params: ParamsEntry[] = [];
    for (let i = 0; i < 3; i++) {
      const p: ParamsEntry = { value: 0, known: false, derived: false };
      if (value[i] !== "") {
        if (i > 0) value[i] = value[i].slice(1);
        if (i > 0 && value[i] === "") p.known = false;
        else {
          p.known = true;
          if (!/^[+-]?\d+$/.test(value[i])) fail(`array index ${value[i]} is not a number`);
          p.value = Number(value[i]);
        }
      } else if (i === 1) {
        p.known = true;
        p.value = params[0].value + 1;
        p.derived = true;
      }
      params.push(p);
    }
    cur.nodes.push({ t: "array", params: params as [ParamsEntry, ParamsEntry, ParamsEntry] });
    return this.parseInsideAction(cur);
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = 0;
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) fail("unterminated filter");
      if (r === 0x22 || r === 0x27) {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== "\\" && r === pair) end = true;
      } else if (r === 0x29 && begin === end) break;
    }
    if (this.next() !== 0x5d) fail("unclosed array expect ]");
    let text = this.consumeText();
    text = text.slice(0, -2);
    const m = /^([^!<>=]+)([!<>=]+)(.+?)$/s.exec(text);
    if (!m) {
      cur.nodes.push({
        t: "filter",
        left: parseAction(text),
        right: newList(),
        operator: "exists",
      });
    } else {
      const left = parseAction(m[1]);
      const right = parseAction(m[3]);
      cur.nodes.push({ t: "filter", left, right, operator: m[2] });
    }
    return this.parseInsideAction(cur);
  }

  private parseQuote(cur: ListNode, end: number): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) fail("unterminated quoted string");
      if (r === end && this.input[this.pos - 2] !== "\\") break;
    }
    const value = this.consumeText();
    let s: string;
    try {
      s = unquoteExtend(value);
    } catch (e) {
      throw new JSONPathError(`unquote string ${value} error ${(e as Error).message}`);
    }
    cur.nodes.push({ t: "text", text: s });
    return this.parseInsideAction(cur);
  }

  private parseField(cur: ListNode): void {
    this.consumeText();
    for (;;) {
      const r = this.next();
      if (r === 0x5c) this.next();
      else if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === "*") cur.nodes.push({ t: "wildcard" });
    else cur.nodes.push({ t: "field", value: value.replaceAll("\\", "") });
    return this.parseInsideAction(cur);
  }
}

/** parseAction: the nodes of `{text}`. */
function parseAction(text: string): ListNode {
  const p = new Parser();
  p.parse(`{${text}}`);
  return p.root.nodes[0] as ListNode;
}

// ---------------------------------------------------------------------------------------------
// Evaluation (jsonpath.go)

/** A value in the evaluation; `undefined` is Go's invalid reflect.Value. */
type Val = GoValue;

type Kind = "bool" | "int" | "uint" | "float" | "string" | "invalid";

function basicKind(v: Val): Kind {
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "float";
  if (typeof v === "string") return "string";
  if (v instanceof GoInt) return v.type === "uint8" ? "uint" : "int";
  return "invalid";
}

const ERR_BAD_TYPE = "invalid type for comparison";
const ERR_BAD_CMP = "incompatible types for comparison";

const num = (v: Val): number | string | boolean =>
  v instanceof GoInt ? v.value : (v as number | string | boolean);

/** The forked text/template Equal of client-go (two arguments). */
function equal(a: Val, b: Val): boolean {
  const k1 = basicKind(a), k2 = basicKind(b);
  if (k1 === "invalid" || k2 === "invalid") fail(ERR_BAD_TYPE);
  if (k1 !== k2) {
    if ((k1 === "int" && k2 === "uint") || (k1 === "uint" && k2 === "int")) {
      return num(a) === num(b);
    }
    fail(ERR_BAD_CMP);
  }
  return num(a) === num(b);
}

function less(a: Val, b: Val): boolean {
  const k1 = basicKind(a), k2 = basicKind(b);
  if (k1 === "invalid" || k2 === "invalid") fail(ERR_BAD_TYPE);
  if (k1 !== k2) {
    if ((k1 === "int" && k2 === "uint") || (k1 === "uint" && k2 === "int")) {
      return (num(a) as number) < (num(b) as number);
    }
    fail(ERR_BAD_CMP);
  }
  if (k1 === "bool") fail(ERR_BAD_TYPE);
  if (k1 === "string") return compareGoStrings(a as string, b as string) < 0;
  return (num(a) as number) < (num(b) as number);
}

/** The children of a container: map values (sorted keys), slice elements, a string's bytes. */
function children(v: Val): Val[] {
  if (Array.isArray(v)) return [...v];
  if (isGoMap(v)) return sortedKeys(v).map((k) => v[k]);
  if (typeof v === "string") {
    return [...new TextEncoder().encode(v)].map((b) => new GoInt(b, "uint8"));
  }
  return [];
}

/** A compiled jsonpath template (jsonpath.New(name).Parse(text)). */
export class JSONPath {
  /** The root's nodes as Go's shared backing array, and where the current slice of it starts. */
  private readonly all: Node[];
  private rootStart = 0;
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  private lastEndNode = -1;
  private allowMissingKeys = false;
  private outputJSON = false;

  /** Parses `text`; throws JSONPathError with client-go's message. */
  constructor(text: string) {
    const p = new Parser();
    p.parse(text);
    this.all = p.root.nodes;
  }

  /** AllowMissingKeys: a missing field is an empty result instead of "x is not found". */
  setAllowMissingKeys(allow: boolean): this {
    this.allowMissingKeys = allow;
    return this;
  }

  /** EnableJSONOutput (jsonpath-as-json): each result list as an indented JSON array. */
  enableJSONOutput(v: boolean): this {
    this.outputJSON = v;
    return this;
  }

  /** Execute: the text the template makes of `data` (throws JSONPathError). */
  execute(data: Val): string {
    const full = this.findResults(data);
    let out = "";
    for (const r of full) out += this.printResults(r);
    return out;
  }

  private findResults(data: Val | undefined): Val[][] {
    const start = this.rootStart;
    const len = this.all.length - start;
    const cur = [data] as Val[];
    const full: Val[][] = [];
    for (let i = 0; i < len; i++) {
      const node = this.all[start + i];
      const results = this.walk(cur, node);
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange--;
        this.lastEndNode = start + i;
        break;
      }
      if (this.beginRange > 0) {
        this.beginRange--;
        this.inRange++;
        if (results.length > 0) {
          for (const value of results) {
            this.rootStart = start + i + 1;
            full.push(...this.findResults(value));
          }
        } else {
          this.rootStart = start + i + 1;
          this.findResults(undefined);
        }
        this.inRange--;
        for (let k = i + 1; k < len; k++) {
          if (start + k === this.lastEndNode) {
            i = k;
            break;
          }
        }
        continue;
      }
      full.push(results);
    }
    return full;
  }

  private printResults(results: Val[]): string {
    let rs = results;
    if (this.outputJSON) rs = [results as Val];
    let out = "";
    rs.forEach((r, i) => {
      let text: string;
      const container = Array.isArray(r) || isGoMap(r);
      if (this.outputJSON) text = goMarshalJSON(r, "    ") + "\n";
      else if (container) text = goMarshalJSON(r);
      else text = r === null ? "null" : goSprint(r);
      if (i !== rs.length - 1) text += " ";
      out += text;
    });
    return out;
  }

  private walk(value: Val[], node: Node): Val[] {
    switch (node.t) {
      case "list":
        return this.evalList(value, node);
      case "text":
        return [node.text];
      case "field":
        return this.evalField(value, node.value);
      case "array":
        return this.evalArray(value, node.params);
      case "filter":
        return this.evalFilter(value, node);
      case "int":
        return value.map(() => new GoInt(node.value));
      case "bool":
      case "float":
        return value.map(() => node.value);
      case "wildcard":
        return value.flatMap((v) => (v === null || v === undefined ? [] : children(v)));
      case "recursive":
        return this.evalRecursive(value);
      case "union":
        return node.nodes.flatMap((l) => this.evalList(value, l));
      case "identifier":
        return this.evalIdentifier(value, node.name);
    }
  }

  private evalList(value: Val[], node: ListNode): Val[] {
    let cur = value;
    for (const n of node.nodes) cur = this.walk(cur, n);
    return cur;
  }

  private evalIdentifier(input: Val[], name: string): Val[] {
    if (name === "range") {
      this.beginRange++;
      return input;
    }
    if (name === "end") {
      if (this.inRange > 0) {
        this.endRange++;
        return [];
      }
      fail("not in range, nothing to end");
    }
    return fail(`unrecognized identifier ${name}`);
  }

  private evalArray(input: Val[], params: ParamsEntry[]): Val[] {
    const result: Val[] = [];
    for (const value of input) {
      if (value === null || value === undefined) continue;
      if (!Array.isArray(value)) fail(`${goTypeName(value)} is not array or slice`);
      const arr = value as Val[];
      const p = params.map((x) => ({ ...x }));
      if (!p[0].known) p[0].value = 0;
      if (p[0].value < 0) p[0].value += arr.length;
      if (!p[1].known) p[1].value = arr.length;
      if (p[1].value < 0 || (p[1].value === 0 && p[1].derived)) p[1].value += arr.length;
      const n = arr.length;
      if (p[1].value !== p[0].value) {
        if (p[0].value >= n || p[0].value < 0) {
          fail(`array index out of bounds: index ${p[0].value}, length ${n}`);
        }
        if (p[1].value > n || p[1].value < 0) {
          fail(`array index out of bounds: index ${p[1].value - 1}, length ${n}`);
        }
        if (p[0].value > p[1].value) {
          fail(`starting index ${p[0].value} is greater than ending index ${p[1].value}`);
        }
      } else return result;
      const slice = arr.slice(p[0].value, p[1].value);
      let step = 1;
      if (p[2].known) {
        if (p[2].value <= 0) fail("step must be > 0");
        step = p[2].value;
      }
      for (let i = 0; i < slice.length; i += step) result.push(slice[i]);
    }
    return result;
  }

  private evalField(input: Val[], name: string): Val[] {
    const results: Val[] = [];
    if (input.length === 0) return results;
    for (const value of input) {
      if (value === null || value === undefined) continue;
      if (isGoMap(value) && Object.hasOwn(value, name)) results.push(value[name]);
    }
    if (results.length === 0 && !this.allowMissingKeys) fail(`${name} is not found`);
    return results;
  }

  private evalRecursive(input: Val[]): Val[] {
    const result: Val[] = [];
    for (const value of input) {
      if (value === null || value === undefined) continue;
      const kids = children(value);
      if (kids.length !== 0) {
        result.push(value);
        result.push(...this.evalRecursive(kids));
      }
    }
    return result;
  }

  private evalFilter(input: Val[], node: Extract<Node, { t: "filter" }>): Val[] {
    const results: Val[] = [];
    for (const value of input) {
      if (!Array.isArray(value)) {
        fail(
          `${
            value === undefined ? "<invalid reflect.Value>" : goSprint(value)
          } is not array or slice and cannot be filtered`,
        );
      }
      for (const elem of value as Val[]) {
        let lefts: Val[] = [];
        let leftErr: unknown;
        try {
          lefts = this.evalList([elem], node.left);
        } catch (e) {
          leftErr = e;
        }
        if (node.operator === "exists") {
          if (lefts.length > 0) results.push(elem);
          continue;
        }
        if (leftErr) throw leftErr;
        if (lefts.length === 0) continue;
        if (lefts.length > 1) fail("can only compare one element at a time");
        const rights = this.evalList([elem], node.right);
        if (rights.length === 0) continue;
        if (rights.length > 1) fail("can only compare one element at a time");
        const l = lefts[0], r = rights[0];
        let pass: boolean;
        switch (node.operator) {
          case "<":
            pass = less(l, r);
            break;
          case ">":
            pass = !(less(l, r) || equal(l, r));
            break;
          case "==":
            pass = equal(l, r);
            break;
          case "!=":
            pass = !equal(l, r);
            break;
          case "<=":
            pass = less(l, r) || equal(l, r);
            break;
          case ">=":
            pass = !less(l, r);
            break;
          default:
            return fail(`unrecognized filter operator ${node.operator}`);
        }
        if (pass) results.push(elem);
      }
    }
    return results;
  }
}
