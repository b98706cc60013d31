/**
 * CA public-key pins as kubeadm prints and checks them (util/pubkeypin):
 * `sha256:` + lowercase hex of SHA-256 over the certificate's DER SubjectPublicKeyInfo.
 */

import { DerError, type Node, parse } from "../pki/der.ts";
import { sha256Hex } from "../util/sha256.ts";
import { fromBase64 } from "../util/bytes.ts";

/** `sha256` */
const PIN_FORMAT_SHA256 = "sha256";

/** DER certificates of every `CERTIFICATE` block of a PEM bundle. */
function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (const m of pem.matchAll(re)) {
    out.push(fromBase64(m[1].replace(/\s+/g, "")));
  }
  return out;
}

/** The DER element at `off` (lib/pki/der.ts), its errors as "malformed certificate: ...". */
function element(buf: Uint8Array, off: number): Node {
  try {
    return parse(buf, off);
  } catch (e) {
    if (e instanceof DerError) throw new Error(`malformed certificate: ${e.message}`);
    throw e;
  }
}

/** The raw DER SubjectPublicKeyInfo of a DER certificate (Go's RawSubjectPublicKeyInfo). */
function subjectPublicKeyInfo(certDer: Uint8Array): Uint8Array {
  const cert = element(certDer, 0);
  const tbs = element(certDer, cert.contentStart);
  if (cert.tag !== 0x30 || tbs.tag !== 0x30) throw new Error("malformed certificate");
  let el = element(certDer, tbs.contentStart);
  if (el.tag === 0xa0) el = element(certDer, el.end); // [0] version
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  for (let i = 0; i < 5; i++) el = element(certDer, el.end);
  if (el.tag !== 0x30) throw new Error("malformed certificate: no SubjectPublicKeyInfo");
  return certDer.slice(el.start, el.end);
}

/** `sha256:<hex>` of one DER certificate. */
export function caCertHash(certDer: Uint8Array): string {
  const h = sha256Hex(subjectPublicKeyInfo(certDer));
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
