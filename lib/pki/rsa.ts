/**
 * RSA key generation on the host's OpenSSL libcrypto bignums, through Deno's FFI.
 *
 * Deno's own RSA generation (node:crypto and WebCrypto alike) takes about 100 ms per 2048-bit
 * key here, and OpenSSL's prime generator about 45 ms (it insists on 64 Miller-Rabin rounds).
 * kubestrap searches primes as Go's crypto/rsa (kubeadm's generator) tests them: random
 * candidates with the top two bits set, trial division by small primes (here a sieve), then
 * Miller-Rabin with Go's number of random-base rounds (5 for RSA-2048's primes), each round an
 * OpenSSL modular exponentiation on the runtime's thread pool. About 20 ms per key, two at a
 * time on two CPUs. The key is built as FIPS 186-5 A.1.1 asks: e = 65537,
 * gcd(e, p-1) = gcd(e, q-1) = 1, |p - q| > 2^(nlen/2-100), d = e^-1 mod lcm(p-1, q-1) with
 * d > 2^(nlen/2), and checked as Go checks its keys.
 *
 * The library is the machine's own (like the runtime's libc, not a file under --rootfs). Where
 * it cannot be loaded (no OpenSSL, or `KUBESTRAP_RSA_KEYGEN=node`), generation falls back to
 * node:crypto: keys of the same kind, slower.
 */
import * as nodeCrypto from "node:crypto";
import { KubestrapError } from "../errors.ts";
import { openLibcrypto } from "./libcrypto.ts";

/**
 * The bignum functions the prime search uses (OpenSSL 1.1 and 3 export all of them). BN_ULONG
 * is `unsigned long`: usize on 64-bit Linux.
 */
