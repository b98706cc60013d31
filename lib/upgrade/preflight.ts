/**
 * The node checks of `upgrade apply` and `upgrade node` (kubeadm's preflight.RunUpgradeChecks
 * and RunPullImagesCheck) for a configuration read back from the cluster.
 */
import { controlPlaneImages, pauseImage } from "../config/images.ts";
import type { InitConfig } from "../config/types.ts";
import { pullImagesChecks, upgradeChecks } from "../preflight/lists.ts";
import type { Checker } from "../preflight/types.ts";

/** RunUpgradeChecks: system verification and the container runtime's version. */
export function nodeUpgradeChecks(cfg: InitConfig): Checker[] {
  const reg = cfg.init.nodeRegistration;
  return upgradeChecks({
    kubernetesVersion: cfg.cluster.kubernetesVersion ?? "",
    nodeName: reg.name ?? "",
    criSocket: reg.criSocket ?? "",
  });
}

/** RunPullImagesCheck for the configuration's control-plane images. */
export function pullChecks(cfg: InitConfig): Checker[] {
  const reg = cfg.init.nodeRegistration;
  return pullImagesChecks({
    kubernetesVersion: cfg.cluster.kubernetesVersion ?? "",
    nodeName: reg.name ?? "",
    criSocket: reg.criSocket ?? "",
    images: controlPlaneImages(cfg.cluster),
    pauseImage: pauseImage(cfg.cluster),
    imagePullPolicy: reg.imagePullPolicy,
    imagePullSerial: reg.imagePullSerial,
  });
}
