/**
 * Health probes of component endpoints (`/livez`, `/healthz`, `/readyz`), as kubeadm's
 * wait-control-plane does: the API server through a verifying client, the controller
 * manager and scheduler over HTTPS without verification, the kubelet over plain HTTP.
 */

import { KubeClient, type KubeClientConfig } from "./client.ts";
import { KubeApiError } from "./errors.ts";
import { formatDurationMs } from "../util/duration.ts";

/** How to reach the endpoint. */
export interface ProbeOptions {
  /** PEM CA to verify the server with (ignored with `insecureSkipTLSVerify`). */
  caData?: string;
  /** Skip server verification (kubeadm does so for KCM/scheduler on localhost). */
  insecureSkipTLSVerify?: boolean;
  /** Client certificate/key or token (the API server may refuse anonymous probes). */
  certData?: string;
  keyData?: string;
  token?: string;
  /** Timeout of one attempt (default 10 s). */
  requestTimeoutMs?: number;
  /** Component name for messages (default: the URL). */
  name?: string;
}

/** The result of one probe. */
export interface ProbeResult {
  ok: boolean;
  /** HTTP status when the server answered. */
  status?: number;
  /** Body (trimmed, at most 2 KiB) when the server answered. */
  body?: string;
  /** Why the probe failed, kubeadm style. */
  error?: string;
}

function clientFor(url: URL, opts: ProbeOptions): KubeClient {
  const cfg: KubeClientConfig = {
    server: url.origin,
    caData: opts.insecureSkipTLSVerify ? undefined : opts.caData,
    certData: opts.certData,
    keyData: opts.keyData,
    token: opts.token,
    insecureSkipTLSVerify: opts.insecureSkipTLSVerify,
  };
  return new KubeClient(cfg, { requestTimeoutMs: opts.requestTimeoutMs ?? 10_000 });
}

/**
 * GET the URL once; ok when it answers 200. `client` (from {@link probeClient}) is reused and
 * left open; without it the probe makes its own and closes it.
 */
export async function probe(
  url: string,
  opts: ProbeOptions = {},
  reuse?: KubeClient,
): Promise<ProbeResult> {
  const u = new URL(url);
  const name = opts.name ?? u.origin;
  const client = reuse ?? clientFor(u, opts);
  try {
    const res = await client.raw("GET", u.pathname + u.search, {
      retry: false,
      accept: "*/*",
      verb: "check",
      what: name,
    });
    const body = res.body.trim().slice(0, 2048);
    if (res.status === 200) return { ok: true, status: 200, body };
    return {
      ok: false,
      status: res.status,
      body,
      error: `${name} check failed at ${url} with status: ${res.status}`,
    };
  } catch (e) {
    if (e instanceof KubeApiError) {
      return {
        ok: false,
        status: e.status,
        body: e.apiStatus.message,
        error: `${name} check failed at ${url} with status: ${e.status}`,
      };
    }
    return {
      ok: false,
      error: `${name} check failed at ${url}: ${e instanceof Error ? e.message : e}`,
    };
  } finally {
    if (!reuse) client.close();
  }
}

/** A client for repeated probes of `url`; the caller closes it. */
export function probeClient(url: string, opts: ProbeOptions = {}): KubeClient {
  return clientFor(new URL(url), opts);
}

/** Poll interval and bound of {@link waitForHealthy}. */
export interface WaitOptions extends ProbeOptions {
  /** Default 500 ms (kubeadm's KubernetesAPICallRetryInterval). */
  intervalMs?: number;
  /** Default 4 min (kubeadm's controlPlaneComponentHealthCheck). */
  timeoutMs?: number;
}

/** Thrown when an endpoint stays unhealthy; carries the last probe. */
export class UnhealthyError extends Error {
  readonly last: ProbeResult;
  readonly elapsedMs: number;
  constructor(message: string, last: ProbeResult, elapsedMs: number) {
    super(message);
    this.name = "UnhealthyError";
    this.last = last;
    this.elapsedMs = elapsedMs;
  }
}

/**
 * Probe every `intervalMs` until a 200 or `timeoutMs`; returns the elapsed time (fractional
 * ms). The phases' waits (init's control plane and kubelet checks, join's) all go through it.
 * Throws {@link UnhealthyError} with the last probe's error.
 */
export async function waitForHealthy(url: string, opts: WaitOptions = {}): Promise<number> {
  const start = performance.now();
  const deadline = start + (opts.timeoutMs ?? 240_000);
  const interval = opts.intervalMs ?? 500;
  let last: ProbeResult = { ok: false, error: `${url} was not probed` };
  // One client (one TLS configuration, kept-alive connections) for every probe of the wait,
  // as client-go's; a client per probe made a TLS handshake and grew the native heap each time.
  const client = probeClient(url, opts);
  try {
    while (true) {
      last = await probe(url, opts, client);
      if (last.ok) return performance.now() - start;
      if (performance.now() + interval > deadline) break;
      await new Promise((r) => setTimeout(r, interval));
    }
  } finally {
    client.close();
  }
  throw new UnhealthyError(last.error ?? `${url} is not healthy`, last, performance.now() - start);
}

/** kubeadm's kubelet check error text for a failed `GET http://<addr>/healthz`. */
function kubeletHealthError(healthzURL: string, cause: string): string {
  return `The HTTP call equal to 'curl -sSL ${healthzURL}' returned ${cause}\n`;
}

/** kubeadm's healthz URL of the kubelet (net.JoinHostPort). */
export function kubeletHealthzURL(address: string, port: number): string {
  return `http://${address.includes(":") ? `[${address}]` : address}:${port}/healthz`;
}

/** A failed GET as Go's net/http words it (`Get "<url>": dial tcp <addr>: connect: ...`). */
export function goGetError(url: string, detail = ""): string {
  const addr = new URL(url).host;
  if (/ECONNREFUSED|connection refused/i.test(detail)) {
    return `Get "${url}": dial tcp ${addr}: connect: connection refused`;
  }
  if (/no response within|timed? ?out|deadline/i.test(detail)) {
    return `Get "${url}": context deadline exceeded`;
  }
  return `Get "${url}": ${detail}`;
}

/**
 * kubeadm's WaitForKubelet (init's and join's kubelet check): its lines, its error text. `first`
 * is a probe the caller already made (it is not made again). Throws an Error with kubeadm's text.
 */
export async function kubeletCheck(
  out: (line: string) => void,
  url: string,
  opts: { timeoutMs: number; intervalMs: number; first?: ProbeResult },
): Promise<void> {
  out(
    `[kubelet-check] Waiting for a healthy kubelet at ${url}. This can take up to ${
      formatDurationMs(opts.timeoutMs)
    }`,
  );
  const start = performance.now();
  if (!opts.first?.ok) {
    try {
      await waitForHealthy(url, {
        requestTimeoutMs: 10_000,
        intervalMs: opts.intervalMs,
        timeoutMs: opts.timeoutMs,
      });
    } catch (e) {
      if (!(e instanceof UnhealthyError)) throw e;
      out(`[kubelet-check] The kubelet is not healthy after ${formatDurationMs(e.elapsedMs)}`);
      const last = e.last;
      throw new Error(
        kubeletHealthError(
          url,
          last.status ? `status code: ${last.status}` : `error: ${goGetError(url, last.error)}`,
        ),
      );
    }
  }
  out(
    `[kubelet-check] The kubelet is healthy after ${formatDurationMs(performance.now() - start)}`,
  );
}
