/**
 * `--offline` for init and join: the image-coverage preflight (lib/airgap/checks.ts) run before
 * the workflow writes anything, and pulls turned off for the rest of the run.
 */
import type { Host } from "../host.ts";
import type { LoadedInit } from "../config/load.ts";
import type { InitConfig } from "../config/types.ts";
import { offlinePreflight } from "./checks.ts";

type Io = { stdout(s: string): void; stderr(s: string): void };

/** The images a node needs: the control plane's (init, control-plane join) or a worker's. */
async function nodeImages(
  cfg: Pick<InitConfig, "cluster" | "ciImageRepository">,
  controlPlane: boolean,
): Promise<{ images: string[]; pause: string }> {
  const { controlPlaneImages, imagesFor, imageContextOf } = await import("../config/images.ts");
  const ctx = imageContextOf(cfg);
  const i = imagesFor(ctx);
  if (controlPlane) return { images: controlPlaneImages(ctx), pause: i.pause };
  // A worker runs kube-proxy (DaemonSet) in pods on the pause image.
  const images = cfg.cluster.proxy?.disabled ? [i.pause] : [i.kubeProxy, i.pause];
  return { images, pause: i.pause };
}

/** init --offline: ImageCoverage + SandboxImage, then no pulls in the ImagePull check. */
export async function offlineInit(cfg: LoadedInit, host: Host, io: Io): Promise<void> {
  const { images, pause } = await nodeImages(cfg, true);
  io.stdout("[preflight] --offline: checking that every image is present (nothing is pulled)\n");
  await offlinePreflight({
    host,
    criSocket: cfg.init.nodeRegistration.criSocket ?? "",
    images,
    pauseImage: pause,
    ignore: new Set(cfg.ignorePreflightErrors.map((s) => s.toLowerCase())),
    io,
  });
  // Everything is present: the ImagePull check must not try the network.
  cfg.init.nodeRegistration.imagePullPolicy = "Never";
}

/** join --offline: the same check for the images of the joining node. */
export async function offlineJoin(
  cluster: Pick<InitConfig, "cluster" | "ciImageRepository">,
  opts: { criSocket: string; controlPlane: boolean; ignore: ReadonlySet<string> },
  host: Host,
  io: Io,
): Promise<void> {
  const { images, pause } = await nodeImages(cluster, opts.controlPlane);
  io.stdout("[preflight] --offline: checking that every image is present (nothing is pulled)\n");
  await offlinePreflight({
    host,
    criSocket: opts.criSocket,
    images,
    pauseImage: pause,
    ignore: opts.ignore,
    io,
  });
}
