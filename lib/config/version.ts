/**
 * Kubernetes version handling of kubeadm (app/util/version.go), without network look-ups:
 * labels such as `stable-1`, `latest` or `ci/latest` resolve to kubestrap's built-in version
 * (kubeadm's offline fallback: the kubeadm client version), with a warning saying so.
 */
import { KubestrapError } from "../errors.ts";
import { KUBEADM_VERSION } from "./constants.ts";

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
  build: string;
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** apimachinery version.ParseSemantic; throws with a Go-like message. */
export function parseSemantic(s: string): SemVer {
  const m = SEMVER.exec(s.trim() === s ? s : "");
  if (!m) throw new Error(`could not parse ${JSON.stringify(s)} as version`);
  const pre = m[4] ? m[4].split(".") : [];
  for (const p of pre) {
    if (/^\d+$/.test(p) && p.length > 1 && p.startsWith("0")) {
      throw new Error(
        `illegal zero-prefixed version component ${JSON.stringify(p)} in ${JSON.stringify(s)}`,
      );
    }
  }
  return { major: +m[1], minor: +m[2], patch: +m[3], pre, build: m[5] ?? "" };
}

export function compareSemver(a: SemVer, b: SemVer): number {
  for (const k of ["major", "minor", "patch"] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  if (a.pre.length === 0 && b.pre.length === 0) return 0;
  if (a.pre.length === 0) return 1;
  if (b.pre.length === 0) return -1;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    if (i >= a.pre.length) return -1;
    if (i >= b.pre.length) return 1;
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return Number(x) < Number(y) ? -1 : 1;
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function formatSemver(v: SemVer): string {
  let s = `v${v.major}.${v.minor}.${v.patch}`;
  if (v.pre.length) s += "-" + v.pre.join(".");
  if (v.build) s += "+" + v.build;
  return s;
}

const KUBE_RELEASE = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)([-\w.+]*)?$/;
const KUBE_RELEASE_LABEL = /^((latest|stable)+(-[1-9](\.[1-9](\d)?)?)?)$/;
const KUBE_BUCKET_PREFIXES = /^((release|ci)\/)?([-\w.+]+)$/;

function normalizedBuildVersion(v: string): string {
  if (KUBE_RELEASE.test(v)) return v.startsWith("v") ? v : "v" + v;
  return "";
}

/** kubeadmutil.KubernetesIsCIVersion. */
export function isCIVersion(v: string): boolean {
  const m = KUBE_BUCKET_PREFIXES.exec(v);
  return !!m && (m[2] ?? "").startsWith("ci");
}

/** kubeadmutil.KubernetesVersionToImageTag. */
export function versionToImageTag(v: string): string {
  return v.replace(/[^-\w.]/g, "_");
}

/**
 * kubeadmutil.KubernetesReleaseVersion, offline: labels resolve to the built-in version.
 * Returns the version and any warnings.
 */
export function kubernetesReleaseVersion(version: string): { version: string; warnings: string[] } {
  const ver = normalizedBuildVersion(version);
  if (ver) return { version: ver, warnings: [] };
  const m = KUBE_BUCKET_PREFIXES.exec(version);
  if (!m) throw new KubestrapError(`invalid version ${JSON.stringify(version)}`);
  const label = m[3];
  const v2 = normalizedBuildVersion(label);
  if (v2) return { version: v2, warnings: [] };
  if (KUBE_RELEASE_LABEL.test(label)) {
    return {
      version: KUBEADM_VERSION,
      warnings: [
        `kubestrap does not look up Kubernetes versions on the internet: version label ${
          JSON.stringify(version)
        } resolves to the built-in version ${KUBEADM_VERSION} (kubeadm's offline fallback)`,
      ],
    };
  }
  throw new KubestrapError(
    `version ${
      JSON.stringify(version)
    } doesn't match patterns for neither semantic version nor labels (stable, latest, ...)`,
  );
}
