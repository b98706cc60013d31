/**
 * CA public-key pins as kubeadm prints and checks them (util/pubkeypin):
 * `sha256:` + lowercase hex of SHA-256 over the certificate's DER SubjectPublicKeyInfo.
 */

import { createHash } from "node:crypto";

/** `sha256` */
export const PIN_FORMAT_SHA256 = "sha256";

/** DER certificates of every `CERTIFICATE` block of a PEM bundle. */
export function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (const m of pem.matchAll(re)) {
    const bin = atob(m[1].replace(/\s+/g, ""));
    out.push(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
  return out;
}

/** Header length and content length of the DER element at `off`. */
function tlv(der: Uint8Array, off: number): { tag: number; start: number; end: number } {
  if (off + 2 > der.length) throw new Error("malformed certificate: truncated DER");
  const tag = der[off];
  let len = der[off + 1];
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || off + 2 + n > der.length) {
      throw new Error("malformed certificate: bad DER length");
    }
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[off + 2 + i];
    hdr += n;
  }
  const start = off + hdr;
  if (start + len > der.length) throw new Error("malformed certificate: truncated DER");
  return { tag, start, end: start + len };
}

/** The raw DER SubjectPublicKeyInfo of a DER certificate (Go's RawSubjectPublicKeyInfo). */
export function subjectPublicKeyInfo(certDer: Uint8Array): Uint8Array {
  const cert = tlv(certDer, 0);
  const tbs = tlv(certDer, cert.start);
  if (cert.tag !== 0x30 || tbs.tag !== 0x30) throw new Error("malformed certificate");
  let off = tbs.start;
  let el = tlv(certDer, off);
  if (el.tag === 0xa0) { // [0] version
    off = el.end;
    el = tlv(certDer, off);
  }
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  for (let i = 0; i < 5; i++) {
    off = el.end;
    el = tlv(certDer, off);
  }
  if (el.tag !== 0x30) throw new Error("malformed certificate: no SubjectPublicKeyInfo");
  return certDer.slice(off, el.end);
}

/** `sha256:<hex>` of one DER certificate. */
export function caCertHash(certDer: Uint8Array): string {
  const h = createHash("sha256").update(subjectPublicKeyInfo(certDer)).digest("hex");
  return `${PIN_FORMAT_SHA256}:${h}`;
}

/** One pin per certificate in a PEM bundle, in order. */
export function caCertHashes(pem: string): string[] {
  return pemCertificates(pem).map(caCertHash);
}

/**
 * kubeadm's pubkeypin.Set.Allow for one pin: `<format>:<hex>`, only sha256 (any case)
 * with 32 bytes of hex. Returns the normalized lowercase pin; throws kubeadm's messages.
 */
export function validatePin(pin: string): string {
  const parts = pin.split(":");
  if (parts.length !== 2) {
    throw new Error(`invalid hash, expected "format:hex-value". Known format(s) are: sha256`);
  }
  const [format, value] = parts;
  if (format.toLowerCase() !== PIN_FORMAT_SHA256) {
    throw new Error(`unknown hash format ${JSON.stringify(format)}. Known format(s) are: sha256`);
  }
  // hex.DecodedLen(n) = n / 2
  const decodedLen = Math.trunc(value.length / 2);
  if (decodedLen !== 32) {
    throw new Error(
      `invalid hash ${
        JSON.stringify(pin)
      }, expected a 32 byte SHA-256 hash, found ${decodedLen} bytes`,
    );
  }
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    throw new Error(
      `invalid hash ${
        JSON.stringify(pin)
      }, could not decode SHA-256 from hex: encoding/hex: invalid byte`,
    );
  }
  return `${PIN_FORMAT_SHA256}:${value.toLowerCase()}`;
}

/**
 * Whether any certificate of the PEM bundle matches one of `pins` (kubeadm's
 * discovery check). Throws kubeadm's error when none does.
 */
export function checkCAPins(caPem: string, pins: string[]): void {
  const allowed = new Set(pins.map(validatePin));
  const actual = caCertHashes(caPem);
  if (actual.some((h) => allowed.has(h))) return;
  throw new Error(
    `cluster CA found in cluster-info ConfigMap is invalid: none of the public keys ` +
      `${JSON.stringify(actual.join(":"))} are pinned`,
  );
}
