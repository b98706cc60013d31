/**
 * Where the prepared test bed is: binaries, images, sources.
 *
 * `deno task testbed` (scripts/testbed.sh) writes `$KUBESTRAP_CACHE/testbed.json`
 * (default cache: `~/.cache/kubestrap`); this module reads it. Tests that need the
 * test bed use `ignore: !testbedReady` and name `skipReason` in their output.
 */

/** One locally built image: its reference and its OCI archive. */
export interface TestbedImage {
  ref: string;
  archive: string;
}

/** The contents of testbed.json. */
export interface TestbedManifest {
  schema: number;
  cache: string;
  kubernetesVersion: string;
  /** Every Kubernetes version built, version -> bin dir. */
  k8sBinDirs: Record<string, string>;
  /** Binary name -> absolute path. */
  bin: Record<string, string>;
  cniBinDir: string;
  /** The pinned release's images (kubeadm's list plus `testImage`). */
  images: TestbedImage[];
  imageDir: string;
  /**
   * Every built release whose images are built, version -> its images (kubeadm's list for
   * that version plus `testImage`). Absent in a testbed.json written before it existed.
   */
  imagesByVersion?: Record<string, TestbedImage[]>;
  pauseImage: string;
  testImage: string;
  kubeadmSource: string;
}

/** The cache root: `$KUBESTRAP_CACHE` or `~/.cache/kubestrap`. */
export function cacheDir(): string {
  const env = Deno.env.get("KUBESTRAP_CACHE");
  if (env) return env;
  return `${Deno.env.get("HOME") ?? "/root"}/.cache/kubestrap`;
}

/**
 * Where the test bed puts the real kubeadm of `version` (default v1.37.2): the file may be absent
 * when the test bed did not run; the tests that need it skip then.
 */
export function kubeadmBinary(version = "v1.37.2"): string {
  return `${cacheDir()}/k8s/${version}/bin/kubeadm`;
}

function load(): { manifest: TestbedManifest | null; reason: string } {
  const path = `${cacheDir()}/testbed.json`;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return {
      manifest: null,
      reason: `test bed not prepared: ${path} is missing (run \`deno task testbed\`)`,
    };
  }
  const manifest = JSON.parse(text) as TestbedManifest;
  const missing = Object.entries(manifest.bin).filter(([, p]) => {
    try {
      return !Deno.statSync(p).isFile;
    } catch {
      return true;
    }
  }).map(([n]) => n);
  if (missing.length > 0) {
    return {
      manifest: null,
      reason: `test bed incomplete: missing ${missing.join(", ")} (run \`deno task testbed\`)`,
    };
  }
  return { manifest, reason: "" };
}

const loaded = load();

/** True when `deno task testbed` has prepared everything. */
export const testbedReady: boolean = loaded.manifest !== null;
/** Why the test bed is not usable (empty when it is). */
export const skipReason: string = loaded.reason;
/**
 * Why another Kubernetes release cannot be used (empty when its binaries and its images are
 * built): `ignore: releaseSkipReason("v1.36.3") !== ""`.
 */
export function releaseSkipReason(version: string): string {
  const m = loaded.manifest;
  if (!m) return skipReason;
  const how = `run \`KUBESTRAP_EXTRA_VERSIONS=${version} deno task testbed\``;
  if (!m.k8sBinDirs[version]) return `Kubernetes ${version} is not built (${how})`;
  if (!imagesOf(m, version)) return `the images of Kubernetes ${version} are not built (${how})`;
  return "";
}

function imagesOf(m: TestbedManifest, version: string): TestbedImage[] | undefined {
  return m.imagesByVersion?.[version] ??
    (version === m.kubernetesVersion ? m.images : undefined);
}

/** True when running as root (namespaces, mounts, containerd need it). */
export const isRoot: boolean = Deno.uid() === 0;

/**
 * The prepared test bed. Reading a property when the test bed is not prepared
 * throws, so guard tests with `ignore: !testbedReady`.
 */
export const testbed: TestbedManifest & {
  /** Absolute path of a binary: `testbed.path("kubeadm")`. */
  path(name: string): string;
  /** The archive of an image by reference. */
  imageArchive(ref: string): string;
  /** The image reference whose repository ends with `/<name>`, e.g. "etcd". */
  imageRef(name: string): string;
  /** The bin dir of another built Kubernetes version (e.g. for upgrade tests). */
  binDir(version: string): string;
  /**
   * The images of a built Kubernetes version: what its kubeadm's `config images list` names,
   * plus `testImage`. `imagesFor(kubernetesVersion)` is `images`.
   */
  imagesFor(version: string): TestbedImage[];
} = new Proxy({} as never, {
  get(_target, prop) {
    const m = loaded.manifest;
    if (!m) throw new Error(skipReason);
    switch (prop) {
      case "path":
        return (name: string) => {
          const p = m.bin[name];
          if (!p) throw new Error(`test bed has no binary ${name}`);
          return p;
        };
      case "imageArchive":
        return (ref: string) => {
          const i = m.images.find((x) => x.ref === ref);
          if (!i) throw new Error(`test bed has no image ${ref}`);
          return i.archive;
        };
      case "imageRef":
        return (name: string) => {
          const i = m.images.find((x) => x.ref.replace(/:[^:/]+$/, "").endsWith(`/${name}`));
          if (!i) throw new Error(`test bed has no image named ${name}`);
          return i.ref;
        };
      case "binDir":
        return (version: string) => {
          const d = m.k8sBinDirs[version];
          if (!d) {
            throw new Error(
              `Kubernetes ${version} not built: run scripts/k8s/build.sh ${version} ` +
                `or KUBESTRAP_EXTRA_VERSIONS=${version} deno task testbed`,
            );
          }
          return d;
        };
      case "imagesFor":
        return (version: string) => {
          const images = imagesOf(m, version);
          if (!images) {
            throw new Error(
              `the images of Kubernetes ${version} are not built: ` +
                `run KUBESTRAP_EXTRA_VERSIONS=${version} deno task testbed`,
            );
          }
          return images;
        };
      default:
        return (m as unknown as Record<string | symbol, unknown>)[prop];
    }
  },
});
