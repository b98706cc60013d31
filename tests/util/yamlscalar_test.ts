/**
 * The plain-scalar resolver (lib/util/yamlscalar.ts) against go-yaml's. The expected tags and
 * values were produced once by a throwaway Go program in /tmp calling a copy of
 * go.yaml.in/yaml/v2@v2.4.4 resolve.go's resolve("", s) (the function is unexported) on each
 * string, and pasted here. The writer's quoting (tests/util/goyaml_test.ts) and the config
 * decoder use this resolver.
 */
import { assert, assertEquals } from "../assert.ts";
import { resolvePlainScalar } from "../../lib/config/decode.ts";
import {
  canUsePlain,
  isBase60Float,
  isYamlTimestamp,
  type ResolvedScalar,
  resolveScalar,
} from "../../lib/util/yamlscalar.ts";

/** [plain scalar, go-yaml's tag, the value it resolved to (bools, ints, floats)]. */
type Row = [string, ResolvedScalar["tag"], (boolean | bigint | number)?];

const GO_RESOLVE: Row[] = [
  ["y", "bool", true],
  ["Y", "bool", true],
  ["yes", "bool", true],
  ["Yes", "bool", true],
  ["YES", "bool", true],
  ["n", "bool", false],
  ["N", "bool", false],
  ["no", "bool", false],
  ["No", "bool", false],
  ["NO", "bool", false],
  ["true", "bool", true],
  ["True", "bool", true],
  ["TRUE", "bool", true],
  ["false", "bool", false],
  ["False", "bool", false],
  ["FALSE", "bool", false],
  ["on", "bool", true],
  ["On", "bool", true],
  ["ON", "bool", true],
  ["off", "bool", false],
  ["Off", "bool", false],
  ["OFF", "bool", false],
  ["yEs", "str"],
  ["tRUE", "str"],
  ["oN", "str"],
  ["o", "str"],
  ["t", "str"],
  ["f", "str"],
  ["", "null"],
  ["~", "null"],
  ["null", "null"],
  ["Null", "null"],
  ["NULL", "null"],
  ["nULL", "str"],
  ["~~", "str"],
  ["0", "int", 0n],
  ["-0", "int", 0n],
  ["+0", "int", 0n],
  ["00", "int", 0n],
  ["07", "int", 7n],
  ["0755", "int", 493n],
  ["08", "float", 8],
  ["+1", "int", 1n],
  ["-1", "int", -1n],
  ["1_000", "int", 1000n],
  ["_1", "str"],
  ["1_", "int", 1n],
  ["1__0", "int", 10n],
  ["0x1F", "int", 31n],
  ["0X1f", "int", 31n],
  ["0x_1F", "int", 31n],
  ["0_x1F", "int", 31n],
  ["+0x10", "int", 16n],
  ["-0x10", "int", -16n],
  ["0x", "str"],
  ["0xg", "str"],
  ["0b101", "int", 5n],
  ["0B101", "int", 5n],
  ["-0b101", "int", -5n],
  ["+0b1", "int", 1n],
  ["0b", "str"],
  ["0b102", "str"],
  ["0b_1", "int", 1n],
  ["0o17", "int", 15n],
  ["0O17", "int", 15n],
  ["0o", "str"],
  ["0o8", "str"],
  ["9223372036854775807", "int", 9223372036854775807n],
  ["9223372036854775808", "int", 9223372036854775808n],
  ["18446744073709551615", "int", 18446744073709551615n],
  ["18446744073709551616", "float", 18446744073709552000],
  ["-9223372036854775808", "int", -9223372036854775808n],
  ["-9223372036854775809", "float", -9223372036854776000],
  ["09.5", "float", 9.5],
  ["0.5", "float", 0.5],
  [".5", "float", 0.5],
  ["._5", "str"],
  [".5_0", "float", 0.5],
  ["5.", "float", 5],
  ["0.", "float", 0],
  ["-.5", "float", -0.5],
  ["+.5e1", "float", 5],
  ["1e3", "float", 1000],
  ["1E3", "float", 1000],
  ["1e", "str"],
  ["e3", "str"],
  ["1e+3", "float", 1000],
  ["1e-3", "float", 0.001],
  ["1_000.5", "float", 1000.5],
  ["1_000e3", "float", 1000000],
  ["1e1_0", "float", 10000000000],
  [".5e1_0", "float", 5000000000],
  [".e5", "str"],
  [".5e", "str"],
  [".5e+", "str"],
  ["._", "str"],
  ["1e5_", "float", 100000],
  ["-_1", "int", -1n],
  ["1e400", "str"],
  [".1e400", "str"],
  ["83e9413", "str"],
  ["1e-400", "float", 0],
  ["-1e400", "str"],
  [".inf", "float", Infinity],
  [".Inf", "float", Infinity],
  [".INF", "float", Infinity],
  ["+.inf", "float", Infinity],
  ["+.Inf", "float", Infinity],
  ["-.inf", "float", -Infinity],
  ["-.INF", "float", -Infinity],
  [".nan", "float", NaN],
  [".NaN", "float", NaN],
  [".NAN", "float", NaN],
  ["inf", "str"],
  ["Infinity", "str"],
  ["nan", "str"],
  ["+inf", "str"],
  ["+.nan", "str"],
  ["-.nan", "str"],
  [".infinity", "str"],
  ["1.2.3", "str"],
  ["1.2.3.4", "str"],
  ["10.96.0.0/12", "str"],
  ["1,000", "str"],
  ["0x1p-2", "str"],
  [".", "str"],
  ["..", "str"],
  ["...", "str"],
  ["+", "str"],
  ["-", "str"],
  ["1:20", "str"],
  ["1:60", "str"],
  ["190:20:30", "str"],
  ["-1:20", "str"],
  ["1:20.5", "str"],
  ["12:30:00", "str"],
  ["<<", "str"],
  ["=", "str"],
  ["2001-02-30", "str"],
  ["2001-02-28", "timestamp"],
  ["2000-02-29", "timestamp"],
  ["1900-02-29", "str"],
  ["0000-02-29", "timestamp"],
  ["2001-2-3", "timestamp"],
  ["2001-02-3", "timestamp"],
  ["2001-002-03", "str"],
  ["01-02-03", "str"],
  ["20011-02-03", "str"],
  ["2001-13-01", "str"],
  ["2001-00-01", "str"],
  ["2001-01-00", "str"],
  ["2001-12-14t21:59:43.10-05:00", "timestamp"],
  ["2001-12-14T21:59:43.10Z", "timestamp"],
  ["2001-12-14T21:59:43Z", "timestamp"],
  ["2001-12-14T21:59:43", "str"],
  ["2001-12-14 21:59:43.10", "timestamp"],
  ["2001-12-14  21:59:43", "timestamp"],
  ["2001-12-14 21:59:43 -5", "str"],
  ["2001-12-14 21:59:43Z", "str"],
  ["2001-12-14T24:00:00Z", "str"],
  ["2001-12-14T23:60:00Z", "str"],
  ["2001-12-14T23:59:60Z", "str"],
  ["2001-12-14T1:2:3Z", "timestamp"],
  ["2001-12-14T21:59:43,5Z", "timestamp"],
  ["2001-12-14T21:59:43.Z", "str"],
  ["2001-12-14T21:59:43+25:00", "str"],
  ["2001-12-14T21:59:43+24:60", "timestamp"],
  ["2001-12-14T21:59:43+0500", "str"],
  ["2001-12-14T21:59:43+05", "str"],
  ["2001-12-14T21:59:43 +05:00", "str"],
  ["2001-12-14x", "str"],
  ["2024-01-01", "timestamp"],
  ["2001-12-14\t21:59:43", "str"],
  ["2001-12-14 ", "str"],
  ["2001-12-14T", "str"],
  ["2001-12-14 1:2:3", "timestamp"],
  ["2001-12-14 1:2:3.", "str"],
  ["2001-12-14T21:59:43.123456789012Z", "timestamp"],
  ["2001-1-1T1:1:1-00:00", "timestamp"],
  ["2001-12-14T21:59:43+5:00", "str"],
];

