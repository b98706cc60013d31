/**
 * `kubestrap bundle` (beyond kubeadm): air-gapped installs. The behaviour lives in
 * lib/airgap/bundle.ts, loaded lazily.
 */
import { type CommandContext, type CommandSpec, dedent, examples } from "../cli.ts";
import { KubestrapError, UsageError } from "../errors.ts";
import {
  configFlag,
  featureGatesFlag,
  imageRepositoryFlag,
  kubernetesVersionFlag,
  offlineFlag,
} from "./options.ts";

const DEFAULT_CRI_SOCKET = "unix:///var/run/containerd/containerd.sock";

const criSocket = {
  name: "cri-socket",
  type: "string" as const,
  default: DEFAULT_CRI_SOCKET,
  usage: "containerd's socket (its CRI socket): where images are read from (--from containerd) " +
    "or imported into",
};

const ctrFlag = {
  name: "ctr",
  type: "string" as const,
  default: "ctr",
  usage: "containerd's ctr binary",
};

async function ctrOf(ctx: CommandContext) {
  const { Ctr, containerdAddress } = await import("../airgap/containerd.ts");
  return new Ctr(containerdAddress(ctx.flags["cri-socket"] as string), ctx.flags.ctr as string);
}

const createCommand: CommandSpec = {
  use: "create",
  short: "Gather every image a configuration needs (and host files) into one OCI archive",
  long: dedent(`
		Reads the same configuration that 'init' and 'join' will use, works out every image it
		needs (kubeadm's naming rules, custom image repositories included) and writes them, for
		the requested platforms, into one OCI image-layout tar archive with a manifest
		(kubestrap-bundle.json) listing every blob and file with its sha256 and every image
		reference with its digest. Images come from their registries (OCI distribution API;
		loopback registries over plain HTTP) or from containerd's k8s.io namespace.
	`),
  example: examples(`
		# Bundle the images of a config for this machine's platform
		kubestrap bundle create --config kubestrap.yaml -o bundle.tar

		# ... from containerd's store, for two platforms, with host binaries
		kubestrap bundle create --config kubestrap.yaml -o bundle.tar --from containerd \\
		  --platform linux/amd64,linux/arm64 --file /usr/bin/kubelet --file /usr/bin/kubectl
	`),
  args: { kind: "none" },
  flags: [
    configFlag(),
    kubernetesVersionFlag(),
    imageRepositoryFlag(),
    featureGatesFlag(),
    { name: "output", short: "o", type: "string", usage: "The bundle file to write (required)" },
    {
      name: "platform",
      type: "strings",
      usage: "Platforms (os/arch[/variant]) to include; default: this machine's",
    },
    {
      name: "from",
      type: "string",
      default: "registry",
      usage: "Where images come from: 'registry' or 'containerd'",
    },
    {
      name: "file",
      type: "strings",
      usage: "Host files to add, by path (kubelet, kubectl, crictl, unit files); stored as " +
        "files/<name>",
    },
    {
      name: "image",
      type: "strings",
      usage: "Extra images to add (e.g. a CNI plugin's)",
    },
    criSocket,
    ctrFlag,
    offlineFlag(),
  ],
  run: async (ctx) => {
    const out = ctx.flags.output as string | undefined;
    if (!out) throw new UsageError('required flag "output" not set');
    const from = ctx.flags.from as string;
    if (from !== "registry" && from !== "containerd") {
      throw new UsageError(`--from must be 'registry' or 'containerd', not ${from}`);
    }
    if (ctx.flags.offline && from === "registry") {
      throw new KubestrapError(
        "--offline: images cannot be fetched from a registry; use --from containerd",
      );
    }
    const { configImages } = await import("../airgap/config.ts");
    const changed = (n: string) => ctx.changed.has(n) ? ctx.flags[n] as string : undefined;
    const cfg = await configImages({
      configPath: ctx.flags.config as string | undefined,
      kubernetesVersion: changed("kubernetes-version"),
      imageRepository: changed("image-repository"),
      featureGates: changed("feature-gates"),
      skipCRIDetect: true,
    });
    for (const w of cfg.warnings) ctx.err(`W ${w}\n`);
    const images = [...new Set([...cfg.images, ...(ctx.flags.image as string[] ?? [])])];
    const platforms = ctx.flags.platform as string[] ?? [];
    for (const p of platforms) {
      if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(p)) {
        throw new UsageError(`invalid platform ${JSON.stringify(p)}: want os/arch[/variant]`);
      }
    }
    const bundle = await import("../airgap/bundle.ts");
    const { hostPlatform } = await import("../airgap/registry.ts");
    const { KUBEADM_VERSION } = await import("../config/constants.ts");
    const plats = platforms.length ? platforms : [hostPlatform()];
    const source = from === "registry"
      ? bundle.registrySource()
      : await bundle.containerdSource(await ctrOf(ctx), images, plats);
    const t0 = performance.now();
    const res = await bundle.createBundle({
      images,
      platforms: plats,
      source,
      files: ctx.flags.file as string[] ?? [],
      out,
      kubernetesVersion: cfg.kubernetesVersion,
      kubestrapVersion: KUBEADM_VERSION,
      log: ctx.out,
    });
    ctx.out(
      `[bundle] Wrote ${out}: ${bundle.summary(res.manifest, res.bytes)} in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      }s\n`,
    );
  },
};

