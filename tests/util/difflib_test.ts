/**
 * lib/util/difflib.ts against its two references, on generated inputs:
 * - go-difflib itself (the version kubeadm v1.37.2 builds with, from the Go module cache,
 *   `tests/util/tools/difflib_oracle`): WriteUnifiedDiff's bytes, file names, dates, line ends,
 *   negative contexts and arbitrary bytes included;
 * - Python's difflib.unified_diff (python3), the algorithm go-difflib ports, where the two agree
 *   (a file name given, a context of 0 or more).
 * Plus go-difflib's own unit-test cases and the places where it differs from Python.
 */
import * as path from "@std/path";
import { assert, assertEquals } from "../assert.ts";
import { cacheDir, run } from "../harness/mod.ts";
import {
  binaryToBytes,
  bytesToBinary,
  SequenceMatcher,
  splitLines,
  unifiedDiff,
} from "../../lib/util/difflib.ts";

const DIFFLIB_VERSION = "v1.0.1-0.20181226105442-5d4384ee4fb2";

// ---------------------------------------------------------------------------------------------
// Inputs

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCHEDULER = `apiVersion: v1
kind: Pod
metadata:
  labels:
    component: kube-scheduler
    tier: control-plane
  name: kube-scheduler
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-scheduler
    - --authentication-kubeconfig=/etc/kubernetes/scheduler.conf
    - --authorization-kubeconfig=/etc/kubernetes/scheduler.conf
    - --bind-address=127.0.0.1
    - --kubeconfig=/etc/kubernetes/scheduler.conf
    - --leader-elect=true
    image: registry.k8s.io/kube-scheduler:v1.37.2
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
      httpGet:
        host: 127.0.0.1
        path: /livez
        port: probe-port
        scheme: HTTPS
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: kube-scheduler
    ports:
    - containerPort: 10259
      name: probe-port
      protocol: TCP
    readinessProbe:
      failureThreshold: 3
      httpGet:
        host: 127.0.0.1
        path: /readyz
        port: probe-port
        scheme: HTTPS
      periodSeconds: 1
      timeoutSeconds: 15
    resources:
      requests:
        cpu: 100m
    startupProbe:
      failureThreshold: 24
      httpGet:
        host: 127.0.0.1
        path: /livez
        port: probe-port
        scheme: HTTPS
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    volumeMounts:
    - mountPath: /etc/kubernetes/scheduler.conf
      name: kubeconfig
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/kubernetes/scheduler.conf
      type: FileOrCreate
    name: kubeconfig
status: {}
`;

/** Random edits of `text`'s lines: deletions, insertions, replacements, moves, duplicates. */
function mutate(text: string, r: () => number, edits: number): string {
  const lines = text.split("\n");
  const pick = () => Math.floor(r() * lines.length);
  for (let e = 0; e < edits; e++) {
    const i = pick();
    switch (Math.floor(r() * 5)) {
      case 0:
        lines.splice(i, 1 + Math.floor(r() * 3));
        break;
      case 1:
        lines.splice(i, 0, `    - --new-flag-${Math.floor(r() * 5)}=x`);
        break;
      case 2:
        lines[i] = (lines[i] ?? "").replace(/[0-9]/, String(Math.floor(r() * 10))) + " ";
        break;
      case 3: {
        const [l] = lines.splice(i, 1);
        lines.splice(pick(), 0, l ?? "");
        break;
      }
      default:
        lines.splice(i, 0, ...lines.slice(i, i + 1 + Math.floor(r() * 4)));
    }
  }
  return lines.join("\n");
}

/** Lines from a small alphabet: many repeats, many equal candidate matches. */
function alphabetText(r: () => number, n: number, alphabet: string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(alphabet[Math.floor(r() * alphabet.length)]);
  const text = lines.join("\n");
  return r() < 0.7 ? text + "\n" : text;
}

interface Case {
  a: string;
  b: string;
  fromFile: string;
  toFile: string;
  fromDate?: string;
  toDate?: string;
  eol?: string;
  context: number;
}

