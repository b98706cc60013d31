/**
 * Unified diffs as github.com/pmezard/go-difflib (v1.0.1-0.20181226105442-5d4384ee4fb2, the
 * version kubeadm v1.37.2 builds with) writes them for `kubeadm upgrade diff`. go-difflib is a
 * port of Python's difflib; this is a port of go-difflib's SequenceMatcher (Ratcliff/Obershelp
 * "gestalt pattern matching": the longest contiguous junk-free match, then the same on both
 * sides of it, with Python's "autojunk" heuristic for popular lines) and of WriteUnifiedDiff.
 *
 * Where go-difflib differs from Python's difflib, this follows go-difflib:
 * - the `---`/`+++` header lines are written only when a file name is given (Python always
 *   writes them);
 * - a negative context size means 3 (Python computes with it).
 *
 * Sequences are arrays of strings compared with `===`. For byte-exact results on arbitrary
 * files (Go compares bytes), give lines as binary strings, one character per byte (see
 * {@link bytesToBinary}); the diff then comes back in the same form.
 */

/** A matching block: `a[a .. a+size]` equals `b[b .. b+size]`. */
export interface Match {
  a: number;
  b: number;
  size: number;
}

/**
 * An edit operation: `r` (replace `a[i1..i2]` by `b[j1..j2]`), `d` (delete `a[i1..i2]`),
 * `i` (insert `b[j1..j2]` at `a[i1]`), `e` (equal).
 */
export interface OpCode {
  tag: "r" | "d" | "i" | "e";
  i1: number;
  i2: number;
  j1: number;
  j2: number;
}

/** Options of a {@link SequenceMatcher}. */
export interface MatcherOptions {
  /** Lines of `b` that never start a match (Python's `isjunk`). Default: none. */
  isJunk?: (s: string) => boolean;
  /**
   * Python's autojunk (default true): when `b` has at least 200 lines, a line that occurs more
   * than 1% of `b`'s length (+1) times is "popular" and never starts a match.
   */
  autoJunk?: boolean;
}

function opCode(tag: OpCode["tag"], i1: number, i2: number, j1: number, j2: number): OpCode {
  return { tag, i1, i2, j1, j2 };
}

/**
 * go-difflib's SequenceMatcher over two sequences of lines: matching blocks, opcodes and grouped
 * opcodes computed as Python's difflib.SequenceMatcher computes them.
 */
export class SequenceMatcher {
  readonly a: readonly string[];
  readonly b: readonly string[];
  readonly #isJunk?: (s: string) => boolean;
  readonly #autoJunk: boolean;
  /** Line of `b` -> its indices in `b`, junk and popular lines left out. */
  #b2j = new Map<string, number[]>();
  #bJunk = new Set<string>();
  #bPopular = new Set<string>();
  #matchingBlocks?: Match[];
  #opCodes?: OpCode[];

  constructor(a: readonly string[], b: readonly string[], opts: MatcherOptions = {}) {
    this.a = a;
    this.b = b;
    this.#isJunk = opts.isJunk;
    this.#autoJunk = opts.autoJunk ?? true;
    this.#chainB();
  }

  /** The lines of `b` treated as popular (autojunk). */
  get popular(): ReadonlySet<string> {
    return this.#bPopular;
  }

