/**
 * Token discovery (kubeadm discovery/token): an anonymous, deliberately insecure fetch of
 * `kube-public/cluster-info`, the detached JWS of the kubeconfig verified with the bootstrap
 * token, the CA pinned by `caCertHashes`, then a second fetch verified against that CA that
 * must return the very same kubeconfig.
 */
import type { BootstrapTokenDiscovery } from "../config/types.ts";
import { currentCluster, type KubeConfig, parseKubeConfig } from "../kubeconfig/kubeconfig.ts";
import { parseCertsPEM } from "../pki/x509.ts";
import { checkCAPins, validatePin } from "../tokens/cahash.ts";
import { detachedTokenIsValid } from "../tokens/jws.ts";
import { parseToken } from "../tokens/token.ts";
import { DRY_RUN_DISCOVERY } from "../dryrun/reactors.ts";
import {
  CLUSTER_INFO,
  type ConfigMapData,
  DISCOVERY_POLL_MS,
  DISCOVERY_RETRY_INTERVAL_MS,
  type FetchPolicy,
  getClusterInfo,
  JWS_PREFIX,
  KUBECONFIG_KEY,
  poll,
} from "./clusterinfo.ts";

export interface DiscoveryOptions {
  /** timeouts.discovery in ms (kubeadm default 5m). */
  timeoutMs: number;
  /** Poll interval (kubeadm: 5 s, capped at the timeout). */
  intervalMs?: number;
  /** kubeadm's V(1) lines (discarded unless the caller wants them). */
  log?: (line: string) => void;
  /** klog warnings (stderr). */
  warn?: (line: string) => void;
  /**
   * join --dry-run (kubeadm's getClusterInfo with a dry-run client): cluster-info is read
   * through the dry-run client, which answers kubeadm's fake one when the cluster has none;
   * when it has no signature for the token, the discovery switches to kubeadm's dry-run
   * identity (mutateTokenDiscoveryForDryRun).
   */
  dryRunClusterInfo?: () => Promise<ConfigMapData>;
}

export class DiscoveryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DiscoveryError";
  }
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * getClusterInfo: polls until the ConfigMap is readable and carries a JWS for `tokenID`.
 * Returns the last error on timeout.
 */
async function pollClusterInfo(
  server: string,
  token: { id: string },
  policy: FetchPolicy,
  opts: DiscoveryOptions,
  onMissingJWS?: () => void,
): Promise<ConfigMapData> {
  const interval = Math.min(opts.intervalMs ?? DISCOVERY_POLL_MS, opts.timeoutMs);
  let cm: ConfigMapData | undefined;
  let lastError: Error | undefined;
  // kubeadm logs each attempt, 5 s apart: the same lines at the same cadence.
  let loggedAt = -Infinity;
  const ok = await poll(interval, opts.timeoutMs, async () => {
    const log = Date.now() - loggedAt >= Math.max(interval, DISCOVERY_RETRY_INTERVAL_MS);
    const tokenID = token.id;
    if (log) {
      loggedAt = Date.now();
      opts.log?.(
        `[discovery] Waiting for the cluster-info ConfigMap to receive a JWS signature for token ID "${tokenID}"`,
      );
    }
    try {
      cm = opts.dryRunClusterInfo ? await opts.dryRunClusterInfo() : await getClusterInfo(server, {
        ...policy,
        timeoutMs: Math.min(policy.timeoutMs ?? 10_000, Math.max(opts.timeoutMs, 1000)),
      });
    } catch (e) {
      lastError = new DiscoveryError(`failed to request the cluster-info ConfigMap: ${msg(e)}`, {
        cause: e,
      });
      if (log) opts.log?.(`[discovery] Retrying due to error: ${lastError.message}`);
      return false;
    }
    if (!(JWS_PREFIX + tokenID in cm.data)) {
      lastError = new DiscoveryError(
        `could not find a JWS signature in the cluster-info ConfigMap for token ID "${tokenID}"`,
      );
      if (onMissingJWS) {
        onMissingJWS();
        return false;
      }
      if (log) opts.log?.(`[discovery] Retrying due to error: ${lastError.message}`);
      return false;
    }
    return true;
  });
  if (!ok || !cm) {
    throw lastError ?? new DiscoveryError("timed out requesting the cluster-info ConfigMap");
  }
  return cm;
}

/** validateClusterInfoToken: the kubeconfig string, once its detached JWS verified. */
function validateClusterInfoToken(
  cm: ConfigMapData,
  tokenID: string,
  tokenSecret: string,
): string {
  const kubeconfig = cm.data[KUBECONFIG_KEY];
  if (!kubeconfig) {
    throw new DiscoveryError(
      `there is no ${KUBECONFIG_KEY} key in the ${CLUSTER_INFO} ConfigMap. This API Server isn't set up for token bootstrapping, can't connect`,
    );
  }
  const jws = cm.data[JWS_PREFIX + tokenID];
  if (!jws) {
    throw new DiscoveryError(
      `token id "${tokenID}" is invalid for this cluster or it has expired. Use "kubeadm token create" on the control-plane node to create a new valid token`,
    );
  }
  if (!detachedTokenIsValid(jws, kubeconfig, tokenID, tokenSecret)) {
    throw new DiscoveryError(
      "failed to verify JWS signature of received cluster info object, can't trust this API Server",
    );
  }
  return kubeconfig;
}

