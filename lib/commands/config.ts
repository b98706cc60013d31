/**
 * `kubeadm config {print,migrate,validate,images}`. The run bodies are in ./config_run.ts (and
 * lib/airgap/pull.ts for `images pull`), loaded when a command runs.
 */
import { type CommandContext, type CommandSpec, dedent, type FlagSpec } from "../cli.ts";
import { KubestrapError } from "../errors.ts";
import {
  configFlag,
  criSocketFlag,
  featureGatesFlag,
  imageRepositoryFlag,
  kubeconfigFlag,
  kubernetesVersionFlag,
  offlineFlag,
  outputFlags,
} from "./options.ts";

/** Prints what a run body returns: its warnings to stderr, then its output to stdout. */
function print(ctx: CommandContext, result: { stdout: string; stderr: string }): void {
  if (result.stderr) ctx.err(result.stderr);
  if (result.stdout) ctx.out(result.stdout);
}

/** A flag's value when the user set it, else undefined (the config file or defaults rule). */
function ifChanged<T>(ctx: CommandContext, name: string): T | undefined {
  return ctx.changed.has(name) ? ctx.flags[name] as T : undefined;
}

function imagesOptions(ctx: CommandContext) {
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
    run: async (ctx) => {
      const { printDefaults } = await import("./config_run.ts");
      ctx.out(printDefaults(action, {
        componentConfigs: ctx.flags["component-configs"] as string[] | undefined,
      }));
    },
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
  run: async (ctx) => {
    if (!ctx.flags["old-config"]) throw new KubestrapError("the --old-config flag is mandatory");
    const { migrateConfig } = await import("./config_run.ts");
    print(
      ctx,
      await migrateConfig({
        oldConfigPath: ctx.flags["old-config"] as string,
        newConfigPath: ctx.flags["new-config"] as string | undefined,
        allowExperimentalApi: ctx.flags["allow-experimental-api"] === true,
      }),
    );
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
  run: async (ctx) => {
    if (!ctx.flags["config"]) throw new KubestrapError("the --config flag is mandatory");
    const { validateConfig } = await import("./config_run.ts");
    print(
      ctx,
      await validateConfig(ctx.flags["config"] as string, {
        allowDeprecatedApi: ctx.flags["allow-deprecated-api"] === true,
        allowExperimentalApi: ctx.flags["allow-experimental-api"] === true,
      }),
    );
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
  run: async (ctx: CommandContext) => {
    const { listImages } = await import("./config_run.ts");
    const result = await listImages({
      ...imagesOptions(ctx),
      output: ctx.flags["output"] as string | undefined,
      allowMissingTemplateKeys: ctx.flags["allow-missing-template-keys"] !== false,
    });
    print(ctx, result);
    if (result.error) throw result.error;
  },
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
