/**
 * One HTTPS GET over `node:tls`, with the server chain verified by OpenSSL's verifier
 * (`lib/pki/verify.ts`) against an explicit set of roots (and nothing else: no system store, no
 * DENO_TLS_CA_STORE), or not at all for kubeadm's deliberately insecure first cluster-info fetch.
 *
 * The request is written only after the server certificate chain and name were verified, so
 * a bearer token or client certificate is never presented to an unverified server.
 */
import tls from "node:tls";
import { isIP } from "node:net";
import { type Certificate, parseCertificate } from "../pki/x509.ts";
import { verifyCertificate } from "../pki/verify.ts";
import { concatBytes } from "../util/bytes.ts";

export interface TLSGetOptions {
  /** Trusted roots: the server chain must verify against one of them, and the host name. */
  roots?: Certificate[];
  /** Do not verify the server at all (kubeadm's insecure cluster-info fetch). */
  insecure?: boolean;
  /** Override the name the certificate must be valid for (kubeconfig tls-server-name). */
  serverName?: string;
  headers?: Record<string, string>;
  /** Client certificate chain and key (PEM) for mTLS. */
  clientCert?: string;
  clientKey?: string;
  /** Bearer token; only ever sent after the server was verified (never when insecure). */
  bearerToken?: string;
  /** Whole-request timeout (default 10 s). */
  timeoutMs?: number;
  /** HTTP method (default GET) and request body. */
  method?: string;
  body?: string;
  /** Abort the request. */
  signal?: AbortSignal;
}

export interface TLSGetResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A TLS verification failure (never retried as "transient" by callers that care). */
export class TLSVerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TLSVerifyError";
  }
}

interface PeerCert {
  raw?: Uint8Array;
  fingerprint256?: string;
  issuerCertificate?: PeerCert;
}

/** The presented chain, leaf first, as kubestrap Certificates. */
export function peerChain(sock: tls.TLSSocket): Certificate[] {
  const out: Certificate[] = [];
  let c = sock.getPeerCertificate(true) as unknown as PeerCert | undefined;
  const seen = new Set<string>();
  while (c && c.raw && out.length < 10) {
    const fp = c.fingerprint256 ?? String(out.length);
    if (seen.has(fp)) break;
    seen.add(fp);
    out.push(parseCertificate(new Uint8Array(c.raw)));
    c = c.issuerCertificate;
  }
  return out;
}

/**
 * crypto/tls's verification of the server as a Go client with RootCAs = `roots` and ServerName =
 * `host` does it (x509 Verify with the presented intermediates, DNSName, ExtKeyUsageServerAuth),
 * by OpenSSL's verifier; refusals carry Go's "tls: failed to verify certificate: x509: ..." text.
 */
export function verifyServerChain(
  chain: Certificate[],
  roots: Certificate[],
  host: string,
  now = new Date(),
): void {
  if (chain.length === 0) throw new TLSVerifyError("tls: server presented no certificate");
  if (roots.length === 0) throw new TLSVerifyError("tls: no trusted roots to verify against");
  const [leaf, ...intermediates] = chain;
  try {
    verifyCertificate(leaf, { roots, intermediates, usage: "serverAuth", host, now });
  } catch (e) {
    throw new TLSVerifyError(`tls: failed to verify certificate: ${(e as Error).message}`);
  }
}

/** One whole HTTP/1.1 response (status, headers, de-chunked body). */
export function parseResponse(buf: Uint8Array): TLSGetResponse {
  let end = -1;
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error("malformed HTTP response: no header terminator");
  const head = new TextDecoder("latin1").decode(buf.subarray(0, end)).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "");
  if (!m) throw new Error("malformed HTTP response: bad status line");
  const headers: Record<string, string> = {};
  for (const l of head.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = buf.subarray(end + 4);
  if ((headers["transfer-encoding"] ?? "").toLowerCase().includes("chunked")) {
    const parts: Uint8Array[] = [];
    let o = 0;
    while (true) {
      let le = o;
      while (le + 1 < body.length && !(body[le] === 13 && body[le + 1] === 10)) le++;
      if (le + 1 >= body.length) throw new Error("malformed HTTP response: truncated chunk");
      const size = parseInt(new TextDecoder().decode(body.subarray(o, le)).split(";")[0], 16);
      if (!Number.isFinite(size)) throw new Error("malformed HTTP response: bad chunk size");
      o = le + 2;
      if (size === 0) break;
      if (o + size > body.length) throw new Error("malformed HTTP response: truncated chunk");
      parts.push(body.subarray(o, o + size));
      o += size + 2;
    }
    body = concatBytes(parts);
  } else if (headers["content-length"] !== undefined) {
    const n = Number(headers["content-length"]);
    if (!Number.isInteger(n) || n > body.length) {
      throw new Error("malformed HTTP response: truncated body");
    }
    body = body.subarray(0, n);
  }
  return { status: Number(m[1]), headers, body: body.slice() };
}

/** One request to `url` (https only, GET unless `method`). Rejects on network, TLS verification or protocol errors. */
export function tlsGet(url: string, opts: TLSGetOptions): Promise<TLSGetResponse> {
  const u = new URL(url);
  if (u.protocol !== "https:") return Promise.reject(new Error(`unsupported scheme in ${url}`));
  if (!opts.insecure && !(opts.roots && opts.roots.length > 0)) {
    // Fail closed: a verified request without roots would trust nothing, never everything.
    return Promise.reject(new TLSVerifyError("tls: no trusted roots to verify against"));
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = Number(u.port || 443);
  const verifyName = opts.serverName || host;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let done = false;
    const chunks: Uint8Array[] = [];
    const sock = tls.connect({
      host,
      port,
      servername: isIP(verifyName) ? undefined : verifyName,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      cert: opts.clientCert,
      key: opts.clientKey,
    });
    const timer = setTimeout(() => {
      fail(new Error(`no response from ${u.host} within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    };
    sock.on("error", (e: Error) => fail(e));
    opts.signal?.addEventListener("abort", () => fail(new Error("request aborted")));
    sock.on("secureConnect", () => {
      if (!opts.insecure) {
        try {
          verifyServerChain(peerChain(sock), opts.roots!, verifyName);
        } catch (e) {
          fail(e instanceof TLSVerifyError ? e : new TLSVerifyError((e as Error).message));
          return;
        }
      }
      const hdrs: Record<string, string> = {
        "Host": u.host,
        "User-Agent": "kubestrap",
        "Accept": "application/json, */*",
        "Connection": "close",
        ...opts.headers,
      };
      if (opts.bearerToken && !opts.insecure) hdrs["Authorization"] = `Bearer ${opts.bearerToken}`;
      const body = opts.body === undefined ? undefined : new TextEncoder().encode(opts.body);
      if (body) hdrs["Content-Length"] = String(body.length);
      let req = `${opts.method ?? "GET"} ${u.pathname}${u.search} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(hdrs)) req += `${k}: ${v}\r\n`;
      sock.write(req + "\r\n");
      if (body) sock.write(body);
    });
    sock.on("data", (c: Uint8Array) => chunks.push(new Uint8Array(c)));
    sock.on("end", () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      try {
        resolve(parseResponse(concatBytes(chunks)));
      } catch (e) {
        reject(e);
      }
    });
  });
}
