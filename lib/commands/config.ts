/**
 * `kubeadm config {print,migrate,validate,images}`. The behaviour lives in ./config_run.ts (another
 * engineer's module), loaded lazily; its functions return what to print:
 *   printDefaults(action, { componentConfigs }): string
 *   migrateConfig({ oldConfigPath, newConfigPath, allowExperimentalApi }): CommandOutput
 *   validateConfig(path, { allowDeprecatedApi, allowExperimentalApi }): CommandOutput
 *   listImages({ configPath, kubernetesVersion, imageRepository, featureGates, output }): CommandOutput
 *   (config images pull runs lib/airgap/pull.ts's pullImages, streaming its output)
 * where CommandOutput is { stdout, stderr }. A function that is not exported makes its command
 * fail with NotImplementedError.
 */
import { type CommandContext, type CommandSpec, dedent, type FlagSpec } from "../cli.ts";
import { KubestrapError, NotImplementedError } from "../errors.ts";
import {
  configFlag,
  criSocketFlag,
  featureGatesFlag,
  imageRepositoryFlag,
  kubeconfigFlag,
  kubernetesVersionFlag,
  outputFlags,
} from "./options.ts";
import { offlineFlag } from "../airgap/flags.ts";

/** Calls `name` in ./config_run.ts and prints what it returns (a string, or {stdout, stderr}). */
async function callConfig(
  ctx: CommandContext,
  name: string,
  what: string,
  ...args: unknown[]
): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = await import("./config_run.ts") as unknown as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TypeError && /Module not found|Cannot find module/.test(e.message)) {
      throw new NotImplementedError(what);
    }
    throw e;
  }
  const f = mod[name];
  if (typeof f !== "function") throw new NotImplementedError(what);
  const result = await f(...args) as string | { stdout?: string; stderr?: string } | undefined;
  if (typeof result === "string") ctx.out(result);
  else if (result) {
    if (result.stderr) ctx.err(result.stderr);
    if (result.stdout) ctx.out(result.stdout);
  }
}

/** A flag's value when the user set it, else undefined (the config file or defaults rule). */
function ifChanged<T>(ctx: CommandContext, name: string): T | undefined {
  return ctx.changed.has(name) ? ctx.flags[name] as T : undefined;
}

function imagesOptions(ctx: CommandContext): Record<string, unknown> {
  return {
    configPath: ctx.flags["config"] as string | undefined,
    kubernetesVersion: ifChanged<string>(ctx, "kubernetes-version"),
    imageRepository: ifChanged<string>(ctx, "image-repository"),
    featureGates: ctx.flags["feature-gates"] as string | undefined,
  };
}

const API_VERSION = "kubeadm.k8s.io/v1beta4";

function printDefaultsCommand(action: "init" | "join" | "reset" | "upgrade"): CommandSpec {
  const flags: FlagSpec[] = action === "init"
    ? [{
      name: "component-configs",
      type: "strings",
      usage: "A comma-separated list for component config API objects to print the default " +
        "values for. Available values: [KubeProxyConfiguration KubeletConfiguration]. If this " +
        "flag is not set, no component configs will be printed.",
    }]
    : [];
  return {
    use: `${action}-defaults`,
    short: `Print default ${action} configuration, that can be used for 'kubeadm ${action}'`,
    long: dedent(`
			This command prints objects such as the default ${action} configuration that is used for 'kubeadm ${action}'.

			Note that sensitive values like the Bootstrap Token fields are replaced with placeholder values like "abcdef.0123456789abcdef" in order to pass validation but
			not perform the real computation for creating a token.
		`),
    args: { kind: "none" },
    flags,
    run: (ctx) =>
      callConfig(ctx, "printDefaults", `kubeadm config print ${action}-defaults`, action, {
        componentConfigs: ctx.flags["component-configs"] as string[] | undefined,
      }),
  };
}

const printCommand: CommandSpec = {
  use: "print",
  short: "Print configuration",
  long: dedent(`
			This command prints configurations for subcommands provided.
			For details, see: https://pkg.go.dev/k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm#section-directories`),
  requireSubcommand: true,
  args: { kind: "none" },
  subcommands: (["init", "join", "reset", "upgrade"] as const).map(printDefaultsCommand),
};

