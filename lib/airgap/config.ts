/**
 * The images a configuration needs, from the same `--config` that `init`/`join` use (kubeadm's
 * LoadOrDefaultInitConfiguration; JoinConfiguration/ResetConfiguration documents in the same file
 * are set aside), with kubeadm's naming rules (lib/config/images.ts).
 */
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";

export interface ImagesOptions {
  configPath?: string;
  kubernetesVersion?: string;
  imageRepository?: string;
  featureGates?: string;
  criSocket?: string;
  /** Skip CRI socket detection (bundle create does not need a runtime). */
  skipCRIDetect?: boolean;
  host?: Host;
}

export interface ConfigImages {
  /** `kubeadm config images list`'s list, in its order. */
  images: string[];
  pauseImage: string;
  kubernetesVersion: string;
  /** The node's CRI socket (flag, config, or detected); "" when detection was skipped. */
  criSocket: string;
  imagePullPolicy: string;
  imagePullSerial: boolean;
  warnings: string[];
}

const OTHER_KINDS = /^\s*kind:\s*(JoinConfiguration|ResetConfiguration|UpgradeConfiguration)\s*$/m;

/** Drops documents of kinds init does not read, so one file can serve init, join and bundle. */
function initDocuments(text: string): string {
  return text.split(/^---\s*$/m).filter((d) => !OTHER_KINDS.test(d)).join("---\n");
}

export async function configImages(opts: ImagesOptions): Promise<ConfigImages> {
  const { loadInitConfig } = await import("../config/load.ts");
  const { hostFacts } = await import("../config/host_facts.ts");
  const { controlPlaneImages, imagesFor, imageContextOf } = await import("../config/images.ts");
  const host = opts.host ?? new Host("/");
  let configText: string | undefined;
  if (opts.configPath) {
    try {
      configText = initDocuments(await Deno.readTextFile(opts.configPath));
    } catch (e) {
      throw new KubestrapError(
        `unable to read config from ${JSON.stringify(opts.configPath)} : ${(e as Error).message}`,
      );
    }
  }
  const flags: Record<string, unknown> = {};
  if (!opts.configPath) {
    if (opts.kubernetesVersion) flags.kubernetesVersion = opts.kubernetesVersion;
    if (opts.imageRepository) flags.imageRepository = opts.imageRepository;
    if (opts.featureGates) flags.featureGates = opts.featureGates;
    if (opts.criSocket) flags.criSocket = opts.criSocket;
  }
  const cfg = await loadInitConfig({
    configPath: opts.configPath,
    configText,
    flags: flags as never,
    host: hostFacts(host),
    skipCRIDetect: opts.skipCRIDetect,
  });
  const ctx = imageContextOf(cfg);
  const nr = cfg.init.nodeRegistration;
  return {
    images: controlPlaneImages(ctx),
    pauseImage: imagesFor(ctx).pause,
    kubernetesVersion: cfg.cluster.kubernetesVersion ?? "",
    criSocket: (opts.configPath ? undefined : opts.criSocket) ?? nr.criSocket ?? "",
    imagePullPolicy: nr.imagePullPolicy ?? "IfNotPresent",
    imagePullSerial: nr.imagePullSerial ?? false,
    warnings: cfg.warnings,
  };
}