const verifyCommand: CommandSpec = {
  use: "verify BUNDLE",
  short: "Check every digest of a bundle (no network)",
  args: { kind: "exact", n: 1 },
  flags: [offlineFlag()],
  run: async (ctx) => {
    const { verifyBundle } = await import("../airgap/bundle.ts");
    const v = await verifyBundle(ctx.args[0]);
    if (v.problems.length > 0) {
      throw new KubestrapError(
        `${ctx.args[0]}: ${v.problems.length} problems:\n\t${v.problems.join("\n\t")}`,
      );
    }
    ctx.out(
      `[bundle] ${ctx.args[0]}: OK: ${v.images} images, ${v.blobs} blobs, ${v.files} files, ` +
        `${(v.bytes / 1048576).toFixed(1)} MiB checked\n`,
    );
  },
};

const importCommand: CommandSpec = {
  use: "import BUNDLE",
  short: "Verify a bundle and load its images into containerd's k8s.io namespace",
  long: dedent(`
		Verifies every digest of the bundle first (nothing is imported when one fails), then loads
		the images containerd does not already have (same name and digest) into its k8s.io
		namespace, where the CRI (kubelet, crictl) sees them. Safe to rerun.
	`),
  args: { kind: "exact", n: 1 },
  flags: [
    criSocket,
    ctrFlag,
    {
      name: "files-dir",
      type: "string",
      usage: "Also write the bundle's host files (files/*) into this directory",
    },
    offlineFlag(),
  ],
  run: async (ctx) => {
    const { importBundle } = await import("../airgap/bundle.ts");
    const t0 = performance.now();
    const r = await importBundle(ctx.args[0], await ctrOf(ctx), {
      log: ctx.out,
      filesDir: ctx.flags["files-dir"] as string | undefined,
    });
    ctx.out(
      `[bundle] ${r.imported.length} imported, ${r.present.length} already present in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      }s\n`,
    );
  },
};

const diffCommand: CommandSpec = {
  use: "diff A B",
  short: "Show which images, blobs and files change between two bundles",
  args: { kind: "exact", n: 2 },
  flags: [offlineFlag()],
  run: async (ctx) => {
    const { diffBundles } = await import("../airgap/bundle.ts");
    ctx.out(await diffBundles(ctx.args[0], ctx.args[1]));
  },
};

export const bundleCommand: CommandSpec = {
  use: "bundle",
  short: "Air-gapped installs: bundle, verify and import every image a cluster needs",
  requireSubcommand: true,
  args: { kind: "none" },
  subcommands: [createCommand, verifyCommand, importCommand, diffCommand],
};
