/**
 * RSA key generation from primes made by the host's OpenSSL libcrypto, through Deno's FFI.
 *
 * Deno's own RSA generation (node:crypto and WebCrypto alike) takes about 100 ms per 2048-bit
 * key here; OpenSSL's prime generator (`BN_generate_prime_ex`: random start with the top two
 * bits set, trial division, then Miller-Rabin, 64 rounds on OpenSSL 3) makes both primes of a
 * key in about a fifth of that. kubestrap takes the two primes from it and builds the key itself
 * as FIPS 186-5 A.1.1 asks: e = 65537, gcd(e, p-1) = gcd(e, q-1) = 1, |p - q| > 2^(nlen/2-100),
 * d = e^-1 mod lcm(p-1, q-1) with d > 2^(nlen/2), the CRT values, then a pairwise sign/verify
 * check through node:crypto before the key is used.
 *
 * The library is the machine's own (like the runtime's libc, not a file under --rootfs). Where
 * it cannot be loaded (no OpenSSL, or `KUBESTRAP_RSA_KEYGEN=node`), generation falls back to
 * node:crypto: same keys, slower.
 */
import * as nodeCrypto from "node:crypto";

/** `BN_generate_prime_ex` takes the caller's thread: run it on the runtime's blocking pool. */
const SYMBOLS = {
  BN_new: { parameters: [], result: "pointer" },
  BN_clear_free: { parameters: ["pointer"], result: "void" },
  BN_generate_prime_ex: {
    parameters: ["pointer", "i32", "i32", "pointer", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  BN_num_bits: { parameters: ["pointer"], result: "i32" },
  BN_bn2binpad: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;

/** Sonames tried in order: OpenSSL 3, then 1.1 (both export the functions above). */
const SONAMES = ["libcrypto.so.3", "libcrypto.so.1.1"];

let lib: Lib | null | undefined;

/** The host's libcrypto, or null when it cannot be used (kept for the process's lifetime). */
function libcrypto(): Lib | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (Deno.env.get("KUBESTRAP_RSA_KEYGEN") === "node") return lib;
  for (const name of SONAMES) {
    try {
      lib = Deno.dlopen(name, SYMBOLS);
      break;
    } catch {
      // not there, or FFI not permitted: try the next one, then fall back
    }
  }
  return lib;
}

/** Which generator RSA keys come from in this process: "libcrypto" or "node". */
export function rsaKeygenBackend(): "libcrypto" | "node" {
  return libcrypto() ? "libcrypto" : "node";
}

/** A random prime of exactly `bits` bits with its top two bits set, from libcrypto. */
async function libcryptoPrime(l: Lib, bits: number): Promise<bigint> {
  const bn = l.symbols.BN_new();
  if (bn === null) throw new Error("libcrypto: BN_new failed");
  const buf = new Uint8Array(bits / 8);
  try {
    if ((await l.symbols.BN_generate_prime_ex(bn, bits, 0, null, null, null)) !== 1) {
      throw new Error("libcrypto: BN_generate_prime_ex failed");
    }
    if (l.symbols.BN_num_bits(bn) !== bits || l.symbols.BN_bn2binpad(bn, buf, buf.length) < 0) {
      throw new Error(`libcrypto: BN_generate_prime_ex gave no ${bits}-bit prime`);
    }
    return bytesToBigInt(buf);
  } finally {
    buf.fill(0);
    l.symbols.BN_clear_free(bn);
  }
}

function bytesToBigInt(b: Uint8Array): bigint {
  let hex = "";
  for (const x of b) hex += x.toString(16).padStart(2, "0");
  return BigInt("0x" + hex);
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** a^-1 mod m for gcd(a, m) = 1 (extended Euclid), else undefined. */
export function modInverse(a: bigint, m: bigint): bigint | undefined {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) return undefined;
  return ((s0 % m) + m) % m;
}

function base64url(x: bigint): string {
  let hex = x.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  let bin = "";
  for (let i = 0; i < hex.length; i += 2) {
    bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  }
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const E = 65537n;

/**
 * The RSA private key made of primes p and q (FIPS 186-5 A.1.1 checks), or undefined when the
 * pair does not qualify and another must be drawn. Checked with a sign/verify pair.
 */
export function rsaKeyFromPrimes(
  bits: number,
  p: bigint,
  q: bigint,
): nodeCrypto.KeyObject | undefined {
  const half = bits / 2;
  if (bitLength(p) !== half || bitLength(q) !== half) return undefined;
  const n = p * q;
  if (bitLength(n) !== bits) return undefined;
  const diff = p > q ? p - q : q - p;
  if (diff >> BigInt(half - 100) === 0n) return undefined;
  const p1 = p - 1n;
  const q1 = q - 1n;
  if (p1 % E === 0n || q1 % E === 0n) return undefined;
  const lambda = (p1 / gcd(p1, q1)) * q1;
  const d = modInverse(E, lambda);
  if (d === undefined || bitLength(d) <= half) return undefined;
  const qi = modInverse(q, p);
  if (qi === undefined) return undefined;
  // Deno recomputes the CRT values (dp, dq, qi) from p, q and d when it imports the key, but
  // requires them: they are given right, so that a runtime that keeps them gets correct ones.
  const key = nodeCrypto.createPrivateKey({
    key: {
      kty: "RSA",
      n: base64url(n),
      e: base64url(E),
      d: base64url(d),
      p: base64url(p),
      q: base64url(q),
      dp: base64url(d % p1),
      dq: base64url(d % q1),
      qi: base64url(qi),
    },
    format: "jwk",
  });
  const probe = nodeCrypto.randomBytes(32);
  const sig = nodeCrypto.sign("sha256", probe, key);
  if (!nodeCrypto.verify("sha256", probe, nodeCrypto.createPublicKey(key), sig)) {
    throw new Error("RSA key built from libcrypto primes failed its sign/verify check");
  }
  return key;
}

/**
 * A new RSA private key of `bits` bits (e = 65537): from libcrypto's primes when the host has
 * it, else from node:crypto.
 */
export async function generateRsaKey(bits: number): Promise<nodeCrypto.KeyObject> {
  const l = libcrypto();
  if (!l) return nodeRsaKey(bits);
  for (;;) {
    const p = await libcryptoPrime(l, bits / 2);
    // Both primes of a draw share one generation slot: the caller limits how many keys are
    // made at once (one per CPU), and that bounds the threads this takes.
    const q = await libcryptoPrime(l, bits / 2);
    const key = rsaKeyFromPrimes(bits, p, q);
    if (key) return key;
  }
}

function nodeRsaKey(bits: number): Promise<nodeCrypto.KeyObject> {
  return new Promise((resolve, reject) =>
    nodeCrypto.generateKeyPair(
      "rsa",
      { modulusLength: bits, publicExponent: 0x10001 },
      (err, _pub, priv) => err ? reject(err) : resolve(priv),
    )
  );
}