function loadClusterInfoKubeconfig(text: string): KubeConfig {
  let cfg: KubeConfig;
  try {
    cfg = parseKubeConfig(text);
  } catch (e) {
    throw new DiscoveryError(
      `couldn't parse the kubeconfig file in the ${CLUSTER_INFO} ConfigMap: ${msg(e)}`,
    );
  }
  try {
    if (Object.keys(cfg.clusters).length === 0) throw new Error("no clusters defined");
    currentCluster(cfg);
  } catch (e) {
    throw new DiscoveryError(`malformed kubeconfig in the ${CLUSTER_INFO} ConfigMap: ${msg(e)}`);
  }
  return cfg;
}

/**
 * RetrieveValidatedConfigInfo for token discovery. Every failure throws; nothing is
 * returned unless the signature verified and (with pins) the CA matched a pin and the
 * pinned TLS round-trip returned the same kubeconfig.
 */
export async function retrieveTokenConfigInfo(
  d: BootstrapTokenDiscovery,
  opts: DiscoveryOptions,
): Promise<KubeConfig> {
  const endpoint = d.apiServerEndpoint ?? "";
  if (!endpoint) throw new DiscoveryError("no API server endpoint given for token discovery");
  let token: { id: string; secret: string };
  try {
    token = parseToken(d.token ?? "");
  } catch (e) {
    throw new DiscoveryError(msg(e));
  }
  // Pins are validated before any network traffic (kubeadm validates them in the config).
  const pins: string[] = [];
  for (const p of d.caCertHashes ?? []) {
    try {
      pins.push(validatePin(p));
    } catch (e) {
      throw new DiscoveryError(`invalid discovery token CA certificate hash: ${msg(e)}`);
    }
  }
  if (pins.length === 0 && !d.unsafeSkipCAVerification) {
    throw new DiscoveryError(
      "using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue",
    );
  }
  const server = `https://${endpoint}`;
  opts.log?.(
    `[discovery] Created cluster-info discovery client, requesting info from "${endpoint}"`,
  );
  // Dry run without a cluster-info signed for the token: kubeadm's dry-run identity, which its
  // fake cluster-info is signed for.
  let mutated = false;
  const mutateForDryRun = opts.dryRunClusterInfo && (() => {
    if (!mutated) {
      const dry = DRY_RUN_DISCOVERY;
      opts.warn?.(
        "[dryrun] Mutating the JoinConfiguration.Discovery.BootstrapToken to satisfy the dry-run " +
          "without a real cluster-info ConfigMap:\n" +
          `  Token: ${dry.token}\n  CACertHash: ${dry.caCertHash}\n  APIServerEndpoint: ${dry.apiServerEndpoint}\n`,
      );
    }
    mutated = true;
    Object.assign(token, parseToken(DRY_RUN_DISCOVERY.token));
    if (!pins.includes(validatePin(DRY_RUN_DISCOVERY.caCertHash))) {
      pins.push(validatePin(DRY_RUN_DISCOVERY.caCertHash));
    }
    d.token = DRY_RUN_DISCOVERY.token;
    d.caCertHashes = [...(d.caCertHashes ?? []), DRY_RUN_DISCOVERY.caCertHash];
    d.apiServerEndpoint = DRY_RUN_DISCOVERY.apiServerEndpoint;
  });
  const insecureCM = await pollClusterInfo(
    server,
    token,
    { insecure: true },
    opts,
    mutateForDryRun || undefined,
  );
  const insecureKubeconfig = validateClusterInfoToken(insecureCM, token.id, token.secret);
  const insecureConfig = loadClusterInfoKubeconfig(insecureKubeconfig);

  if (pins.length === 0) {
    opts.warn?.(
      `[discovery] WARNING: the cluster CA was not pinned (--discovery-token-unsafe-skip-ca-verification): ` +
        `the API Server "${endpoint}" is trusted on the strength of the token signature alone; ` +
        `pass --discovery-token-ca-cert-hash to verify its CA`,
    );
    return insecureConfig;
  }

  // validateClusterCA
  const caData = currentCluster(insecureConfig).cluster["certificate-authority-data"];
  const caPem = caData ? new TextDecoder().decode(caData) : "";
  let roots;
  try {
    roots = parseCertsPEM(caPem);
  } catch (e) {
    throw new DiscoveryError(
      `failed to parse cluster CA from the ${CLUSTER_INFO} ConfigMap: ${msg(e)}`,
    );
  }
  try {
    checkCAPins(caPem, pins);
  } catch (e) {
    throw new DiscoveryError(msg(e));
  }

  opts.log?.(
    `[discovery] Requesting info from "${endpoint}" again to validate TLS against the pinned public key`,
  );
  const secureCM = await pollClusterInfo(server, token, { roots }, opts);
  const secureKubeconfig = secureCM.data[KUBECONFIG_KEY] ?? "";
  if (secureKubeconfig !== insecureKubeconfig) {
    throw new DiscoveryError(
      `the second kubeconfig from the ${CLUSTER_INFO} ConfigMap (using validated TLS) was different from the first`,
    );
  }
  return loadClusterInfoKubeconfig(secureKubeconfig);
}
