/**
 * Crash safety of the PKI (issue 16): what a run killed between a key and its certificate (or
 * between sa.key and sa.pub) leaves behind is detected by the next run and repaired when nothing
 * signed by it can be in use, or refused with an error naming the files and the fix. "Using
 * existing ..." only after the key matches its certificate and the certificate verifies against
 * the CA on disk. Checked independently with the openssl CLI (key ↔ certificate public keys,
 * `openssl verify` against the CA).
 *
 * The rule: a leaf certificate signs nothing, so an incomplete or mismatched leaf pair is
 * replaced whenever its CA's key is at hand; a CA pair is replaced only while none of the
 * certificates it signs exists; sa.pub is derived from sa.key. Anything else is an error.
 */
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { createCerts, createPKIAssets } from "../../lib/pki/certs.ts";
import { baseInputs, openssl, PKI, snapshot, tempRoot } from "./helpers.ts";

async function pubOfKey(path: string): Promise<string> {
  return await openssl(["pkey", "-in", path, "-pubout"]);
}
async function pubOfCert(path: string): Promise<string> {
  return await openssl(["x509", "-in", path, "-noout", "-pubkey"]);
}

/** The pair at `base` matches and its certificate verifies against `ca` (openssl). */
async function assertSoundPair(host: (p: string) => string, base: string, ca: string) {
  assertEquals(
    await pubOfKey(host(`${PKI}/${base}.key`)),
    await pubOfCert(host(`${PKI}/${base}.crt`)),
    `${base}.key matches ${base}.crt`,
  );
  const v = await openssl([
    "verify",
    "-CAfile",
    host(`${PKI}/${ca}.crt`),
    "-purpose",
    "any",
    host(`${PKI}/${base}.crt`),
  ]);
  assert(v.includes(": OK"), v);
}

Deno.test("a leaf key left without its certificate is replaced by the next run", async () => {
  const { fs, host } = await tempRoot();
  await createCerts(baseInputs(), fs);
  await Deno.remove(host(`${PKI}/apiserver.crt`));
  const oldKey = await Deno.readTextFile(host(`${PKI}/apiserver.key`));
  const r = await createCerts(baseInputs(), fs);
  assert(
    r.lines.includes(
      `[certs] Replacing the incomplete "apiserver" certificate and key: ${PKI}/apiserver.key exists without ${PKI}/apiserver.crt (left by an interrupted run)`,
    ),
    r.lines.join("\n"),
  );
  assert(r.lines.includes(`[certs] Generating "apiserver" certificate and key`));
  assert(await Deno.readTextFile(host(`${PKI}/apiserver.key`)) !== oldKey);
  await assertSoundPair(host, "apiserver", "ca");
  await assertSoundPair(host, "etcd/peer", "etcd/ca");
});

Deno.test("a leaf key that does not match its certificate is replaced, never 'Using existing'", async () => {
  const { fs, host } = await tempRoot();
  await createCerts(baseInputs(), fs);
  await Deno.copyFile(host(`${PKI}/front-proxy-client.key`), host(`${PKI}/apiserver.key`));
  const r = await createCerts(baseInputs(), fs);
  assert(!r.lines.includes("[certs] Using existing apiserver certificate and key on disk"));
  assert(
    r.lines.includes(
      `[certs] Replacing the inconsistent "apiserver" certificate and key: ${PKI}/apiserver.key does not match ${PKI}/apiserver.crt`,
    ),
    r.lines.join("\n"),
  );
  await assertSoundPair(host, "apiserver", "ca");
  // join --control-plane (CreatePKIAssets) checks the same before "Using the existing".
  await Deno.copyFile(host(`${PKI}/front-proxy-client.key`), host(`${PKI}/etcd/peer.key`));
  const j = await createPKIAssets(baseInputs(), fs);
  assert(!j.lines.includes(`[certs] Using the existing "etcd/peer" certificate and key`));
  await assertSoundPair(host, "etcd/peer", "etcd/ca");
});

Deno.test("a leaf certificate without its key is replaced when the CA key is at hand", async () => {
  const { fs, host } = await tempRoot();
  await createCerts(baseInputs(), fs);
  await Deno.remove(host(`${PKI}/etcd/server.key`));
  const r = await createCerts(baseInputs(), fs);
  assert(
    r.lines.includes(
      `[certs] Replacing the incomplete "etcd/server" certificate and key: ${PKI}/etcd/server.crt exists without ${PKI}/etcd/server.key (left by an interrupted run)`,
    ),
    r.lines.join("\n"),
  );
  await assertSoundPair(host, "etcd/server", "etcd/ca");
});

