// lib/util/version.ts against k8s.io/apimachinery/pkg/util/version v0.37.2: the cases of its
// version_test.go, plus Go's exact answers (run through apimachinery's version.go with Go 1.26)
// for the edges where kubestrap's former copies differed.
import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  majorMinor,
  parse,
  parseGeneric,
  parseMajorMinor,
  parseSemantic,
  tryParseSemantic,
  type Version,
} from "../../lib/util/version.ts";

interface Item {
  version: string;
  unparsed?: string;
  equalsPrev?: boolean;
}

/** testOne: round trip (or the expected unparse), then the order against the previous item. */
function checkSequence(items: Item[], parseFn: (s: string) => Version): void {
  let prev: Item | undefined;
  for (const item of items) {
    const v = parseFn(item.version);
    assertEquals(v.toString(), item.unparsed ?? item.version, `round trip of ${item.version}`);
    if (prev) {
      const cmp = v.compare(prev.version);
      const rcmp = parseFn(prev.version).compare(item.version);
      const what = `${JSON.stringify(item.version)} <=> ${JSON.stringify(prev.version)}`;
      assert(cmp !== -1, `unexpected ordering: ${what}`);
      assertEquals(cmp, item.equalsPrev ? 0 : 1, what);
      assertEquals(cmp + rcmp, 0, `reverse comparison ${what}`);
    }
    prev = item;
  }
}

/** Whether `fn` throws an Error. */
function refused(fn: () => unknown): boolean {
  try {
    fn();
  } catch (e) {
    return e instanceof Error;
  }
  return false;
}

Deno.test("TestSemanticVersions: the semver 2.0 spec's versions, in order, round trip", () => {
  checkSequence([
    { version: "0.1.0" },
    { version: "1.0.0-0.3.7" },
    { version: "1.0.0-alpha" },
    { version: "1.0.0-alpha+001", equalsPrev: true },
    { version: "1.0.0-alpha.1" },
    { version: "1.0.0-alpha.beta" },
    { version: "1.0.0-beta" },
    { version: "1.0.0-beta+exp.sha.5114f85", equalsPrev: true },
    { version: "1.0.0-beta.2" },
    { version: "1.0.0-beta.11" },
    { version: "1.0.0-rc.1" },
    { version: "1.0.0-x.7.z.92" },
    { version: "1.0.0" },
    { version: "1.0.0+20130313144700", equalsPrev: true },
    { version: "1.8.0-alpha.3" },
    { version: "1.8.0-alpha.3.673+73326ef01d2d7c" },
    { version: "1.9.0" },
    { version: "1.10.0" },
    { version: "1.11.0" },
    { version: "2.0.0" },
    { version: "2.1.0" },
    { version: "2.1.1" },
    { version: "42.0.0" },
    // whitespace and "v" prefix
    { version: "   42.0.0", unparsed: "42.0.0", equalsPrev: true },
    { version: "\t42.0.0  ", unparsed: "42.0.0", equalsPrev: true },
    { version: "43.0.0-1", unparsed: "43.0.0-1" },
    { version: "43.0.0-1  ", unparsed: "43.0.0-1", equalsPrev: true },
    { version: "v43.0.0-1", unparsed: "43.0.0-1", equalsPrev: true },
    { version: "  v43.0.0", unparsed: "43.0.0" },
    { version: " 43.0.0 ", unparsed: "43.0.0", equalsPrev: true },
  ], parseSemantic);
});

Deno.test("TestBadSemanticVersions: every one is refused", () => {
  for (
    const s of [
      // "MUST take the form X.Y.Z"
      "1",
      "1.2",
      "1.2.3.4",
      ".2.3",
      "1..3",
      "1.2.",
      "",
      "..",
      // "where X, Y, and Z are non-negative integers"
      "-1.2.3",
      "1.-2.3",
      "1.2.-3",
      "1a.2.3",
      "1.2a.3",
      "1.2.3a",
      "a1.2.3",
      "a.b.c",
      "1 .2.3",
      "1. 2.3",
      // "and MUST NOT contain leading zeroes."
      "01.2.3",
      "1.02.3",
      "1.2.03",
      // "[pre-release] identifiers MUST comprise only ASCII alphanumerics and hyphen"
      "1.2.3-/",
      // "[pre-release] identifiers MUST NOT be empty"
      "1.2.3-",
      "1.2.3-.",
      "1.2.3-foo.",
      "1.2.3-.foo",
      // "Numeric [pre-release] identifiers MUST NOT include leading zeroes"
      "1.2.3-01",
      // "[build metadata] identifiers MUST comprise only ASCII alphanumerics and hyphen"
      "1.2.3+/",
      // "[build metadata] identifiers MUST NOT be empty"
      "1.2.3+",
      "1.2.3+.",
      "1.2.3+foo.",
      "1.2.3+.foo",
      // whitespace/"v"-prefix checks
      "v 1.2.3",
      "vv1.2.3",
    ]
  ) {
    assert(refused(() => parseSemantic(s)), `accepted ${JSON.stringify(s)}`);
    assertEquals(tryParseSemantic(s), undefined);
  }
});

