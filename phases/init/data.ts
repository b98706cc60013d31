/**
 * The data shared by the phases of the `kubeadm init` workflow (kubeadm's initData). Phases see
 * only this interface; `newInitData` builds it from `--config` and what the command line set
 * (mapped onto the configuration by lib/commands/flags_to_config.ts).
 */
import type { CommandContext } from "../../lib/cli.ts";
import type { InitOptions, LoadedInit } from "../../lib/config/load.ts";
import { Host } from "../../lib/host.ts";
import type { PkiInputs } from "../../lib/pki/certlist.ts";
import type { PkiFS } from "../../lib/pki/fs.ts";
import type { KubeconfigInputs } from "../../lib/kubeconfig/files.ts";
import { KubestrapError } from "../../lib/errors.ts";
import * as tokenHelpers from "../../lib/tokens/token.ts";
import { parseDurationMs } from "../../lib/util/duration.ts";
import { ADMIN_KUBECONFIG_PATH, DEFAULT_MANIFESTS_DIR } from "../../lib/config/constants.ts";
import { timeoutsMs } from "../../lib/config/defaults.ts";
import type { WriteManifestOptions } from "../../lib/manifests/mod.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import type { DryRunTransport } from "../../lib/dryrun/client.ts";
import type { BootstrapToken } from "../../lib/tokens/token.ts";

/** The configuration's timeouts, in milliseconds. */
export interface InitTimeouts {
  /** timeouts.kubernetesAPICall: the budget of each API call (and its retries). */
  kubernetesAPICallMs: number;
  kubeletHealthCheckMs: number;
  controlPlaneComponentHealthCheckMs: number;
}

export interface InitData {
  cfg: LoadedInit;
  /** Every host effect goes through this; in dry-run it is rooted at `dryRunDir`. */
  host: Host;
  /** The machine itself (rooted at --rootfs), also in dry-run: checks and probes read it. */
  systemHost: Host;
  /** Raw output streams (kubeadm's lines carry their own newlines). */
  io: { stdout(s: string): void; stderr(s: string): void };
  /** The same host as a PkiFS for lib/pki and lib/kubeconfig. */
  fs: PkiFS;
  dryRun: boolean;
  /** Where dry-run writes files (the root of `host`), or undefined. */
  dryRunDir?: string;
  certificatesDir: string;
  kubeconfigDir: string;
  kubeconfigPath: string;
  manifestDir: string;
  kubeletDir: string;
  ignorePreflightErrors: Set<string>;
  uploadCerts: boolean;
  skipTokenPrint: boolean;
  skipCertificateKeyPrint: boolean;
  patchesDir?: string;
  externalCA: boolean;
  skipPhases: string[];
  /** Output format asked with -o (beyond kubeadm), or "" for kubeadm's text. */
  outputFormat: string;
  /** Prints a line (or lines) to stdout. */
  out(s: string): void;
  /** Prints a warning line to stderr, klog-style. */
  warn(s: string): void;
  pkiInputs(): PkiInputs;
  kubeconfigInputs(): KubeconfigInputs;
  /** Options for lib/manifests: images, patches, output, CA bundle paths found on the host. */
  manifestOptions(): Promise<WriteManifestOptions>;
  timeouts: InitTimeouts;
  /**
   * kubeadm's data.Client(): the API client of the API phases, created on first use (after
   * admin.conf exists); the dry-run client in dry-run (lib/apiobjects/client.ts).
   */
  client(): Promise<KubeClient>;
  /** The dry-run client's transport (what it would have done), once created in dry-run. */
  dryRunTransport?: DryRunTransport;
  /** The bootstrap tokens to create (generated ones filled in), kubeadm's data.Tokens(). */
  tokens(): BootstrapToken[];
  /** `--certificate-key`/`certificateKey`, or the key upload-certs generated ("" if none). */
  certificateKey: string;
  /** The --config path, if given. */
  configPath?: string;
  /** Whether the --config file holds a document of this API group (a user-supplied config). */
  userSupplied(group: string): Promise<boolean>;
  /** `init -o json|yaml` (beyond kubeadm): the result replaces the banner; progress to stderr. */
  resultFormat: string;
  /** `--print-manifest` of the addon sub-phases. */
  printManifest: boolean;
}

