// RSA key generation (lib/pki/rsa.ts): keys from the host libcrypto's primes and from the
// node:crypto fallback are valid for openssl, of the asked size, with e = 65537 and consistent
// PKCS#1 components; prime pairs that break FIPS 186-5's conditions are refused.
import * as nodeCrypto from "node:crypto";
import * as path from "@std/path";
import { assert, assertEquals } from "../assert.ts";
import { REPO } from "../integration/common.ts";
import { run } from "./helpers.ts";
import { millerRabinRounds, modInverse, rsaKeyFromPrimes } from "../../lib/pki/rsa.ts";
import { children, parseAll, readInteger } from "../../lib/pki/der.ts";

const RSA_MODULE = path.join(REPO, "lib", "pki", "rsa.ts");

/** Runs a script against lib/pki/rsa.ts in a fresh process, with `env` added. */
async function inProcess(script: string, env: Record<string, string> = {}): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `import * as rsa from ${JSON.stringify(RSA_MODULE)};\n${script}`],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  assertEquals(r.code, 0, err);
  return new TextDecoder().decode(r.stdout);
}

/** Whether this machine has a libcrypto the FFI can load (then it must be used). */
function hostHasLibcrypto(): boolean {
  for (const name of ["libcrypto.so.3", "libcrypto.so.1.1"]) {
    try {
      Deno.dlopen(name, { BN_new: { parameters: [], result: "pointer" } }).close();
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** PKCS#1 RSAPrivateKey components of a PEM key. */
function pkcs1Components(pem: string) {
  const b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const [version, n, e, d, p, q, dp, dq, qi] = children(parseAll(der)).map(readInteger);
  return { version, n, e, d, p, q, dp, dq, qi };
}

async function opensslCheck(pem: string): Promise<string> {
  const r = await run("openssl", ["rsa", "-check", "-noout"], pem);
  return (r.stdout + r.stderr).trim();
}

/** `openssl prime` (64 Miller-Rabin rounds of its own) on a number. */
async function opensslPrime(x: bigint): Promise<string> {
  return (await run("openssl", ["prime", "-hex", x.toString(16)])).stdout.trim();
}

/** What a key generated in a fresh process with `env` looks like: backend and PKCS#1 PEM. */
async function generatedKey(bits: number, env: Record<string, string> = {}) {
  const out = await inProcess(
    `const k = await rsa.generateRsaKey(${bits});
     console.log(JSON.stringify({ backend: rsa.rsaKeygenBackend(),
       pem: k.export({ type: "pkcs1", format: "pem" }) }));`,
    env,
  );
  return JSON.parse(out) as { backend: string; pem: string };
}

/** The key's PKCS#1 components hold together (failures name the check, never the numbers). */
function checkKey(pem: string, bits: number) {
  const c = pkcs1Components(pem);
  assertEquals(c.version, 0n);
  assertEquals(c.e, 65537n);
  assertEquals(c.n.toString(2).length, bits);
  assert(c.p * c.q === c.n, "p * q != n");
  assert(c.p.toString(2).length === bits / 2, "p has the wrong size");
  assert(c.q.toString(2).length === bits / 2, "q has the wrong size");
  assert(c.dp === c.d % (c.p - 1n), "dP != d mod (p-1)");
  assert(c.dq === c.d % (c.q - 1n), "dQ != d mod (q-1)");
  assert((c.qi * c.q) % c.p === 1n, "qInv * q != 1 mod p");
  // e*d = 1 mod lcm(p-1, q-1): m^(ed) = m mod n for a sample m.
  const m = 0x1234567890abcdefn;
  let r = 1n, b = m, x = c.e * c.d;
  while (x > 0n) {
    if (x & 1n) r = (r * b) % c.n;
    b = (b * b) % c.n;
    x >>= 1n;
  }
  assert(r === m, "m^(ed) != m mod n");
}

Deno.test("RSA keys: the host libcrypto is used when it loads, node:crypto when told", async () => {
  const auto = await inProcess("console.log(rsa.rsaKeygenBackend())");
  assertEquals(auto.trim(), hostHasLibcrypto() ? "libcrypto" : "node");
  const forced = await inProcess("console.log(rsa.rsaKeygenBackend())", {
    KUBESTRAP_RSA_KEYGEN: "node",
  });
  assertEquals(forced.trim(), "node");
});

for (const bits of [2048, 3072]) {
  Deno.test(`RSA-${bits} keys from both backends pass openssl rsa -check`, async () => {
    const lib = await generatedKey(bits);
    const node = await generatedKey(bits, { KUBESTRAP_RSA_KEYGEN: "node" });
    assertEquals(node.backend, "node");
    for (const k of [lib, node]) {
      assertEquals(await opensslCheck(k.pem), "RSA key ok", k.backend);
      checkKey(k.pem, bits);
      const { p, q } = pkcs1Components(k.pem);
      for (const x of [p, q]) {
        const hex = x.toString(16);
        const said = await opensslPrime(x);
        assert(
          said === `${hex.toUpperCase()} (${hex}) is prime`,
          `openssl prime: not prime (${k.backend})`,
        );
      }
    }
    assert(pkcs1Components(lib.pem).n !== pkcs1Components(node.pem).n);
  });
}

Deno.test("RSA keys: two keys of one process share no prime", async () => {
  const out = await inProcess(
    `const ks = await Promise.all([1, 2, 3].map(() => rsa.generateRsaKey(2048)));
     console.log(JSON.stringify(ks.map((k) => k.export({ type: "pkcs1", format: "pem" }))));`,
  );
  const primes = (JSON.parse(out) as string[]).flatMap((pem) => {
    checkKey(pem, 2048);
    const c = pkcs1Components(pem);
    return [c.p, c.q];
  });
  assertEquals(new Set(primes).size, 6);
});

Deno.test("rsaKeyFromPrimes builds the key of two primes and refuses pairs FIPS 186-5 rules out", () => {
  const prime = (bits: number) => nodeCrypto.generatePrimeSync(bits, { bigint: true }) as bigint;
  // Top two bits set: the modulus of two such primes has exactly twice their bits.
  let p = 0n, q = 0n;
  while (p >> 1022n !== 3n) p = prime(1024);
  while (q >> 1022n !== 3n || q === p) q = prime(1024);
  const key = rsaKeyFromPrimes(2048, p, q)!;
  assertEquals(key.asymmetricKeyDetails?.modulusLength, 2048);
  const c = pkcs1Components(key.export({ type: "pkcs1", format: "pem" }) as string);
  assert(c.p === p && c.q === q, "the key's primes are not the given ones");
  checkKey(key.export({ type: "pkcs1", format: "pem" }) as string, 2048);
  // The checks before the key is made need no primes: odd numbers of the right size stand in.
  const top = 3n << 1022n;
  // the same prime twice, and primes closer than 2^(1024-100)
  assertEquals(rsaKeyFromPrimes(2048, p, p), undefined);
  assertEquals(rsaKeyFromPrimes(2048, p, p + (1n << 900n)), undefined);
  // primes of the wrong size for the key
  assertEquals(rsaKeyFromPrimes(2048, p, (1n << 1022n) + 1n), undefined);
  assertEquals(rsaKeyFromPrimes(3072, p, q), undefined);
  // a modulus one bit short (2047 bits): both factors just above 2^1023
  assertEquals(
    rsaKeyFromPrimes(2048, (1n << 1023n) + 1n, (1n << 1023n) + (1n << 1000n) + 3n),
    undefined,
  );
  // p-1 divisible by e = 65537
  const k = top / 65537n + 1n;
  const pe = 65537n * k + 1n;
  assertEquals((pe - 1n) % 65537n, 0n);
  assertEquals(pe >> 1022n, 3n);
  assertEquals(rsaKeyFromPrimes(2048, pe, q), undefined);
  assertEquals(rsaKeyFromPrimes(2048, q, pe), undefined);
});

Deno.test("Miller-Rabin rounds are Go crypto/rsa's (kubeadm's generator), read from its source", async () => {
  const goroot = await new Deno.Command("go", { args: ["env", "GOROOT"], stdout: "piped" })
    .output().then((r) => new TextDecoder().decode(r.stdout).trim(), () => "");
  const src = goroot &&
    await Deno.readTextFile(`${goroot}/src/crypto/internal/fips140/rsa/keygen.go`).catch(() => "");
  if (!src) {
    // Without Go's sources, the table as Go 1.24-1.26 have it.
    for (const [bits, n] of [[1024, 5], [1536, 4], [2048, 4], [512, 5], [3747, 3]]) {
      assertEquals(millerRabinRounds(bits), n);
    }
    return;
  }
  const cases = [...src.matchAll(/case bits >= (\d+):\s*iterations = (\d+)/g)];
  assert(cases.length >= 5, "Go's iteration table not found in keygen.go");
  for (const [, bits, n] of cases) {
    assertEquals(millerRabinRounds(Number(bits)), Number(n), `bits >= ${bits}`);
    assertEquals(millerRabinRounds(Number(bits) - 1) > Number(n), true, `bits < ${bits}`);
  }
  const dflt = /default:\s*iterations = (\d+)/.exec(src)!;
  assertEquals(millerRabinRounds(16), Number(dflt[1]));
});

Deno.test("modInverse", () => {
  assertEquals(modInverse(3n, 11n), 4n);
  assertEquals(modInverse(-3n, 11n), 7n);
  assertEquals(modInverse(6n, 9n), undefined);
  const m = (1n << 521n) - 1n; // a Mersenne prime
  const a = 0xdeadbeefcafebaben << 300n;
  assertEquals((a * modInverse(a, m)!) % m, 1n);
});

Deno.test("KUBESTRAP_RSA_KEYGEN with another value: init phase certs fails naming it, writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-keygen-env-" });
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", path.join(REPO, "main.ts"), "init", "phase", "certs", "all"]
        .concat(["--cert-dir", path.join(dir, "pki")]),
      env: { KUBESTRAP_RSA_KEYGEN: "openssl", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(r.stderr);
    assertEquals(r.code, 1, stderr);
    assert(
      stderr.includes(
        'error: error execution phase certs/ca: KUBESTRAP_RSA_KEYGEN="openssl" is not valid: use ' +
          '"libcrypto", "node", or leave it unset (libcrypto when it loads, else node)\n',
      ),
      stderr,
    );
    const left = [];
    for await (const e of Deno.readDir(dir)) left.push(e.name);
    assertEquals(left, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KUBESTRAP_RSA_KEYGEN=libcrypto uses the host's libcrypto", async () => {
  // Without a libcrypto on the machine there is nothing to use (its error needs the library hidden).
  if (!hostHasLibcrypto()) return;
  const out = await inProcess("console.log(rsa.rsaKeygenBackend())", {
    KUBESTRAP_RSA_KEYGEN: "libcrypto",
  });
  assertEquals(out.trim(), "libcrypto");
});