const migrateCommand: CommandSpec = {
  use: "migrate",
  short: "Read an older version of the kubeadm configuration API types from a file, and output " +
    "the similar config object for the newer version",
  long: dedent(`
			This command lets you convert configuration objects of older versions to the latest supported version,
			locally in the CLI tool without ever touching anything in the cluster.
			In this version of kubeadm, the following API versions are supported:
			- ${API_VERSION}

			Further, kubeadm can only write out config of version "${API_VERSION}", but read both types.
			So regardless of what version you pass to the --old-config parameter here, the API object will be
			read, deserialized, defaulted, converted, validated, and re-serialized when written to stdout or
			--new-config if specified.

			In other words, the output of this command is what kubeadm actually would read internally if you
			submitted this file to "kubeadm init"
		`),
  args: { kind: "none" },
  flags: [
    {
      name: "old-config",
      type: "string",
      usage: "Path to the kubeadm config file that is using an old API version and should be " +
        "converted. This flag is mandatory.",
    },
    {
      name: "new-config",
      type: "string",
      usage: "Path to the resulting equivalent kubeadm config file using the new API version. " +
        "Optional, if not specified output will be sent to STDOUT.",
    },
    {
      name: "allow-experimental-api",
      type: "bool",
      usage: "Allow migration to experimental, unreleased APIs.",
    },
  ],
  run: (ctx) => {
    if (!ctx.flags["old-config"]) throw new KubestrapError("the --old-config flag is mandatory");
    return callConfig(ctx, "migrateConfig", "kubeadm config migrate", {
      oldConfigPath: ctx.flags["old-config"],
      newConfigPath: ctx.flags["new-config"],
      allowExperimentalApi: ctx.flags["allow-experimental-api"] === true,
    });
  },
};

const validateCommand: CommandSpec = {
  use: "validate",
  short: "Read a file containing the kubeadm configuration API and report any validation problems",
  long: dedent(`
			This command lets you validate a kubeadm configuration API file and report any warnings and errors.
			If there are no errors the exit status will be zero, otherwise it will be non-zero.
			Any unmarshaling problems such as unknown API fields will trigger errors. Unknown API versions and
			fields with invalid values will also trigger errors. Any other errors or warnings may be reported
			depending on contents of the input file.

			In this version of kubeadm, the following API versions are supported:
			- ${API_VERSION}
		`),
  args: { kind: "none" },
  flags: [
    configFlag(),
    { name: "allow-deprecated-api", type: "bool", usage: "Allow validation of deprecated APIs." },
    {
      name: "allow-experimental-api",
      type: "bool",
      usage: "Allow validation of experimental, unreleased APIs.",
    },
  ],
  run: (ctx) => {
    if (!ctx.flags["config"]) throw new KubestrapError("the --config flag is mandatory");
    return callConfig(ctx, "validateConfig", "kubeadm config validate", ctx.flags["config"], {
      allowDeprecatedApi: ctx.flags["allow-deprecated-api"] === true,
      allowExperimentalApi: ctx.flags["allow-experimental-api"] === true,
    });
  },
};

function imagesCommonFlags(): FlagSpec[] {
  return [kubernetesVersionFlag(), featureGatesFlag(), imageRepositoryFlag(), configFlag()];
}

const imagesListCommand: CommandSpec = {
  use: "list",
  short: "Print a list of images kubeadm will use. The configuration file is used in case any " +
    "images or image repositories are customized",
  args: { kind: "none" },
  flags: [...outputFlags(), offlineFlag()],
  persistentFlags: imagesCommonFlags(),
  run: (ctx: CommandContext) =>
    callConfig(ctx, "listImages", "kubeadm config images list", {
      ...imagesOptions(ctx),
      output: ctx.flags["output"],
    }),
};

const imagesPullCommand: CommandSpec = {
  use: "pull",
  short: "Pull images used by kubeadm",
  args: { kind: "none" },
  flags: [offlineFlag()],
  persistentFlags: [...imagesCommonFlags(), criSocketFlag()],
  // The run body lives in lib/airgap/pull.ts (air-gapped installs).
  run: async (ctx: CommandContext) => {
    const { pullImages } = await import("../airgap/pull.ts");
    await pullImages({
      ...imagesOptions(ctx),
      criSocket: ctx.flags["cri-socket"] as string | undefined,
      offline: ctx.flags["offline"] === true,
      out: ctx.out,
      err: ctx.err,
    });
  },
};

const imagesCommand: CommandSpec = {
  use: "images",
  short: "Interact with container images used by kubeadm",
  requireSubcommand: true,
  args: { kind: "none" },
  subcommands: [imagesListCommand, imagesPullCommand],
};

export const configCommand: CommandSpec = {
  use: "config",
  short: "Manage configuration for a kubeadm cluster persisted in a ConfigMap in the cluster",
  long: dedent(`
			There is a ConfigMap in the kube-system namespace called "kubeadm-config" that kubeadm uses to store internal configuration about the
			cluster. kubeadm CLI v1.8.0+ automatically creates this ConfigMap with the config used with 'kubeadm init', but if you
			initialized your cluster using kubeadm v1.7.x or lower, you must use the 'kubeadm init phase upload-config' command to
			create this ConfigMap. This is required so that 'kubeadm upgrade' can configure your upgraded cluster correctly.
		`),
  requireSubcommand: true,
  args: { kind: "none" },
  persistentFlags: [kubeconfigFlag()],
  subcommands: [printCommand, migrateCommand, validateCommand, imagesCommand],
};
