/**
 * A small Kubernetes REST client over `fetch` + `Deno.createHttpClient` (mTLS with
 * PKCS#1/SEC1/PKCS#8 keys), with `node:https` for skip-verify connections.
 *
 * Transient failures (connection refused/reset, 429, 5xx, etcd leader changes) are
 * retried with exponential backoff, bounded by `retryTimeoutMs`. Errors name the
 * operation, the object and the server, never a credential.
 */

import {
  type ApiStatus,
  type CallInfo,
  isTransient,
  KubeApiError,
  KubeConnectionError,
} from "./errors.ts";
import {
  apiVersionOf,
  describeObject,
  resolveResource,
  type Resource,
  type ResourceName,
  resourcePath,
} from "./resources.ts";
import { Host } from "../host.ts";
import { concatBytes } from "../util/bytes.ts";

/** The machine kubestrap runs on, for the TCP probe of insecure connections. */
const machine = new Host();

/** Where and how to connect: the current cluster + user of a kubeconfig, decoded. */
export interface KubeClientConfig {
  /** e.g. "https://10.0.0.1:6443" (no trailing slash needed). */
  server: string;
  /** PEM CA bundle to verify the server with (that CA only); system roots when absent. */
  caData?: string;
  /** PEM client certificate (chain). */
  certData?: string;
  /** PEM client private key (PKCS#1, SEC1 or PKCS#8). */
  keyData?: string;
  /** Bearer token. */
  token?: string;
  /** Do not verify the server certificate (kubeadm's discovery and component probes). */
  insecureSkipTLSVerify?: boolean;
}

/** Options of a {@link KubeClient}. */
export interface KubeClientOptions {
  /** Overall bound on retries of one call (default 60 s, kubeadm's `kubernetesAPICall`). */
  retryTimeoutMs?: number;
  /** Timeout of one HTTP attempt (default 30 s). */
  requestTimeoutMs?: number;
  /** First backoff step (default 250 ms), doubled up to `maxBackoffMs` (default 2 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** User-Agent header (default "kubestrap"). */
  userAgent?: string;
  /** Replace the HTTP layer (tests). */
  transport?: Transport;
}

/** One HTTP request as the transport sees it. */
export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** One HTTP response as the transport returns it. */
export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The HTTP layer. Throws on network failure. */
export interface Transport {
  send(req: TransportRequest): Promise<TransportResponse>;
  close(): void;
}

/** Per-call options. */
export interface CallOptions {
  /** Retry transient failures (default true). */
  retry?: boolean;
  /** Override the client's retry bound for this call. */
  retryTimeoutMs?: number;
  /** Query parameters. */
  query?: Record<string, string | undefined>;
}

/** Options of list calls. */
export interface ListOptions extends CallOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Patch content types. */
export type PatchType = "strategic" | "merge" | "json" | "apply";

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  strategic: "application/strategic-merge-patch+json",
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

/** A Kubernetes object as plain JSON. */
// deno-lint-ignore no-explicit-any
export type KubeObject = Record<string, any> & {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    // deno-lint-ignore no-explicit-any
    [k: string]: any;
  };
};

/** A list response. */
export interface KubeList<T = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** Classify a low-level network error: transient unless it is a TLS/verification failure. */
function networkErrorDetail(e: unknown): { detail: string; transient: boolean } {
  let msg = e instanceof Error ? e.message : String(e);
  const cause = (e as { cause?: unknown })?.cause;
  if (cause instanceof Error && cause.message && !msg.includes(cause.message)) {
    msg += `: ${cause.message}`;
  }
  // Deno wraps the cause chain into one message; node errors carry a code.
  const code = (e as { code?: string })?.code ?? (cause as { code?: string })?.code ?? "";
  const text = `${code} ${msg}`;
  // A failed verification of the server (no retry heals it); a connection closed or reset during
  // the handshake (an API server going down or coming up) is a network error like any other.
  const tls = (e as Error)?.name === "TLSVerifyError" ||
    /certificate|UnknownIssuer|NotValidForName|BadSignature|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|InvalidCertificate/i
      .test(text);
  const detail = msg.replace(/\s+/g, " ").trim() || code || "network error";
  return { detail, transient: !tls };
}

