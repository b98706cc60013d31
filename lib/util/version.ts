/**
 * Versions as k8s.io/apimachinery/pkg/util/version (v0.37.2) handles them, the one version type of
 * kubestrap: kubeadm parses, compares and prints every Kubernetes, kubelet, etcd and kubeadm
 * version through that package.
 *
 * - {@link parseSemantic}: exactly three numeric components (no leading zeros), an optional
 *   pre-release and build metadata; {@link parseGeneric}: two or more numeric components and
 *   anything after them ignored. Both accept a leading "v" and surrounding whitespace (Go's `\s`:
 *   space, `\t`, `\n`, `\f`, `\r`; a newline only before the version).
 * - Components are Go `uint`s (64 bits): larger numbers are refused with strconv's "value out of
 *   range", as in Go. They are kept exactly (bigint), so `toString()` round-trips and comparisons
 *   are exact; the number getters ({@link Version.major} etc.) are exact up to 2^53.
 * - Errors are thrown as `Error`s whose message is Go's error text (`%q` quoting included).
 * - Comparison is semver precedence for two semantic versions (build metadata ignored), numeric
 *   components only (missing ones count as 0) otherwise.
 *
 * Names follow TypeScript style: Go's `v.Major()` is `v.major`, `v.String()` is `v.toString()`
 * (so a Version prints itself in template strings), `MustParseSemantic` is `parseSemantic`
 * (it throws). HighestSupportedVersion and the deprecated Info/WithInfo are not mirrored.
 */
import { goQuote } from "./goquote.ts";

/** The largest Go `uint` on kubeadm's 64-bit platforms. */
const MAX_UINT = (1n << 64n) - 1n;