function generated(seed: number, count: number): Case[] {
  const r = rng(seed);
  const cases: Case[] = [];
  const ctx = () => [0, 0, 1, 2, 3, 3, 3, 5, 10][Math.floor(r() * 9)];
  for (let k = 0; k < count; k++) {
    const kind = k % 7;
    let a: string, b: string;
    if (kind === 0) {
      a = alphabetText(r, Math.floor(r() * 30), ["a", "b", "c", ""]);
      b = alphabetText(r, Math.floor(r() * 30), ["a", "b", "c", "d", ""]);
    } else if (kind === 1) {
      // 200+ lines in b: autojunk purges the popular lines.
      a = alphabetText(r, 150 + Math.floor(r() * 200), ["x", "y", "z", "w", "v", "u", "t"]);
      b = alphabetText(r, 200 + Math.floor(r() * 200), ["x", "y", "z", "w", "v", "u", "t"]);
    } else if (kind === 2) {
      a = SCHEDULER;
      b = mutate(SCHEDULER, r, 1 + Math.floor(r() * 6));
    } else if (kind === 3) {
      a = mutate(SCHEDULER, r, Math.floor(r() * 4));
      b = mutate(SCHEDULER, r, Math.floor(r() * 4));
    } else if (kind === 4) {
      // A long file with a few far-apart changes and popular lines ("", "---").
      const base = Array.from(
        { length: 250 + Math.floor(r() * 100) },
        (_, i) => (i % 7 === 0 ? "" : i % 11 === 0 ? "---" : `line ${i}`),
      ).join("\n") + "\n";
      a = base;
      b = mutate(base, r, 1 + Math.floor(r() * 5));
    } else if (kind === 5) {
      // 199 to 400 lines (autojunk's limit ntest is 2, 3 or 4): some lines occur just below, at
      // and just above it, so whether they are popular decides the matches.
      // b is n lines and the empty last one of splitLines: 199 and 200 straddle autojunk's 200.
      const n = r() < 0.3 ? 198 + Math.floor(r() * 2) : 200 + Math.floor(r() * 200);
      const lines: string[] = [];
      for (let t = 0; lines.length < n; t++) {
        const times = r() < 0.5 ? 1 : 2 + Math.floor(r() * 4);
        for (let i = 0; i < times; i++) lines.push(`t${t}`);
      }
      for (let i = lines.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        if (r() < 0.3) [lines[i], lines[j]] = [lines[j], lines[i]];
      }
      b = lines.slice(0, n).join("\n") + "\n";
      a = mutate(b, r, 1 + Math.floor(r() * 8));
      if (r() < 0.5) [a, b] = [b, a];
    } else {
      const alpha = ["α", "β\r", "γ γ", " ", "\t", "é"];
      a = alphabetText(r, Math.floor(r() * 12), alpha);
      b = r() < 0.2 ? a : alphabetText(r, Math.floor(r() * 12), alpha);
    }
    cases.push({
      a,
      b,
      fromFile: "/etc/kubernetes/manifests/x.yaml",
      toFile: "new manifest",
      context: ctx(),
    });
  }
  return cases;
}

/** Edge cases, most of them beyond what Python's difflib agrees on. */
const EDGES: Case[] = [
  { a: "", b: "", fromFile: "a", toFile: "b", context: 3 },
  { a: "", b: "x\n", fromFile: "a", toFile: "b", context: 3 },
  { a: "x\n", b: "", fromFile: "a", toFile: "b", context: 0 },
  { a: "x", b: "x\n", fromFile: "a", toFile: "b", context: 3 },
  { a: "x\ny\n", b: "x\ny\n", fromFile: "a", toFile: "b", context: 3 },
  { a: "a\nb\nc\n", b: "a\nB\nc\n", fromFile: "", toFile: "", context: 3 },
  { a: "a\nb\nc\n", b: "a\nB\nc\n", fromFile: "", toFile: "new", context: 1 },
  { a: "a\nb\nc\n", b: "a\nB\nc\n", fromFile: "old", toFile: "", context: 1 },
  {
    a: "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
    b: "1\n2\n3\n4\nX\n6\n7\n8\n9\n",
    fromFile: "a",
    toFile: "b",
    context: -1,
  },
  {
    a: "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
    b: "1\n2\n3\n4\nX\n6\n7\n8\n9\n",
    fromFile: "a",
    toFile: "b",
    context: -7,
  },
  {
    a: "a\nb\n",
    b: "a\nc\n",
    fromFile: "a",
    fromDate: "2024-01-01",
    toFile: "b",
    toDate: "now",
    eol: "\r\n",
    context: 3,
  },
  { a: "a\r\nb\r\n", b: "a\r\nc\r\n", fromFile: "a", toFile: "b", context: 3 },
];

