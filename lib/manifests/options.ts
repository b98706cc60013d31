/**
 * The options every static Pod manifest of a node is built with (kubeadm's
 * controlplane.GetStaticPodSpecs inputs): the images of the configuration, the CA certificate
 * directories present on the host, and whether the cluster CA is external (no ca.key: the
 * controller-manager then signs nothing).
 */
import type { ClusterConfiguration } from "../config/types.ts";
import type { Host } from "../host.ts";
import { hostPkiFS } from "../pki/fs.ts";
import { usingExternalCA } from "../pki/certs.ts";
import type { WriteManifestOptions } from "./mod.ts";
import { componentImages } from "./images.ts";
import { detectCACertsExtraPaths } from "./pods.ts";

/** The WriteManifestOptions of `cluster` on `host` (`extra`: patches, output, warn). */
export async function staticPodOptions(
  host: Host,
  cluster: ClusterConfiguration,
  extra: Partial<WriteManifestOptions> = {},
): Promise<WriteManifestOptions> {
  let externalCA = false;
  try {
    externalCA = await usingExternalCA(
      hostPkiFS(host),
      cluster.certificatesDir ?? "/etc/kubernetes/pki",
      "ca",
    );
  } catch {
    externalCA = false; // an inconsistent external CA is the certificates' problem, not the manifests'
  }
  return {
    images: componentImages(cluster),
    caCertsExtraPaths: await detectCACertsExtraPaths(host),
    externalCA,
    ...extra,
  };
}
