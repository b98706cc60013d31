/**
 * The detached JWS the bootstrapsigner controller writes into `cluster-info` as
 * `jws-kubeconfig-<token-id>`, computed exactly as cluster-bootstrap's
 * ComputeDetachedSignature (go-jose HS256, protected header {"alg":"HS256","kid":<id>},
 * compact serialization with the payload part removed).
 */

import { createHmac, timingSafeEqual } from "node:crypto";

function b64url(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * `BASE64URL(header) + ".." + BASE64URL(HMAC-SHA256(secret, BASE64URL(header) + "." +
 * BASE64URL(content)))`. The header is go-jose's: keys sorted, no spaces.
 */
export function computeDetachedSignature(content: string, tokenID: string, tokenSecret: string) {
  const header = b64url(JSON.stringify({ alg: "HS256", kid: tokenID }));
  const signingInput = `${header}.${b64url(content)}`;
  const mac = createHmac("sha256", tokenSecret).update(signingInput).digest();
  return `${header}..${b64url(new Uint8Array(mac))}`;
}

/** cluster-bootstrap DetachedTokenIsValid (compared in constant time). */
export function detachedTokenIsValid(
  detachedToken: string,
  content: string,
  tokenID: string,
  tokenSecret: string,
): boolean {
  const want = new TextEncoder().encode(computeDetachedSignature(content, tokenID, tokenSecret));
  const got = new TextEncoder().encode(detachedToken);
  return got.length === want.length && timingSafeEqual(got, want);
}