/** The `fetch`-based transport (CA verification, optional client certificate). */
function fetchTransport(cfg: KubeClientConfig): Transport {
  let client: Deno.HttpClient | undefined;
  const needClient = !!(cfg.caData || (cfg.certData && cfg.keyData));
  if (needClient) {
    const opts: Deno.CreateHttpClientOptions = {};
    if (cfg.caData) opts.caCerts = [cfg.caData];
    if (cfg.certData && cfg.keyData) {
      (opts as { cert?: string; key?: string }).cert = cfg.certData;
      (opts as { cert?: string; key?: string }).key = cfg.keyData;
    }
    client = Deno.createHttpClient(opts);
  }
  return {
    async send(req) {
      const init: RequestInit & { client?: Deno.HttpClient } = {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: req.signal,
      };
      if (client) init.client = client;
      const res = await fetch(req.url, init);
      const body = await res.text();
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => headers[k] = v);
      return { status: res.status, headers, body };
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}

/**
 * Fails as node:http(s) fails on a refused connection (`connect ECONNREFUSED host:port`, code
 * ECONNREFUSED), found with a plain TCP connect. Deno 2.9.6's node:https keeps about 0.5 MiB of
 * native memory per refused connection; the health waits probe components that do not listen
 * yet every 200 ms, which grew init's heap by 10 MiB.
 */
export async function failLikeNodeIfRefused(hostname: string, port: number): Promise<void> {
  if (!await machine.tcpRefused(hostname, port)) return; // node:http(s) reports the rest
  throw Object.assign(new Error(`connect ECONNREFUSED ${hostname}:${port}`), {
    code: "ECONNREFUSED",
  });
}

/** A `node:https` transport that skips server verification (no keep-alive). */
function insecureTransport(cfg: KubeClientConfig): Transport {
  return {
    async send(req) {
      const mod = req.url.startsWith("https:") ? await import("node:https") : await import(
        "node:http"
      );
      const u = new URL(req.url);
      const hostname = u.hostname.replace(/^\[|\]$/g, "");
      const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
      await failLikeNodeIfRefused(hostname, port);
      return await new Promise<TransportResponse>((resolve, reject) => {
        const r = mod.request(
          {
            protocol: u.protocol,
            hostname,
            port,
            path: u.pathname + u.search,
            method: req.method,
            headers: req.headers,
            rejectUnauthorized: false,
            agent: false,
            cert: cfg.certData,
            key: cfg.keyData,
            signal: req.signal,
          },
          (res) => {
            const chunks: Uint8Array[] = [];
            res.on("data", (c: Uint8Array) => chunks.push(c));
            res.on("end", () => {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) {
                if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
              }
              const buf = concatBytes(chunks);
              resolve({
                status: res.statusCode ?? 0,
                headers,
                body: new TextDecoder().decode(buf),
              });
            });
            res.on("error", reject);
          },
        );
        r.on("error", reject);
        if (req.body !== undefined) r.write(req.body);
        r.end();
      });
    },
    close() {},
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The transport of a client whose configuration carries a CA: that CA only, as client-go's
 * tls.Config{RootCAs}. fetchTransport cannot give that (Deno.createHttpClient adds its caCerts
 * to the Mozilla roots). The verifying transport (lib/discovery/transport.ts, OpenSSL's
 * verifier) sits above lib/kube: main.ts installs it here. Unset (unit tests of lib/kube), the
 * fetch transport is used.
 */
let caTransport: ((cfg: KubeClientConfig) => Transport) | undefined;

/** Installs the transport of every client whose configuration carries a CA (main.ts). */
export function setCATransport(f: ((cfg: KubeClientConfig) => Transport) | undefined): void {
  caTransport = f;
}

/** The REST client. Close it (or `using`) to release its HTTP client. */
export class KubeClient implements Disposable {
  readonly server: string;
  private readonly transport: Transport;
  private readonly opts: Required<Omit<KubeClientOptions, "transport">>;
  private readonly token?: string;
  private readonly cfg: KubeClientConfig;

  constructor(cfg: KubeClientConfig, options: KubeClientOptions = {}) {
    this.cfg = cfg;
    if (!cfg.server) throw new Error("kubernetes client: no server URL given");
    this.server = cfg.server.replace(/\/+$/, "");
    this.token = cfg.token;
    this.transport = options.transport ??
      (cfg.insecureSkipTLSVerify
        ? insecureTransport(cfg)
        : cfg.caData && caTransport
        ? caTransport(cfg)
        : fetchTransport(cfg));
    this.opts = {
      retryTimeoutMs: options.retryTimeoutMs ?? 60_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      initialBackoffMs: options.initialBackoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 2_000,
      userAgent: options.userAgent ?? "kubestrap",
    };
  }

  /**
   * A client of the same server and credentials with its own connection and these options
   * (a waiter's short request timeout; its requests never queue behind this client's).
   */
  withOptions(options: Omit<KubeClientOptions, "transport">): KubeClient {
    return new KubeClient(this.cfg, { ...this.opts, ...options });
  }

  close(): void {
    this.transport.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** One attempt; throws KubeApiError / KubeConnectionError. */
  private async once(
    method: string,
    path: string,
    call: CallInfo,
    body: string | undefined,
    contentType: string | undefined,
    accept: string,
  ): Promise<TransportResponse> {
    const headers: Record<string, string> = {
      "Accept": accept,
      "User-Agent": this.opts.userAgent,
    };
    if (contentType) headers["Content-Type"] = contentType;
    if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.opts.requestTimeoutMs);
    let res: TransportResponse;
    try {
      res = await this.transport.send({
        method,
        url: this.server + path,
        headers,
        body,
        signal: ac.signal,
      });
    } catch (e) {
      if (ac.signal.aborted) {
        throw new KubeConnectionError(
          call,
          `no response within ${this.opts.requestTimeoutMs / 1000}s`,
          true,
          { cause: e },
        );
      }
      const { detail, transient } = networkErrorDetail(e);
      throw new KubeConnectionError(call, detail, transient, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    if (res.status >= 200 && res.status < 300) return res;
    let st: ApiStatus = {};
    try {
      const parsed = JSON.parse(res.body);
      if (parsed && typeof parsed === "object" && parsed.kind === "Status") st = parsed;
      else st = { message: res.body.slice(0, 300) };
    } catch {
      st = { message: res.body.trim().slice(0, 300) };
    }
    const err = new KubeApiError(call, res.status, st);
    const ra = Number(res.headers["retry-after"]);
    if (Number.isFinite(ra) && ra > 0) {
      (err as { retryAfterMs?: number }).retryAfterMs = ra * 1000;
    }
    throw err;
  }

  /**
   * Send a request, retrying transient failures with backoff until `retryTimeoutMs`.
   * `verb` and `what` only feed error messages.
   */
  async raw(
    method: string,
    path: string,
    opts: CallOptions & {
      body?: unknown;
      contentType?: string;
      accept?: string;
      verb?: string;
      what?: string;
    } = {},
  ): Promise<TransportResponse> {
    const call: CallInfo = {
      verb: opts.verb ?? method.toLowerCase(),
      what: opts.what ?? path,
      server: this.server,
    };
    let p = path;
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) q.set(k, v);
    const qs = q.toString();
    if (qs) p += (p.includes("?") ? "&" : "?") + qs;
    const body = opts.body === undefined
      ? undefined
      : typeof opts.body === "string"
      ? opts.body
      : JSON.stringify(opts.body);
    const contentType = body === undefined ? undefined : opts.contentType ?? "application/json";
    const accept = opts.accept ?? "application/json";
    const retry = opts.retry ?? true;
    const start = Date.now();
    const deadline = start + (opts.retryTimeoutMs ?? this.opts.retryTimeoutMs);
    let backoff = this.opts.initialBackoffMs;
    let attempts = 0;
    while (true) {
      attempts++;
      try {
        return await this.once(method, p, call, body, contentType, accept);
      } catch (e) {
        if (!retry || !isTransient(e)) throw e;
        const remaining = deadline - Date.now();
        let wait = backoff * (0.8 + Math.random() * 0.4);
        const ra = (e as { retryAfterMs?: number }).retryAfterMs;
        if (ra) wait = Math.max(wait, ra);
        if (remaining <= 0 || wait > remaining) {
          const secs = ((Date.now() - start) / 1000).toFixed(1);
          (e as Error).message += ` (gave up after ${attempts} attempt${
            attempts === 1 ? "" : "s"
          } in ${secs}s)`;
          throw e;
        }
        await sleep(wait);
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
      }
    }
  }

  /** Request and parse a JSON answer. */
  async json<T = KubeObject>(
    method: string,
    path: string,
    opts: CallOptions & { body?: unknown; contentType?: string; verb?: string; what?: string } = {},
  ): Promise<T> {
    const res = await this.raw(method, path, opts);
    if (!res.body) return undefined as T;
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new Error(
        `unable to ${opts.verb ?? method.toLowerCase()} ${opts.what ?? path} on ${this.server}: ` +
          `the answer is not JSON`,
      );
    }
  }

  /** GET one object. */
  get<T = KubeObject>(
    res: Resource | ResourceName,
    name: string,
    namespace?: string,
    opts: CallOptions = {},
  ): Promise<T> {
    const r = resolveResource(res);
    return this.json<T>("GET", resourcePath(r, namespace, name), {
      ...opts,
      verb: "get",
      what: describeObject(r, namespace, name),
    });
  }

  /** POST a new object; the namespace comes from `obj.metadata.namespace`. */
  create<T = KubeObject>(
    res: Resource | ResourceName,
    obj: KubeObject,
    opts: CallOptions = {},
  ): Promise<T> {
    return this.writeObject<T>("create", res, obj, opts);
  }

  /** PUT an object (unconditional when it carries no resourceVersion). */
  update<T = KubeObject>(
    res: Resource | ResourceName,
    obj: KubeObject,
    opts: CallOptions = {},
  ): Promise<T> {
    return this.writeObject<T>("update", res, obj, opts);
  }

  /**
   * The body of {@link create} (POST to the collection) and {@link update} (PUT to the object,
   * which must have a name): `obj` with its apiVersion and kind, the namespace from its metadata.
   */
  private writeObject<T>(
    verb: "create" | "update",
    res: Resource | ResourceName,
    obj: KubeObject,
    opts: CallOptions,
  ): Promise<T> {
    const r = resolveResource(res);
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (verb === "update" && !name) {
      throw new Error(`update ${r.kind}: the object has no metadata.name`);
    }
    return this.json<T>(
      verb === "create" ? "POST" : "PUT",
      resourcePath(r, ns, verb === "create" ? undefined : name),
      {
        ...opts,
        body: withTypeMeta(r, obj),
        verb,
        what: describeObject(r, ns, name ?? ""),
      },
    );
  }

  /** PATCH an object. */
  patch<T = KubeObject>(
    res: Resource | ResourceName,
    name: string,
    patch: unknown,
    type: PatchType = "strategic",
    namespace?: string,
    opts: CallOptions = {},
  ): Promise<T> {
    const r = resolveResource(res);
    return this.json<T>("PATCH", resourcePath(r, namespace, name), {
      ...opts,
      body: typeof patch === "string" ? patch : JSON.stringify(patch),
      contentType: PATCH_CONTENT_TYPE[type],
      verb: "patch",
      what: describeObject(r, namespace, name),
    });
  }

  /** DELETE an object. */
  async delete(
    res: Resource | ResourceName,
    name: string,
    namespace?: string,
    opts: CallOptions & { propagationPolicy?: "Foreground" | "Background" | "Orphan" } = {},
  ): Promise<void> {
    const r = resolveResource(res);
    const body = opts.propagationPolicy
      ? { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: opts.propagationPolicy }
      : undefined;
    await this.raw("DELETE", resourcePath(r, namespace, name), {
      ...opts,
      body,
      verb: "delete",
      what: describeObject(r, namespace, name),
    });
  }

  /** LIST objects (namespace optional for namespaced resources = all namespaces). */
  list<T = KubeObject>(res: Resource | ResourceName, opts: ListOptions = {}): Promise<KubeList<T>> {
    const r = resolveResource(res);
    return this.json<KubeList<T>>("GET", resourcePath(r, opts.namespace), {
      ...opts,
      query: {
        ...opts.query,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
      },
      verb: "list",
      what: describeObject(r, opts.namespace),
    });
  }
}

/** Set `apiVersion`/`kind` when the object lacks them (the API server needs them on POST/PUT). */
function withTypeMeta(res: Resource, obj: KubeObject): KubeObject {
  if (obj.apiVersion && obj.kind) return obj;
  return { apiVersion: apiVersionOf(res), kind: res.kind, ...obj };
}
