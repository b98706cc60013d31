/**
 * Reading `kube-public/cluster-info` for discovery: one GET with the TLS policy of the caller
 * (insecure, pinned roots, system roots), API errors rendered like client-go's.
 */
import type { Certificate } from "../pki/x509.ts";
import { tlsGet, TLSVerifyError } from "./tlsget.ts";

export const CLUSTER_INFO = "cluster-info";
export const KUBECONFIG_KEY = "kubeconfig";
export const JWS_PREFIX = "jws-kubeconfig-";
const CLUSTER_INFO_PATH = "/api/v1/namespaces/kube-public/configmaps/cluster-info";
/** constants.DiscoveryRetryInterval */
export const DISCOVERY_RETRY_INTERVAL_MS = 5_000;
/**
 * How often token discovery asks for cluster-info while it waits for the JWS signature
 * (kubeadm: every DiscoveryRetryInterval, 5 s). The bootstrap signer signs within a moment of
 * a token's creation, so a join started right after init waits about half a second instead of
 * 5 or 10. Progress lines are still printed at kubeadm's 5 s cadence.
 */
export const DISCOVERY_POLL_MS = 500;

export interface ConfigMapData {
  data: Record<string, string>;
}

/** An API answer that is not 2xx. */
export class ApiStatusError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
    this.name = "ApiStatusError";
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
}

/** How to talk to the server for one fetch. */
export interface FetchPolicy {
  insecure?: boolean;
  roots?: Certificate[];
  /** Use the host's default trust store (file discovery without CA data). */
  systemRoots?: boolean;
  serverName?: string;
  clientCert?: string;
  clientKey?: string;
  token?: string;
  timeoutMs?: number;
}

function statusError(status: number, body: string): ApiStatusError {
  try {
    const s = JSON.parse(body);
    if (s && s.kind === "Status") {
      return new ApiStatusError(status, s.reason ?? "", String(s.message ?? `status ${status}`));
    }
  } catch {
    // not JSON
  }
  const reason = status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : "";
  const text = body.trim().slice(0, 200);
  return new ApiStatusError(
    status,
    reason,
    reason || text || `the server responded with the status code ${status}`,
  );
}

/** GET cluster-info from `server` (e.g. https://10.0.0.1:6443). */
export async function getClusterInfo(server: string, p: FetchPolicy): Promise<ConfigMapData> {
  const url = server.replace(/\/+$/, "") + CLUSTER_INFO_PATH;
  let status: number;
  let text: string;
  if (p.systemRoots && !p.insecure && !p.roots?.length) {
    const init: RequestInit & { client?: Deno.HttpClient } = {
      headers: p.token ? { Authorization: `Bearer ${p.token}` } : {},
      signal: AbortSignal.timeout(p.timeoutMs ?? 10_000),
    };
    let client: Deno.HttpClient | undefined;
    if (p.clientCert && p.clientKey) {
      client = Deno.createHttpClient({ cert: p.clientCert, key: p.clientKey });
      init.client = client;
    }
    try {
      const res = await fetch(url, init);
      status = res.status;
      text = await res.text();
    } finally {
      client?.close();
    }
  } else {
    const res = await tlsGet(url, {
      insecure: p.insecure,
      roots: p.roots,
      serverName: p.serverName,
      clientCert: p.clientCert,
      clientKey: p.clientKey,
      bearerToken: p.token,
      timeoutMs: p.timeoutMs,
    });
    status = res.status;
    text = new TextDecoder().decode(res.body);
  }
  if (status < 200 || status > 299) throw statusError(status, text);
  let cm: { data?: Record<string, unknown> };
  try {
    cm = JSON.parse(text);
  } catch {
    throw new Error(`the answer of ${server} for the ${CLUSTER_INFO} ConfigMap is not JSON`);
  }
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(cm?.data ?? {})) if (typeof v === "string") data[k] = v;
  return { data };
}

export { TLSVerifyError };

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * wait.PollUntilContextTimeout(interval, timeout, immediate=true): calls `fn` until it returns
 * true or the time is up; returns false on timeout.
 */
export async function poll(
  intervalMs: number,
  timeoutMs: number,
  fn: () => Promise<boolean>,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (await fn()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(intervalMs, left));
    if (Date.now() >= deadline) return false;
  }
}
