/** Shared material for the discovery tests: CAs, serving certificates, a signed cluster-info. */
import { opensslCA, opensslCert, tempDir } from "../harness/mod.ts";
import { clusterInfoKubeconfig } from "../../lib/apiobjects/bootstraptoken.ts";
import { caCertHashes } from "../../lib/tokens/cahash.ts";
import { computeDetachedSignature } from "../../lib/tokens/jws.ts";

export const TOKEN_ID = "abcdef";
export const TOKEN_SECRET = "0123456789abcdef";
export const TOKEN = `${TOKEN_ID}.${TOKEN_SECRET}`;
export const OTHER_TOKEN_SECRET = "fedcba9876543210";
/** A certificate key (hex of 32 bytes) used by the download-certs tests. */
export const CERT_KEY = "2e3c4239bc78c27f40530ddc2df7049a2c5ff146e5a702e9c9b6cdbec70df9f3";

export interface PKIMaterial {
  dir: string;
  caPem: string;
  caHash: string;
  serverCert: string;
  serverKey: string;
  /** A certificate for 127.0.0.1 from an unrelated CA (the man in the middle). */
  mitmCert: string;
  mitmKey: string;
  otherCaHash: string;
  remove(): Promise<void>;
}

export async function makePKI(): Promise<PKIMaterial> {
  const t = await tempDir("kubestrap-discovery-");
  const ca = await opensslCA(t.path, "ca", "kubernetes");
  const srv = await opensslCert(t.path, "apiserver", ca, {
    cn: "kube-apiserver",
    ips: ["127.0.0.1"],
    dns: ["localhost"],
    usage: ["server"],
  });
  const other = await opensslCA(t.path, "other-ca", "kubernetes");
  const mitm = await opensslCert(t.path, "mitm", other, {
    cn: "kube-apiserver",
    ips: ["127.0.0.1"],
    usage: ["server"],
  });
  const caPem = await Deno.readTextFile(ca.cert);
  return {
    dir: t.path,
    caPem,
    caHash: caCertHashes(caPem)[0],
    serverCert: await Deno.readTextFile(srv.cert),
    serverKey: await Deno.readTextFile(srv.key),
    mitmCert: await Deno.readTextFile(mitm.cert),
    mitmKey: await Deno.readTextFile(mitm.key),
    otherCaHash: caCertHashes(await Deno.readTextFile(other.cert))[0],
    remove: () => t.remove(),
  };
}

/** The cluster-info data a real control plane would serve for `endpoint`, signed for TOKEN. */
export function signedClusterInfo(
  endpoint: string,
  caPem: string,
  secret = TOKEN_SECRET,
): Record<string, string> {
  const kubeconfig = clusterInfoKubeconfig({ server: `https://${endpoint}`, caData: caPem });
  return {
    kubeconfig,
    [`jws-kubeconfig-${TOKEN_ID}`]: computeDetachedSignature(kubeconfig, TOKEN_ID, secret),
  };
}