// ---------------------------------------------------------------------------------------------
// The references

function b64(s: string): string {
  return btoa(s);
}

/** A binary string of the UTF-8 bytes of `s` (what Go sees). */
function utf8Binary(s: string): string {
  return bytesToBinary(new TextEncoder().encode(s));
}

/** kubestrap's answer for a case, as a binary string (bytes). */
function ours(c: Case): string {
  return unifiedDiff({
    a: splitLines(utf8Binary(c.a)),
    b: splitLines(utf8Binary(c.b)),
    fromFile: utf8Binary(c.fromFile),
    toFile: utf8Binary(c.toFile),
    fromDate: c.fromDate,
    toDate: c.toDate,
    eol: c.eol,
    context: c.context,
  });
}

const goModDir = (() => {
  try {
    const r = new Deno.Command("go", {
      args: ["env", "GOMODCACHE"],
      stdout: "piped",
      stderr: "null",
    })
      .outputSync();
    return r.success ? new TextDecoder().decode(r.stdout).trim() : "";
  } catch {
    return "";
  }
})();
const GO_SKIP = goModDir === "" ? "needs the Go toolchain" : (() => {
  try {
    Deno.statSync(`${goModDir}/github.com/pmezard/go-difflib@${DIFFLIB_VERSION}/difflib`);
    return "";
  } catch {
    return `needs github.com/pmezard/go-difflib@${DIFFLIB_VERSION} in the Go module cache (the test bed's kubeadm build puts it there)`;
  }
})();
if (GO_SKIP) console.log(`difflib_test (go-difflib): ignored: ${GO_SKIP}`);

const PY_SKIP = (() => {
  try {
    return new Deno.Command("python3", {
        args: ["-c", "import difflib"],
        stdout: "null",
        stderr: "null",
      })
        .outputSync().success
      ? ""
      : "needs python3";
  } catch {
    return "needs python3";
  }
})();
if (PY_SKIP) console.log(`difflib_test (python): ignored: ${PY_SKIP}`);

