/**
 * The data shared by the phases of the `kubeadm reset` workflow (kubeadm's resetData).
 */
import type { CommandContext } from "../../lib/cli.ts";
import type { LoadedReset, ResetOptions } from "../../lib/config/load.ts";
import type { InitConfig } from "../../lib/config/types.ts";
import { Host } from "../../lib/host.ts";
import { parseDurationMs } from "../../lib/util/duration.ts";
import { ADMIN_KUBECONFIG_PATH } from "../../lib/config/constants.ts";
import type { HostFacts } from "../../lib/config/host_facts.ts";

export interface ResetData {
  cfg: LoadedReset;
  host: Host;
  dryRun: boolean;
  force: boolean;
  certificatesDir: string;
  criSocket: string;
  cleanupTmpDir: boolean;
  unmountFlags: string[];
  ignorePreflightErrors: Set<string>;
  skipPhases: string[];
  kubeconfigPath: string;
  /** Beyond kubeadm: also remove CNI configuration and KUBE-/CNI- iptables chains. */
  cleanupNetwork: boolean;
  /** The cluster's configuration, if admin.conf let us read it. */
  clusterCfg?: InitConfig;
  /** What reset did not remove, printed at the end. */
  leftBehind: string[];
  etcdTimeoutMs: number;
  out(s: string): void;
  warn(s: string): void;
  /** Reads the confirmation answer (stdin). */
  readLine(): Promise<string>;
}

async function readStdinLine(): Promise<string> {
  const buf = new Uint8Array(1024);
  let s = "";
  while (!s.includes("\n")) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    s += new TextDecoder().decode(buf.subarray(0, n));
  }
  return s.split("\n")[0];
}

/** kubeadm's newResetData: `options` is what the command line set, as configuration. */
export async function newResetData(ctx: CommandContext, options: ResetOptions): Promise<ResetData> {
  const { loadResetConfig } = await import("../../lib/config/load.ts");
  const { hostFacts } = await import("../../lib/config/host_facts.ts");
  const rootfs = (ctx.flags.rootfs as string | undefined) || "/";
  const host = new Host(rootfs);
  const cfg = await loadResetConfig({
    configPath: (ctx.flags.config as string | undefined) || undefined,
    options,
    host: hostFacts(host),
    skipCRIDetect: true,
  });
  for (const w of cfg.warnings) ctx.err(`W ${w}\n`);
  const out = (s: string) => ctx.out(s.endsWith("\n") ? s : s + "\n");
  const warn = (s: string) => ctx.err(`W ${s}${s.endsWith("\n") ? "" : "\n"}`);
  const kubeconfigPath = (ctx.flags.kubeconfig as string | undefined) || ADMIN_KUBECONFIG_PATH;
  const etcdAPICall = cfg.reset.timeouts?.etcdAPICall;
  const etcdTimeoutMs = etcdAPICall ? parseDurationMs(etcdAPICall) : 120_000;
  const data: ResetData = {
    cfg,
    host,
    dryRun: cfg.dryRun,
    force: cfg.force,
    certificatesDir: cfg.certificatesDir,
    criSocket: cfg.criSocket,
    cleanupTmpDir: cfg.cleanupTmpDir,
    unmountFlags: cfg.reset.unmountFlags ?? [],
    ignorePreflightErrors: new Set(cfg.ignorePreflightErrors),
    skipPhases: cfg.skipPhases,
    kubeconfigPath,
    cleanupNetwork: ctx.flags["cleanup-network"] === true ||
      Deno.env.get("KUBESTRAP_RESET_CLEANUP_NETWORK") === "1",
    leftBehind: [],
    etcdTimeoutMs,
    out,
    warn,
    readLine: readStdinLine,
  };
  // The cluster's configuration (etcd data dir, certificates dir), when reachable.
  if (await host.exists(kubeconfigPath)) {
    try {
      data.clusterCfg = await fetchClusterConfig(data);
      if (!ctx.changed.has("cert-dir") && !cfg.reset.certificatesDir) {
        data.certificatesDir = data.clusterCfg.cluster.certificatesDir ?? data.certificatesDir;
      }
    } catch (e) {
      warn(
        `[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: ${
          (e as Error).message
        }`,
      );
    }
  }
  // Commands with a --cri-socket flag (reset, its cleanup-node phase) find the socket when
  // neither the flag nor the file names one; the others do not use it (kubeadm's skipCRIDetect).
  if (!cfg.criSocketGiven && ctx.declared?.has("cri-socket")) {
    data.criSocket = await resetCRISocket(
      () => host.readText(KUBELET_INSTANCE_CONFIG),
      hostFacts(host),
    );
  }
  return data;
}

const KUBELET_INSTANCE_CONFIG = "/var/lib/kubelet/instance-config.yaml";

/**
 * The CRI socket of `reset` when neither `--cri-socket` nor the ResetConfiguration names one.
 * Beyond kubeadm: the `containerRuntimeEndpoint` of this node's kubelet instance config, the
 * runtime the kubelet really used (kubeadm's reset goes straight to detection, and on a node
 * whose runtime listens elsewhere it leaves every container). Then kubeadm's DetectCRISocket:
 * the one known socket found on the host, the default when there is none, an error when there
 * are several.
 */
export async function resetCRISocket(
  readInstanceConfig: () => Promise<string | undefined>,
  facts: HostFacts,
): Promise<string> {
  const { detectCRISocket } = await import("../../lib/config/defaults.ts");
  const text = await readInstanceConfig();
  if (text !== undefined) {
    const { parse } = await import("yaml");
    let endpoint: unknown;
    try {
      endpoint = (parse(text) as Record<string, unknown> | null)?.containerRuntimeEndpoint;
    } catch {
      endpoint = undefined; // not readable: detection decides, as without the file
    }
    if (typeof endpoint === "string" && endpoint) return endpoint;
  }
  return await detectCRISocket(facts);
}

async function fetchClusterConfig(data: ResetData): Promise<InitConfig> {
  const { parseKubeConfig, toV1 } = await import("../../lib/kubeconfig/kubeconfig.ts");
  const { clientFromKubeconfig } = await import("../../lib/kube/kubeconfig.ts");
  const { pinnedTransport } = await import("../../lib/discovery/transport.ts");
  const { documentsToInitConfig, parseConfigText } = await import("../../lib/config/load.ts");
  const { hostFacts } = await import("../../lib/config/host_facts.ts");
  const kc = parseKubeConfig((await data.host.readFile(data.kubeconfigPath))!);
  const client = await clientFromKubeconfig({ doc: toV1(kc), host: data.host }, {
    retryTimeoutMs: 10_000,
    caTransport: pinnedTransport,
  });
  try {
    const cm = await client.get<{ data?: Record<string, string> }>(
      "configmaps",
      "kubeadm-config",
      "kube-system",
      { retryTimeoutMs: 10_000 },
    );
    const y = cm.data?.ClusterConfiguration;
    if (!y) throw new Error("ClusterConfiguration key value pair missing");
    return await documentsToInitConfig(parseConfigText(y, "kubeadm-config"), hostFacts(data.host), {
      file: "kubeadm-config",
      skipCRIDetect: true,
    });
  } finally {
    client.close();
  }
}

/** Beyond kubeadm: what reset left in place, after kubeadm's manual-cleanup note. */
export function printResetLeftovers(data: ResetData): void {
  if (data.leftBehind.length === 0) return;
  data.out("[reset] Left behind (clean up manually if needed):");
  for (const l of data.leftBehind) data.out(`[reset]   - ${l}`);
}
