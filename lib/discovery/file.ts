/**
 * File and HTTPS-URL discovery (kubeadm discovery/file, discovery/https): the kubeconfig the
 * operator handed over is the trust anchor; cluster-info is read through it (verified TLS) to
 * check the connection and to refresh a missing CA.
 */
import { Host } from "../host.ts";
import {
  type AuthInfo,
  currentAuthInfo,
  currentCluster,
  type KubeConfig,
  parseKubeConfig,
} from "../kubeconfig/kubeconfig.ts";
import { type Certificate, parseCertsPEM } from "../pki/x509.ts";
import {
  ApiStatusError,
  CLUSTER_INFO,
  DISCOVERY_RETRY_INTERVAL_MS,
  type FetchPolicy,
  getClusterInfo,
  KUBECONFIG_KEY,
  poll,
} from "./clusterinfo.ts";
import { DiscoveryError, type DiscoveryOptions } from "./token.ts";
import { formatDurationMs } from "../util/duration.ts";

/** Relative paths and files without a Host are read from the machine kubestrap runs on. */
const machine = new Host();

const dec = new TextDecoder();

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** kubeconfigutil.HasAuthenticationCredentials */
export function hasAuthenticationCredentials(c: KubeConfig): boolean {
  const u = currentAuthInfo(c)?.user;
  if (!u) return false;
  const has = (k: string) => {
    const v = (u as Record<string, unknown>)[k];
    return v !== undefined && v !== null && v !== "" &&
      !(v instanceof Uint8Array && v.length === 0);
  };
  return (has("client-certificate") || has("client-certificate-data")) &&
      (has("client-key") || has("client-key-data")) ||
    has("token") || has("tokenFile") || has("exec") || has("auth-provider");
}

/** EnsureCertificateAuthorityIsEmbedded / EnsureAuthenticationInfoAreEmbedded. */
async function embedFiles(c: KubeConfig, host: Host | undefined): Promise<void> {
  const read = async (p: string) => {
    const b = host && p.startsWith("/")
      ? await host.readFile(p)
      : await machine.readFile(machine.absolute(p)).catch(() => undefined);
    if (b === undefined) throw new DiscoveryError(`open ${p}: no such file or directory`);
    return b;
  };
  const { cluster } = currentCluster(c);
  if (cluster["certificate-authority"] && !cluster["certificate-authority-data"]?.length) {
    cluster["certificate-authority-data"] = await read(cluster["certificate-authority"]);
    delete cluster["certificate-authority"];
  }
  const u = currentAuthInfo(c)?.user;
  if (!u || !hasAuthenticationCredentials(c)) return;
  if (u.exec !== undefined || u["auth-provider"] !== undefined) {
    throw new DiscoveryError(
      "kubestrap does not support exec or auth-provider credentials in a discovery file; " +
        "embed a client certificate or a token",
    );
  }
  if (u["client-certificate"] && !u["client-certificate-data"]?.length) {
    u["client-certificate-data"] = await read(u["client-certificate"]);
    delete u["client-certificate"];
  }
  if (u["client-key"] && !u["client-key-data"]?.length) {
    u["client-key-data"] = await read(u["client-key"]);
    delete u["client-key"];
  }
  if (u.tokenFile && !u.token) {
    u.token = dec.decode(await read(u.tokenFile)).trim();
    delete u.tokenFile;
  }
}

function fetchPolicyOf(c: KubeConfig): FetchPolicy {
  const { cluster } = currentCluster(c);
  if (cluster["insecure-skip-tls-verify"]) {
    throw new DiscoveryError(
      "the discovery kubeconfig sets insecure-skip-tls-verify; kubestrap refuses discovery " +
        "without a verified server: provide certificate-authority-data",
    );
  }
  const u: AuthInfo | undefined = currentAuthInfo(c)?.user;
  const p: FetchPolicy = { serverName: cluster["tls-server-name"] };
  const ca = cluster["certificate-authority-data"];
  if (ca && ca.length) {
    let roots: Certificate[];
    try {
      roots = parseCertsPEM(ca);
    } catch (e) {
      throw new DiscoveryError(`unable to load the CA of the discovery kubeconfig: ${msg(e)}`);
    }
    p.roots = roots;
  } else {
    p.systemRoots = true;
  }
  if (u?.["client-certificate-data"]?.length && u["client-key-data"]?.length) {
    p.clientCert = dec.decode(u["client-certificate-data"]);
    p.clientKey = dec.decode(u["client-key-data"]);
  }
  if (u?.token) p.token = u.token;
  return p;
}