Deno.test("TestGenericVersions: numbers only, the rest ignored, in order", () => {
  checkSequence([
    { version: "0.1.0", unparsed: "0.1.0" },
    { version: "1.0.0-0.3.7", unparsed: "1.0.0" },
    { version: "1.0.0-alpha", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0-alpha+001", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0-alpha.1", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0-alpha.beta", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0.beta", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0-beta+exp.sha.5114f85", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0.beta.2", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0.beta.11", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0.rc.1", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0-x.7.z.92", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.0.0+20130313144700", unparsed: "1.0.0", equalsPrev: true },
    { version: "1.2", unparsed: "1.2" },
    { version: "1.2a.3", unparsed: "1.2", equalsPrev: true },
    { version: "1.2.3", unparsed: "1.2.3" },
    { version: "1.2.3.0", unparsed: "1.2.3.0", equalsPrev: true },
    { version: "1.2.3a", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.3-foo.", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.3-.foo", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.3-01", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.3+", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.3+foo.", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.3+.foo", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.02.3", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.03", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.003", unparsed: "1.2.3", equalsPrev: true },
    { version: "1.2.3.4", unparsed: "1.2.3.4" },
    { version: "1.2.3.4b3", unparsed: "1.2.3.4", equalsPrev: true },
    { version: "1.2.3.4.5", unparsed: "1.2.3.4.5" },
    { version: "1.9.0", unparsed: "1.9.0" },
    { version: "1.9.0.0.0.0.0.0", unparsed: "1.9.0.0.0.0.0.0", equalsPrev: true },
    { version: "1.10.0", unparsed: "1.10.0" },
    { version: "1.11.0", unparsed: "1.11.0" },
    { version: "1.11.0.0.5", unparsed: "1.11.0.0.5" },
    { version: "2.0.0", unparsed: "2.0.0" },
    { version: "2.1.0", unparsed: "2.1.0" },
    { version: "2.1.1", unparsed: "2.1.1" },
    { version: "42.0.0", unparsed: "42.0.0" },
    { version: "   42.0.0", unparsed: "42.0.0", equalsPrev: true },
    { version: "\t42.0.0  ", unparsed: "42.0.0", equalsPrev: true },
    { version: "42.0.0-1", unparsed: "42.0.0", equalsPrev: true },
    { version: "42.0.0-1  ", unparsed: "42.0.0", equalsPrev: true },
    { version: "v42.0.0-1", unparsed: "42.0.0", equalsPrev: true },
    { version: "  v43.0.0", unparsed: "43.0.0" },
    { version: " 43.0.0 ", unparsed: "43.0.0", equalsPrev: true },
  ], parseGeneric);
});

Deno.test("TestBadGenericVersions: every one is refused", () => {
  for (
    const s of [
      "1",
      "01.2.3",
      "-1.2.3",
      "1.-2.3",
      ".2.3",
      "1..3",
      "1a.2.3",
      "a1.2.3",
      "1 .2.3",
      "1. 2.3",
      "1.bob",
      "bob",
      "v 1.2.3",
      "vv1.2.3",
      "",
      ".",
    ]
  ) {
    assert(refused(() => parseGeneric(s)), `accepted ${JSON.stringify(s)}`);
  }
});

Deno.test("TestComponents: components, major, minor, patch, pre-release, build metadata", () => {
  const cases: [string, boolean, number[], string, string][] = [
    ["1.0.2", true, [1, 0, 2], "", ""],
    ["1.0.2-alpha+001", true, [1, 0, 2], "alpha", "001"],
    ["1.2", false, [1, 2], "", ""],
    ["1.0.2-beta+exp.sha.5114f85", true, [1, 0, 2], "beta", "exp.sha.5114f85"],
  ];
  for (const [s, semver, comps, pre, build] of cases) {
    const v = semver ? parseSemantic(s) : parseGeneric(s);
    assertEquals(v.components, comps, s);
    assertEquals([v.major, v.minor, v.patch], [comps[0], comps[1], comps[2] ?? 0], s);
    assertEquals(v.preRelease, pre, s);
    assertEquals(v.buildMetadata, build, s);
  }
});

Deno.test("TestOffsetMinor, SubtractMinor, AddMinor: MAJOR.MINOR, clamped at 0", () => {
  const cases: [string, number, number[]][] = [
    ["1.0.2", -3, [1, 0]],
    ["1.3.2-alpha+001", -2, [1, 1]],
    ["1.3.2-alpha+001", -3, [1, 0]],
    ["1.20", -5, [1, 15]],
    ["1.20", 5, [1, 25]],
  ];
  for (const [s, diff, comps] of cases) {
    assertEquals(parseGeneric(s).offsetMinor(diff).components, comps, `${s} ${diff}`);
  }
  assertEquals(parseSemantic("v1.37.2").subtractMinor(3).toString(), "1.34");
  assertEquals(parseSemantic("v1.37.2").addMinor(1).toString(), "1.38");
});

Deno.test("TestParse: semantic first, generic as the fallback", () => {
  const cases: [string, number[], string, string][] = [
    ["1.0.2", [1, 0, 2], "", ""],
    ["1.0.2-alpha+001", [1, 0, 2], "alpha", "001"],
    ["1.2", [1, 2], "", ""],
    ["1.0.2-beta+exp.sha.5114f85", [1, 0, 2], "beta", "exp.sha.5114f85"],
  ];
  for (const [s, comps, pre, build] of cases) {
    const v = parse(s);
    assertEquals([v.components, v.preRelease, v.buildMetadata], [comps, pre, build], s);
  }
  assertThrows(() => parse("a.b.c"), Error, 'could not parse "a.b.c" as version');
});

Deno.test("parse errors carry Go's exact text", () => {
  // Each message as apimachinery v0.37.2 returns it (run through its version.go).
  const semantic: [string, string][] = [
    ["1.37", 'illegal version string "1.37"'],
    ["1.2.3.4", 'illegal version string "1.2.3.4"'],
    ["V1.2.3", 'could not parse "V1.2.3" as version'],
    ["", 'could not parse "" as version'],
    ["v01.2.3", 'illegal zero-prefixed version component "01" in "v01.2.3"'],
    ["1.2.3-01", 'illegal zero-prefixed version component "01" in "1.2.3-01"'],
    ["1.2.3-00", 'illegal zero-prefixed version component "00" in "1.2.3-00"'],
    ["1.2.3-", 'could not parse pre-release/metadata (-) in version "1.2.3-"'],
    ["1.2.3a", 'could not parse pre-release/metadata (a) in version "1.2.3a"'],
    [
      "v1.37.2-foo_bar",
      'could not parse pre-release/metadata (-foo_bar) in version "v1.37.2-foo_bar"',
    ],
    [
      "1.2.18446744073709551616",
      'illegal non-numeric version component "18446744073709551616" in ' +
      '"1.2.18446744073709551616": strconv.ParseUint: parsing "18446744073709551616": ' +
      "value out of range",
    ],
    [
      "1.2.0018446744073709551616",
      'illegal zero-prefixed version component "0018446744073709551616" in ' +
      '"1.2.0018446744073709551616"',
    ],
    // Go's `.` stops at a newline; a trailing "\v" is not Go's `\s`.
    ["1.2.3\n", 'could not parse "1.2.3\\n" as version'],
    ["1.2.3-a\nb", 'could not parse "1.2.3-a\\nb" as version'],
    ["\v1.2.3", 'could not parse "\\v1.2.3" as version'],
    ["1.2.3\v", 'could not parse pre-release/metadata (\v) in version "1.2.3\\v"'],
    ["\u00a01.2.3", 'could not parse "\\u00a01.2.3" as version'],
  ];
  for (const [s, msg] of semantic) {
    const e = assertThrows(() => parseSemantic(s), Error);
    assertEquals((e as Error).message, msg, JSON.stringify(s));
  }
  const generic: [string, string][] = [
    ["01.2", 'illegal zero-prefixed version component "01" in "01.2"'],
    [
      "1.2.0018446744073709551616",
      'illegal non-numeric version component "0018446744073709551616" in ' +
      '"1.2.0018446744073709551616": strconv.ParseUint: parsing "0018446744073709551616": ' +
      "value out of range",
    ],
  ];
  for (const [s, msg] of generic) {
    const e = assertThrows(() => parseGeneric(s), Error);
    assertEquals((e as Error).message, msg, JSON.stringify(s));
  }
});

Deno.test("edges Go accepts: uint64 components, \\r and \\n whitespace, big pre-release numbers", () => {
  const ok: [string, string][] = [
    ["1.2.18446744073709551615", "1.2.18446744073709551615"],
    ["\n1.2.3", "1.2.3"],
    ["1.2.3\r", "1.2.3"],
    ["1.2.3 \t", "1.2.3"],
    ["1.2.3-0", "1.2.3-0"],
    ["1.2.3+01", "1.2.3+01"],
    // too big for a uint, so not "numeric", so no leading-zero check
    ["1.2.3-0999999999999999999999", "1.2.3-0999999999999999999999"],
  ];
  for (const [s, str] of ok) assertEquals(parseSemantic(s).toString(), str, JSON.stringify(s));
  assertEquals(parseGeneric("1.2.3\v").toString(), "1.2.3");
  // exact beyond 2^53
  assertEquals(parseSemantic("1.2.18446744073709551615").compare("1.2.18446744073709551614"), 1);
});

Deno.test("comparisons: AtLeast, LessThan, GreaterThan, EqualTo, Compare", () => {
  const v = (s: string) => parseSemantic(s);
  assert(v("1.38.0-0").lessThan(v("1.38.0-alpha.0")));
  assert(v("1.38.0-alpha.2").lessThan(v("1.38.0-alpha.10")));
  assert(v("1.38.0-rc.1").lessThan(v("1.38.0")));
  assert(v("3.5.10").lessThan(v("3.5.24-0")));
  assert(v("3.6.0").atLeast(v("3.5.24-0")));
  assert(v("1.37.2").atLeast(v("1.37.2")));
  assert(!v("1.37.2").greaterThan(v("1.37.2")));
  assert(v("1.37.3").greaterThan(v("1.37.2+zzz")));
  // build metadata never counts
  assert(v("v1.37.2+kubestrap.abc").equalTo(v("1.37.2")));
  assertEquals(v("1.37.2+a").compare("1.37.2+b"), 0);
  // a semantic and a generic version compare by numbers only
  assertEquals(v("1.37.0-rc.1").compare(parseGeneric("1.37")), 0);
  assertEquals(parseGeneric("1.37").compare("1.37.0.0"), 0);
  assertEquals(parseGeneric("1.37").compare("1.37.0.1"), -1);
  // Compare(string) parses like the receiver, and throws its error
  assertThrows(() => v("1.2.3").compare("1.2"), Error, 'illegal version string "1.2"');
  assertEquals(parseGeneric("1.2.3").compare("1.2"), 1);
});

Deno.test("pre-release precedence is apimachinery's, not the semver spec's", () => {
  // Kept from apimachinery (what kubeadm runs): an identifier is numeric when it parses as a
  // uint64, and a numeric identifier against a non-numeric one compares as strings. The former
  // lib/config/version.ts copy ranked every numeric identifier below every other one (the semver
  // spec), so it differed for identifiers that sort below digits ("-a") and for numbers beyond
  // 64 bits.
  const v = (s: string) => parseSemantic(s);
  assertEquals(v("1.0.0--a").compare(v("1.0.0-9")), -1);
  assertEquals(v("1.0.0-18446744073709551616").compare(v("1.0.0-9")), -1); // "1..." < "9"
  assertEquals(v("1.0.0-18446744073709551615").compare(v("1.0.0-9")), 1);
});

Deno.test("With*, majorMinor, parseMajorMinor", () => {
  const v = parseSemantic("v1.37.2-rc.1+build");
  assertEquals(v.withMajor(2).toString(), "2.37.2-rc.1+build");
  assertEquals(v.withMinor(38).toString(), "1.38.2-rc.1+build");
  assertEquals(v.withPatch(0).toString(), "1.37.0-rc.1+build");
  assertEquals(v.withPreRelease("").toString(), "1.37.2-rc.1+build");
  assertEquals(v.withPreRelease("alpha.0").toString(), "1.37.2-alpha.0+build");
  assertEquals(v.withBuildMetadata("").toString(), "1.37.2-rc.1");
  assertEquals(v.withBuildMetadata("x.y").toString(), "1.37.2-rc.1+x.y");
  // the copies keep the semantic flavour: pre-releases still count
  assert(v.withPatch(0).lessThan(parseSemantic("1.37.0")));
  // a generic version gets three components
  assertEquals(parseGeneric("1.37").withPatch(4).toString(), "1.37.4");
  assertEquals(parseGeneric("1.37").withPreRelease("rc.0").toString(), "1.37.0-rc.0");
  assertEquals(majorMinor(1, 37).toString(), "1.37");
  assertEquals(parseMajorMinor("v1.37.2-rc.1").toString(), "1.37");
  assertThrows(() => v.withMinor(-1), RangeError);
  assertThrows(() => v.withMinor(1.5), RangeError);
  assertEquals(`${v}`, "1.37.2-rc.1+build");
});