const SYMBOLS = {
  BN_new: { parameters: [], result: "pointer" },
  BN_clear_free: { parameters: ["pointer"], result: "void" },
  BN_CTX_new: { parameters: [], result: "pointer" },
  BN_CTX_free: { parameters: ["pointer"], result: "void" },
  BN_bin2bn: { parameters: ["buffer", "i32", "pointer"], result: "pointer" },
  BN_bn2binpad: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  BN_copy: { parameters: ["pointer", "pointer"], result: "pointer" },
  BN_add_word: { parameters: ["pointer", "usize"], result: "i32" },
  BN_sub_word: { parameters: ["pointer", "usize"], result: "i32" },
  BN_mod_word: { parameters: ["pointer", "usize"], result: "usize" },
  BN_rshift: { parameters: ["pointer", "pointer", "i32"], result: "i32" },
  BN_is_bit_set: { parameters: ["pointer", "i32"], result: "i32" },
  BN_num_bits: { parameters: ["pointer"], result: "i32" },
  BN_is_one: { parameters: ["pointer"], result: "i32" },
  BN_cmp: { parameters: ["pointer", "pointer"], result: "i32" },
  BN_mod_sqr: { parameters: ["pointer", "pointer", "pointer", "pointer"], result: "i32" },
  // r = a^p mod m: the one expensive step, run on the runtime's blocking thread pool.
  BN_mod_exp_mont: {
    parameters: ["pointer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;
type Fns = Lib["symbols"];

let lib: Lib | null | undefined;

/**
 * The host's libcrypto, or null when node:crypto is to make the keys (kept for the process's
 * lifetime). `KUBESTRAP_RSA_KEYGEN`: unset (libcrypto when it loads), `node`, or `libcrypto`
 * (required: an error when it cannot load).
 */
function libcrypto(): Lib | null {
  if (lib !== undefined) return lib;
  const choice = Deno.env.get("KUBESTRAP_RSA_KEYGEN") ?? "";
  if (!["", "node", "libcrypto"].includes(choice)) {
    throw new KubestrapError(
      `KUBESTRAP_RSA_KEYGEN=${JSON.stringify(choice)} is not valid: use "libcrypto", "node", ` +
        "or leave it unset (libcrypto when it loads, else node)",
    );
  }
  lib = null;
  if (choice === "node") return lib;
  const opened = openLibcrypto(SYMBOLS);
  lib = opened.lib;
  if (!lib && choice === "libcrypto") {
    lib = undefined;
    throw new KubestrapError(
      `KUBESTRAP_RSA_KEYGEN=libcrypto, but no libcrypto could be loaded (${opened.why}): ` +
        "install OpenSSL's libcrypto (libssl3 or libssl1.1), or unset the variable",
    );
  }
  return lib;
}

/** Which generator RSA keys come from in this process: "libcrypto" or "node". */
export function rsaKeygenBackend(): "libcrypto" | "node" {
  return libcrypto() ? "libcrypto" : "node";
}

/**
 * Miller-Rabin rounds for a random prime candidate of `bits` bits: Go's crypto/rsa table
 * (kubeadm's own generator; BoringSSL's formula for a 2^-100 error bound on random candidates,
 * FIPS 186-5 B.3.1). RSA-2048's 1024-bit primes get 5, RSA-3072/4096's get 4.
 */
export function millerRabinRounds(bits: number): number {
  if (bits >= 3747) return 3;
  if (bits >= 1345) return 4;
  if (bits >= 476) return 5;
  if (bits >= 400) return 6;
  if (bits >= 347) return 7;
  if (bits >= 308) return 8;
  return bits >= 55 ? 27 : 34;
}

/**
 * Odd primes below 2^14, the sieve's: they rule out about 88% of odd candidates (primes below
 * 4096: 86%, costing 30% more Miller-Rabin rounds; below 2^16: no faster, more sieving).
 */
let smallPrimes: number[] | undefined;
function oddSmallPrimes(): number[] {
  if (smallPrimes) return smallPrimes;
  const n = 1 << 14;
  const composite = new Uint8Array(n);
  smallPrimes = [];
  for (let i = 3; i < n; i += 2) {
    if (composite[i]) continue;
    smallPrimes.push(i);
    for (let j = i * i; j < n; j += 2 * i) composite[j] = 1;
  }
  return smallPrimes;
}

/** Odd offsets searched from one random start before drawing another. */
const WINDOW = 2048;

class LibcryptoError extends Error {}

function check(ok: boolean | number, what: string): void {
  if (!ok) throw new LibcryptoError(`libcrypto: ${what} failed`);
}

/**
 * A random prime of exactly `bits` bits with its top two bits set. Each draw: random start x
 * (top two bits and the low bit set), a sieve of x + 2j (0 <= j < WINDOW) against the odd
 * primes below 2^14, then Miller-Rabin with random bases on the survivors in order (the first
 * that passes every round is the prime), as OpenSSL's and FIPS 186-4 B.3.6's incremental
 * searches do.
 */
async function libcryptoPrime(l: Lib, bits: number): Promise<bigint> {
  const f = l.symbols;
  const bytes = bits / 8;
  const bns: Deno.PointerValue[] = [];
  const bn = () => {
    const b = f.BN_new();
    check(b !== null, "BN_new");
    bns.push(b);
    return b;
  };
  const ctx = f.BN_CTX_new();
  check(ctx !== null, "BN_CTX_new");
  const buf = new Uint8Array(bytes);
  try {
    const [start, w, w1, d, a, y] = [bn(), bn(), bn(), bn(), bn(), bn()];
    const rounds = millerRabinRounds(bits);
    const primes = oddSmallPrimes();
    const composite = new Uint8Array(WINDOW);
    for (;;) {
      crypto.getRandomValues(buf);
      buf[0] |= 0xc0;
      buf[bytes - 1] |= 1;
      check(f.BN_bin2bn(buf, bytes, start) !== null, "BN_bin2bn");
      composite.fill(0);
      for (let i = 0; i < primes.length; i += 2) {
        // two residues per call: x mod (p1 p2), with p1 p2 < 2^28
        const p1 = primes[i];
        const p2 = primes[i + 1] ?? 1;
        const r12 = Number(f.BN_mod_word(start, BigInt(p1 * p2)));
        for (const p of p2 === 1 ? [p1] : [p1, p2]) {
          // x + 2j = 0 (mod p)  <=>  j = -r / 2 (mod p)
          const r = r12 % p;
          for (let j = ((p - r) * ((p + 1) / 2)) % p; j < WINDOW; j += p) composite[j] = 1;
        }
      }
      for (let j = 0; j < WINDOW; j++) {
        if (composite[j]) continue;
        check(f.BN_copy(w, start) !== null && f.BN_add_word(w, BigInt(2 * j)), "BN_add_word");
        if (f.BN_num_bits(w) !== bits) break; // ran past 2^bits: draw again
        if (await millerRabin(f, ctx, w, w1, d, a, y, buf, rounds)) {
          check(f.BN_bn2binpad(w, buf, bytes) === bytes, "BN_bn2binpad");
          return bytesToBigInt(buf);
        }
      }
    }
  } finally {
    buf.fill(0);
    for (const b of bns) f.BN_clear_free(b);
    f.BN_CTX_free(ctx);
  }
}

/**
 * FIPS 186-5 B.3.1 Miller-Rabin on the odd w with `rounds` random bases; w1, d, a, y are
 * scratch BIGNUMs and buf a scratch buffer of w's size.
 */
async function millerRabin(
  f: Fns,
  ctx: Deno.PointerValue,
  w: Deno.PointerValue,
  w1: Deno.PointerValue,
  d: Deno.PointerValue,
  a: Deno.PointerValue,
  y: Deno.PointerValue,
  buf: Uint8Array,
  rounds: number,
): Promise<boolean> {
  check(f.BN_copy(w1, w) !== null && f.BN_sub_word(w1, 1n), "BN_sub_word");
  let s = 1;
  while (!f.BN_is_bit_set(w1, s)) s++;
  check(f.BN_rshift(d, w1, s), "BN_rshift");
  for (let i = 0; i < rounds;) {
    // a uniform base in [2, w-2]: w's width of random bits, drawn again outside (as Go)
    crypto.getRandomValues(buf);
    check(f.BN_bin2bn(buf, buf.length, a) !== null, "BN_bin2bn");
    if (f.BN_num_bits(a) <= 1 || f.BN_cmp(a, w1) >= 0) continue;
    check(await f.BN_mod_exp_mont(y, a, d, w, ctx, null), "BN_mod_exp_mont");
    i++;
    if (f.BN_is_one(y) || f.BN_cmp(y, w1) === 0) continue;
    let probablyPrime = false;
    for (let k = 1; k < s && !probablyPrime; k++) {
      check(f.BN_mod_sqr(y, y, w, ctx), "BN_mod_sqr");
      if (f.BN_cmp(y, w1) === 0) probablyPrime = true;
      else if (f.BN_is_one(y)) return false;
    }
    if (!probablyPrime) return false;
  }
  return true;
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
 * pair does not qualify and another must be drawn. The key is checked as Go checks its keys.
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
  checkPrivateKey(key);
  return key;
}

/**
 * Go's checkPrivateKey on the key as the runtime holds it: p q = n, e dP = 1 (mod p-1),
 * e dQ = 1 (mod q-1), qInv q = 1 (mod p). Together they give a^(ed) = a (mod n).
 */
function checkPrivateKey(key: nodeCrypto.KeyObject): void {
  const j = key.export({ format: "jwk" });
  const [n, e, p, q, dp, dq, qi] = [j.n, j.e, j.p, j.q, j.dp, j.dq, j.qi].map(fromBase64url);
  if (p * q !== n) throw new Error("RSA key from libcrypto primes: p * q != n");
  if ((e * dp) % (p - 1n) !== 1n || (e * dq) % (q - 1n) !== 1n) {
    throw new Error("RSA key from libcrypto primes: invalid CRT exponent");
  }
  if ((qi * q) % p !== 1n) {
    throw new Error("RSA key from libcrypto primes: invalid CRT coefficient");
  }
}

function fromBase64url(s: string | undefined): bigint {
  const bin = atob((s ?? "").replace(/-/g, "+").replace(/_/g, "/"));
  let hex = "";
  for (let i = 0; i < bin.length; i++) hex += bin.charCodeAt(i).toString(16).padStart(2, "0");
  return BigInt("0x" + (hex || "0"));
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
