/**
 * SHA-256 helpers (node:crypto): the digest of bytes or of a UTF-8 string, as bytes or lowercase
 * hex, and the hex digest of a stream. Callers add their own prefix ("sha256:") where the format
 * wants one (OCI digests, kubeadm's CA public key pins, ConfigMap checksums).
 */
import { createHash } from "node:crypto";

/** The SHA-256 digest (32 bytes) of bytes or of a string's UTF-8 encoding. */
export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

/** The SHA-256 digest as 64 lowercase hex digits. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The SHA-256 digest, as lowercase hex, of everything a stream yields. */
export async function sha256HexStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of stream) h.update(chunk);
  return h.digest("hex");
}
