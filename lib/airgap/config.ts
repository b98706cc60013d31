/**
 * The images a configuration needs, from the same `--config` that `init`/`join` use (kubeadm's
 * LoadOrDefaultInitConfiguration; JoinConfiguration/ResetConfiguration documents in the same file
 * are set aside), with kubeadm's naming rules (lib/config/images.ts).
 */
import { Host } from "../host.ts";
import type { InitOptions } from "../config/load.ts";

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
  const { loadInitConfig, parseFeatureGates, readConfigFile } = await import(
    "../config/load.ts"
  );
  const { hostFacts } = await import("../config/host_facts.ts");
  const { controlPlaneImages, imagesFor, imageContextOf } = await import("../config/images.ts");
  const host = opts.host ?? new Host("/");
  let configText: string | undefined;
  if (opts.configPath) configText = initDocuments(readConfigFile(opts.configPath));
  // Without a file, the images' options set these configuration fields.
  const options: InitOptions = { init: { nodeRegistration: {} }, cluster: {}, warnings: [] };
  if (!opts.configPath) {
    const gates = parseFeatureGates(opts.featureGates, options.warnings);
    if (opts.criSocket) options.init!.nodeRegistration!.criSocket = opts.criSocket;
    if (opts.kubernetesVersion) options.cluster!.kubernetesVersion = opts.kubernetesVersion;
    if (opts.imageRepository) options.cluster!.imageRepository = opts.imageRepository;
    if (Object.keys(gates).length > 0) options.cluster!.featureGates = gates;
  }
  const cfg = await loadInitConfig({
    configPath: opts.configPath,
    configText,
    options,
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
