/**
 * The data shared by the phases of the `kubeadm join` workflow (kubeadm's joinData): the
 * JoinConfiguration, the host, and — lazily, once — the discovered TLS bootstrap kubeconfig
 * and the cluster's InitConfiguration read with the bootstrap identity.
 */
import type { CommandContext } from "../../lib/cli.ts";
import type { JoinOptions, LoadedJoin } from "../../lib/config/load.ts";
import type { InitConfig, JoinConfiguration } from "../../lib/config/types.ts";
import { KubestrapError } from "../../lib/errors.ts";
import { Host } from "../../lib/host.ts";
import type { KubeConfig } from "../../lib/kubeconfig/kubeconfig.ts";
import type { KubeClient, KubeClientConfig } from "../../lib/kube/client.ts";
import type { EtcdClient } from "../../lib/etcdclient/mod.ts";
import type { PkiFS } from "../../lib/pki/fs.ts";
import { ADMIN_KUBECONFIG_PATH, DEFAULT_MANIFESTS_DIR } from "../../lib/config/constants.ts";
import { timeoutsMs } from "../../lib/config/defaults.ts";
import { klogLine } from "../../lib/util/klog.ts";

export const KUBERNETES_DIR = "/etc/kubernetes";
export const KUBELET_CONF = "/etc/kubernetes/kubelet.conf";
export const BOOTSTRAP_KUBELET_CONF = "/etc/kubernetes/bootstrap-kubelet.conf";
export const MANIFEST_DIR = DEFAULT_MANIFESTS_DIR;
export const KUBELET_DIR = "/var/lib/kubelet";

/** The discovery flags of `kubeadm join`, inherited by the phases that run discovery. */
export const DISCOVERY_FLAGS = [
  "discovery-file",
  "discovery-token",
  "discovery-token-ca-cert-hash",
  "discovery-token-unsafe-skip-ca-verification",
  "tls-bootstrap-token",
  "token",
];

export interface JoinTimeouts {
  discoveryMs: number;
  tlsBootstrapMs: number;
  kubeletHealthCheckMs: number;
  controlPlaneComponentHealthCheckMs: number;
  kubernetesAPICallMs: number;
  etcdAPICallMs: number;
}

export interface JoinData {
  cfg: LoadedJoin;
  join: JoinConfiguration;
  /** Every host effect goes through this; in dry-run it is rooted at `dryRunDir`. */
  host: Host;
  /** The real host (rootfs), for reads that must see the machine in dry-run too. */
  realHost: Host;
  fs: PkiFS;
  dryRun: boolean;
  dryRunDir?: string;
  controlPlane: boolean;
  certificateKey: string;
  ignorePreflightErrors: Set<string>;
  patchesDir?: string;
  skipPhases: string[];
  timeouts: JoinTimeouts;
  /** Secrets that must never be printed (token, certificate key). */
  secrets: string[];
  out(s: string): void;
  /** A line on stderr as it is (kubeadm's plain `fmt.Fprintf(os.Stderr, ...)` lines). */
  err(s: string): void;
  warn(s: string): void;
  /** kubeadm's V(1) lines: printed only with --v >= 1. */
  debug(s: string): void;
  /** Discovery (once): the TLS bootstrap kubeconfig. */
  tlsBootstrapCfg(): Promise<KubeConfig>;
  /** The cluster's configuration with this node's registration (once). */
  initCfg(): Promise<InitConfig>;
  /** A client with the bootstrap token identity; in dry-run, kubeadm's dry-run client. */
  bootstrapClient(): Promise<KubeClient>;
  /** A client with admin.conf (after control-plane-prepare kubeconfig). */
  adminClient(): Promise<KubeClient>;
  /** A client of the cluster's etcd, found through adminClient (etcdutil.NewFromCluster). */
  etcdClient(): Promise<EtcdClient>;
  certificatesDir(): Promise<string>;
  nodeName(): string;
  /** Whether the whole workflow (not one phase) runs: the final banner is printed then. */
  etcdJoined: boolean;
}

/** Commands with --cri-socket (others skip CRI detection, as kubeadm). */
const HAS_CRI_SOCKET_FLAG = /join$|join phase (preflight|kubelet-start|kubelet-wait-bootstrap)/;

/**
 * kubeadm's newJoinData: `options` is what the command line set, as configuration
 * (lib/commands/join.ts maps the flags, with admin.conf as the discovery file for the phases
 * without discovery flags).
 */
