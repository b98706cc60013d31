// Kubernetes versions in config defaulting, now parsed by lib/util/version.ts: kubeadm's
// NormalizeKubernetesVersion errors (errors.Wrapf of apimachinery's parse error), and the
// constants derived from KUBEADM_VERSION as kubeadm's getSkewedKubernetesVersion derives them.
import { assertEquals, assertThrows } from "../assert.ts";
import * as C from "../../lib/config/constants.ts";
import { normalizeKubernetesVersion } from "../../lib/config/defaults.ts";
import type { ClusterConfiguration } from "../../lib/config/types.ts";

function normalize(kubernetesVersion: string): string {
  const cluster = { kubernetesVersion, imageRepository: C.DEFAULT_IMAGE_REPOSITORY };
  normalizeKubernetesVersion(cluster as ClusterConfiguration, []);
  return cluster.kubernetesVersion;
}

Deno.test("constants derived from KUBEADM_VERSION: current, minimum control plane, kubelet", () => {
  assertEquals(C.KUBEADM_VERSION, "v1.37.2");
  assertEquals(C.CURRENT_KUBERNETES_VERSION, "1.37.0");
  assertEquals(C.MINIMUM_CONTROL_PLANE_VERSION, "1.36.0");
  assertEquals(C.MINIMUM_KUBELET_VERSION, "1.34.0");
});

Deno.test("normalizeKubernetesVersion: kubeadm's parse errors and minimum", () => {
  assertEquals(normalize("1.37.1"), "v1.37.1");
  assertEquals(normalize("v1.38.0-rc.1+abc"), "v1.38.0-rc.1+abc");
  // A release-looking version whose pre-release is not semver: apimachinery's own error (the
  // former config copy said `could not parse "v1.37.2-foo_bar" as version` for every failure).
  assertThrows(
    () => normalize("v1.37.2-foo_bar"),
    Error,
    `couldn't parse Kubernetes version "v1.37.2-foo_bar": could not parse pre-release/metadata ` +
      `(-foo_bar) in version "v1.37.2-foo_bar"`,
  );
  // Components are uints, as in Go (the former copy took any length of digits).
  assertThrows(
    () => normalize("v1.99999999999999999999.0"),
    Error,
    `couldn't parse Kubernetes version "v1.99999999999999999999.0": illegal non-numeric version ` +
      `component "99999999999999999999" in "v1.99999999999999999999.0": strconv.ParseUint: ` +
      `parsing "99999999999999999999": value out of range`,
  );
  assertThrows(
    () => normalize("v1.36.0-rc.1"),
    Error,
    "only supports deploying clusters with the control plane version >= 1.36.0. " +
      "Current version: v1.36.0-rc.1",
  );
});
