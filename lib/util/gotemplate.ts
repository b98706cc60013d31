/**
 * Go's text/template as kubectl's `-o go-template=...` runs it (cli-runtime's GoTemplatePrinter):
 * the lexer (delimiters `{{ }}`, trim markers `{{- -}}`, comments, strings, raw strings, chars,
 * numbers), the parser (pipelines, variables `$x :=` / `$x =`, parenthesized pipelines, field
 * chains, if/else if/with/else with/range/else/end, break, continue) and the executor on the
 * json.Unmarshal form of an object, with the builtins and, or, not, len, index, slice, eq, ne,
 * lt, le, gt, ge, print, printf, println, html, js, urlquery, call, plus kubectl's exists and
 * base64decode, and Go's error texts (`template: output:1:2: executing "output" at <.foo>: map
 * has no entry for key "foo"`), define/template/block included.
 */

import {
  compareGoStrings,
  GoInt,
  goSprint,
  goSprintArgs,
  goSprintf,
  goSprintln,
  goTypeName,
  type GoValue,
  isGoMap,
  sortedKeys,
} from "./gofmt.ts";
import { goQuote, goSharpU, goUnquoteChars } from "./goquote.ts";

/** A parse or execution error with Go's text. */
export class GoTemplateError extends Error {}

// ---------------------------------------------------------------------------------------------
// Lexer (parse/lex.go)

type ItemType =
  | "error"
  | "bool"
  | "char"
  | "charConstant"
  | "assign"
  | "declare"
  | "eof"
  | "field"
  | "identifier"
  | "leftDelim"
  | "leftParen"
  | "number"
  | "pipe"
  | "rawString"
  | "rightDelim"
  | "rightParen"
  | "space"
  | "string"
  | "text"
  | "variable"
  // keywords
  | "block"
  | "break"
  | "continue"
  | "dot"
  | "define"
  | "else"
  | "end"
  | "if"
  | "nil"
  | "range"
  | "template"
  | "with";

const KEYWORDS: Record<string, ItemType> = {
  ".": "dot",
  block: "block",
  break: "break",
  continue: "continue",
  define: "define",
  else: "else",
  end: "end",
  if: "if",
  range: "range",
  nil: "nil",
  template: "template",
  with: "with",
};
const KEYWORD_TYPES = new Set(Object.values(KEYWORDS));

interface Item {
  typ: ItemType;
  pos: number;
  val: string;
  line: number;
}

/** Go's %.10q... or %q of an item, as parse errors name it. */
function itemString(i: Item): string {
  if (i.typ === "eof") return "EOF";
  if (i.typ === "error") return i.val;
  if (KEYWORD_TYPES.has(i.typ)) return `<${i.val}>`;
  if ([...i.val].length > 10) return goQuote([...i.val].slice(0, 10).join("")) + "...";
  return goQuote(i.val);
}

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isAlphaNumeric = (c: string | undefined) =>
  c !== undefined && c !== "" && (c === "_" || /[\p{L}\p{Nd}]/u.test(c));

