/**
 * Private/public keys as kubeadm (client-go keyutil) writes them: RSA keys as PKCS#1
 * `RSA PRIVATE KEY`, ECDSA keys as SEC1 `EC PRIVATE KEY`, public keys as PKIX `PUBLIC KEY`.
 * Keys are node:crypto KeyObjects. RSA keys come from OpenSSL's generator in the host's libcrypto
 * where it has one (./rsa.ts), else from node:crypto; either way off the main thread, one per CPU
 * at a time.
 */
import * as nodeCrypto from "node:crypto";
import { KubestrapError } from "../errors.ts";
import { generateRsaKey } from "./rsa.ts";
import { fromBase64, toBase64 } from "../util/bytes.ts";

export type EncryptionAlgorithm =
  | "RSA-2048"
  | "RSA-3072"
  | "RSA-4096"
  | "ECDSA-P256"
  | "ECDSA-P384";

/** kubeadm's default (`DefaultEncryptionAlgorithm`). */
export const DEFAULT_ENCRYPTION_ALGORITHM: EncryptionAlgorithm = "RSA-2048";

export type PrivateKey = nodeCrypto.KeyObject;
export type PublicKey = nodeCrypto.KeyObject;

/** Keys generated ahead of time by primeKeyPool, per algorithm. */
const keyPool = new Map<EncryptionAlgorithm, Promise<PrivateKey>[]>();

/**
 * Starts generating `n` keys of `alg` in the background; later generatePrivateKey calls take
 * them first, oldest first. The init workflow primes the pool for every certificate and
 * kubeconfig file its selected phases will write, before the first phase runs.
 */
export function primeKeyPool(alg: EncryptionAlgorithm, n: number): void {
  const pending = keyPool.get(alg) ?? [];
  for (let i = 0; i < n; i++) {
    const p = newPrivateKey(alg);
    p.catch(() => {}); // surfaced when taken
    pending.push(p);
  }
  keyPool.set(alg, pending);
}

/** Generates a new private key for `alg` (pkiutil.GeneratePrivateKey). */
export function generatePrivateKey(
  alg: EncryptionAlgorithm = DEFAULT_ENCRYPTION_ALGORITHM,
): Promise<PrivateKey> {
  const pooled = keyPool.get(alg)?.shift();
  return pooled ?? newPrivateKey(alg);
}

/**
 * How many key generations run at once: one per CPU. Each takes one thread of the runtime's
 * blocking pool for the whole key (OpenSSL's EVP_PKEY_keygen, or node:crypto's generator), so
 * keys finish in about the order asked for and the first certificates are signed and written
 * while later keys are still being made.
 */
let maxConcurrent = 0;
function slots(): number {
  if (!maxConcurrent) maxConcurrent = Math.max(1, navigator.hardwareConcurrency || 1);
  return maxConcurrent;
}
let running = 0;
const queue: (() => void)[] = [];

async function withSlot<T>(f: () => Promise<T>): Promise<T> {
  if (running >= slots()) await new Promise<void>((r) => queue.push(r));
  else running++;
  try {
    return await f();
  } finally {
    const next = queue.shift();
    if (next) next(); // hands the slot over
    else running--;
  }
}

function newPrivateKey(alg: EncryptionAlgorithm): Promise<PrivateKey> {
  return withSlot(() => generateNow(alg));
}

function generateNow(alg: EncryptionAlgorithm): Promise<PrivateKey> {
  switch (alg) {
    case "ECDSA-P256":
    case "ECDSA-P384":
      return new Promise((resolve, reject) =>
        nodeCrypto.generateKeyPair(
          "ec",
          { namedCurve: alg === "ECDSA-P256" ? "prime256v1" : "secp384r1" },
          (err, _pub, priv) => err ? reject(err) : resolve(priv),
        )
      );
    case "RSA-2048":
    case "RSA-3072":
    case "RSA-4096":
      return generateRsaKey(Number(alg.slice(4)));
    default:
      return Promise.reject(
        new KubestrapError(
          `cannot obtain key size from unknown RSA algorithm: ${JSON.stringify(alg)}`,
        ),
      );
  }
}

// ---------------------------------------------------------------------------------------------
// PEM

export interface PemBlock {
  type: string;
  bytes: Uint8Array;
}

/** Go's pem.EncodeToMemory: 64-column base64 body, trailing newline. */
export function encodePem(type: string, bytes: Uint8Array): string {
  const b64 = toBase64(bytes);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.join("\n")}${
    lines.length ? "\n" : ""
  }-----END ${type}-----\n`;
}

/** All PEM blocks in `data` (headers are not supported and make a block invalid). */
export function decodePemBlocks(data: string | Uint8Array): PemBlock[] {
  const text = typeof data === "string" ? data : new TextDecoder().decode(data);
  const re = new RegExp("-----BEGIN ([^\\r\\n-]*)-----\\r?\\n([\\s\\S]*?)-----END \\1-----", "g");
  const out: PemBlock[] = [];
  for (const m of text.matchAll(re)) {
    const body = m[2];
    if (body.includes(":")) continue; // PEM headers (encrypted keys): not supported
    try {
      out.push({ type: m[1], bytes: fromBase64(body.replace(/\s+/g, "")) });
    } catch {
      // invalid base64: skip, like pem.Decode does
    }
  }
  return out;
}

export function encodePrivateKeyPEM(key: PrivateKey): string {
  if (key.asymmetricKeyType === "rsa") {
    const der = key.export({ type: "pkcs1", format: "der" });
    return encodePem("RSA PRIVATE KEY", new Uint8Array(der));
  }
  if (key.asymmetricKeyType === "ec") {
    const der = key.export({ type: "sec1", format: "der" });
    return encodePem("EC PRIVATE KEY", new Uint8Array(der));
  }
  throw new KubestrapError(`private key is not a recognized type: ${key.asymmetricKeyType}`);
}

/** PKIX `PUBLIC KEY` PEM of a public (or private) key (pkiutil.EncodePublicKeyPEM). */
export function encodePublicKeyPEM(key: PublicKey | PrivateKey): string {
  return encodePem("PUBLIC KEY", spkiDer(key));
}

/** DER SubjectPublicKeyInfo of a key. */
export function spkiDer(key: PublicKey | PrivateKey): Uint8Array {
  const pub = key.type === "private" ? nodeCrypto.createPublicKey(key) : key;
  return new Uint8Array(pub.export({ type: "spki", format: "der" }));
}

/**
 * Parses the first RSA or ECDSA private key in PEM data, like keyutil.ParsePrivateKeyPEM
 * (`EC PRIVATE KEY`, `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`; other blocks are skipped).
 */
export function parsePrivateKeyPEM(data: string | Uint8Array): PrivateKey {
  for (const block of decodePemBlocks(data)) {
    const type = block.type === "EC PRIVATE KEY"
      ? "sec1"
      : block.type === "RSA PRIVATE KEY"
      ? "pkcs1"
      : block.type === "PRIVATE KEY"
      ? "pkcs8"
      : undefined;
    if (!type) continue;
    try {
      // node's types want a Buffer-like; Uint8Array works at runtime.
      const key = nodeCrypto.createPrivateKey({
        key: block.bytes as unknown as string,
        format: "der",
        type,
      });
      if (key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "ec") return key;
    } catch {
      // try the next block
    }
  }
  throw new KubestrapError("data does not contain a valid RSA or ECDSA private key");
}
