/**
 * RSA key generation by OpenSSL's own generator in the host's libcrypto, through Deno's FFI.
 *
 * A key is one `EVP_PKEY_keygen` call: OpenSSL picks the primes, tests them and computes the
 * private exponent and CRT values (OpenSSL 3: FIPS 186-4 B.3.6 probable primes with auxiliary
 * primes; 1.1: its classic generator), e = 65537. The call is declared `nonblocking`, so it runs
 * on one of the runtime's blocking-pool threads while the main thread goes on signing and
 * writing; keys.ts runs as many at once as there are CPUs. kubestrap then takes the key as
 * OpenSSL's PKCS#1 DER (`i2d_PrivateKey`) and hands it to node:crypto as the KeyObject the rest
 * of lib/pki uses. There is no prime search, primality test or key arithmetic in kubestrap.
 *
 * The library is the machine's own (like the runtime's libc, not a file under --rootfs). Where
 * it cannot be loaded (no OpenSSL) or with `KUBESTRAP_RSA_KEYGEN=node`, node:crypto's generator
 * (the Deno runtime's) makes the keys: the same kind of key.
 */
import * as nodeCrypto from "node:crypto";
import { Buffer } from "node:buffer";
import { KubestrapError } from "../errors.ts";
import { openLibcrypto } from "./libcrypto.ts";
import { track } from "../util/inflight.ts";

/** The EVP functions one key takes; OpenSSL 1.1 and 3 export all of them. */
const SYMBOLS = {
  EVP_PKEY_CTX_new_id: { parameters: ["i32", "pointer"], result: "pointer" },
  EVP_PKEY_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_PKEY_keygen_init: { parameters: ["pointer"], result: "i32" },
  // EVP_PKEY_CTX_ctrl(ctx, keytype, optype, cmd, p1, p2): how the key size is set on both
  // versions (EVP_PKEY_CTX_set_rsa_keygen_bits is a macro over it in 1.1, a function in 3).
  EVP_PKEY_CTX_ctrl: {
    parameters: ["pointer", "i32", "i32", "i32", "i32", "pointer"],
    result: "i32",
  },
  // The generation itself, on the runtime's blocking thread pool.
  EVP_PKEY_keygen: { parameters: ["pointer", "buffer"], result: "i32", nonblocking: true },
  EVP_PKEY_free: { parameters: ["pointer"], result: "void" },
  i2d_PrivateKey: { parameters: ["pointer", "buffer"], result: "i32" },
  // OPENSSL_clear_free(ptr, num) is CRYPTO_clear_free(ptr, num, file, line).
  CRYPTO_clear_free: { parameters: ["pointer", "usize", "pointer", "i32"], result: "void" },
} as const;

/** From OpenSSL's evp.h and rsa.h (the same in 1.1 and 3). */
const EVP_PKEY_RSA = 6; // NID_rsaEncryption
const EVP_PKEY_OP_KEYGEN = 1 << 2;
const EVP_PKEY_CTRL_RSA_KEYGEN_BITS = 0x1000 + 3; // EVP_PKEY_ALG_CTRL + 3

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

const made = { libcrypto: 0, node: 0 };

/**
 * How many RSA keys each generator has made in this process: `libcrypto` counts keys that
 * came out of EVP_PKEY_keygen, `node` those of node:crypto (the tests read it).
 */
export function rsaKeysMade(): { libcrypto: number; node: number } {
  return { ...made };
}

/**
 * A new RSA private key of `bits` bits (e = 65537): from OpenSSL's generator when the host has
 * libcrypto, else from node:crypto.
 */
export async function generateRsaKey(bits: number): Promise<nodeCrypto.KeyObject> {
  const l = libcrypto();
  if (!l) {
    const key = await nodeRsaKey(bits);
    made.node++;
    return key;
  }
  const key = await libcryptoRsaKey(l.symbols, bits);
  made.libcrypto++;
  return key;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`libcrypto: ${what} failed`);
}

/** One EVP_PKEY_keygen, every OpenSSL object freed whatever happens. */
async function libcryptoRsaKey(f: Fns, bits: number): Promise<nodeCrypto.KeyObject> {
  const ctx = f.EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, null);
  check(ctx !== null, "EVP_PKEY_CTX_new_id");
  let pkey: Deno.PointerValue = null;
  try {
    check(f.EVP_PKEY_keygen_init(ctx) > 0, "EVP_PKEY_keygen_init");
    const setBits = f.EVP_PKEY_CTX_ctrl(
      ctx,
      EVP_PKEY_RSA,
      EVP_PKEY_OP_KEYGEN,
      EVP_PKEY_CTRL_RSA_KEYGEN_BITS,
      bits,
      null,
    );
    check(setBits > 0, `setting the key size to ${bits} bits`);
    const out = new BigUint64Array(1);
    // The command runner waits for a running call before the process exits (lib/util/inflight.ts).
    const ok = await track(f.EVP_PKEY_keygen(ctx, out));
    pkey = Deno.UnsafePointer.create(out[0]);
    if (ok <= 0 || pkey === null) throw new Error("libcrypto: EVP_PKEY_keygen failed");
    return exportKey(f, pkey);
  } finally {
    f.EVP_PKEY_free(pkey); // a no-op on NULL
    f.EVP_PKEY_CTX_free(ctx);
  }
}

/** The key as PKCS#1 DER from OpenSSL (its buffer wiped and freed), read by node:crypto. */
function exportKey(f: Fns, pkey: Deno.PointerObject): nodeCrypto.KeyObject {
  const pp = new BigUint64Array(1); // *pp = NULL: OpenSSL allocates the DER
  const len = f.i2d_PrivateKey(pkey, pp);
  const p = Deno.UnsafePointer.create(pp[0]);
  if (p === null) throw new Error("libcrypto: i2d_PrivateKey failed");
  const der = new Uint8Array(Math.max(len, 0));
  try {
    check(len > 0, "i2d_PrivateKey");
    der.set(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, len)));
  } finally {
    f.CRYPTO_clear_free(p, BigInt(Math.max(len, 0)), null, 0);
  }
  try {
    return nodeCrypto.createPrivateKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.length),
      format: "der",
      type: "pkcs1",
    });
  } finally {
    der.fill(0);
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
