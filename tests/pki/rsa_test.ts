// RSA key generation (lib/pki/rsa.ts): keys come from OpenSSL's own generator (EVP_PKEY_keygen
// in the host's libcrypto, off the main thread) when the library loads, from node:crypto when
// told (KUBESTRAP_RSA_KEYGEN=node) or when no libcrypto can be loaded (here: the library files
// hidden by empty files bind-mounted over them in a private mount namespace, so nothing in
// kubestrap needs a test hook). Every key passes `openssl rsa -check`.
import * as path from "@std/path";
import { assert, assertEquals } from "../assert.ts";
import { REPO } from "../integration/common.ts";
import { run } from "./helpers.ts";
import { LIBCRYPTO_SONAMES } from "../../lib/pki/libcrypto.ts";

const RSA_MODULE = path.join(REPO, "lib", "pki", "rsa.ts");
const KEYS_MODULE = path.join(REPO, "lib", "pki", "keys.ts");

/** A script run against rsa.ts (`rsa`) and keys.ts (`keys`) in a fresh `deno eval`. */
function evalArgs(script: string): string[] {
  return [
    "eval",
    `import * as rsa from ${JSON.stringify(RSA_MODULE)};\n` +
    `import * as keys from ${JSON.stringify(KEYS_MODULE)};\n${script}`,
  ];
}

async function output(cmd: string, args: string[], env: Record<string, string>) {
  const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: new TextDecoder().decode(r.stderr),
  };
}

/** Runs a script in a fresh process with `env` added; it must succeed. */
async function inProcess(script: string, env: Record<string, string> = {}): Promise<string> {
  const r = await output(Deno.execPath(), evalArgs(script), env);
  assertEquals(r.code, 0, r.stderr);
  return r.stdout;
}

