/**
 * A lib/kube Transport that verifies the API server strictly against the cluster CA learnt in
 * discovery (no system roots) before sending anything, credentials included.
 */
import type { KubeClientConfig, Transport } from "../kube/client.ts";
import { parseCertsPEM } from "../pki/x509.ts";
import { tlsGet } from "./tlsget.ts";

export function pinnedTransport(cfg: KubeClientConfig): Transport {
  if (!cfg.caData) throw new Error("a pinned transport needs the cluster CA");
  const roots = parseCertsPEM(cfg.caData);
  return {
    async send(req) {
      const headers = { ...req.headers };
      let bearer: string | undefined;
      if (headers["Authorization"]?.startsWith("Bearer ")) {
        bearer = headers["Authorization"].slice(7);
        delete headers["Authorization"];
      }
      const res = await tlsGet(req.url, {
        roots,
        method: req.method,
        body: req.body,
        headers,
        bearerToken: bearer,
        clientCert: cfg.certData,
        clientKey: cfg.keyData,
        signal: req.signal,
        timeoutMs: 60_000,
      });
      return { status: res.status, headers: res.headers, body: new TextDecoder().decode(res.body) };
    },
    close() {},
  };
}