// Go's regexps with RE2 semantics spelled out for JavaScript: `\s` is [\t\n\f\r ] and `.` is any
// character but "\n" (JavaScript's `.` would also refuse "\r", "\u2028" and "\u2029").
/** versionMatchRE: splits a version string into numeric and "extra" parts. */
const VERSION_MATCH_RE = /^[\t\n\f\r ]*v?([0-9]+(?:\.[0-9]+)*)([^\n]*)$/;
/** extraMatchRE: splits the extra part into pre-release and build metadata. */
const EXTRA_MATCH_RE =
  /^(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?[\t\n\f\r ]*$/;

/** strconv.ParseUint(s, 10, 0): the value, or Go's error text. */
function parseUint(s: string): bigint | string {
  const err = (why: string) => `strconv.ParseUint: parsing ${goQuote(s)}: ${why}`;
  if (!/^[0-9]+$/.test(s)) return err("invalid syntax");
  const n = BigInt(s);
  return n > MAX_UINT ? err("value out of range") : n;
}

/** A Go `uint` argument: a non-negative integer that fits in 64 bits. */
function toUint(n: number | bigint, what: string): bigint {
  if (typeof n === "number" && !Number.isInteger(n)) {
    throw new RangeError(`${what} ${n} is not a uint`);
  }
  const b = BigInt(n);
  if (b < 0n || b > MAX_UINT) throw new RangeError(`${what} ${n} is not a uint`);
  return b;
}

// Module-private access to Version's constructor and exact components (set in its static block).
let make: (c: readonly bigint[], semver: boolean, pre?: string, build?: string) => Version;
let exact: (v: Version) => readonly bigint[];

/** An immutable version: apimachinery's `version.Version`. Made by the parse functions. */
export class Version {
  readonly #components: readonly bigint[];
  readonly #semver: boolean;
  readonly #preRelease: string;
  readonly #buildMetadata: string;

  static {
    make = (c, semver, pre = "", build = "") => new Version(c, semver, pre, build);
    exact = (v) => v.#components;
  }

  private constructor(
    components: readonly bigint[],
    semver: boolean,
    preRelease: string,
    buildMetadata: string,
  ) {
    this.#components = components;
    this.#semver = semver;
    this.#preRelease = preRelease;
    this.#buildMetadata = buildMetadata;
  }

  /** Major(): the major release number. */
  get major(): number {
    return Number(this.#components[0]);
  }

  /** Minor(): the minor release number. */
  get minor(): number {
    return Number(this.#components[1]);
  }

  /** Patch(): the patch release number, 0 when the version has only two components. */
  get patch(): number {
    return this.#components.length < 3 ? 0 : Number(this.#components[2]);
  }

  /** PreRelease(): the pre-release part ("alpha.1" of "1.38.0-alpha.1"), "" if none. */
  get preRelease(): string {
    return this.#preRelease;
  }

  /** BuildMetadata(): the build metadata ("kubestrap.abc" of "1.37.2+kubestrap.abc"), "" if none. */
  get buildMetadata(): string {
    return this.#buildMetadata;
  }

  /** Components(): every numeric component (a generic version may have more than three). */
  get components(): number[] {
    return this.#components.map(Number);
  }

  /** WithMajor: a copy with this major number (and three components). */
  withMajor(major: number | bigint): Version {
    const c = this.#components;
    return this.#with([toUint(major, "major"), c[1], c[2] ?? 0n]);
  }

  /** WithMinor: a copy with this minor number (and three components). */
  withMinor(minor: number | bigint): Version {
    const c = this.#components;
    return this.#with([c[0], toUint(minor, "minor"), c[2] ?? 0n]);
  }

  /** WithPatch: a copy with this patch number (and three components). */
  withPatch(patch: number | bigint): Version {
    const c = this.#components;
    return this.#with([c[0], c[1], toUint(patch, "patch")]);
  }

  /** WithPreRelease: a copy with this pre-release; "" returns the version itself, as in Go. */
  withPreRelease(preRelease: string): Version {
    if (preRelease.length === 0) return this;
    const c = this.#components;
    return this.#with([c[0], c[1], c[2] ?? 0n], preRelease);
  }

  /** WithBuildMetadata: a copy with this build metadata ("" removes it), three components. */
  withBuildMetadata(buildMetadata: string): Version {
    const c = this.#components;
    return this.#with([c[0], c[1], c[2] ?? 0n], this.#preRelease, buildMetadata);
  }

  #with(
    components: readonly bigint[],
    preRelease = this.#preRelease,
    buildMetadata = this.#buildMetadata,
  ): Version {
    return new Version(components, this.#semver, preRelease, buildMetadata);
  }

  /**
   * OffsetMinor: MAJOR.(MINOR+offset) as a two-component version (no patch, no pre-release); a
   * negative offset reaching below 0 gives minor 0.
   */
  offsetMinor(offset: number): Version {
    if (!Number.isInteger(offset)) throw new RangeError(`offset ${offset} is not an int`);
    const minor = this.#components[1];
    let m = 0n;
    if (offset >= 0) m = minor + BigInt(offset);
    else if (BigInt(-offset) < minor) m = minor - BigInt(-offset);
    return majorMinor(this.#components[0], m);
  }

  /** SubtractMinor: `offsetMinor(-diff)`. */
  subtractMinor(diff: number): Version {
    return this.offsetMinor(-diff);
  }

  /** AddMinor: `offsetMinor(diff)`. */
  addMinor(diff: number): Version {
    return this.offsetMinor(diff);
  }

  /**
   * String(): the components joined with ".", then "-pre-release" and "+build-metadata" when
   * present. No "v" prefix; a generic version drops what followed its numbers.
   */
  toString(): string {
    let s = this.#components.join(".");
    if (this.#preRelease !== "") s += "-" + this.#preRelease;
    if (this.#buildMetadata !== "") s += "+" + this.#buildMetadata;
    return s;
  }

  /**
   * Compare: -1, 0 or 1 as this version is lower than, equal to or higher than `other`. A string
   * is parsed like this version (semantic or generic) and throws Go's parse error if it does not
   * parse. Two semantic versions compare by semver precedence (build metadata ignored); otherwise
   * only the numeric components count, a missing one as 0 ("1.4" equals "1.4.0").
   */
  compare(other: Version | string): number {
    const o = typeof other === "string" ? parseVersion(other, this.#semver) : other;
    const a = this.#components, b = o.#components;
    for (let i = 0; i < a.length && i < b.length; i++) {
      if (b[i] < a[i]) return 1;
      if (b[i] > a[i]) return -1;
    }
    // Common components equal: the longer one is higher unless its extra ones are all 0.
    if (b.length < a.length && a.slice(b.length).some((x) => x !== 0n)) return 1;
    if (b.length > a.length && b.slice(a.length).some((x) => x !== 0n)) return -1;

    if (!this.#semver || !o.#semver) return 0;

    const vp = this.#preRelease, op = o.#preRelease;
    if (vp === "" && op !== "") return 1;
    if (vp !== "" && op === "") return -1;
    if (vp === op) return 0;

    const vPR = vp.split("."), oPR = op.split(".");
    for (let i = 0; i < vPR.length && i < oPR.length; i++) {
      const vNum = parseUint(vPR[i]);
      if (typeof vNum === "bigint") {
        const oNum = parseUint(oPR[i]);
        if (typeof oNum === "bigint") {
          if (oNum < vNum) return 1;
          if (oNum > vNum) return -1;
          continue;
        }
      }
      // Go compares byte strings; the identifiers are ASCII, so UTF-16 units order alike.
      if (oPR[i] < vPR[i]) return 1;
      if (oPR[i] > vPR[i]) return -1;
    }
    if (oPR.length < vPR.length) return 1;
    if (oPR.length > vPR.length) return -1;
    return 0;
  }

  /** EqualTo: the same precedence (build metadata ignored). */
  equalTo(other: Version): boolean {
    return this.compare(other) === 0;
  }

  /** AtLeast: not lower than `min`. */
  atLeast(min: Version): boolean {
    return this.compare(min) !== -1;
  }

  /** LessThan: lower than `other` (the opposite of atLeast). */
  lessThan(other: Version): boolean {
    return this.compare(other) === -1;
  }

  /** GreaterThan: higher than `other`. */
  greaterThan(other: Version): boolean {
    return this.compare(other) === 1;
  }
}

/** parse(str, semver). */
function parseVersion(str: string, semver: boolean): Version {
  const parts = VERSION_MATCH_RE.exec(str);
  if (!parts) throw new Error(`could not parse ${goQuote(str)} as version`);
  const [, numbers, extra] = parts;

  const comps = numbers.split(".");
  if ((semver && comps.length !== 3) || (!semver && comps.length < 2)) {
    throw new Error(`illegal version string ${goQuote(str)}`);
  }
  const components: bigint[] = [];
  for (const [i, comp] of comps.entries()) {
    if ((i === 0 || semver) && comp.startsWith("0") && comp !== "0") {
      throw new Error(
        `illegal zero-prefixed version component ${goQuote(comp)} in ${goQuote(str)}`,
      );
    }
    const num = parseUint(comp);
    if (typeof num === "string") {
      throw new Error(
        `illegal non-numeric version component ${goQuote(comp)} in ${goQuote(str)}: ${num}`,
      );
    }
    components.push(num);
  }

  let preRelease = "", buildMetadata = "";
  if (semver && extra !== "") {
    const extraParts = EXTRA_MATCH_RE.exec(extra);
    if (!extraParts) {
      throw new Error(`could not parse pre-release/metadata (${extra}) in version ${goQuote(str)}`);
    }
    preRelease = extraParts[1] ?? "";
    buildMetadata = extraParts[2] ?? "";
    for (const comp of preRelease.split(".")) {
      if (typeof parseUint(comp) === "bigint" && comp.startsWith("0") && comp !== "0") {
        throw new Error(
          `illegal zero-prefixed version component ${goQuote(comp)} in ${goQuote(str)}`,
        );
      }
    }
  }
  return make(components, semver, preRelease, buildMetadata);
}

/**
 * ParseSemantic: a version that obeys Semantic Versioning 2.0 (MAJOR.MINOR.PATCH, optional
 * "-pre.release" and "+build.metadata"), with an optional leading "v" and surrounding
 * whitespace. Throws an Error with Go's message.
 */
export function parseSemantic(str: string): Version {
  return parseVersion(str, true);
}

/**
 * ParseGeneric: two or more dot-separated numbers (the first without leading zeros), anything
 * after them ignored (it need not be separated by punctuation); optional leading "v" and
 * surrounding whitespace. Throws an Error with Go's message.
 */
export function parseGeneric(str: string): Version {
  return parseVersion(str, false);
}

/** Parse: {@link parseSemantic}, falling back to {@link parseGeneric} (whose error is thrown). */
export function parse(str: string): Version {
  try {
    return parseVersion(str, true);
  } catch {
    return parseVersion(str, false);
  }
}

/** ParseMajorMinor: the MAJOR.MINOR of a generic version string. */
export function parseMajorMinor(str: string): Version {
  const c = exact(parseGeneric(str));
  return majorMinor(c[0], c[1]);
}

/** MajorMinor: the (generic) version MAJOR.MINOR. */
export function majorMinor(major: number | bigint, minor: number | bigint): Version {
  return make([toUint(major, "major"), toUint(minor, "minor")], false);
}

/**
 * {@link parseSemantic}, or undefined when `str` does not parse: for kubeadm's branches that only
 * ask whether a version is valid.
 */
export function tryParseSemantic(str: string): Version | undefined {
  try {
    return parseSemantic(str);
  } catch {
    return undefined;
  }
}