function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let parenDepth = 0;
  const lineAt = (p: number) => 1 + (input.slice(0, p).match(/\n/g)?.length ?? 0);
  const emit = (typ: ItemType) => {
    items.push({ typ, pos: start, val: input.slice(start, pos), line: lineAt(start) });
    start = pos;
  };
  const error = (msg: string) => {
    items.push({ typ: "error", pos: start, val: msg, line: lineAt(start) });
  };
  const next = (): string => {
    if (pos >= input.length) {
      pos++;
      return "";
    }
    const ch = String.fromCodePoint(input.codePointAt(pos)!);
    pos += ch.length;
    return ch;
  };
  const backup = (ch: string) => {
    pos -= ch === "" ? 1 : ch.length;
  };
  const peek = () => {
    const c = next();
    backup(c);
    return c;
  };
  const hasLeftTrim = (s: string) => s.length >= 2 && s[0] === "-" && isSpace(s[1]);
  const hasRightTrim = (s: string) => s.length >= 2 && isSpace(s[0]) && s[1] === "-";
  const atRightDelim = (): [boolean, boolean] => {
    if (hasRightTrim(input.slice(pos)) && input.startsWith("}}", pos + 2)) return [true, true];
    if (input.startsWith("}}", pos)) return [true, false];
    return [false, false];
  };
  const atTerminator = () => {
    const r = peek();
    if (isSpace(r)) return true;
    if (r === "" || ".,|:)(".includes(r)) return true;
    return input.startsWith("}}", pos);
  };
  const trimLeftLen = (s: string) => s.length - s.replace(/^[ \t\r\n]+/, "").length;
  /**
   * The rest of a word (lexFieldOrVariable, lexIdentifier): its letters, digits and underscores.
   * False, with Go's error item, when what follows cannot end it.
   */
  const scanWord = (): boolean => {
    let c: string;
    for (;;) {
      c = next();
      if (!isAlphaNumeric(c)) {
        backup(c);
        break;
      }
    }
    if (atTerminator()) return true;
    error(`bad character ${goSharpU(c || " ")}`);
    return false;
  };

  // states return false to stop
  let state: "text" | "inside" = "text";
  for (;;) {
    if (state === "text") {
      const x = input.indexOf("{{", pos);
      if (x >= 0) {
        if (x > pos) {
          pos = x;
          let trim = 0;
          if (hasLeftTrim(input.slice(pos + 2))) {
            const s = input.slice(start, pos);
            trim = s.length - s.replace(/[ \t\r\n]+$/, "").length;
          }
          pos -= trim;
          if (pos > start) emit("text");
          pos += trim;
          start = pos;
        }
        // lexLeftDelim
        pos += 2;
        const trimSpace = hasLeftTrim(input.slice(pos));
        const after = trimSpace ? 2 : 0;
        if (input.startsWith("/*", pos + after)) {
          pos += after;
          start = pos;
          pos += 2;
          const e = input.indexOf("*/", pos);
          if (e < 0) {
            error("unclosed comment");
            return items;
          }
          pos = e + 2;
          const [delim, trim] = atRightDelim();
          if (!delim) {
            error("comment ends before closing delimiter");
            return items;
          }
          if (trim) pos += 2;
          pos += 2;
          if (trim) pos += trimLeftLen(input.slice(pos));
          start = pos;
          continue;
        }
        items.push({ typ: "leftDelim", pos: start, val: "{{", line: lineAt(start) });
        pos += after;
        start = pos;
        parenDepth = 0;
        state = "inside";
        continue;
      }
      pos = input.length;
      if (pos > start) emit("text");
      items.push({ typ: "eof", pos, val: "", line: lineAt(pos) });
      return items;
    }
    // lexInsideAction
    const [delim, trimSpace] = atRightDelim();
    if (delim) {
      if (parenDepth !== 0) {
        error("unclosed left paren");
        return items;
      }
      if (trimSpace) {
        pos += 2;
        start = pos;
      }
      pos += 2;
      items.push({ typ: "rightDelim", pos: start, val: "}}", line: lineAt(start) });
      if (trimSpace) pos += trimLeftLen(input.slice(pos));
      start = pos;
      state = "text";
      continue;
    }
    const r = next();
    if (r === "") {
      error("unclosed action");
      return items;
    } else if (isSpace(r)) {
      backup(r);
      let n = 0;
      while (isSpace(peek())) {
        next();
        n++;
      }
      if (hasRightTrim(input.slice(pos - 1)) && input.startsWith("}}", pos - 1 + 2)) {
        pos--;
        if (n === 1) continue; // on the delimiter
      }
      emit("space");
    } else if (r === "=") emit("assign");
    else if (r === ":") {
      if (next() !== "=") {
        error("expected :=");
        return items;
      }
      emit("declare");
    } else if (r === "|") emit("pipe");
    else if (r === '"' || r === "'") {
      const quote = r;
      for (;;) {
        let c = next();
        if (c === "\\") {
          c = next();
          if (c !== "" && c !== "\n") continue;
        }
        if (c === "" || c === "\n") {
          error(quote === '"' ? "unterminated quoted string" : "unterminated character constant");
          return items;
        }
        if (c === quote) break;
      }
      emit(quote === '"' ? "string" : "charConstant");
    } else if (r === "`") {
      const e = input.indexOf("`", pos);
      if (e < 0) {
        error("unterminated raw quoted string");
        return items;
      }
      pos = e + 1;
      emit("rawString");
    } else if (r === "$" || (r === "." && !/[0-9]/.test(input[pos] ?? ""))) {
      // lexVariable / lexField
      if (atTerminator()) {
        emit(r === "$" ? "variable" : "dot");
        continue;
      }
      if (!scanWord()) return items;
      emit(r === "$" ? "variable" : "field");
    } else if (r === "." || r === "+" || r === "-" || (r >= "0" && r <= "9")) {
      backup(r);
      if (!scanNumber()) {
        error(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
        return items;
      }
      const sign = peek();
      if (sign === "+" || sign === "-") {
        scanNumber();
        error(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
        return items;
      }
      emit("number");
    } else if (isAlphaNumeric(r)) {
      if (!scanWord()) return items;
      const word = input.slice(start, pos);
      if (word in KEYWORDS && word !== ".") emit(KEYWORDS[word]);
      else if (word === "true" || word === "false") emit("bool");
      else emit("identifier");
    } else if (r === "(") {
      parenDepth++;
      emit("leftParen");
    } else if (r === ")") {
      parenDepth--;
      if (parenDepth < 0) {
        error("unexpected right paren");
        return items;
      }
      emit("rightParen");
    } else if (r.codePointAt(0)! <= 0x7f && r.codePointAt(0)! >= 0x20 && r !== "\x7f") {
      emit("char");
    } else {
      error(`unrecognized character in action: ${goSharpU(r)}`);
      return items;
    }
  }

  function scanNumber(): boolean {
    const accept = (valid: string) => {
      const c = next();
      if (c !== "" && valid.includes(c)) return true;
      backup(c);
      return false;
    };
    const acceptRun = (valid: string) => {
      for (;;) {
        const c = next();
        if (c === "" || !valid.includes(c)) {
          backup(c);
          return;
        }
      }
    };
    accept("+-");
    let digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.length === 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.length === 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Nodes (parse/node.go)

type TNode =
  | { t: "text"; pos: number; text: string }
  | { t: "action"; pos: number; pipe: PipeNode }
  | ControlNode
  | { t: "break" | "continue"; pos: number }
  | { t: "template"; pos: number; name: string; quoted: string; pipe?: PipeNode }
  | { t: "end" | "else"; pos: number };
type ListNode = { t: "list"; pos: number; nodes: TNode[] };
interface ControlNode {
  t: "if" | "with" | "range";
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}
interface PipeNode {
  t: "pipe";
  pos: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
interface CommandNode {
  t: "command";
  pos: number;
  args: Arg[];
}
type VariableNode = { t: "variable"; pos: number; ident: string[] };
type Arg =
  | PipeNode
  | VariableNode
  | { t: "field"; pos: number; ident: string[] }
  | { t: "chain"; pos: number; node: Arg; field: string[] }
  | { t: "identifier"; pos: number; ident: string }
  | { t: "dot"; pos: number }
  | { t: "nil"; pos: number }
  | { t: "bool"; pos: number; value: boolean }
  | { t: "string"; pos: number; quoted: string; text: string }
  | NumberNode;
interface NumberNode {
  t: "number";
  pos: number;
  text: string;
  isInt: boolean;
  isFloat: boolean;
  int: number;
  float: number;
}

type AnyNode = Arg | CommandNode | TNode | ListNode;

/** Node.String() as error contexts print it. */
function nodeString(n: AnyNode): string {
  switch (n.t) {
    case "pipe": {
      let s = "";
      if (n.decl.length > 0) {
        s = n.decl.map(nodeString).join(", ") + (n.isAssign ? " = " : " := ");
      }
      return s + n.cmds.map(nodeString).join(" | ");
    }
    case "command":
      return n.args.map((a) => (a.t === "pipe" ? `(${nodeString(a)})` : nodeString(a))).join(" ");
    case "variable":
      return n.ident.join(".");
    case "field":
      return n.ident.map((i) => "." + i).join("");
    case "chain":
      return (n.node.t === "pipe" ? `(${nodeString(n.node)})` : nodeString(n.node)) +
        n.field.map((f) => "." + f).join("");
    case "identifier":
      return n.ident;
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return String(n.value);
    case "string":
      return n.quoted;
    case "number":
      return n.text;
    case "text":
      return n.text;
    case "action":
      return `{{${nodeString(n.pipe)}}}`;
    case "list":
      return n.nodes.map(nodeString).join("");
    case "if":
    case "with":
    case "range":
      return `{{${n.t} ${nodeString(n.pipe)}}}${nodeString(n.list)}${
        n.elseList ? `{{else}}${nodeString(n.elseList)}` : ""
      }{{end}}`;
    case "break":
    case "continue":
      return `{{${n.t}}}`;
    case "template":
      return `{{template ${n.quoted}${n.pipe ? " " + nodeString(n.pipe) : ""}}}`;
    case "end":
      return "{{end}}";
    case "else":
      return "{{else}}";
  }
}

// ---------------------------------------------------------------------------------------------
// Parser (parse/parse.go)

/** The functions a template may call (text/template's builtins and kubectl's two). */
const FUNCS = new Set([
  "and",
  "call",
  "html",
  "index",
  "slice",
  "js",
  "len",
  "not",
  "or",
  "print",
  "printf",
  "println",
  "urlquery",
  "eq",
  "ge",
  "gt",
  "le",
  "lt",
  "ne",
  "exists",
  "base64decode",
]);

/** strconv.Unquote of a Go string, raw string or char literal (with Go's error text). */
function goUnquote(s: string): string {
  const syntax = () => new GoTemplateError("invalid syntax");
  if (s.startsWith("`")) {
    if (!s.endsWith("`") || s.length < 2) throw syntax();
    return s.slice(1, -1).replaceAll("\r", "");
  }
  const quote = s[0];
  if (s.length < 2 || s[s.length - 1] !== quote) throw syntax();
  let out: string;
  try {
    out = goUnquoteChars(s.slice(1, -1), quote);
  } catch {
    throw syntax();
  }
  if (quote === "'" && [...out].length !== 1) throw syntax();
  return out;
}

function newNumber(pos: number, text: string, typ: ItemType): NumberNode {
  const n: NumberNode = { t: "number", pos, text, isInt: false, isFloat: false, int: 0, float: 0 };
  if (typ === "charConstant") {
    const r = goUnquote(text).codePointAt(0)!;
    return { ...n, isInt: true, isFloat: true, int: r, float: r };
  }
  if (text.endsWith("i")) {
    throw new GoTemplateError("complex numbers are not supported by kubestrap");
  }
  const clean = text.replaceAll("_", "");
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(clean);
  if (m) {
    let digits = m[2];
    if (/^0[0-7]+$/.test(digits)) digits = "0o" + digits.slice(1);
    const v = Number(digits) * (m[1] === "-" ? -1 : 1);
    if (Math.abs(v) > 2 ** 63) throw new GoTemplateError(`integer overflow: ${goQuote(text)}`);
    return { ...n, isInt: true, isFloat: true, int: v, float: v };
  }
  const f = Number(clean);
  if (clean !== "" && !Number.isNaN(f) && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) {
    return { ...n, isFloat: true, float: f, isInt: Number.isInteger(f), int: f };
  }
  throw new GoTemplateError(`illegal number syntax: ${goQuote(text)}`);
}

/** parse.IsEmptyTree: only whitespace text (and comments). */
function isEmptyTree(n: ListNode): boolean {
  return n.nodes.every((x) => x.t === "text" && x.text.trim() === "");
}

class TParser {
  private items: Item[];
  private idx = 0;
  private token: Item[] = [];
  private peekCount = 0;
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  private actionLine = 0;

  constructor(private readonly name: string, text: string) {
    this.items = lex(text);
  }

  private lexNext(): Item {
    const it = this.items[Math.min(this.idx, this.items.length - 1)];
    this.idx++;
    return it;
  }

  private errorf(msg: string): never {
    throw new GoTemplateError(`template: ${this.name}:${this.token[0].line}: ${msg}`);
  }

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lexNext();
    return this.token[this.peekCount];
  }
  private backup() {
    this.peekCount++;
  }
  private backup2(t1: Item) {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  private backup3(t2: Item, t1: Item) {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1];
    this.peekCount = 1;
    this.token[0] = this.lexNext();
    return this.token[0];
  }
  private nextNonSpace(): Item {
    let t: Item;
    for (;;) {
      t = this.next();
      if (t.typ !== "space") break;
    }
    return t;
  }
  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }
  private expect(typ: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== typ) this.unexpected(t, context);
    return t;
  }
  private unexpected(token: Item, context: string): never {
    if (token.typ === "error") {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (token.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.errorf(`${token.val}${extra}`);
    }
    return this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  /** The named templates: the main one (this.name) and every {{define}} / {{block}}. */
  readonly trees = new Map<string, ListNode>();

  parse(): Map<string, ListNode> {
    const root: ListNode = { t: "list", pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== "eof") {
      if (this.peek().typ === "leftDelim") {
        const delim = this.next();
        if (this.nextNonSpace().typ === "define") {
          this.inNewTree(() => this.parseDefinition());
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.t === "end" || n.t === "else") this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    this.add(this.name, root);
    return this.trees;
  }

  /** A definition is parsed as a new tree: its own variables ($ only) and range depth. */
  private inNewTree<T>(f: () => T): T {
    const vars = this.vars, depth = this.rangeDepth;
    this.vars = ["$"];
    this.rangeDepth = 0;
    try {
      return f();
    } finally {
      this.vars = vars;
      this.rangeDepth = depth;
    }
  }

  private parseDefinition(): void {
    const context = "define clause";
    const name = this.nextNonSpace();
    if (name.typ !== "string" && name.typ !== "rawString") this.unexpected(name, context);
    let text = "";
    try {
      text = goUnquote(name.val);
    } catch (e) {
      this.errorf((e as Error).message);
    }
    this.expect("rightDelim", context);
    const [list, end] = this.itemList();
    if (end.t !== "end") this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add(text, list);
  }

  /** Tree.add: a name is defined once (an empty definition gives way to a full one). */
  private add(name: string, list: ListNode): void {
    const existing = this.trees.get(name);
    if (existing === undefined || isEmptyTree(existing)) {
      this.trees.set(name, list);
      return;
    }
    if (!isEmptyTree(list)) {
      this.errorf(`template: multiple definition of template ${goQuote(name)}`);
    }
  }

  private templateName(token: Item, context: string): string {
    if (token.typ !== "string" && token.typ !== "rawString") this.unexpected(token, context);
    try {
      return goUnquote(token.val);
    } catch (e) {
      return this.errorf((e as Error).message);
    }
  }

  private itemList(): [ListNode, TNode] {
    const list: ListNode = { t: "list", pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== "eof") {
      const n = this.textOrAction();
      if (n.t === "end" || n.t === "else") return [list, n];
      list.nodes.push(n);
    }
    return this.errorf("unexpected EOF");
  }

  private textOrAction(): TNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case "text":
        return { t: "text", pos: token.pos, text: token.val };
      case "leftDelim": {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        return this.unexpected(token, "input");
    }
  }

  private action(): TNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case "block": {
        const context = "block clause";
        const name = this.nextNonSpace();
        const text = this.templateName(name, context);
        const pipe = this.pipeline(context, "rightDelim");
        this.inNewTree(() => {
          const [list, end] = this.itemList();
          if (end.t !== "end") this.errorf(`unexpected ${nodeString(end)} in ${context}`);
          this.add(text, list);
        });
        return { t: "template", pos: name.pos, name: text, quoted: name.val, pipe };
      }
      case "template": {
        const context = "template clause";
        const name = this.nextNonSpace();
        const text = this.templateName(name, context);
        let pipe: PipeNode | undefined;
        if (this.nextNonSpace().typ !== "rightDelim") {
          this.backup();
          pipe = this.pipeline(context, "rightDelim");
        }
        return { t: "template", pos: name.pos, name: text, quoted: name.val, pipe };
      }
      case "break":
      case "continue": {
        const t = this.nextNonSpace();
        if (t.typ !== "rightDelim") this.unexpected(t, `{{${token.val}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${token.val}}} outside {{range}}`);
        return { t: token.typ, pos: token.pos };
      }
      case "else": {
        const peek = this.peekNonSpace();
        if (peek.typ === "if" || peek.typ === "with") return { t: "else", pos: peek.pos };
        const t = this.expect("rightDelim", "else");
        return { t: "else", pos: t.pos };
      }
      case "end":
        return { t: "end", pos: this.expect("rightDelim", "end").pos };
      case "if":
      case "range":
      case "with":
        return this.control(token.typ);
    }
    this.backup();
    const t = this.peek();
    return { t: "action", pos: t.pos, pipe: this.pipeline("command", "rightDelim") };
  }

  private control(context: "if" | "range" | "with"): TNode {
    const n = this.vars.length;
    try {
      const pipe = this.pipeline(context, "rightDelim");
      if (context === "range") this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === "range") this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.t === "else") {
        if ((context === "if" || context === "with") && this.peek().typ === context) {
          this.next();
          elseList = { t: "list", pos: next.pos, nodes: [this.control(context)] };
        } else {
          [elseList, next] = this.itemList();
          if (next.t !== "end") this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { t: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = n;
    }
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { t: "pipe", pos: token.pos, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ === "variable") {
        this.next();
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.typ === "assign" || next.typ === "declare") {
          pipe.isAssign = next.typ === "assign";
          this.nextNonSpace();
          pipe.decl.push({ t: "variable", pos: v.pos, ident: v.val.split(".") });
          this.vars.push(v.val);
        } else if (next.typ === "char" && next.val === ",") {
          this.nextNonSpace();
          pipe.decl.push({ t: "variable", pos: v.pos, ident: v.val.split(".") });
          this.vars.push(v.val);
          if (context === "range" && pipe.decl.length < 2) {
            const p = this.peekNonSpace().typ;
            if (p === "variable" || p === "rightDelim" || p === "rightParen") continue decls;
            this.errorf("range can only initialize variables");
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.typ === "space") this.backup3(v, tokenAfterVariable);
        else this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.typ === end) {
        if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, i) => {
          if (["bool", "dot", "nil", "number", "string"].includes(c.args[0].t)) {
            this.errorf(`non executable command in pipeline stage ${i + 2}`);
          }
        });
        return pipe;
      }
      switch (token.typ) {
        case "bool":
        case "charConstant":
        case "dot":
        case "field":
        case "identifier":
        case "number":
        case "nil":
        case "rawString":
        case "string":
        case "variable":
        case "leftParen":
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = { t: "command", pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === "space") continue;
      if (token.typ === "rightDelim" || token.typ === "rightParen") this.backup();
      else if (token.typ !== "pipe") this.unexpected(token, "operand");
      break;
    }
    if (cmd.args.length === 0) this.errorf("empty command");
    return cmd;
  }

  private operand(): Arg | undefined {
    let node = this.term();
    if (!node) return undefined;
    if (this.peek().typ === "field") {
      const pos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().typ === "field") fields.push(this.next().val.slice(1));
      switch (node.t) {
        case "field":
          node = { t: "field", pos, ident: [...node.ident, ...fields] };
          break;
        case "variable":
          node = { t: "variable", pos, ident: [...node.ident, ...fields] };
          break;
        case "bool":
        case "string":
        case "number":
        case "nil":
        case "dot":
          this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
          break;
        default:
          node = { t: "chain", pos, node, field: fields };
      }
    }
    return node;
  }

  private term(): Arg | undefined {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case "identifier":
        if (!FUNCS.has(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { t: "identifier", pos: token.pos, ident: token.val };
      case "dot":
        return { t: "dot", pos: token.pos };
      case "nil":
        return { t: "nil", pos: token.pos };
      case "variable": {
        const ident = token.val.split(".");
        if (!this.vars.includes(ident[0])) this.errorf(`undefined variable ${goQuote(ident[0])}`);
        return { t: "variable", pos: token.pos, ident };
      }
      case "field":
        return { t: "field", pos: token.pos, ident: token.val.slice(1).split(".") };
      case "bool":
        return { t: "bool", pos: token.pos, value: token.val === "true" };
      case "charConstant":
      case "number":
        try {
          return newNumber(token.pos, token.val, token.typ);
        } catch (e) {
          return this.errorf((e as Error).message);
        }
      case "leftParen":
        return this.pipeline("parenthesized pipeline", "rightParen");
      case "string":
      case "rawString":
        try {
          return { t: "string", pos: token.pos, quoted: token.val, text: goUnquote(token.val) };
        } catch (e) {
          return this.errorf((e as Error).message);
        }
    }
    this.backup();
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Values (reflect.Value, as far as the printers need it)

/** A reflect.Value: invalid, or a value whose static type is interface{} (iface) or concrete. */
type RV = { ok: false } | { ok: true; v: GoValue; iface: boolean };

const INVALID: RV = { ok: false };
const MISSING: RV = { ok: false };
const concrete = (v: GoValue): RV => ({ ok: true, v, iface: false });
const ifaceOf = (v: GoValue): RV => ({ ok: true, v, iface: true });

/** reflect.Value.Elem of an interface value (invalid for nil). */
function indirectInterface(v: RV): RV {
  if (!v.ok || !v.iface) return v;
  return v.v === null ? INVALID : concrete(v.v);
}

/** Type().String() of a valid value. */
function typeOf(v: RV): string {
  if (!v.ok) return "<nil>";
  return v.iface ? "interface {}" : goTypeName(v.v);
}

type Kind =
  | "invalid"
  | "interface"
  | "bool"
  | "int"
  | "uint"
  | "float"
  | "string"
  | "map"
  | "slice";

function kindOf(v: RV): Kind {
  if (!v.ok) return "invalid";
  if (v.iface) return "interface";
  const x = v.v;
  if (typeof x === "boolean") return "bool";
  if (typeof x === "number") return "float";
  if (typeof x === "string") return "string";
  if (x instanceof GoInt) return x.type === "uint8" ? "uint" : "int";
  if (Array.isArray(x)) return "slice";
  return "map";
}

/** isTrue: the truth of a value, or undefined when it has none. */
function isTrue(v: RV): boolean | undefined {
  if (!v.ok) return false;
  if (v.iface) return v.v !== null;
  const x = v.v;
  if (typeof x === "string") return x.length > 0;
  if (Array.isArray(x)) return x.length > 0;
  if (typeof x === "boolean") return x;
  if (typeof x === "number") return x !== 0;
  if (x instanceof GoInt) return x.value !== 0;
  if (isGoMap(x)) return Object.keys(x).length > 0;
  return undefined;
}

const truth = (v: RV) => isTrue(indirectInterface(v)) ?? false;

/** The interface{} a function argument of type any receives (nil for invalid). */
const toAny = (v: RV): GoValue => (v.ok ? v.v : null);

class ExecError extends Error {}

/** exec.go's maxExecDepth (a JavaScript stack gives out before it: that is reported too). */
const MAX_EXEC_DEPTH = 100000;
class BreakSignal {}
class ContinueSignal {}

// ---------------------------------------------------------------------------------------------
// Builtins (funcs.go)

type ArgType = "rv" | "any" | "string";
interface Builtin {
  /** The fixed parameters' types, and the variadic element type if any. */
  params: ArgType[];
  variadic?: ArgType;
  fn: (args: RV[]) => RV;
}

function basicKind(v: RV): "bool" | "int" | "uint" | "float" | "string" | "invalid" {
  const k = kindOf(v);
  return k === "bool" || k === "int" || k === "uint" || k === "float" || k === "string"
    ? k
    : "invalid";
}

const numOf = (v: RV): number => {
  const x = (v as { v: GoValue }).v;
  return x instanceof GoInt ? x.value : (x as number);
};

function eq(arg1: RV, rest: RV[]): boolean {
  arg1 = indirectInterface(arg1);
  if (rest.length === 0) throw new ExecError("missing argument for comparison");
  const k1 = basicKind(arg1);
  for (let arg of rest) {
    arg = indirectInterface(arg);
    const k2 = basicKind(arg);
    let t = false;
    if (k1 !== k2) {
      if ((k1 === "int" && k2 === "uint") || (k1 === "uint" && k2 === "int")) {
        t = numOf(arg1) === numOf(arg);
      } else if (arg1.ok && arg.ok) {
        throw new ExecError(
          `incompatible types for comparison: ${typeOf(arg1)} and ${typeOf(arg)}`,
        );
      }
    } else if (k1 === "invalid") {
      const nil1 = !arg1.ok, nil2 = !arg.ok;
      if (!nil1 && !nil2 && kindOf(arg1) !== kindOf(arg)) {
        throw new ExecError(
          `non-comparable types ${goSprint(toAny(arg1))}: ${typeOf(arg1)}, ${typeOf(arg)}: ${
            goSprint(toAny(arg))
          }`,
        );
      }
      if (nil1 || nil2) t = nil1 === nil2;
      else throw new ExecError(`non-comparable type ${goSprint(toAny(arg))}: ${typeOf(arg)}`);
    } else if (k1 === "string") t = (arg1 as { v: string }).v === (arg as { v: string }).v;
    else if (k1 === "bool") t = (arg1 as { v: boolean }).v === (arg as { v: boolean }).v;
    else t = numOf(arg1) === numOf(arg);
    if (t) return true;
  }
  return false;
}

function lt(a: RV, b: RV): boolean {
  a = indirectInterface(a);
  const k1 = basicKind(a);
  if (k1 === "invalid") throw new ExecError("invalid type for comparison");
  b = indirectInterface(b);
  const k2 = basicKind(b);
  if (k2 === "invalid") throw new ExecError("invalid type for comparison");
  if (k1 !== k2) {
    if ((k1 === "int" && k2 === "uint") || (k1 === "uint" && k2 === "int")) {
      return numOf(a) < numOf(b);
    }
    throw new ExecError(`incompatible types for comparison: ${typeOf(a)} and ${typeOf(b)}`);
  }
  if (k1 === "bool") throw new ExecError("invalid type for comparison");
  if (k1 === "string") {
    return compareGoStrings((a as { v: string }).v, (b as { v: string }).v) < 0;
  }
  return numOf(a) < numOf(b);
}

const le = (a: RV, b: RV) => lt(a, b) || eq(a, [b]);

function indexArg(index: RV, cap: number): number {
  const k = kindOf(index);
  if (k === "invalid") throw new ExecError("cannot index slice/array with nil");
  if (k !== "int" && k !== "uint") {
    throw new ExecError(`cannot index slice/array with type ${typeOf(index)}`);
  }
  const x = numOf(index);
  if (x < 0 || x > cap) throw new ExecError(`index out of range: ${x}`);
  return x;
}

function indirect(v: RV): [RV, boolean] {
  if (v.ok && v.iface) return v.v === null ? [v, true] : [concrete(v.v), false];
  return [v, false];
}

function index(item: RV, indexes: RV[]): RV {
  item = indirectInterface(item);
  if (!item.ok) throw new ExecError("index of untyped nil");
  for (let idx of indexes) {
    idx = indirectInterface(idx);
    let isNil: boolean;
    [item, isNil] = indirect(item);
    if (isNil) throw new ExecError("index of nil pointer");
    const x = (item as { v: GoValue }).v;
    const k = kindOf(item);
    if (k === "slice" || k === "string") {
      const len = k === "slice"
        ? (x as GoValue[]).length
        : new TextEncoder().encode(x as string).length;
      const i = indexArg(idx, len);
      if (i === len) throw new ExecError(`index out of range: ${i}`);
      item = k === "slice"
        ? ifaceOf((x as GoValue[])[i])
        : concrete(new GoInt(new TextEncoder().encode(x as string)[i], "uint8"));
    } else if (k === "map") {
      if (!idx.ok) throw new ExecError("value is nil; should be of type string");
      if (kindOf(idx) !== "string") {
        throw new ExecError(`value has type ${typeOf(idx)}; should be string`);
      }
      const m = x as Record<string, GoValue>;
      const key = (idx as { v: string }).v;
      item = ifaceOf(Object.hasOwn(m, key) ? m[key] : null);
    } else throw new ExecError(`can't index item of type ${typeOf(item)}`);
  }
  return item;
}

function slice(item: RV, indexes: RV[]): RV {
  item = indirectInterface(item);
  if (!item.ok) throw new ExecError("slice of untyped nil");
  if (indexes.length > 3) throw new ExecError(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  const x = (item as { v: GoValue }).v;
  let len: number;
  if (k === "string") {
    if (indexes.length === 3) throw new ExecError("cannot 3-index slice a string");
    len = new TextEncoder().encode(x as string).length;
  } else if (k === "slice") len = (x as GoValue[]).length;
  else throw new ExecError(`can't slice item of type ${typeOf(item)}`);
  const idx = [0, len, 0];
  indexes.forEach((i, n) => (idx[n] = indexArg(i, len)));
  if (idx[0] > idx[1]) throw new ExecError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) {
    throw new ExecError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  }
  if (k === "string") {
    const b = new TextEncoder().encode(x as string).slice(idx[0], idx[1]);
    return concrete(new TextDecoder().decode(b));
  }
  return concrete((x as GoValue[]).slice(idx[0], idx[1]));
}

/** evalArgs of html/js/urlquery: the one string argument, else fmt.Sprint of them all. */
function evalArgs(args: RV[]): string {
  if (args.length === 1 && args[0].ok && typeof args[0].v === "string") return args[0].v;
  return goSprintArgs(args.map(toAny));
}

function htmlEscape(s: string): string {
  return s.replace(
    /[\0"'&<>]/g,
    (c) =>
      ({ "\0": "\uFFFD", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!,
  );
}

function jsEscape(s: string): string {
  let out = "";
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    const special: Record<string, string> = {
      "\\": "\\\\",
      "'": "\\'",
      '"': '\\"',
      "<": "\\u003C",
      ">": "\\u003E",
      "&": "\\u0026",
      "=": "\\u003D",
    };
    if (c in special) out += special[c];
    else if (cp < 0x20) out += "\\u00" + cp.toString(16).toUpperCase().padStart(2, "0");
    else if (cp >= 0x80 && !/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(c)) {
      out += "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
    } else out += c;
  }
  return out;
}

/** url.QueryEscape. */
function queryEscape(s: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** cli-runtime's exists(item, indices...). */
function exists(item: GoValue, indices: GoValue[]): boolean {
  let v: GoValue | undefined = item;
  for (const i of indices) {
    if (v === null || v === undefined) return false;
    if (Array.isArray(v) || typeof v === "string") {
      if (!(i instanceof GoInt)) return false;
      const len = Array.isArray(v) ? v.length : new TextEncoder().encode(v).length;
      if (i.value < 0 || i.value >= len) return false;
      v = Array.isArray(v) ? v[i.value] : new GoInt(new TextEncoder().encode(v)[i.value], "uint8");
    } else if (isGoMap(v)) {
      if (typeof i !== "string" && i !== null) return false;
      v = i !== null && Object.hasOwn(v, i) ? v[i] : null;
    } else return false;
  }
  return v !== null && v !== undefined;
}

function base64decode(s: string): string {
  const clean = s;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    let at = clean.search(/[^A-Za-z0-9+/=]/);
    if (at < 0) at = clean.length - (clean.length % 4 || 4);
    throw new ExecError(`base64 decode failed: illegal base64 data at input byte ${at}`);
  }
  const bin = atob(clean);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

const BUILTINS: Record<string, Builtin> = {
  and: { params: ["rv"], variadic: "rv", fn: () => INVALID }, // evaluated lazily in evalCall
  or: { params: ["rv"], variadic: "rv", fn: () => INVALID },
  not: { params: ["rv"], fn: ([a]) => concrete(!truth(a)) },
  len: {
    params: ["rv"],
    fn: ([a]) => {
      const [item, isNil] = indirect(a);
      if (isNil) throw new ExecError("len of nil pointer");
      const k = kindOf(item);
      const x = (item as { v: GoValue }).v;
      if (k === "slice") return concrete(new GoInt((x as GoValue[]).length));
      if (k === "map") return concrete(new GoInt(Object.keys(x as object).length));
      if (k === "string") return concrete(new GoInt(new TextEncoder().encode(x as string).length));
      if (!item.ok) throw new ExecError("reflect: call of reflect.Value.Type on zero Value");
      throw new ExecError(`len of type ${typeOf(item)}`);
    },
  },
  index: { params: ["rv"], variadic: "rv", fn: ([a, ...r]) => index(a, r) },
  slice: { params: ["rv"], variadic: "rv", fn: ([a, ...r]) => slice(a, r) },
  eq: { params: ["rv"], variadic: "rv", fn: ([a, ...r]) => concrete(eq(a, r)) },
  ne: { params: ["rv", "rv"], fn: ([a, b]) => concrete(!eq(a, [b])) },
  lt: { params: ["rv", "rv"], fn: ([a, b]) => concrete(lt(a, b)) },
  le: { params: ["rv", "rv"], fn: ([a, b]) => concrete(le(a, b)) },
  gt: { params: ["rv", "rv"], fn: ([a, b]) => concrete(!le(a, b)) },
  ge: { params: ["rv", "rv"], fn: ([a, b]) => concrete(!lt(a, b)) },
  print: { params: [], variadic: "any", fn: (a) => concrete(goSprintArgs(a.map(toAny))) },
  printf: {
    params: ["string"],
    variadic: "any",
    fn: ([f, ...a]) => concrete(goSprintf((f as { v: string }).v, a.map(toAny))),
  },
  println: { params: [], variadic: "any", fn: (a) => concrete(goSprintln(a.map(toAny))) },
  html: { params: [], variadic: "any", fn: (a) => concrete(htmlEscape(evalArgs(a))) },
  js: { params: [], variadic: "any", fn: (a) => concrete(jsEscape(evalArgs(a))) },
  urlquery: { params: [], variadic: "any", fn: (a) => concrete(queryEscape(evalArgs(a))) },
  exists: {
    params: ["any"],
    variadic: "any",
    fn: ([a, ...r]) => concrete(exists(toAny(a), r.map(toAny))),
  },
  base64decode: {
    params: ["string"],
    fn: ([s]) => concrete(base64decode((s as { v: string }).v)),
  },
  call: {
    params: ["rv"],
    variadic: "rv",
    fn: ([f]) => {
      const fn = indirectInterface(f);
      if (!fn.ok) throw new ExecError("call of nil");
      throw new ExecError(`non-function of type ${typeOf(fn)}`);
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Executor (exec.go)

interface Variable {
  name: string;
  value: RV;
}

class State {
  out = "";
  node: AnyNode | undefined;
  vars: Variable[];
  depth = 0;

  constructor(
    private name: string,
    private readonly text: string,
    private readonly missingKeyError: boolean,
    private readonly trees: Map<string, ListNode>,
    data: RV,
  ) {
    this.vars = [{ name: "$", value: data }];
    this.parseName = name;
  }

  /** Tree.ParseName: the name error locations carry (the top-level template's). */
  private readonly parseName: string;

  at(n: AnyNode) {
    this.node = n;
  }

  errorf(msg: string): never {
    if (this.node === undefined) throw new GoTemplateError(`template: ${this.name}: ${msg}`);
    const pos = this.node.pos;
    const before = this.text.slice(0, pos);
    const nl = before.lastIndexOf("\n");
    const byteNum = nl === -1 ? utf8Len(before) : utf8Len(before.slice(nl + 1));
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    throw new GoTemplateError(
      `template: ${this.parseName}:${line}:${byteNum}: executing ${goQuote(this.name)} at <${
        nodeString(this.node)
      }>: ${msg}`,
    );
  }

  mark() {
    return this.vars.length;
  }
  pop(m: number) {
    this.vars.length = m;
  }
  setVar(name: string, value: RV) {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  setTopVar(n: number, value: RV) {
    this.vars[this.vars.length - n].value = value;
  }
  varValue(name: string): RV {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) return this.vars[i].value;
    }
    return this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: RV, node: TNode | ListNode): void {
    this.at(node);
    switch (node.t) {
      case "action": {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case "break":
        throw new BreakSignal();
      case "continue":
        throw new ContinueSignal();
      case "if":
      case "with": {
        const m = this.mark();
        try {
          const val = this.evalPipeline(dot, node.pipe);
          const t = isTrue(indirectInterface(val));
          if (t === undefined) this.errorf(`if/with can't use ${goSprint(toAny(val))}`);
          if (t) this.walk(node.t === "with" ? val : dot, node.list);
          else if (node.elseList) this.walk(dot, node.elseList);
        } finally {
          this.pop(m);
        }
        return;
      }
      case "list":
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case "range":
        return this.walkRange(dot, node);
      case "template": {
        const tree = this.trees.get(node.name);
        if (tree === undefined) this.errorf(`template ${goQuote(node.name)} not defined`);
        if (this.depth === MAX_EXEC_DEPTH) {
          this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
        }
        const newDot = this.evalPipeline(dot, node.pipe);
        const saved = { name: this.name, vars: this.vars, depth: this.depth };
        this.name = node.name;
        this.vars = [{ name: "$", value: newDot }];
        this.depth++;
        try {
          this.walk(newDot, tree!);
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
          // The JavaScript stack ends before Go's depth limit: Go's error, at this node.
          this.name = saved.name;
          this.at(node);
          this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
        } finally {
          this.name = saved.name;
          this.vars = saved.vars;
          this.depth = saved.depth;
        }
        return;
      }
      case "text":
        this.out += node.text;
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  walkRange(dot: RV, r: ControlNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const [val] = indirect(this.evalPipeline(dot, r.pipe));
      const mark = this.mark();
      const one = (idx: RV, elem: RV) => {
        if (r.pipe.decl.length > 0) {
          if (r.pipe.isAssign) {
            this.setVar(r.pipe.decl[0].ident[0], r.pipe.decl.length > 1 ? idx : elem);
          } else this.setTopVar(1, elem);
        }
        if (r.pipe.decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(r.pipe.decl[1].ident[0], elem);
          else this.setTopVar(2, idx);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (!(e instanceof ContinueSignal)) throw e;
        } finally {
          this.pop(mark);
        }
      };
      const k = kindOf(val);
      const x = (val as { v: GoValue }).v;
      let ran = false;
      if (k === "int" || k === "uint") {
        if (r.pipe.decl.length > 1) {
          this.errorf(`can't use ${goSprint(x)} to iterate over more than one variable`);
        }
        const n = (x as GoInt).value;
        for (let i = 0; i < n; i++) {
          ran = true;
          one(INVALID, concrete(new GoInt(i)));
        }
      } else if (k === "slice") {
        (x as GoValue[]).forEach((e, i) => {
          ran = true;
          one(concrete(new GoInt(i)), ifaceOf(e));
        });
      } else if (k === "map") {
        const m = x as Record<string, GoValue>;
        for (const key of sortedKeys(m)) {
          ran = true;
          one(concrete(key), ifaceOf(m[key]));
        }
      } else if (k !== "invalid") {
        this.errorf(`range can't iterate over ${goSprint(x)}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (!(e instanceof BreakSignal)) throw e;
    } finally {
      this.pop(outer);
    }
  }

  evalPipeline(dot: RV, pipe: PipeNode | undefined): RV {
    if (!pipe) return INVALID;
    this.at(pipe);
    let value: RV = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      if (value.ok && value.iface) value = value.v === null ? INVALID : concrete(value.v);
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value);
      else this.vars.push({ name: v.ident[0], value });
    }
    return value;
  }

  notAFunction(args: Arg[], final: RV) {
    if (args.length > 1 || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
    }
  }

  evalCommand(dot: RV, cmd: CommandNode, final: RV): RV {
    const first = cmd.args[0];
    switch (first.t) {
      case "field":
        this.at(first);
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.t) {
      case "bool":
        return concrete(first.value);
      case "dot":
        return dot;
      case "nil":
        return this.errorf("nil is not a command");
      case "number":
        return this.idealConstant(first);
      case "string":
        return concrete(first.text);
    }
  }

  idealConstant(c: NumberNode): RV {
    this.at(c);
    if (c.isFloat && !/^0[xX]/.test(c.text) && !c.text.startsWith("'") && /[.eEpP]/.test(c.text)) {
      return concrete(c.float);
    }
    if (c.isInt) return concrete(new GoInt(c.int, c.text.startsWith("'") ? "int" : "int"));
    return INVALID;
  }

  evalChainNode(dot: RV, chain: Extract<Arg, { t: "chain" }>, args: Arg[], final: RV): RV {
    this.at(chain);
    if (chain.node.t === "nil") {
      this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    }
    const pipe = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  evalVariableNode(dot: RV, v: VariableNode, args: Arg[] | undefined, final: RV): RV {
    this.at(v);
    const value = this.varValue(v.ident[0]);
    if (v.ident.length === 1) {
      this.notAFunction(args ?? [v], final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  evalFieldChain(
    _dot: RV,
    receiver: RV,
    node: AnyNode,
    ident: string[],
    args: Arg[] | undefined,
    final: RV,
  ): RV {
    for (let i = 0; i < ident.length - 1; i++) {
      receiver = this.evalField(ident[i], node, undefined, MISSING, receiver);
    }
    return this.evalField(ident[ident.length - 1], node, args, final, receiver);
  }

  evalField(name: string, _node: AnyNode, args: Arg[] | undefined, final: RV, receiver: RV): RV {
    if (!receiver.ok) {
      if (this.missingKeyError) this.errorf(`nil data; no entry for key ${goQuote(name)}`);
      return INVALID;
    }
    const typ = typeOf(receiver);
    const [r, isNil] = indirect(receiver);
    if (isNil) this.errorf(`nil pointer evaluating ${typ}.${name}`);
    const hasArgs = (args?.length ?? 0) > 1 || final !== MISSING;
    const x = (r as { v: GoValue }).v;
    if (isGoMap(x)) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      if (Object.hasOwn(x, name)) return ifaceOf(x[name]);
      if (this.missingKeyError) this.errorf(`map has no entry for key ${goQuote(name)}`);
      return INVALID;
    }
    return this.errorf(`can't evaluate field ${name} in type ${typ}`);
  }

  evalFunction(
    dot: RV,
    node: Extract<Arg, { t: "identifier" }>,
    cmd: AnyNode,
    args: Arg[] | undefined,
    final: RV,
  ): RV {
    this.at(node);
    const b = BUILTINS[node.ident];
    if (!b) this.errorf(`${goQuote(node.ident)} is not a defined function`);
    return this.evalCall(dot, b, cmd, node.ident, args, final);
  }

  evalCall(
    dot: RV,
    b: Builtin,
    node: AnyNode,
    name: string,
    allArgs: Arg[] | undefined,
    final: RV,
  ): RV {
    const args = allArgs ? allArgs.slice(1) : [];
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    let numFixed = args.length;
    const nIn = b.params.length + (b.variadic ? 1 : 0);
    if (b.variadic) {
      numFixed = b.params.length;
      if (numIn < numFixed) {
        this.errorf(
          `wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`,
        );
      }
    } else if (numIn !== nIn) {
      this.errorf(`wrong number of args for ${name}: want ${nIn} got ${numIn}`);
    }
    if (name === "and" || name === "or") {
      let v: RV = INVALID;
      for (const a of args) {
        v = this.evalArg(dot, "rv", a);
        if (truth(v) === (name === "or")) return v;
      }
      if (final !== MISSING) v = this.validateType(final, "rv");
      return v;
    }
    const argv: RV[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, b.params[i], args[i]));
    if (b.variadic) {
      for (; i < args.length; i++) {
        argv.push(this.evalArg(dot, b.variadic, args[i]));
      }
    }
    if (final !== MISSING) {
      let t: ArgType = b.variadic ?? b.params[b.params.length - 1];
      if (b.variadic && numIn - 1 < numFixed) t = b.params[numIn - 1];
      argv.push(this.validateType(final, t));
    }
    try {
      return b.fn(argv);
    } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      this.at(node);
      return this.errorf(`error calling ${name}: ${e.message}`);
    }
  }

  validateType(value: RV, typ: ArgType | undefined): RV {
    if (!value.ok) {
      if (typ === undefined || typ === "rv") return INVALID;
      if (typ === "any") return ifaceOf(null);
      return this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === "string" && kindOf(value) !== "string") {
      let v: RV = value;
      if (v.ok && v.iface && v.v !== null) {
        v = concrete(v.v);
        if (kindOf(v) === "string") return v;
      }
      this.errorf(`wrong type for value; expected string; got ${typeOf(v)}`);
    }
    return value;
  }

  evalArg(dot: RV, typ: ArgType | undefined, n: Arg): RV {
    this.at(n);
    switch (n.t) {
      case "dot":
        return this.validateType(dot, typ);
      case "nil":
        if (typ === "string") this.errorf("cannot assign nil to string");
        return typ === "any" ? ifaceOf(null) : INVALID;
      case "field":
        this.at(n);
        return this.validateType(this.evalFieldChain(dot, dot, n, n.ident, [n], MISSING), typ);
      case "variable":
        return this.validateType(this.evalVariableNode(dot, n, undefined, MISSING), typ);
      case "pipe":
        return this.validateType(this.evalPipeline(dot, n), typ);
      case "identifier":
        return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), typ);
      case "chain":
        return this.validateType(this.evalChainNode(dot, n, [], MISSING), typ);
    }
    if (typ === "string") {
      if (n.t === "string") return concrete(n.text);
      return this.errorf(`expected string; found ${nodeString(n)}`);
    }
    // interface{} and reflect.Value: evalEmptyInterface
    switch (n.t) {
      case "bool":
        return concrete(n.value);
      case "number":
        return this.idealConstant(n);
      case "string":
        return concrete(n.text);
    }
  }

  printValue(n: AnyNode, v: RV) {
    this.at(n);
    if (!v.ok) this.out += "<no value>";
    else this.out += goSprint(v.v);
  }
}

function utf8Len(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** A parsed template (template.New(name).Parse(text)). */
export class GoTemplate {
  private readonly trees: Map<string, ListNode>;
  private missingKeyError = false;

  /** Parses `text`; throws GoTemplateError with Go's message. */
  constructor(private readonly name: string, private readonly text: string) {
    this.trees = new TParser(name, text).parse();
  }

  /** Option("missingkey=error") when false, "missingkey=default" when true. */
  setAllowMissingKeys(allow: boolean): this {
    this.missingKeyError = !allow;
    return this;
  }

  /**
   * Executes the template on `data` (reflect.ValueOf(data)). Returns the text written and,
   * when execution failed, the error (Go writes what came before the error).
   */
  execute(data: GoValue): { out: string; error?: GoTemplateError } {
    const s = new State(this.name, this.text, this.missingKeyError, this.trees, concrete(data));
    try {
      s.walk(concrete(data), this.trees.get(this.name)!);
      return { out: s.out };
    } catch (e) {
      if (e instanceof GoTemplateError) return { out: s.out, error: e };
      if (e instanceof RangeError) {
        const error = new GoTemplateError(
          `template: ${this.name}: exceeded maximum template depth (${MAX_EXEC_DEPTH})`,
        );
        return { out: s.out, error };
      }
      throw e;
    }
  }
}
