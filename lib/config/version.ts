/**
 * Kubernetes release versions as kubeadm's app/util/version.go resolves them, without network
 * look-ups: labels such as `stable-1`, `latest` or `ci/latest` resolve to kubestrap's built-in
 * version (kubeadm's offline fallback: the kubeadm client version), with a warning saying so.
 * Parsing and comparing versions is lib/util/version.ts (apimachinery's util/version).
 */
import { KubestrapError } from "../errors.ts";
import { KUBEADM_VERSION } from "./constants.ts";

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