/** file.ValidateConfigInfo */
export async function validateConfigInfo(
  config: KubeConfig,
  opts: DiscoveryOptions,
  host?: Host,
): Promise<KubeConfig> {
  if (Object.keys(config.clusters).length < 1) {
    throw new DiscoveryError("the provided kubeconfig file must have at least one Cluster defined");
  }
  let current;
  try {
    current = currentCluster(config);
  } catch (e) {
    throw new DiscoveryError(`the provided kubeconfig file is malformed: ${msg(e)}`);
  }
  if (!current.cluster.server) {
    throw new DiscoveryError(
      `invalid configuration: no server found for cluster "${current.name}"`,
    );
  }
  await embedFiles(config, host);
  const policy = fetchPolicyOf(config);
  const interval = Math.min(opts.intervalMs ?? DISCOVERY_RETRY_INTERVAL_MS, opts.timeoutMs);
  let cm: { data: Record<string, string> } | undefined;
  let lastError: unknown;
  opts.log?.(
    `[discovery] Created cluster-info discovery client, requesting info from "${current.cluster.server}"`,
  );
  const ok = await poll(interval, opts.timeoutMs, async () => {
    try {
      cm = await getClusterInfo(current.cluster.server, policy);
      return true;
    } catch (e) {
      lastError = e;
      if (e instanceof ApiStatusError && e.forbidden) {
        opts.warn?.(
          `[discovery] Could not access the ${CLUSTER_INFO} ConfigMap for refreshing the cluster-info information, but the TLS cert is valid so proceeding...`,
        );
        cm = undefined;
        return true;
      }
      opts.log?.(
        `[discovery] Error reading the ${CLUSTER_INFO} ConfigMap, will try again: ${msg(e)}`,
      );
      return false;
    }
  });
  if (!ok) {
    throw new DiscoveryError(
      `Abort reading the ${CLUSTER_INFO} ConfigMap after timeout of ${
        formatDurationMs(opts.timeoutMs)
      }: ${msg(lastError)}`,
    );
  }
  if (!cm) return config;
  const text = cm.data[KUBECONFIG_KEY];
  let refreshed: KubeConfig;
  try {
    if (!text) throw new Error(`no ${KUBECONFIG_KEY} key in ConfigMap`);
    refreshed = parseKubeConfig(text);
  } catch (e) {
    opts.log?.(
      `[discovery] The ${CLUSTER_INFO} ConfigMap isn't set up properly (${
        msg(e)
      }), but the TLS cert is valid so proceeding...`,
    );
    return config;
  }
  let rc;
  try {
    rc = currentCluster(refreshed).cluster;
  } catch (e) {
    throw new DiscoveryError(`malformed kubeconfig in the ${CLUSTER_INFO} ConfigMap: ${msg(e)}`);
  }
  if (current.cluster.server !== rc.server) {
    opts.warn?.(
      `[discovery] the API Server endpoint "${current.cluster.server}" in use is different from the endpoint "${rc.server}" which defined in the ${CLUSTER_INFO} ConfigMap`,
    );
  }
  const caNow = current.cluster["certificate-authority-data"];
  const caNew = rc["certificate-authority-data"];
  if ((!caNow || caNow.length === 0) && caNew && caNew.length > 0) {
    config.clusters[current.name]["certificate-authority-data"] = caNew;
  }
  return config;
}

/** file.RetrieveValidatedConfigInfo */
export async function retrieveFileConfigInfo(
  path: string,
  opts: DiscoveryOptions,
  host?: Host,
): Promise<KubeConfig> {
  const b = host && path.startsWith("/")
    ? await host.readFile(path)
    : await machine.readFile(machine.absolute(path)).catch(() => undefined);
  if (b === undefined) throw new DiscoveryError(`stat ${path}: no such file or directory`);
  let c: KubeConfig;
  try {
    c = parseKubeConfig(b);
  } catch (e) {
    throw new DiscoveryError(msg(e));
  }
  return await validateConfigInfo(c, opts, host);
}

/** https.RetrieveValidatedConfigInfo: the URL is verified with the host's trust store. */
export async function retrieveHTTPSConfigInfo(
  url: string,
  opts: DiscoveryOptions,
): Promise<KubeConfig> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(Math.max(opts.timeoutMs, 1000)) });
  } catch (e) {
    throw new DiscoveryError(`Get "${url}": ${msg(e)}`);
  }
  const body = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) {
    throw new DiscoveryError(
      `error trying to fetch discovery kubeconfig over HTTPS from ${url}, received status ${res.status}`,
    );
  }
  let c: KubeConfig;
  try {
    c = parseKubeConfig(body);
  } catch (e) {
    throw new DiscoveryError(msg(e));
  }
  // File references in a downloaded kubeconfig would point at this host: refuse them.
  const { cluster } = currentCluster(c);
  const u = currentAuthInfo(c)?.user;
  if (
    cluster["certificate-authority"] || u?.["client-certificate"] || u?.["client-key"] ||
    u?.tokenFile
  ) {
    throw new DiscoveryError(
      "the discovery kubeconfig downloaded over HTTPS references local files; embed the data",
    );
  }
  return await validateConfigInfo(c, opts);
}
