/**
 * `kubeadm config images pull` (app/cmd/config.go): the control-plane images of the loaded
 * configuration, pulled one by one through the node's CRI socket, each "[config/images] Pulled
 * <image>" as it completes; the first failure stops the command with kubeadm's wrapped error.
 *
 * Beyond kubeadm: a SandboxImage warning when the runtime's pause image differs from the one
 * kubestrap expects (with the setting that aligns them), and `--offline`: nothing is pulled; the
 * images are checked to be present and the missing ones are named.
 */
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import { CrictlRuntime, type CriRuntime } from "../cri/cri.ts";
import { configImages, type ImagesOptions } from "./config.ts";
import { missingImages, sandboxRemediation } from "./checks.ts";

export interface PullOptions extends ImagesOptions {
  offline?: boolean;
  out(s: string): void;
  err(s: string): void;
  /** CRI client factory (tests); default: crictl against the socket. */
  cri?: (endpoint: string) => CriRuntime;
}

export async function pullImages(opts: PullOptions): Promise<void> {
  const host = opts.host ?? new Host("/");
  const cfg = await configImages({ ...opts, host });
  for (const w of cfg.warnings) opts.err(`W ${w}\n`);
  const rt = opts.cri?.(cfg.criSocket) ?? new CrictlRuntime(host, cfg.criSocket, 10_000);
  try {
    await rt.connect();
  } catch (e) {
    throw new KubestrapError((e as Error).message);
  }
  try {
    const sb = await rt.sandboxImage();
    if (sb !== cfg.pauseImage) {
      opts.err(
        `W [SandboxImage]: the container runtime's sandbox image is ${sb}, kubestrap expects ` +
          `${cfg.pauseImage}. To align them: ${sandboxRemediation(cfg.pauseImage)}\n`,
      );
    }
  } catch {
    // The runtime does not tell (kubeadm logs this at V(4) only).
  }
  if (opts.offline) {
    const missing = await missingImages(rt, cfg.images);
    for (const i of cfg.images) {
      if (!missing.includes(i)) opts.out(`[config/images] Present ${i}\n`);
    }
    if (missing.length > 0) {
      throw new KubestrapError(
        `--offline: ${missing.length} of ${cfg.images.length} images are missing from the ` +
          `container runtime and will not be pulled: ${missing.join(", ")}`,
      );
    }
    return;
  }
  for (const image of cfg.images) {
    try {
      await rt.pullImage(image);
    } catch (e) {
      throw new KubestrapError(
        `failed to pull image ${JSON.stringify(image)}: ${(e as Error).message}`,
      );
    }
    opts.out(`[config/images] Pulled ${image}\n`);
  }
}