const KUBELET_DIR = "/var/lib/kubelet";

export async function newInitData(
  ctx: CommandContext,
  options: InitOptions,
): Promise<InitData> {
  const { loadInitConfig } = await import("../../lib/config/load.ts");
  const { hostFacts } = await import("../../lib/config/host_facts.ts");
  const { hostPkiFS } = await import("../../lib/pki/fs.ts");
  const rootfs = (ctx.flags.rootfs as string | undefined) || "/";
  const realHost = new Host(rootfs);
  const configPath = ctx.flags.config as string | undefined;
  const cfg = await loadInitConfig({
    configPath: configPath || undefined,
    options,
    host: hostFacts(realHost),
  });
  for (const w of cfg.warnings) ctx.err(`W ${w}\n`);
  // --- kubestrap air-gap (lib/airgap, beyond kubeadm): with --offline, every image must be in
  // the runtime before anything is written; nothing is pulled afterwards.
  if (ctx.flags.offline === true) {
    const { offlineInit } = await import("../../lib/airgap/offline.ts");
    await offlineInit(cfg, realHost, { stdout: (s) => ctx.out(s), stderr: (s) => ctx.err(s) });
  }
  // --- end air-gap

  let host = realHost;
  let dryRunDir: string | undefined;
  if (cfg.dryRun) {
    dryRunDir = Deno.env.get("KUBEADM_INIT_DRYRUN_DIR") ||
      await realHost.rootedTempDir("kubestrap-init-dryrun");
    host = new Host(dryRunDir);
  }
  const fs = hostPkiFS(host);
  const cluster = cfg.cluster;
  const init = cfg.init;
  const certificatesDir = cluster.certificatesDir ?? "/etc/kubernetes/pki";
  const kubeconfigDir = (ctx.flags["kubeconfig-dir"] as string | undefined) ?? "/etc/kubernetes";
  const { pkiInputsFromConfig } = await import("../../lib/pki/certlist.ts");
  const { kubeconfigInputsFromConfig } = await import("../../lib/kubeconfig/files.ts");
  const pkiInputs = (): PkiInputs => pkiInputsFromConfig(cfg);

  let externalCA = false;
  {
    const { checkExternalCAs } = await import("../../lib/pki/certs.ts");
    // With an external CA, the kubeconfig files must exist and trust ca.crt: kubeadm cannot
    // write them without ca.key (newInitData's ValidateKubeconfigsForExternalCA).
    const status = await checkExternalCAs(pkiInputs(), fs, async () => {
      const { validateKubeconfigsForExternalCA } = await import("../../lib/kubeconfig/files.ts");
      const inputs = kubeconfigInputsFromConfig(cfg, kubeconfigDir);
      for (const w of await validateKubeconfigsForExternalCA(inputs, fs)) ctx.err(`W ${w}\n`);
    });
    externalCA = status.externalCA;
    if (externalCA && cfg.uploadCerts) {
      throw new KubestrapError(
        "can't use upload-certs with an external CA or an external front-proxy CA",
      );
    }
  }

  // With `-o json|yaml` (beyond kubeadm) stdout carries only the result: progress goes to stderr.
  const wholeInit = / init$/.test(ctx.path);
  const resultFormat = wholeInit ? (ctx.flags.output as string | undefined) ?? "" : "";
  const progress = (s: string) => (resultFormat ? ctx.err : ctx.out)(s);
  let tokens: BootstrapToken[] | undefined;
  let client: Promise<KubeClient> | undefined;
  const t = timeoutsMs(init.timeouts);
  const timeouts: InitTimeouts = {
    kubernetesAPICallMs: t.kubernetesAPICall,
    kubeletHealthCheckMs: t.kubeletHealthCheck,
    controlPlaneComponentHealthCheckMs: t.controlPlaneComponentHealthCheck,
  };
  const data: InitData = {
    cfg,
    host,
    systemHost: realHost,
    io: { stdout: (s) => progress(s), stderr: (s) => ctx.err(s) },
    fs,
    dryRun: cfg.dryRun,
    dryRunDir,
    certificatesDir,
    kubeconfigDir,
    kubeconfigPath: (ctx.flags.kubeconfig as string | undefined) ?? ADMIN_KUBECONFIG_PATH,
    manifestDir: DEFAULT_MANIFESTS_DIR,
    kubeletDir: KUBELET_DIR,
    ignorePreflightErrors: new Set(cfg.ignorePreflightErrors),
    uploadCerts: cfg.uploadCerts,
    skipTokenPrint: !!ctx.flags["skip-token-print"],
    skipCertificateKeyPrint: !!ctx.flags["skip-certificate-key-print"],
    patchesDir: cfg.patchesDir,
    externalCA,
    skipPhases: cfg.skipPhases,
    // `init phase preflight -o` (the whole init's -o is resultFormat).
    outputFormat: wholeInit ? "" : (ctx.flags.output as string | undefined) ?? "",
    resultFormat,
    out: (s) => progress(s.endsWith("\n") ? s : s + "\n"),
    warn: (s) => ctx.err(`W ${s}\n`),
    pkiInputs,
    manifestOptions: async () => {
      const { imagesFor } = await import("../../lib/config/images.ts");
      const { detectCACertsExtraPaths } = await import("../../lib/manifests/pods.ts");
      const images = imagesFor(cluster);
      return {
        images: {
          apiServer: images.kubeAPIServer,
          controllerManager: images.kubeControllerManager,
          scheduler: images.kubeScheduler,
          etcd: images.etcd ?? "",
        },
        caCertsExtraPaths: await detectCACertsExtraPaths(realHost),
        externalCA,
        patchesDir: cfg.patchesDir,
        output: (s: string) => progress(s),
        warn: (s: string) => ctx.err(`W ${s}\n`),
      };
    },
    kubeconfigInputs: () => kubeconfigInputsFromConfig(cfg, kubeconfigDir),
    timeouts,
    client: () => {
      if (!client) {
        client = (async () => {
          const { adminClient } = await import("../../lib/apiobjects/client.ts");
          const c = await adminClient({
            host,
            kubeconfigPath: data.kubeconfigPath,
            dryRun: data.dryRun,
            localAPIEndpoint: init.localAPIEndpoint,
            timeoutMs: timeouts.kubernetesAPICallMs,
            out: (s) => data.io.stdout(s),
          });
          if (c.dryRunTransport) data.dryRunTransport = c.dryRunTransport;
          return c.client;
        })();
        // A failed creation is not cached: a rerun of the phase tries again.
        client.catch(() => (client = undefined));
      }
      return client;
    },
    tokens: () => tokens ??= configTokensOf(data),
    certificateKey: init.certificateKey ?? "",
    configPath: configPath || undefined,
    userSupplied: async (group) => {
      if (!data.configPath) return false;
      const machine = new Host(); // --config is read from the machine
      const text = await machine.readText(machine.absolute(data.configPath)).catch(() => undefined);
      if (text === undefined) return false;
      const re = new RegExp(`^apiVersion:\\s*["']?${group.replaceAll(".", "\\.")}/`, "m");
      return re.test(text);
    },
    printManifest: !!ctx.flags["print-manifest"],
  };
  return data;
}

function configTokensOf(data: InitData): BootstrapToken[] {
  const { parseToken, defaultInitTokenDescription } = tokenHelpers;
  const fromFlags = !data.configPath;
  return (data.cfg.init.bootstrapTokens ?? []).map((bt) => {
    const out: BootstrapToken = { token: parseToken(bt.token ?? "") };
    const description = bt.description || (fromFlags ? defaultInitTokenDescription() : "");
    if (description) out.description = description;
    if (bt.expires) out.expires = new Date(bt.expires);
    else if (bt.ttl !== undefined) out.ttlMs = parseDurationMs(bt.ttl);
    if (bt.usages) out.usages = [...bt.usages];
    if (bt.groups) out.groups = [...bt.groups];
    return out;
  });
}
