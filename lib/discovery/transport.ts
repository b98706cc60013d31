/**
 * A lib/kube Transport that trusts the cluster CA of its configuration and nothing else (no
 * system roots, no DENO_TLS_CA_STORE), as client-go's tls.Config{RootCAs: <the kubeconfig's
 * CA>} does: the server chain and name are verified by OpenSSL's verifier (lib/pki/verify.ts)
 * before anything is sent, credentials included.
 *
 * Deno's fetch cannot do this (Deno.createHttpClient's caCerts are added to the Mozilla roots,
 * so a server with any publicly trusted certificate for the name would pass). main.ts installs
 * this transport for every lib/kube client whose configuration carries a CA (setCATransport).
 *
 * One verified HTTP/1.1 connection is kept alive and reused, one request at a time (a new TLS
 * handshake per request grew Deno's native heap); a connection the server closed while idle is
 * replaced, and the request sent again, when nothing of its answer had arrived.
 */
import tls from "node:tls";
import { isIP } from "node:net";
import { failLikeNodeIfRefused, type KubeClientConfig, type Transport } from "../kube/client.ts";
import type { TransportRequest, TransportResponse } from "../kube/client.ts";
import { parseCertsPEM } from "../pki/x509.ts";
import { concatBytes } from "../util/bytes.ts";
import { parseResponse, peerChain, TLSVerifyError, verifyServerChain } from "./tlsget.ts";

const INCOMPLETE = /no header terminator|truncated/;

/** The response in `buf` once it is complete (undefined while more is to come). */
function completeResponse(buf: Uint8Array, method: string): TransportResponse | undefined {
  let r;
  try {
    r = parseResponse(buf);
  } catch (e) {
    if (INCOMPLETE.test((e as Error).message)) return undefined;
    throw e;
  }
  const text = new TextDecoder().decode(buf.subarray(0, Math.min(buf.length, 16384)));
  const head = text.slice(0, text.indexOf("\r\n\r\n")).toLowerCase();
  const framed = /\r\ncontent-length:/.test(head) || /\r\ntransfer-encoding:.*chunked/.test(head);
  const bodyless = method === "HEAD" || r.status === 204 || r.status === 304;
  if (!framed && !bodyless) return undefined; // read to the end of the connection
  return {
    status: r.status,
    headers: r.headers,
    body: new TextDecoder().decode(bodyless ? new Uint8Array() : r.body),
  };
}

interface Conn {
  sock: tls.TLSSocket;
  used: boolean;
  closed: boolean;
  /** Bytes of the answer in progress, and who waits for them. */
  chunks: Uint8Array[];
  onData?: () => void;
  onClose?: (e?: Error) => void;
}

export function pinnedTransport(cfg: KubeClientConfig): Transport {
  if (!cfg.caData) throw new Error("a pinned transport needs the cluster CA");
  const roots = parseCertsPEM(cfg.caData);
  let conn: Conn | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const connect = async (u: URL, signal: AbortSignal): Promise<Conn> => {
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const port = Number(u.port || 443);
    // node:tls keeps native memory per refused connection (see lib/kube/client.ts).
    await failLikeNodeIfRefused(host, port);
    return await new Promise<Conn>((resolve, reject) => {
      const sock = tls.connect({
        host,
        port,
        servername: isIP(host) ? undefined : host,
        rejectUnauthorized: false,
        ALPNProtocols: ["http/1.1"],
        cert: cfg.certData,
        key: cfg.keyData,
      });
      const c: Conn = { sock, used: false, closed: false, chunks: [] };
      let ready = false;
      const abort = () => {
        sock.destroy();
        if (!ready) reject(new Error("request aborted"));
      };
      if (signal.aborted) return abort();
      signal.addEventListener("abort", abort, { once: true });
      const closed = (e?: Error) => {
        c.closed = true;
        if (!ready) reject(e ?? new Error(`connection to ${u.host} closed during the handshake`));
        c.onClose?.(e);
      };
      sock.on("error", (e: Error) => closed(e));
      sock.on("close", () => closed());
      sock.on("data", (d: Uint8Array) => {
        c.chunks.push(new Uint8Array(d));
        c.onData?.();
      });
      sock.on("secureConnect", () => {
        try {
          verifyServerChain(peerChain(sock), roots, host);
        } catch (e) {
          sock.destroy();
          reject(e instanceof TLSVerifyError ? e : new TLSVerifyError((e as Error).message));
          return;
        }
        ready = true;
        signal.removeEventListener("abort", abort);
        resolve(c);
      });
    });
  };

  const exchange = (c: Conn, req: TransportRequest, u: URL): Promise<TransportResponse> => {
    c.used = true;
    c.chunks = [];
    return new Promise<TransportResponse>((resolve, reject) => {
      let settled = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        c.onData = c.onClose = undefined;
        req.signal?.removeEventListener("abort", abort);
        f();
      };
      const abort = () => {
        c.sock.destroy();
        finish(() => reject(new Error("request aborted")));
      };
      c.onData = () => {
        try {
          const r = completeResponse(concatBytes(c.chunks), req.method);
          if (!r) return;
          if ((r.headers["connection"] ?? "").toLowerCase() === "close") c.sock.destroy();
          finish(() => resolve(r));
        } catch (e) {
          c.sock.destroy();
          finish(() => reject(e));
        }
      };
      c.onClose = (e) => {
        const got = concatBytes(c.chunks);
        if (got.length > 0) {
          // Unframed answers end with the connection.
          try {
            const r = parseResponse(got);
            return finish(() =>
              resolve({
                status: r.status,
                headers: r.headers,
                body: new TextDecoder().decode(r.body),
              })
            );
          } catch (e2) {
            return finish(() => reject(e2));
          }
        }
        finish(() =>
          reject(Object.assign(e ?? new Error(`connection to ${u.host} closed`), { stale: true }))
        );
      };
      if (req.signal?.aborted) return abort();
      req.signal?.addEventListener("abort", abort);
      const headers: Record<string, string> = {
        "Host": u.host,
        "Connection": "keep-alive",
        ...req.headers,
      };
      const body = req.body === undefined ? undefined : new TextEncoder().encode(req.body);
      if (body) headers["Content-Length"] = String(body.length);
      let head = `${req.method} ${u.pathname}${u.search} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
      c.sock.write(head + "\r\n");
      if (body) c.sock.write(body);
    });
  };

  const send = async (req: TransportRequest): Promise<TransportResponse> => {
    const u = new URL(req.url);
    if (u.protocol !== "https:") throw new Error(`unsupported scheme in ${req.url}`);
    for (let attempt = 0;; attempt++) {
      if (!conn || conn.closed) conn = await connect(u, req.signal);
      const c = conn;
      const reused = c.used;
      try {
        return await exchange(c, req, u);
      } catch (e) {
        c.sock.destroy();
        if (conn === c) conn = undefined;
        // A kept-alive connection the server had closed: once more on a new one.
        if (reused && attempt === 0 && (e as { stale?: boolean }).stale) continue;
        throw e;
      }
    }
  };

  return {
    send(req) {
      const p = queue.then(() => send(req));
      queue = p.catch(() => {});
      return p;
    },
    close() {
      conn?.sock.destroy();
      conn = undefined;
    },
  };
}