  #chainB(): void {
    const b2j = new Map<string, number[]>();
    this.b.forEach((s, i) => {
      const indices = b2j.get(s);
      if (indices) indices.push(i);
      else b2j.set(s, [i]);
    });
    if (this.#isJunk) {
      for (const s of b2j.keys()) if (this.#isJunk(s)) this.#bJunk.add(s);
      for (const s of this.#bJunk) b2j.delete(s);
    }
    const n = this.b.length;
    if (this.#autoJunk && n >= 200) {
      const ntest = Math.floor(n / 100) + 1;
      for (const [s, indices] of b2j) if (indices.length > ntest) this.#bPopular.add(s);
      for (const s of this.#bPopular) b2j.delete(s);
    }
    this.#b2j = b2j;
  }

  #isBJunk(s: string): boolean {
    return this.#bJunk.has(s);
  }

  /**
   * The longest matching block in `a[alo..ahi]` and `b[blo..bhi]` (findLongestMatch): of all
   * maximal junk-free blocks the one that starts earliest in `a`, then earliest in `b`, extended
   * by equal non-junk lines the popular-line purge skipped and then by equal junk on both
   * sides. `{a: alo, b: blo, size: 0}` when nothing matches.
   */
  findLongestMatch(alo: number, ahi: number, blo: number, bhi: number): Match {
    const { a, b } = this;
    let besti = alo, bestj = blo, bestsize = 0;
    // j2len.get(j): length of the longest junk-free match ending with a[i-1] and b[j].
    let j2len = new Map<number, number>();
    for (let i = alo; i !== ahi; i++) {
      const newj2len = new Map<number, number>();
      for (const j of this.#b2j.get(a[i]) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        newj2len.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = newj2len;
    }
    while (
      besti > alo && bestj > blo && !this.#isBJunk(b[bestj - 1]) && a[besti - 1] === b[bestj - 1]
    ) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (
      besti + bestsize < ahi && bestj + bestsize < bhi &&
      !this.#isBJunk(b[bestj + bestsize]) && a[besti + bestsize] === b[bestj + bestsize]
    ) {
      bestsize++;
    }
    while (
      besti > alo && bestj > blo && this.#isBJunk(b[bestj - 1]) && a[besti - 1] === b[bestj - 1]
    ) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (
      besti + bestsize < ahi && bestj + bestsize < bhi &&
      this.#isBJunk(b[bestj + bestsize]) && a[besti + bestsize] === b[bestj + bestsize]
    ) {
      bestsize++;
    }
    return { a: besti, b: bestj, size: bestsize };
  }

  /**
   * The matching blocks (GetMatchingBlocks), increasing in `a` and `b`, adjacent blocks merged,
   * ending with the sentinel `{a: a.length, b: b.length, size: 0}`.
   */
  getMatchingBlocks(): Match[] {
    if (this.#matchingBlocks) return this.#matchingBlocks;
    const matched: Match[] = [];
    // go-difflib recurses left, appends, recurses right; an explicit stack in the same order
    // (no recursion depth limit on long files).
    type Task = { lo: [number, number, number, number] } | { emit: Match };
    const stack: Task[] = [{ lo: [0, this.a.length, 0, this.b.length] }];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if ("emit" in t) {
        matched.push(t.emit);
        continue;
      }
      const [alo, ahi, blo, bhi] = t.lo;
      const m = this.findLongestMatch(alo, ahi, blo, bhi);
      const { a: i, b: j, size: k } = m;
      if (k > 0) {
        if (i + k < ahi && j + k < bhi) stack.push({ lo: [i + k, ahi, j + k, bhi] });
        stack.push({ emit: m });
        if (alo < i && blo < j) stack.push({ lo: [alo, i, blo, j] });
      }
    }
    const nonAdjacent: Match[] = [];
    let i1 = 0, j1 = 0, k1 = 0;
    for (const { a: i2, b: j2, size: k2 } of matched) {
      if (i1 + k1 === i2 && j1 + k1 === j2) {
        k1 += k2;
      } else {
        if (k1 > 0) nonAdjacent.push({ a: i1, b: j1, size: k1 });
        i1 = i2;
        j1 = j2;
        k1 = k2;
      }
    }
    if (k1 > 0) nonAdjacent.push({ a: i1, b: j1, size: k1 });
    nonAdjacent.push({ a: this.a.length, b: this.b.length, size: 0 });
    this.#matchingBlocks = nonAdjacent;
    return nonAdjacent;
  }

  /**
   * The operations that turn `a` into `b` (GetOpCodes): the first starts at 0/0, each starts
   * where the previous ended.
   */
  getOpCodes(): OpCode[] {
    if (this.#opCodes) return this.#opCodes;
    let i = 0, j = 0;
    const out: OpCode[] = [];
    for (const { a: ai, b: bj, size } of this.getMatchingBlocks()) {
      const tag = i < ai && j < bj ? "r" : i < ai ? "d" : j < bj ? "i" : undefined;
      if (tag) out.push(opCode(tag, i, ai, j, bj));
      i = ai + size;
      j = bj + size;
      if (size > 0) out.push(opCode("e", ai, i, bj, j));
    }
    this.#opCodes = out;
    return out;
  }

  /**
   * The change clusters with up to `n` lines of context each (GetGroupedOpCodes; a negative
   * `n` means 3, as in go-difflib). No group when the sequences are equal.
   */
  getGroupedOpCodes(n: number): OpCode[][] {
    if (n < 0) n = 3;
    // A copy: the fix-ups below must not change the cached opcodes.
    let codes = this.getOpCodes().map((c) => ({ ...c }));
    if (codes.length === 0) codes = [opCode("e", 0, 1, 0, 1)];
    const first = codes[0];
    if (first.tag === "e") {
      codes[0] = opCode(
        "e",
        Math.max(first.i1, first.i2 - n),
        first.i2,
        Math.max(first.j1, first.j2 - n),
        first.j2,
      );
    }
    const last = codes[codes.length - 1];
    if (last.tag === "e") {
      codes[codes.length - 1] = opCode(
        "e",
        last.i1,
        Math.min(last.i2, last.i1 + n),
        last.j1,
        Math.min(last.j2, last.j1 + n),
      );
    }
    const nn = n + n;
    const groups: OpCode[][] = [];
    let group: OpCode[] = [];
    for (const c of codes) {
      let { i1, j1 } = c;
      const { i2, j2 } = c;
      // A long run without changes ends the group and starts the next.
      if (c.tag === "e" && i2 - i1 > nn) {
        group.push(opCode("e", i1, Math.min(i2, i1 + n), j1, Math.min(j2, j1 + n)));
        groups.push(group);
        group = [];
        i1 = Math.max(i1, i2 - n);
        j1 = Math.max(j1, j2 - n);
      }
      group.push(opCode(c.tag, i1, i2, j1, j2));
    }
    if (group.length > 0 && !(group.length === 1 && group[0].tag === "e")) groups.push(group);
    return groups;
  }
}

/** formatRangeUnified: a hunk range in the "ed" format (`start,length`, or `start` alone for 1). */
function formatRangeUnified(start: number, stop: number): string {
  let beginning = start + 1;
  const length = stop - start;
  if (length === 1) return `${beginning}`;
  if (length === 0) beginning -= 1; // an empty range begins at the line before it
  return `${beginning},${length}`;
}

/** go-difflib's UnifiedDiff parameters. */
export interface UnifiedDiff {
  /** The first sequence of lines, each with its line end (see {@link splitLines}). */
  a: readonly string[];
  /** The second sequence. */
  b: readonly string[];
  fromFile?: string;
  /** Written after a tab on the `---` line when set. */
  fromDate?: string;
  toFile?: string;
  toDate?: string;
  /** The header lines' end (default "\n"). */
  eol?: string;
  /** Lines of context around each change (negative: 3). */
  context: number;
}

/**
 * WriteUnifiedDiff's text: `--- from` / `+++ to` (only when a file name is set, before the first
 * hunk), then each hunk's `@@ -range +range @@` and its lines prefixed with " ", "-" or "+".
 * Empty when the sequences are equal.
 */
export function unifiedDiff(diff: UnifiedDiff): string {
  const eol = diff.eol || "\n";
  const out: string[] = [];
  let started = false;
  const m = new SequenceMatcher(diff.a, diff.b);
  for (const g of m.getGroupedOpCodes(diff.context)) {
    if (!started) {
      started = true;
      const fromDate = diff.fromDate ? "\t" + diff.fromDate : "";
      const toDate = diff.toDate ? "\t" + diff.toDate : "";
      if (diff.fromFile || diff.toFile) {
        out.push(`--- ${diff.fromFile ?? ""}${fromDate}${eol}`);
        out.push(`+++ ${diff.toFile ?? ""}${toDate}${eol}`);
      }
    }
    const first = g[0], last = g[g.length - 1];
    const range1 = formatRangeUnified(first.i1, last.i2);
    const range2 = formatRangeUnified(first.j1, last.j2);
    out.push(`@@ -${range1} +${range2} @@${eol}`);
    for (const c of g) {
      if (c.tag === "e") {
        for (const line of diff.a.slice(c.i1, c.i2)) out.push(" " + line);
        continue;
      }
      if (c.tag === "r" || c.tag === "d") {
        for (const line of diff.a.slice(c.i1, c.i2)) out.push("-" + line);
      }
      if (c.tag === "r" || c.tag === "i") {
        for (const line of diff.b.slice(c.j1, c.j2)) out.push("+" + line);
      }
    }
  }
  return out.join("");
}

/**
 * go-difflib's SplitLines: `s` split after each "\n", and a "\n" appended to the last piece (so
 * a text ending in "\n" gets a last line of just "\n", and "" gives ["\n"]).
 */
export function splitLines(s: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", start)) {
    lines.push(s.slice(start, i + 1));
    start = i + 1;
  }
  lines.push(s.slice(start) + "\n");
  return lines;
}

/** Bytes as a binary string (one character U+0000..U+00FF per byte): Go's string of bytes. */
export function bytesToBinary(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return s;
}

/** The bytes of a binary string (see {@link bytesToBinary}). */
export function binaryToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