function valueOf(r: ResolvedScalar): unknown {
  return "value" in r ? r.value : undefined;
}

Deno.test("yamlscalar: resolve() as go-yaml v2.4.4 (bools, nulls, ints, floats, timestamps)", () => {
  const wrong: string[] = [];
  for (const [s, tag, value] of GO_RESOLVE) {
    const r = resolveScalar(s);
    if (r.tag !== tag || !Object.is(valueOf(r), value)) {
      wrong.push(`${JSON.stringify(s)}: ${r.tag} ${valueOf(r)}, go-yaml ${tag} ${value}`);
    }
  }
  assert(wrong.length === 0, `${wrong.length} differ:\n${wrong.join("\n")}`);
});

Deno.test("yamlscalar: timestamps are exactly what time.Parse takes in yaml.v2's four layouts", () => {
  for (const [s, tag] of GO_RESOLVE) {
    if (/^[0-9]{4}-/.test(s)) assertEquals(isYamlTimestamp(s), tag === "timestamp", s);
  }
  // Impossible dates are no timestamps (time.Parse checks the day against the month).
  assert(!isYamlTimestamp("2001-02-30"));
  assert(!isYamlTimestamp("2100-02-29"));
  assert(isYamlTimestamp("2400-02-29"));
});

Deno.test("yamlscalar: canUsePlain is encode.go's stringv rule", () => {
  // Resolves to a string and is no base-60 float.
  for (const [s, tag] of GO_RESOLVE) {
    assertEquals(canUsePlain(s), tag === "str" && !isBase60Float(s), s);
  }
  assert(isBase60Float("1:20") && isBase60Float("190:20:30") && isBase60Float("-1:20"));
  assert(!isBase60Float("1:60") && !isBase60Float("a1:20") && !isBase60Float(""));
  // Names of Object.prototype members are plain strings too.
  assertEquals(resolveScalar("toString"), { tag: "str" });
  assertEquals(resolveScalar("toLocaleString"), { tag: "str" });
  // 2001-02-30 is a plain string for go-yaml: kubeadm writes it unquoted.
  assert(canUsePlain("2001-02-30"));
  assert(!canUsePlain("2001-02-28"));
});

Deno.test("yamlscalar: the config decoder reads plain scalars with it", () => {
  const pos = { line: 1, col: 1 };
  assertEquals(resolvePlainScalar("0x1F", pos), {
    k: "num",
    pos,
    v: 31,
    text: "0x1F",
    float: false,
  });
  assertEquals(resolvePlainScalar(".5_0", pos), {
    k: "num",
    pos,
    v: 0.5,
    text: ".5_0",
    float: true,
  });
  // ParseFloat overflows: go-yaml reads a string (an image tag such as 83e9413 stays a string).
  assertEquals(resolvePlainScalar("83e9413", pos), { k: "str", pos, v: "83e9413" });
  // A timestamp decoded into interface{} keeps its text.
  assertEquals(resolvePlainScalar("2001-12-14T21:59:43Z", pos), {
    k: "str",
    pos,
    v: "2001-12-14T21:59:43Z",
  });
  assertEquals(resolvePlainScalar("Off", pos), { k: "bool", pos, v: false, raw: "Off" });
  assertEquals(resolvePlainScalar("~", pos), { k: "null", pos });
  const big = resolvePlainScalar("18446744073709551615", pos);
  assert(big.k === "num" && big.v === 18446744073709551615n && !big.float);
});
