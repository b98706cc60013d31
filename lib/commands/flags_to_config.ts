/**
 * The command line of `kubeadm init|join|reset|upgrade` as configuration, as kubeadm binds its
 * flags to the v1beta4 structs and options (cmd/options, AddInitConfigFlags, ...): which flags
 * were set, which of them may accompany `--config` (ValidateMixedArguments), and the fields they
 * set. lib/config/load.ts receives the result as data. Loaded when a command runs.
 */
import type { CommandContext } from "../cli.ts";
import { UsageError } from "../errors.ts";
import { canonicalDuration } from "../util/duration.ts";
import {
  type InitOptions,
  type JoinOptions,
  parseFeatureGates,
  type ResetOptions,
  type UpgradeOptions,
} from "../config/load.ts";
import type {
  ClusterConfiguration,
  InitConfiguration,
  JoinConfiguration,
  UpgradeApplyConfiguration,
  UpgradeDiffConfiguration,
  UpgradeNodeConfiguration,
  UpgradePlanConfiguration,
} from "../config/types.ts";
import { isValidBootstrapToken } from "../config/validate.ts";

/** The flags of `kubeadm init` that feed the configuration (camelCase flag names). */
export interface InitFlags {
  config: string;
  apiserverAdvertiseAddress: string;
  apiserverBindPort: number;
  apiserverCertExtraSans: string[];
  certDir: string;
  certificateKey: string;
  controlPlaneEndpoint: string;
  criSocket: string;
  dryRun: boolean;
  featureGates: string;
  ignorePreflightErrors: string[];
  imageRepository: string;
  kubernetesVersion: string;
  nodeName: string;
  patches: string;
  podNetworkCidr: string;
  serviceCidr: string;
  serviceDnsDomain: string;
  /** The deprecated `--*-extra-args` flags (`name=value`, each already split at commas). */
  apiserverExtraArgs: string[];
  controllerManagerExtraArgs: string[];
  schedulerExtraArgs: string[];
  skipCertificateKeyPrint: boolean;
  skipPhases: string[];
  skipTokenPrint: boolean;
  token: string;
  tokenTtl: string;
  uploadCerts: boolean;
  /** Other global flags that may be set (they only matter for the `--config` mixing rule). */
  rootfs: string;
  v: string;
}

/** `kubeadm join` flags. */
export interface JoinFlags {
  config: string;
  apiserverAdvertiseAddress: string;
  apiserverBindPort: number;
  certificateKey: string;
  controlPlane: boolean;
  criSocket: string;
  discoveryFile: string;
  discoveryToken: string;
  discoveryTokenCaCertHash: string[];
  discoveryTokenUnsafeSkipCaVerification: boolean;
  dryRun: boolean;
  ignorePreflightErrors: string[];
  nodeName: string;
  patches: string;
  skipPhases: string[];
  tlsBootstrapToken: string;
  token: string;
  /** Positional arguments: the API server endpoint(s) for token discovery. */
  args: string[];
  rootfs: string;
  v: string;
}

/** `kubeadm reset` flags. */
export interface ResetFlags {
  config: string;
  certDir: string;
  cleanupTmpDir: boolean;
  criSocket: string;
  dryRun: boolean;
  force: boolean;
  ignorePreflightErrors: string[];
  kubeconfig: string;
  skipPhases: string[];
  rootfs: string;
  v: string;
}

/** `kubeadm upgrade apply|node|plan|diff` flags that map onto UpgradeConfiguration. */
export interface UpgradeFlags {
  config: string;
  kubernetesVersion: string;
  allowExperimentalUpgrades: boolean;
  allowReleaseCandidateUpgrades: boolean;
  certificateRenewal: boolean;
  dryRun: boolean;
  etcdUpgrade: boolean;
  force: boolean;
  yes: boolean;
  ignorePreflightErrors: string[];
  patches: string;
  printConfig: boolean;
  skipPhases: string[];
  contextLines: number;
  kubeconfig: string;
  featureGates: string;
  rootfs: string;
  v: string;
}

/** kebab-case flag name → the camelCase key of `changedFlags`. */
function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Only the flags the user set (camelCase keys), as kubeadm's ValidateMixedArguments looks at
 * Changed flags; `skip` names flags that are no configuration flags (kubestrap's own).
 */
export function changedFlags(ctx: CommandContext, skip: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ctx.changed) if (!skip.includes(name)) out[camel(name)] = ctx.flags[name];
  return out;
}