export async function newJoinData(ctx: CommandContext, options: JoinOptions): Promise<JoinData> {
  const { loadJoinConfig } = await import("../../lib/config/load.ts");
  const { hostFacts } = await import("../../lib/config/host_facts.ts");
  const { hostPkiFS } = await import("../../lib/pki/fs.ts");
  const { joinSecrets, redactSecrets } = await import("../../lib/discovery/mod.ts");
  const rootfs = (ctx.flags.rootfs as string | undefined) || "/";
  const realHost = new Host(rootfs);

  const configPath = ctx.flags.config as string | undefined;
  const cfg = await loadJoinConfig({
    configPath: configPath || undefined,
    options,
    host: hostFacts(realHost),
    skipCRIDetect: !HAS_CRI_SOCKET_FLAG.test(ctx.path),
  });
  const secrets = joinSecrets(cfg.join);
  const clean = (s: string) => redactSecrets(s, secrets);
  for (const w of cfg.warnings) ctx.err(`W ${clean(w)}\n`);

  let host = realHost;
  let dryRunDir: string | undefined;
  if (cfg.dryRun) {
    dryRunDir = Deno.env.get("KUBEADM_JOIN_DRYRUN_DIR");
    if (!dryRunDir) {
      // constants.GetDryRunDir: kubeadm's warning only for a directory it made.
      dryRunDir = await realHost.rootedTempDir("kubeadm-join-dryrun");
      ctx.err(
        klogLine(
          "W",
          "constants.go:627",
          `Using dry-run directory ${dryRunDir}. To override it, set the environment variable KUBEADM_JOIN_DRYRUN_DIR`,
        ) + "\n",
      );
    }
    host = new Host(dryRunDir);
  }
  const j = cfg.join;
  const t = timeoutsMs(j.timeouts);
  const timeouts: JoinTimeouts = {
    discoveryMs: t.discovery,
    tlsBootstrapMs: t.tlsBootstrap,
    kubeletHealthCheckMs: t.kubeletHealthCheck,
    controlPlaneComponentHealthCheckMs: t.controlPlaneComponentHealthCheck,
    kubernetesAPICallMs: t.kubernetesAPICall,
    etcdAPICallMs: t.etcdAPICall,
  };
  const verbosity = Number(ctx.flags.v ?? 0) || 0;
  const out = (s: string) => ctx.out(clean(s.endsWith("\n") ? s : s + "\n"));
  const err = (s: string) => ctx.err(clean(s.endsWith("\n") ? s : s + "\n"));
  const warn = (s: string) => err(`W ${s}`);
  const debug = (s: string) => {
    if (verbosity >= 1) ctx.err(clean(`I ${s}${s.endsWith("\n") ? "" : "\n"}`));
  };

  let tlsCfg: Promise<KubeConfig> | undefined;
  /** kubeadm's dry-run client for join: its reactors answer what the cluster does not have. */
  const dryRunClient = async (real?: KubeClientConfig) => {
    const { dryRunClient } = await import("../../lib/dryrun/client.ts");
    return dryRunClient({ out, real, joinReactors: true }).client;
  };
  let initCfg: Promise<InitConfig> | undefined;
  const data: JoinData = {
    cfg,
    join: j,
    host,
    realHost,
    fs: hostPkiFS(host),
    dryRun: cfg.dryRun,
    dryRunDir,
    controlPlane: j.controlPlane !== undefined,
    certificateKey: j.controlPlane?.certificateKey ?? "",
    ignorePreflightErrors: new Set(cfg.ignorePreflightErrors),
    patchesDir: cfg.patchesDir,
    skipPhases: cfg.skipPhases,
    timeouts,
    secrets,
    out,
    err,
    warn,
    debug,
    etcdJoined: false,
    tlsBootstrapCfg() {
      tlsCfg ??= (async () => {
        const { parseKubeConfig } = await import("../../lib/kubeconfig/kubeconfig.ts");
        const admin = await realHost.readFile(ADMIN_KUBECONFIG_PATH);
        if (admin && data.controlPlane) {
          debug(`[preflight] found ${ADMIN_KUBECONFIG_PATH}. Use it for skipping discovery`);
          return parseKubeConfig(admin);
        }
        const { discoveryFor } = await import("../../lib/discovery/mod.ts");
        debug("[preflight] Discovering cluster-info");
        // Dry run: cluster-info through the dry-run client (real reads against the endpoint
        // first, else kubeadm's fake cluster-info), as join.go's TLSBootstrapCfg does.
        const endpoint = j.discovery.bootstrapToken?.apiServerEndpoint;
        const dry = data.dryRun && j.discovery.bootstrapToken && !j.discovery.file
          ? await dryRunClient(
            endpoint ? { server: `https://${endpoint}`, insecureSkipTLSVerify: true } : undefined,
          )
          : undefined;
        return await discoveryFor(j, {
          timeoutMs: timeouts.discoveryMs,
          log: debug,
          warn,
          dryRunClusterInfo: dry &&
            (() =>
              dry.get<{ data: Record<string, string> }>(
                "configmaps",
                "cluster-info",
                "kube-public",
              )),
        }, realHost);
      })();
      return tlsCfg;
    },
    initCfg() {
      initCfg ??= (async () => {
        const { fetchInitConfigurationFromJoin } = await import("./cluster_config.ts");
        return await fetchInitConfigurationFromJoin(data);
      })();
      return initCfg;
    },
    async bootstrapClient() {
      if (data.dryRun) {
        // join.go Client() in dry-run: the TLS bootstrap kubeconfig's server for real reads.
        const { toV1 } = await import("../../lib/kubeconfig/kubeconfig.ts");
        const { kubeClientConfig } = await import("../../lib/kube/kubeconfig.ts");
        return await dryRunClient(
          await kubeClientConfig({ doc: toV1(await data.tlsBootstrapCfg()) }).catch(() =>
            undefined
          ),
        );
      }
      const { toV1 } = await import("../../lib/kubeconfig/kubeconfig.ts");
      const { clientFromKubeconfig } = await import("../../lib/kube/kubeconfig.ts");
      const { pinnedTransport } = await import("../../lib/discovery/transport.ts");
      return await clientFromKubeconfig({ doc: toV1(await data.tlsBootstrapCfg()) }, {
        retryTimeoutMs: timeouts.kubernetesAPICallMs,
        caTransport: pinnedTransport,
      });
    },
    async adminClient() {
      const { parseKubeConfig, toV1 } = await import("../../lib/kubeconfig/kubeconfig.ts");
      const { clientFromKubeconfig } = await import("../../lib/kube/kubeconfig.ts");
      const { pinnedTransport } = await import("../../lib/discovery/transport.ts");
      const b = await host.readFile(ADMIN_KUBECONFIG_PATH);
      if (!b) {
        throw new KubestrapError(
          `[preflight] couldn't create Kubernetes client: open ${ADMIN_KUBECONFIG_PATH}: no such file or directory`,
        );
      }
      return await clientFromKubeconfig({ doc: toV1(parseKubeConfig(b)), host }, {
        retryTimeoutMs: timeouts.kubernetesAPICallMs,
        caTransport: pinnedTransport,
      });
    },
    async etcdClient() {
      const { etcdClientFromCluster } = await import("../../lib/etcdclient/cluster.ts");
      return await etcdClientFromCluster({
        client: () => data.adminClient(),
        host,
        certificatesDir: await data.certificatesDir(),
        kubernetesAPICallMs: timeouts.kubernetesAPICallMs,
        etcdAPICallMs: timeouts.etcdAPICallMs,
      });
    },
    async certificatesDir() {
      return (await data.initCfg()).cluster.certificatesDir ?? "/etc/kubernetes/pki";
    },
    nodeName() {
      return (j.nodeRegistration.name ?? realHost.hostname()).trim().toLowerCase();
    },
  };
  // --- kubestrap air-gap (lib/airgap, beyond kubeadm): with --offline, the node's images must
  // be in the runtime before anything is written (the cluster's image settings come from the
  // cluster itself: discovery only talks to the cluster's own endpoints).
  if (ctx.flags.offline === true) {
    const { offlineJoin } = await import("../../lib/airgap/offline.ts");
    await offlineJoin(
      await data.initCfg(),
      {
        criSocket: j.nodeRegistration.criSocket ?? "",
        controlPlane: data.controlPlane,
        ignore: data.ignorePreflightErrors,
      },
      realHost,
      { stdout: (s) => ctx.out(s), stderr: (s) => ctx.err(s) },
    );
    j.nodeRegistration.imagePullPolicy = "Never";
  }
  // --- end air-gap
  return data;
}

