/**
 * kubeadm's discovery.For: find and validate the cluster, then produce the TLS bootstrap
 * kubeconfig (`bootstrap-kubelet.conf`). Errors are wrapped "couldn't validate the identity of
 * the API Server: ..." and never carry the token secret or any key (see `redactSecrets`).
 */
import { DEFAULT_CLUSTER_NAME } from "../config/constants.ts";
import type { JoinConfiguration } from "../config/types.ts";
import type { Host } from "../host.ts";
import { createWithToken, currentCluster, type KubeConfig } from "../kubeconfig/kubeconfig.ts";
import {
  hasAuthenticationCredentials,
  retrieveFileConfigInfo,
  retrieveHTTPSConfigInfo,
} from "./file.ts";
import { DiscoveryError, type DiscoveryOptions, retrieveTokenConfigInfo } from "./token.ts";

export * from "./clusterinfo.ts";
export * from "./token.ts";
export * from "./file.ts";
export * from "./tlsget.ts";

/** discovery.TokenUser */
const TLS_BOOTSTRAP_USER = "tls-bootstrap-token-user";

function isHTTPSURL(s: string): boolean {
  try {
    return new URL(s).protocol === "https:";
  } catch {
    return false;
  }
}

/** DiscoverValidatedKubeConfig */
async function discoverValidatedKubeConfig(
  cfg: JoinConfiguration,
  opts: DiscoveryOptions,
  host?: Host,
): Promise<KubeConfig> {
  const d = cfg.discovery;
  if (d.file?.kubeConfigPath) {
    const p = d.file.kubeConfigPath;
    if (isHTTPSURL(p)) return await retrieveHTTPSConfigInfo(p, opts);
    return await retrieveFileConfigInfo(p.replace(/^file:\/\//, ""), opts, host);
  }
  if (d.bootstrapToken) return await retrieveTokenConfigInfo(d.bootstrapToken, opts);
  throw new DiscoveryError("couldn't find a valid discovery configuration");
}

/** Every secret of the join configuration that must never reach an output stream. */
export function joinSecrets(cfg: JoinConfiguration): string[] {
  const out: string[] = [];
  for (const t of [cfg.discovery.bootstrapToken?.token, cfg.discovery.tlsBootstrapToken]) {
    if (!t) continue;
    out.push(t);
    const dot = t.indexOf(".");
    if (dot > 0 && t.length - dot - 1 >= 8) out.push(t.slice(dot + 1));
  }
  if (cfg.controlPlane?.certificateKey) out.push(cfg.controlPlane.certificateKey);
  return out;
}

/** Replaces every occurrence of a secret by a fixed placeholder (defence in depth). */
export function redactSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length < 6) continue;
    out = out.split(s).join("<redacted>");
  }
  return out;
}

/**
 * discovery.For: the validated kubeconfig, turned into the TLS bootstrap kubeconfig when a
 * TLS bootstrap token is configured (user `tls-bootstrap-token-user`, context
 * `tls-bootstrap-token-user@kubernetes`).
 */
export async function discoveryFor(
  cfg: JoinConfiguration,
  opts: DiscoveryOptions,
  host?: Host,
): Promise<KubeConfig> {
  const secrets = joinSecrets(cfg);
  let config: KubeConfig;
  try {
    config = await discoverValidatedKubeConfig(cfg, opts, host);
  } catch (e) {
    const m = redactSecrets(e instanceof Error ? e.message : String(e), secrets);
    throw new DiscoveryError(`couldn't validate the identity of the API Server: ${m}`);
  }
  if (cfg.discovery.tlsBootstrapToken) {
    let cluster;
    try {
      cluster = currentCluster(config).cluster;
    } catch (e) {
      throw new DiscoveryError(
        `malformed kubeconfig in the cluster-info ConfigMap: ${(e as Error).message}`,
      );
    }
    return createWithToken(
      cluster.server,
      DEFAULT_CLUSTER_NAME,
      TLS_BOOTSTRAP_USER,
      cluster["certificate-authority-data"],
      cfg.discovery.tlsBootstrapToken,
    );
  }
  if (!hasAuthenticationCredentials(config)) {
    throw new DiscoveryError(
      "could not find authentication credentials for the TLS bootstrap process. Please use Token discovery, a discovery file with embedded authentication credentials or a discovery file without authentication credentials but with the TLSBootstrapToken flag",
    );
  }
  return config;
}
export * from "./transport.ts";