Deno.test("sa.key without sa.pub: the public key is derived from sa.key", async () => {
  const { fs, host } = await tempRoot();
  await createCerts(baseInputs(), fs, { only: ["sa"] });
  const key = await Deno.readTextFile(host(`${PKI}/sa.key`));
  await Deno.remove(host(`${PKI}/sa.pub`));
  const r = await createCerts(baseInputs(), fs, { only: ["sa"] });
  assertEquals(r.lines, [
    `[certs] Using the existing "sa" key`,
    `[certs] Writing the missing ${PKI}/sa.pub from ${PKI}/sa.key (left by an interrupted run)`,
  ]);
  assertEquals(await Deno.readTextFile(host(`${PKI}/sa.key`)), key);
  assertEquals(
    await Deno.readTextFile(host(`${PKI}/sa.pub`)),
    await pubOfKey(host(`${PKI}/sa.key`)),
  );
  assertEquals((await Deno.stat(host(`${PKI}/sa.pub`))).mode! & 0o777, 0o600);
  // An sa.pub of another key is rewritten from sa.key (sa.key signs the tokens).
  await createCerts(baseInputs(), fs, { only: ["ca"] });
  await Deno.writeTextFile(host(`${PKI}/sa.pub`), await pubOfKey(host(`${PKI}/ca.key`)));
  const again = await createCerts(baseInputs(), fs, { only: ["sa"] });
  assertEquals(again.lines[1], `[certs] Rewriting ${PKI}/sa.pub: it does not match ${PKI}/sa.key`);
  assertEquals(
    await Deno.readTextFile(host(`${PKI}/sa.pub`)),
    await pubOfKey(host(`${PKI}/sa.key`)),
  );
});

Deno.test("a CA key without its certificate is replaced while nothing it signs exists", async () => {
  const { fs, host } = await tempRoot();
  await createCerts(baseInputs(), fs, { only: ["ca"] });
  await Deno.remove(host(`${PKI}/ca.crt`));
  const r = await createCerts(baseInputs(), fs);
  assert(
    r.lines.includes(
      `[certs] Replacing the incomplete "ca" certificate and key: ${PKI}/ca.key exists without ${PKI}/ca.crt (left by an interrupted run)`,
    ),
    r.lines.join("\n"),
  );
  await assertSoundPair(host, "apiserver", "ca");
  assertEquals(await pubOfKey(host(`${PKI}/ca.key`)), await pubOfCert(host(`${PKI}/ca.crt`)));
});

Deno.test("a CA key without its certificate while certificates it signed exist is an error with the fix", async () => {
  const { root, fs, host } = await tempRoot();
  await createCerts(baseInputs(), fs);
  await Deno.remove(host(`${PKI}/front-proxy-ca.crt`));
  const before = await snapshot(root);
  await assertRejects(
    () => createCerts(baseInputs(), fs),
    Error,
    `${PKI}/front-proxy-ca.key exists without ${PKI}/front-proxy-ca.crt, and ${PKI}/front-proxy-client.crt, which it may have signed, exists: restore ${PKI}/front-proxy-ca.crt, or remove ${PKI}/front-proxy-ca.key and the certificates and keys it signed to have a new CA generated`,
  );
  assertEquals(await snapshot(root), before, "nothing written");
});

Deno.test("a CA key that does not match its certificate is an error naming both (leaves exist)", async () => {
  const { root, fs, host } = await tempRoot();
  await createCerts(baseInputs(), fs);
  await Deno.copyFile(host(`${PKI}/front-proxy-ca.key`), host(`${PKI}/etcd/ca.key`));
  const before = await snapshot(root);
  await assertRejects(
    () => createCerts(baseInputs(), fs),
    Error,
    `${PKI}/etcd/ca.key does not match ${PKI}/etcd/ca.crt`,
  );
  assertEquals(await snapshot(root), before, "nothing written");
});

Deno.test("an external CA's leaf whose key does not match is an error naming the files", async () => {
  const { root, fs, host } = await tempRoot();
  await createCerts(baseInputs(), fs);
  await Deno.remove(host(`${PKI}/ca.key`));
  await Deno.copyFile(host(`${PKI}/front-proxy-client.key`), host(`${PKI}/apiserver.key`));
  const before = await snapshot(root);
  await assertRejects(
    () => createCerts(baseInputs(), fs),
    Error,
    `${PKI}/apiserver.key does not match ${PKI}/apiserver.crt`,
  );
  assertEquals(await snapshot(root), before, "nothing written");
});