/** camelCase property → kebab-case flag name. */
function flagName(prop: string): string {
  const special: Record<string, string> = {
    podNetworkCidr: "pod-network-cidr",
    serviceCidr: "service-cidr",
    discoveryTokenCaCertHash: "discovery-token-ca-cert-hash",
    discoveryTokenUnsafeSkipCaVerification: "discovery-token-unsafe-skip-ca-verification",
  };
  return special[prop] ?? prop.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

const MIX_ALLOWED = new Set([
  "config",
  "ignore-preflight-errors",
  "dry-run",
  "kubeconfig",
  "node-name",
  "kubeconfig-dir",
  "upload-certs",
  "print-manifest",
  "allow-missing-template-keys",
  "output",
  "show-managed-fields",
  "print-join-command",
  "rootfs",
  "v",
  "log-file",
  "yes",
]);

/**
 * validation.ValidateMixedArguments: with `--config`, only an allow-list of flags (and `skip-*`)
 * may be set. `flags` holds the flags that were explicitly set (camelCase keys).
 */
export function validateMixedArguments(flags: Record<string, unknown>): void {
  if (flags.config === undefined) return;
  const bad = Object.keys(flags)
    .filter((k) => flags[k] !== undefined && k !== "args")
    .map(flagName)
    .filter((n) => !MIX_ALLOWED.has(n) && !n.startsWith("skip-"))
    .sort();
  if (bad.length > 0) {
    throw new UsageError(`can not mix '--config' with arguments [${bad.join(" ")}]`);
  }
}

/** The flags that were given a value. */
function defined(flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * kubeadm's argSlice.Set for `--<component>-extra-args`: each `name=value` pair becomes an Arg;
 * anything else is a usage error naming the flag.
 */
function argSlice(flag: string, values: string[]): { name: string; value: string }[] {
  return values.flatMap((v) => v.split(",")).map((p) => {
    const m = p.split("=");
    if (m.length !== 2) {
      throw new UsageError(
        `invalid argument ${JSON.stringify(p)} for "--${flag}" flag: ` +
          `malformed key=value pair in flag value: ${p}`,
      );
    }
    return { name: m[0], value: m[1] };
  });
}

/** `kubeadm init`'s set flags (camelCase, see changedFlags) as configuration. */
export function initOptions(set: Partial<InitFlags> | Record<string, unknown>): InitOptions {
  const flags = defined(set) as Partial<InitFlags>;
  const warnings: string[] = [];
  const featureGates = parseFeatureGates(flags.featureGates, warnings);
  validateMixedArguments(flags);
  const init: Partial<InitConfiguration> = {
    localAPIEndpoint: {},
    nodeRegistration: {},
  };
  const cluster: Partial<ClusterConfiguration> = { networking: {}, apiServer: {} };
  if (flags.apiserverAdvertiseAddress !== undefined) {
    init.localAPIEndpoint!.advertiseAddress = flags.apiserverAdvertiseAddress;
  }
  if (flags.apiserverBindPort !== undefined) {
    init.localAPIEndpoint!.bindPort = flags.apiserverBindPort;
  }
  if (flags.nodeName !== undefined) init.nodeRegistration!.name = flags.nodeName;
  if (flags.criSocket !== undefined) init.nodeRegistration!.criSocket = flags.criSocket;
  if (flags.certificateKey !== undefined) init.certificateKey = flags.certificateKey;
  if (flags.dryRun) init.dryRun = true;
  if (flags.skipPhases) init.skipPhases = flags.skipPhases;
  if (flags.patches) init.patches = { directory: flags.patches };
  if (flags.serviceCidr !== undefined) cluster.networking!.serviceSubnet = flags.serviceCidr;
  if (flags.podNetworkCidr !== undefined) cluster.networking!.podSubnet = flags.podNetworkCidr;
  if (flags.serviceDnsDomain !== undefined) {
    cluster.networking!.dnsDomain = flags.serviceDnsDomain;
  }
  if (flags.controlPlaneEndpoint !== undefined) {
    cluster.controlPlaneEndpoint = flags.controlPlaneEndpoint;
  }
  if (flags.kubernetesVersion !== undefined) cluster.kubernetesVersion = flags.kubernetesVersion;
  if (flags.certDir !== undefined) cluster.certificatesDir = flags.certDir;
  if (flags.apiserverCertExtraSans !== undefined) {
    cluster.apiServer!.certSANs = flags.apiserverCertExtraSans;
  }
  if (flags.imageRepository !== undefined) cluster.imageRepository = flags.imageRepository;
  if (Object.keys(featureGates).length > 0) cluster.featureGates = featureGates;
  // The deprecated extra-args flags (kubeadm's argSlice): appended to the components' extraArgs.
  if (flags.apiserverExtraArgs !== undefined) {
    cluster.apiServer!.extraArgs = argSlice("apiserver-extra-args", flags.apiserverExtraArgs);
  }
  if (flags.controllerManagerExtraArgs !== undefined) {
    cluster.controllerManager = {
      extraArgs: argSlice("controller-manager-extra-args", flags.controllerManagerExtraArgs),
    };
  }
  if (flags.schedulerExtraArgs !== undefined) {
    cluster.scheduler = {
      extraArgs: argSlice("scheduler-extra-args", flags.schedulerExtraArgs),
    };
  }
  // BootstrapTokenOptions.ApplyTo
  const bt: Record<string, unknown> = {};
  if (flags.token) {
    if (!isValidBootstrapToken(flags.token)) {
      throw new UsageError(
        `the bootstrap token given with --token was not of the form ` +
          `"\\\\A([a-z0-9]{6})\\\\.([a-z0-9]{16})\\\\z" (value not shown)`,
      );
    }
    bt.token = flags.token;
  }
  try {
    bt.ttl = canonicalDuration(flags.tokenTtl ?? "24h0m0s");
  } catch (e) {
    throw new UsageError(
      `invalid argument ${JSON.stringify(flags.tokenTtl)} for "--token-ttl" flag: ${
        (e as Error).message
      }`,
    );
  }
  init.bootstrapTokens = [bt];
  return {
    init,
    cluster,
    nodeName: flags.nodeName,
    ignorePreflightErrors: flags.ignorePreflightErrors,
    skipPhases: flags.skipPhases,
    patchesDir: flags.patches,
    dryRun: flags.dryRun,
    uploadCerts: flags.uploadCerts,
    warnings,
  };
}

/** `kubeadm join`'s set flags (camelCase; `args`: the positional endpoints) as configuration. */
export function joinOptions(set: Partial<JoinFlags> | Record<string, unknown>): JoinOptions {
  const flags = defined(set) as Partial<JoinFlags>;
  validateMixedArguments(flags);
  // Without a configuration file the flags make the JoinConfiguration.
  const warnings: string[] = [];
  const j: Partial<JoinConfiguration> = {
    nodeRegistration: {},
    discovery: {
      bootstrapToken: {
        token: flags.discoveryToken ?? "",
        caCertHashes: flags.discoveryTokenCaCertHash,
        unsafeSkipCAVerification: flags.discoveryTokenUnsafeSkipCaVerification,
      },
      file: { kubeConfigPath: flags.discoveryFile ?? "" },
      tlsBootstrapToken: flags.tlsBootstrapToken,
    },
    controlPlane: {
      localAPIEndpoint: {
        advertiseAddress: flags.apiserverAdvertiseAddress,
        bindPort: flags.apiserverBindPort,
      },
      certificateKey: flags.certificateKey,
    },
  };
  if (flags.nodeName !== undefined) j.nodeRegistration!.name = flags.nodeName;
  if (flags.criSocket !== undefined) j.nodeRegistration!.criSocket = flags.criSocket;
  if (flags.dryRun) j.dryRun = true;
  if (flags.skipPhases) j.skipPhases = flags.skipPhases;
  if (flags.patches) j.patches = { directory: flags.patches };
  const d = j.discovery!;
  if (flags.token) {
    if (!d.tlsBootstrapToken) d.tlsBootstrapToken = flags.token;
    if (!d.bootstrapToken!.token) d.bootstrapToken!.token = flags.token;
  }
  if (!d.file!.kubeConfigPath) delete d.file;
  const args = flags.args ?? [];
  if (args.length === 0) delete d.bootstrapToken;
  else {
    if (args.length > 1 && !flags.config) {
      warnings.push(
        `[preflight] WARNING: More than one API server endpoint supplied on command line [${
          args.join(" ")
        }]. Using the first one.`,
      );
    }
    d.bootstrapToken!.apiServerEndpoint = args[0];
  }
  if (!flags.controlPlane) {
    const cp = j.controlPlane!;
    const ep = cp.localAPIEndpoint;
    if (
      !flags.config &&
      (ep.advertiseAddress || (ep.bindPort !== undefined && ep.bindPort !== 6443) ||
        cp.certificateKey)
    ) {
      warnings.push(
        "[preflight] WARNING: --control-plane is also required when passing control-plane " +
          "related flags such as [certificate-key, apiserver-advertise-address, apiserver-bind-port]",
      );
    }
    delete j.controlPlane;
  }
  return {
    join: j,
    nodeName: flags.nodeName,
    criSocket: flags.criSocket,
    ignorePreflightErrors: flags.ignorePreflightErrors,
    skipPhases: flags.skipPhases,
    patchesDir: flags.patches,
    dryRun: flags.dryRun,
    warnings,
  };
}

/** `kubeadm reset`'s set flags (camelCase) as configuration. */
export function resetOptions(set: Partial<ResetFlags> | Record<string, unknown>): ResetOptions {
  const flags = defined(set) as Partial<ResetFlags>;
  validateMixedArguments(flags);
  return {
    certificatesDir: flags.certDir,
    criSocket: flags.criSocket,
    dryRun: flags.dryRun,
    force: flags.force,
    cleanupTmpDir: flags.cleanupTmpDir,
    ignorePreflightErrors: flags.ignorePreflightErrors,
    skipPhases: flags.skipPhases,
  };
}

type UpgradeTarget = "apply" | "node" | "plan" | "diff";

/**
 * Each upgrade flag: the UpgradeConfiguration field it sets, in which of apply/node/plan/diff
 * (as kubeadm's upgrade commands set them), and how its value becomes the field's.
 */
const UPGRADE_FLAG_FIELDS: [
  keyof UpgradeFlags,
  string,
  UpgradeTarget[],
  ((v: unknown) => unknown)?,
][] = [
  ["kubernetesVersion", "kubernetesVersion", ["apply", "plan", "diff"]],
  ["allowExperimentalUpgrades", "allowExperimentalUpgrades", ["apply", "plan"]],
  ["allowReleaseCandidateUpgrades", "allowRCUpgrades", ["apply", "plan"]],
  ["certificateRenewal", "certificateRenewal", ["apply", "node"]],
  ["etcdUpgrade", "etcdUpgrade", ["apply", "node", "plan"]],
  ["dryRun", "dryRun", ["apply", "node", "plan"]],
  ["force", "forceUpgrade", ["apply"]],
  ["printConfig", "printConfig", ["apply", "plan"]],
  ["patches", "patches", ["apply", "node"], (v) => ({ directory: v })],
  ["skipPhases", "skipPhases", ["apply", "node"]],
  ["contextLines", "contextLines", ["diff"]],
];

/** `kubeadm upgrade`'s set flags (camelCase) as the UpgradeConfiguration fields they set. */
export function upgradeOptions(
  set: Partial<UpgradeFlags> | Record<string, unknown>,
): UpgradeOptions {
  const flags = defined(set) as Partial<UpgradeFlags>;
  validateMixedArguments(flags);
  const out = { apply: {}, node: {}, plan: {}, diff: {} } as Record<
    UpgradeTarget,
    Record<string, unknown>
  >;
  for (const [flag, field, targets, convert] of UPGRADE_FLAG_FIELDS) {
    const value = flags[flag];
    if (value === undefined) continue;
    for (const t of targets) out[t][field] = convert ? convert(value) : value;
  }
  const { apply, node, plan, diff } = out as {
    apply: Partial<UpgradeApplyConfiguration>;
    node: Partial<UpgradeNodeConfiguration>;
    plan: Partial<UpgradePlanConfiguration>;
    diff: Partial<UpgradeDiffConfiguration>;
  };
  return { apply, node, plan, diff, ignorePreflightErrors: flags.ignorePreflightErrors };
}