/** Builds the go-difflib oracle (offline, from the module cache) once per source. */
async function goOracle(): Promise<string> {
  const dir = new URL("./tools/difflib_oracle/", import.meta.url).pathname;
  const h = new Uint8Array(
    await crypto.subtle.digest("SHA-256", await Deno.readFile(path.join(dir, "main.go"))),
  );
  const sum = Array.from(h.slice(0, 6)).map((b) => b.toString(16).padStart(2, "0")).join("");
  const bin = `${cacheDir()}/oracles/difflib-${sum}`;
  try {
    await Deno.stat(bin);
  } catch {
    await Deno.mkdir(`${cacheDir()}/oracles`, { recursive: true });
    await run("go", ["build", "-o", bin, "."], {
      cwd: dir,
      env: { GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-mod=mod", GOPROXY: "off" },
    });
  }
  return bin;
}

/** go-difflib's answers, as binary strings. */
async function goAnswers(cases: Case[]): Promise<string[]> {
  const input = JSON.stringify(cases.map((c) => ({
    a: b64(utf8Binary(c.a)),
    b: b64(utf8Binary(c.b)),
    fromFile: c.fromFile,
    toFile: c.toFile,
    fromDate: c.fromDate ?? "",
    toDate: c.toDate ?? "",
    eol: c.eol ?? "",
    context: c.context,
  })));
  const p = new Deno.Command(await goOracle(), { stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(input));
  await w.close();
  const o = await p.output();
  assert(o.success, new TextDecoder().decode(o.stderr));
  return (JSON.parse(new TextDecoder().decode(o.stdout)) as string[]).map(atob);
}

const PY = `
import base64, difflib, json, sys
out = []
for c in json.load(sys.stdin):
    # go-difflib's SplitLines; bytes decoded one character per byte (Go compares bytes).
    split = lambda s: [l + "\\n" for l in base64.b64decode(s).decode("latin-1").split("\\n")]
    d = difflib.unified_diff(split(c["a"]), split(c["b"]), c["fromFile"], c["toFile"], n=c["context"])
    out.append(base64.b64encode("".join(d).encode("latin-1")).decode())
json.dump(out, sys.stdout)
`;

/** Python difflib's answers, as binary strings. */
async function pyAnswers(cases: Case[]): Promise<string[]> {
  const p = new Deno.Command("python3", {
    args: ["-c", PY],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(cases.map((c) => ({
    a: b64(utf8Binary(c.a)),
    b: b64(utf8Binary(c.b)),
    fromFile: utf8Binary(c.fromFile),
    toFile: utf8Binary(c.toFile),
    context: c.context,
  })))));
  await w.close();
  const o = await p.output();
  assert(o.success, new TextDecoder().decode(o.stderr));
  return (JSON.parse(new TextDecoder().decode(o.stdout)) as string[]).map(atob);
}

function compare(cases: Case[], want: string[], who: string): number {
  let nonEmpty = 0;
  cases.forEach((c, i) => {
    const got = ours(c);
    if (got !== want[i]) {
      throw new Error(
        `case ${i} differs from ${who}: ${JSON.stringify(c)}\n--- ${who}:\n${
          want[i]
        }\n--- kubestrap:\n${got}`,
      );
    }
    if (got !== "") nonEmpty++;
  });
  return nonEmpty;
}

// ---------------------------------------------------------------------------------------------

Deno.test({
  name: "difflib: unified diffs byte for byte as go-difflib writes them (3000 generated + edges)",
  ignore: GO_SKIP !== "",
  async fn() {
    const cases = [...EDGES, ...generated(1, 1500), ...generated(2, 1500)];
    const nonEmpty = compare(cases, await goAnswers(cases), "go-difflib");
    assert(nonEmpty > 2500, `only ${nonEmpty} of the cases have a diff`);
  },
});

Deno.test({
  name: "difflib: the same diffs as Python's difflib.unified_diff (3000 generated)",
  ignore: PY_SKIP !== "",
  async fn() {
    const cases = [...generated(3, 1500), ...generated(4, 1500)];
    compare(cases, await pyAnswers(cases), "python3 difflib");
  },
});

Deno.test({
  name: "difflib: the generated inputs reach the autojunk purge",
  fn() {
    const cases = generated(1, 70).filter((_, k) => [1, 4, 5].includes(k % 7));
    const purged = cases.filter((c) =>
      new SequenceMatcher(splitLines(c.a), splitLines(c.b)).popular.size > 0
    );
    assert(purged.length >= cases.length / 2, `${purged.length} of ${cases.length}`);
  },
});

Deno.test("difflib: go-difflib's unit-test cases", () => {
  // TestGetOptCodes
  const m = new SequenceMatcher([..."qabxcd"], [..."abycdf"]);
  assertEquals(
    m.getOpCodes().map((c) =>
      `${c.tag} a[${c.i1}:${c.i2}], (${"qabxcd".slice(c.i1, c.i2)}) b[${c.j1}:${c.j2}] (${
        "abycdf".slice(c.j1, c.j2)
      })`
    ),
    [
      "d a[0:1], (q) b[0:0] ()",
      "e a[1:3], (ab) b[0:2] (ab)",
      "r a[3:4], (x) b[2:3] (y)",
      "e a[4:6], (cd) b[3:5] (cd)",
      "i a[6:6], () b[5:6] (f)",
    ],
  );
  // TestGroupedOpCodes
  const a: string[] = [];
  for (let i = 0; i < 39; i++) a.push(String(i).padStart(2, "0"));
  const b = [
    ...a.slice(0, 8),
    " i",
    ...a.slice(8, 19),
    " x",
    ...a.slice(20, 22),
    ...a.slice(27, 34),
    " y",
    ...a.slice(35),
  ];
  assertEquals(
    new SequenceMatcher(a, b).getGroupedOpCodes(-1).map((g) =>
      g.map((c) => `${c.tag} ${c.i1} ${c.i2} ${c.j1} ${c.j2}`)
    ),
    [
      ["e 5 8 5 8", "i 8 8 8 9", "e 8 11 9 12"],
      ["e 16 19 17 20", "r 19 20 20 21", "e 20 22 21 23", "d 22 27 23 23", "e 27 30 23 26"],
      ["e 31 34 27 30", "r 34 35 30 31", "e 35 38 31 34"],
    ],
  );
  // ExampleGetUnifiedDiffCode
  assertEquals(
    unifiedDiff({
      a: splitLines('one\ntwo\nthree\nfour\nfmt.Printf("%s,%T",a,b)'),
      b: splitLines("zero\none\nthree\nfour"),
      fromFile: "Original",
      fromDate: "2005-01-26 23:30:50",
      toFile: "Current",
      toDate: "2010-04-02 10:20:52",
      context: 3,
    }),
    `--- Original\t2005-01-26 23:30:50
+++ Current\t2010-04-02 10:20:52
@@ -1,5 +1,4 @@
+zero
 one
-two
 three
 four
-fmt.Printf("%s,%T",a,b)
`,
  );
  // TestOutputFormatRangeFormatUnified / TestOutputFormatNoTrailingTabOnEmptyFiledate
  assertEquals(
    unifiedDiff({ a: ["one"], b: ["two"], fromFile: "Original", toFile: "Current", context: 3 }),
    "--- Original\n+++ Current\n@@ -1 +1 @@\n-one+two",
  );
  // TestSplitLines
  assertEquals(splitLines("foo\nbar\nbaz"), ["foo\n", "bar\n", "baz\n"]);
  assertEquals(splitLines("foo\nbar\nbaz\n"), ["foo\n", "bar\n", "baz\n", "\n"]);
  assertEquals(splitLines(""), ["\n"]);
});

Deno.test("difflib: where go-difflib differs from Python", () => {
  const a = splitLines("a\nb\nc\n");
  const b = splitLines("a\nB\nc\n");
  // No header without file names (Python writes "--- \n+++ \n").
  assertEquals(unifiedDiff({ a, b, context: 1 }), "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  // A negative context is 3.
  assertEquals(
    unifiedDiff({ a, b, fromFile: "x", toFile: "y", context: -2 }),
    unifiedDiff({ a, b, fromFile: "x", toFile: "y", context: 3 }),
  );
  // Equal sequences: no output at all.
  assertEquals(unifiedDiff({ a, b: a, fromFile: "x", toFile: "y", context: 3 }), "");
  // Empty ranges begin at the line before them (0 at the start of a file).
  assertEquals(
    unifiedDiff({
      a: splitLines("x"),
      b: splitLines("x\ny"),
      fromFile: "f",
      toFile: "t",
      context: 0,
    }),
    "--- f\n+++ t\n@@ -1,0 +2 @@\n+y\n",
  );
  assertEquals(
    unifiedDiff({
      a: splitLines("y"),
      b: splitLines("x\ny"),
      fromFile: "f",
      toFile: "t",
      context: 0,
    }),
    "--- f\n+++ t\n@@ -0,0 +1 @@\n+x\n",
  );
});

Deno.test("difflib: binary strings carry any bytes", () => {
  const bytes = new Uint8Array(70000).map((_, i) => (i * 7919) & 0xff);
  assertEquals(binaryToBytes(bytesToBinary(bytes)), bytes);
  const a = splitLines(bytesToBinary(new Uint8Array([0xff, 0x0a, 0xc3, 0x28, 0x0a])));
  const b = splitLines(bytesToBinary(new Uint8Array([0xff, 0x0a, 0xc3, 0x29, 0x0a])));
  assertEquals(
    [...binaryToBytes(unifiedDiff({ a, b, context: 0 }))],
    [...new TextEncoder().encode("@@ -2 +2 @@\n-"), 0xc3, 0x28, 0x0a, 0x2b, 0xc3, 0x29, 0x0a],
  );
});