/** Whether this machine has a libcrypto the FFI can load. */
function hostHasLibcrypto(): boolean {
  for (const name of LIBCRYPTO_SONAMES) {
    try {
      Deno.dlopen(name, {}).close();
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** `openssl rsa -check` and the size and exponent `openssl rsa -text` reads from a PEM key. */
async function opensslView(pem: string) {
  const check = await run("openssl", ["rsa", "-check", "-noout"], pem);
  const text = await run("openssl", ["rsa", "-text", "-noout"], pem);
  return {
    check: (check.stdout + check.stderr).trim(),
    header: /^Private-Key: \(.*\)$/m.exec(text.stdout)?.[0],
    exponent: /^publicExponent: .*$/m.exec(text.stdout)?.[0],
    modulus: /^modulus:\n((?:\s+[0-9a-f:]+\n)+)/m.exec(text.stdout)?.[1].replace(/\s/g, ""),
  };
}

/** Keys made in a fresh process with `env`: their PKCS#1 PEMs, the backend and the counts. */
async function generated(bits: number, n: number, env: Record<string, string> = {}) {
  const out = await inProcess(
    `const ks = await Promise.all(
       Array.from({ length: ${n} }, () => keys.generatePrivateKey("RSA-${bits}")),
     );
     console.log(JSON.stringify({ backend: rsa.rsaKeygenBackend(), made: rsa.rsaKeysMade(),
       pems: ks.map((k) => k.export({ type: "pkcs1", format: "pem" })),
       maps: Deno.readTextFileSync("/proc/self/maps").split("\\n")
         .filter((l) => /libcrypto\\.so/.test(l)).map((l) => l.split(/\\s+/).pop()) }));`,
    env,
  );
  return JSON.parse(out) as {
    backend: string;
    made: { libcrypto: number; node: number };
    pems: string[];
    maps: string[];
  };
}

async function assertGoodKeys(pems: string[], bits: number, what: string) {
  const moduli = new Set<string>();
  for (const pem of pems) {
    const v = await opensslView(pem);
    assertEquals(v.check, "RSA key ok", what);
    assertEquals(v.header, `Private-Key: (${bits} bit, 2 primes)`, what);
    assertEquals(v.exponent, "publicExponent: 65537 (0x10001)", what);
    moduli.add(v.modulus!);
  }
  assertEquals(moduli.size, pems.length, `${what}: two keys share a modulus`);
}

Deno.test("RSA keys: OpenSSL's EVP_PKEY_keygen in the host's libcrypto makes them", async () => {
  assert(hostHasLibcrypto(), `no ${LIBCRYPTO_SONAMES.join(" or ")} on this machine`);
  for (const env of [{}, { KUBESTRAP_RSA_KEYGEN: "libcrypto" }] as Record<string, string>[]) {
    const g = await generated(2048, 3, env);
    assertEquals(g.backend, "libcrypto");
    // Three keys asked of keys.ts, three keys out of EVP_PKEY_keygen, none from node:crypto.
    assertEquals(g.made, { libcrypto: 3, node: 0 });
    assert(g.maps.length > 0 && g.maps.every((p) => /\/libcrypto\.so\.(3|1\.1)$/.test(p)));
    await assertGoodKeys(g.pems, 2048, `libcrypto ${JSON.stringify(env)}`);
  }
});

for (const bits of [2048, 3072, 4096]) {
  Deno.test(`RSA-${bits} keys from libcrypto${bits < 4096 ? " and node:crypto" : ""} pass openssl rsa -check`, async () => {
    const lib = await generated(bits, 2);
    assertEquals(lib.made, { libcrypto: 2, node: 0 });
    await assertGoodKeys(lib.pems, bits, "libcrypto");
    // node:crypto's 4096-bit keys take seconds each here: its 2048 and 3072 cover the fallback.
    if (bits === 4096) return;
    const node = await generated(bits, 1, { KUBESTRAP_RSA_KEYGEN: "node" });
    assertEquals([node.backend, node.made], ["node", { libcrypto: 0, node: 1 }]);
    await assertGoodKeys(node.pems, bits, "node");
  });
}

Deno.test("RSA keys: EVP_PKEY_keygen runs off the main thread (timers fire meanwhile)", async () => {
  // A blocking call would return before any timer could fire: 0 ticks.
  const out = await inProcess(
    `let ticks = 0, done = false;
     const tick = () => { if (!done) { ticks++; setTimeout(tick, 0); } };
     setTimeout(tick, 0);
     await rsa.generateRsaKey(3072);
     done = true;
     console.log(JSON.stringify({ ticks, made: rsa.rsaKeysMade() }));`,
  );
  const { ticks, made } = JSON.parse(out);
  assertEquals(made, { libcrypto: 1, node: 0 });
  assert(ticks >= 3, `only ${ticks} timer ticks during a 3072-bit key`);
});

// ---------------------------------------------------------------------------------------------
// Without libcrypto: a private mount namespace in which every file the dynamic loader would
// open for LIBCRYPTO_SONAMES is covered by an empty file (the Deno runtime itself does not link
// libcrypto). Needs `unshare -m` (root) or `unshare -rm` (user namespaces).

const UNSHARE = (() => {
  for (const args of [["-m"], ["-rm"]]) {
    try {
      const r = new Deno.Command("unshare", { args: [...args, "true"], stderr: "null" })
        .outputSync();
      if (r.success) return args;
    } catch {
      // no unshare
    }
  }
  return undefined;
})();

/** The real files behind LIBCRYPTO_SONAMES that the loader could find on this machine. */
async function libcryptoFiles(): Promise<string[]> {
  const cache = await run("ldconfig", ["-p"]).catch(() => ({ stdout: "" }));
  const found = new Set<string>();
  const candidates = [
    ...cache.stdout.split("\n").flatMap((l) => {
      const m = /^\s*(\S+) .*=> (\S+)$/.exec(l);
      return m && LIBCRYPTO_SONAMES.includes(m[1]) ? [m[2]] : [];
    }),
    ...["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"].flatMap((d) =>
      LIBCRYPTO_SONAMES.map((n) => path.join(d, n))
    ),
  ];
  for (const c of candidates) {
    try {
      found.add(await Deno.realPath(c));
    } catch {
      // not there
    }
  }
  return [...found];
}

/** Runs `cmd args` with every libcrypto hidden. */
async function withoutLibcrypto(cmd: string, args: string[], env: Record<string, string> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-nolibcrypto-" });
  try {
    const empty = path.join(dir, "empty.so");
    await Deno.writeFile(empty, new Uint8Array());
    const files = await libcryptoFiles();
    const script = 'e=$1; shift; n=$1; shift; while [ "$n" -gt 0 ]; do ' +
      'mount --bind "$e" "$1" || exit 97; shift; n=$((n-1)); done; exec "$@"';
    return await output(
      "unshare",
      [...UNSHARE!, "sh", "-c", script, "sh", empty, String(files.length), ...files, cmd, ...args],
      env,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "RSA keys without libcrypto: node:crypto makes them; KUBESTRAP_RSA_KEYGEN=libcrypto fails",
  ignore: UNSHARE === undefined,
  async fn() {
    // The hiding works: not even a bare dlopen finds a libcrypto.
    const bare = await withoutLibcrypto(
      Deno.execPath(),
      evalArgs(
        `const { LIBCRYPTO_SONAMES } = await import(${
          JSON.stringify(path.join(REPO, "lib", "pki", "libcrypto.ts"))
        });
         console.log(LIBCRYPTO_SONAMES.map((n) => {
           try { Deno.dlopen(n, {}).close(); return "loaded"; } catch { return "missing"; }
         }).join(" "));`,
      ),
    );
    assertEquals([bare.code, bare.stdout.trim()], [0, "missing missing"], bare.stderr);

    // Unset: node:crypto, and its keys are good.
    const r = await withoutLibcrypto(
      Deno.execPath(),
      evalArgs(
        `const ks = await Promise.all([1, 2].map(() => keys.generatePrivateKey("RSA-2048")));
         console.log(JSON.stringify({ backend: rsa.rsaKeygenBackend(), made: rsa.rsaKeysMade(),
           pems: ks.map((k) => k.export({ type: "pkcs1", format: "pem" })) }));`,
      ),
    );
    assertEquals(r.code, 0, r.stderr);
    const g = JSON.parse(r.stdout);
    assertEquals([g.backend, g.made], ["node", { libcrypto: 0, node: 2 }]);
    await assertGoodKeys(g.pems, 2048, "node without libcrypto");

    // Required: an error naming what could not be loaded and what to do.
    const req = await withoutLibcrypto(
      Deno.execPath(),
      evalArgs(
        `try { await rsa.generateRsaKey(2048); console.log("made a key"); }
         catch (e) { console.log(e.message); }`,
      ),
      { KUBESTRAP_RSA_KEYGEN: "libcrypto" },
    );
    assertEquals(req.code, 0, req.stderr);
    assert(
      /^KUBESTRAP_RSA_KEYGEN=libcrypto, but no libcrypto could be loaded \(libcrypto\.so\.3: .+; libcrypto\.so\.1\.1: .+\): install OpenSSL's libcrypto \(libssl3 or libssl1\.1\), or unset the variable\n$/
        .test(req.stdout),
      req.stdout,
    );
  },
});

Deno.test({
  name:
    "init phase certs all without libcrypto: node:crypto keys; KUBESTRAP_RSA_KEYGEN=libcrypto " +
    "fails naming the library and writes nothing",
  ignore: UNSHARE === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "kubestrap-keygen-nolib-" });
    try {
      const certs = (pki: string) =>
        ["run", "-A", path.join(REPO, "main.ts"), "init", "phase", "certs", "all"]
          .concat(["--cert-dir", pki]);
      const ok = await withoutLibcrypto(Deno.execPath(), certs(path.join(dir, "auto")), {
        NO_COLOR: "1",
      });
      assertEquals(ok.code, 0, ok.stderr);
      for (const key of ["ca.key", "apiserver.key", "etcd/peer.key", "sa.key"]) {
        await assertGoodKeys(
          [await Deno.readTextFile(path.join(dir, "auto", key))],
          2048,
          key,
        );
      }

      const failed = await withoutLibcrypto(Deno.execPath(), certs(path.join(dir, "req")), {
        NO_COLOR: "1",
        KUBESTRAP_RSA_KEYGEN: "libcrypto",
      });
      assertEquals(failed.code, 1, failed.stderr);
      assert(
        failed.stderr.includes(
          "error: error execution phase certs/ca: KUBESTRAP_RSA_KEYGEN=libcrypto, but no " +
            "libcrypto could be loaded (libcrypto.so.3: ",
        ) &&
          failed.stderr.includes(
            "): install OpenSSL's libcrypto (libssl3 or libssl1.1), or unset the variable\n",
          ),
        failed.stderr,
      );
      const left = await Array.fromAsync(Deno.readDir(dir)).then((es) => es.map((e) => e.name));
      assertEquals(left, ["auto"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("KUBESTRAP_RSA_KEYGEN with another value: init phase certs fails naming it, writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-keygen-env-" });
  try {
    const r = await output(
      Deno.execPath(),
      ["run", "-A", path.join(REPO, "main.ts"), "init", "phase", "certs", "all"]
        .concat(["--cert-dir", path.join(dir, "pki")]),
      { KUBESTRAP_RSA_KEYGEN: "openssl", NO_COLOR: "1" },
    );
    assertEquals(r.code, 1, r.stderr);
    assert(
      r.stderr.includes(
        'error: error execution phase certs/ca: KUBESTRAP_RSA_KEYGEN="openssl" is not valid: use ' +
          '"libcrypto", "node", or leave it unset (libcrypto when it loads, else node)\n',
      ),
      r.stderr,
    );
    assertEquals(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
