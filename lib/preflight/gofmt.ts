/**
 * Small re-implementations of the Go formatting that kubeadm's preflight messages rely on:
 * `%q` quoting (strconv.Quote) and k8s.io/apimachinery's semantic versions.
 */

import { goQuote } from "../util/goquote.ts";
export { goQuote };

/** k8s.io/apimachinery/pkg/util/version.Version (semantic flavour only). */
export class SemVer {
  constructor(
    readonly components: number[],
    readonly preRelease: string,
    readonly buildMetadata: string,
  ) {}

  get major(): number {
    return this.components[0];
  }
  get minor(): number {
    return this.components[1];
  }
  get patch(): number {
    return this.components[2] ?? 0;
  }

  /** Like Version.String(): no "v" prefix. */
  toString(): string {
    let s = this.components.join(".");
    if (this.preRelease) s += "-" + this.preRelease;
    if (this.buildMetadata) s += "+" + this.buildMetadata;
    return s;
  }

  withMinor(minor: number): SemVer {
    const c = [...this.components];
    c[1] = minor;
    return new SemVer(c, this.preRelease, this.buildMetadata);
  }

  compare(o: SemVer): number {
    const a = this.components, b = o.components;
    for (let i = 0; i < a.length && i < b.length; i++) {
      if (b[i] < a[i]) return 1;
      if (b[i] > a[i]) return -1;
    }
    if (b.length < a.length && a.slice(b.length).some((x) => x !== 0)) return 1;
    if (b.length > a.length && b.slice(a.length).some((x) => x !== 0)) return -1;
    if (this.preRelease === "" && o.preRelease !== "") return 1;
    if (this.preRelease !== "" && o.preRelease === "") return -1;
    if (this.preRelease === o.preRelease) return 0;
    const vp = this.preRelease.split("."), op = o.preRelease.split(".");
    for (let i = 0; i < vp.length && i < op.length; i++) {
      if (/^[0-9]+$/.test(vp[i]) && /^[0-9]+$/.test(op[i])) {
        const vn = BigInt(vp[i]), on = BigInt(op[i]);
        if (on < vn) return 1;
        if (on > vn) return -1;
        continue;
      }
      if (op[i] < vp[i]) return 1;
      if (op[i] > vp[i]) return -1;
    }
    if (op.length < vp.length) return 1;
    if (op.length > vp.length) return -1;
    return 0;
  }

  lessThan(o: SemVer): boolean {
    return this.compare(o) < 0;
  }
  atLeast(o: SemVer): boolean {
    return this.compare(o) >= 0;
  }
}

const versionMatchRE = /^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)$/s;
const extraMatchRE =
  /^(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*$/;

/** version.ParseSemantic; throws an Error whose message is Go's error text. */
export function parseSemantic(str: string): SemVer {
  const parts = versionMatchRE.exec(str);
  if (!parts) throw new Error(`could not parse ${goQuote(str)} as version`);
  const [, numbers, extra] = parts;
  const comps = numbers.split(".");
  if (comps.length !== 3) throw new Error(`illegal version string ${goQuote(str)}`);
  const nums: number[] = [];
  for (const comp of comps) {
    if (comp.startsWith("0") && comp !== "0") {
      throw new Error(
        `illegal zero-prefixed version component ${goQuote(comp)} in ${goQuote(str)}`,
      );
    }
    nums.push(Number(comp));
  }
  let pre = "", build = "";
  if (extra !== "") {
    const ep = extraMatchRE.exec(extra);
    if (!ep) {
      throw new Error(
        `could not parse pre-release/metadata (${extra}) in version ${goQuote(str)}`,
      );
    }
    pre = ep[1] ?? "";
    build = ep[2] ?? "";
    if (pre) {
      for (const comp of pre.split(".")) {
        if (/^[0-9]+$/.test(comp) && comp.startsWith("0") && comp !== "0") {
          throw new Error(
            `illegal zero-prefixed version component ${goQuote(comp)} in ${goQuote(str)}`,
          );
        }
      }
    }
  }
  return new SemVer(nums, pre, build);
}

/** Returns the parsed version or undefined (for "does it parse" branches). */
export function tryParseSemantic(str: string): SemVer | undefined {
  try {
    return parseSemantic(str);
  } catch {
    return undefined;
  }
}
