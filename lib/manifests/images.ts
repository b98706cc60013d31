/** The images of the control-plane static Pods, from a ClusterConfiguration (lib/config/images.ts). */
import { imagesFor } from "../config/images.ts";
import type { ClusterConfiguration } from "../config/types.ts";
import type { ComponentImages } from "./types.ts";

export function componentImages(cluster: ClusterConfiguration): ComponentImages {
  const i = imagesFor(cluster);
  return {
    apiServer: i.kubeAPIServer,
    controllerManager: i.kubeControllerManager,
    scheduler: i.kubeScheduler,
    etcd: i.etcd ?? "",
  };
}