/** Printed after a successful `kubeadm join` (join.go's done messages). */
export async function printJoinDone(data: JoinData, _ctx: CommandContext): Promise<void> {
  if (data.controlPlane) {
    const init = await data.initCfg();
    const etcdMessage = init.cluster.etcd.external
      ? ""
      : "* A new etcd member was added to the local/stacked etcd cluster.";
    data.out(
      "\nThis node has joined the cluster and a new control plane instance was created:\n\n" +
        "* Certificate signing request was sent to apiserver and approval was received.\n" +
        "* The Kubelet was informed of the new secure connection details.\n" +
        "* Control plane label and taint were applied to the new node.\n" +
        "* The Kubernetes control plane instances scaled up.\n" +
        `${etcdMessage}\n\n` +
        "To start administering your cluster from this node, you need to run the following as a regular user:\n\n" +
        "\tmkdir -p $HOME/.kube\n" +
        `\tsudo cp -i ${ADMIN_KUBECONFIG_PATH} $HOME/.kube/config\n` +
        "\tsudo chown $(id -u):$(id -g) $HOME/.kube/config\n\n" +
        "Run 'kubectl get nodes' to see this node join the cluster.\n\n",
    );
    return;
  }
  data.out(
    "\nThis node has joined the cluster:\n" +
      "* Certificate signing request was sent to apiserver and a response was received.\n" +
      "* The Kubelet was informed of the new secure connection details.\n\n" +
      "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.\n\n",
  );
}
