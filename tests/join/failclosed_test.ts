/**
 * `kubestrap join` end to end (in-process CLI) against the fake API server fixture: every
 * discovery fault must fail the command with a clear message, write nothing under the root,
 * and never print the token secret.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { run } from "../cli/helpers.ts";
import { startFakeAPIServer } from "../fixtures/fake_apiserver.ts";
import {
  makePKI,
  OTHER_TOKEN_SECRET,
  signedClusterInfo,
  TOKEN,
  TOKEN_SECRET,
} from "../discovery/helpers.ts";

const pki = await makePKI();

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    out.push(e.name);
    if (e.isDirectory) {
      out.push(...(await listTree(`${dir}/${e.name}`)).map((n) => `${e.name}/${n}`));
    }
  }
  return out.sort();
}

/** A JoinConfiguration with a short discovery timeout (flags cannot set it). */
function joinConfig(endpoint: string, hashes: string[]): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
nodeRegistration:
  name: node-a
  criSocket: unix:///run/containerd/containerd.sock
discovery:
  bootstrapToken:
    token: ${TOKEN}
    apiServerEndpoint: ${endpoint}
    caCertHashes: [${hashes.map((h) => JSON.stringify(h)).join(", ")}]
timeouts:
  discovery: 2s
`;
}

async function joinFails(
  clusterInfo: (endpoint: string, n: number) => Record<string, string> | undefined,
  hashes: (endpoint: string) => string[],
  want: string,
  opts: { mitm?: boolean } = {},
) {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: opts.mitm ? pki.mitmCert : pki.serverCert,
    key: opts.mitm ? pki.mitmKey : pki.serverKey,
    clusterInfo: (n) => clusterInfo(endpoint, n),
  });
  endpoint = srv.endpoint;
  const root = await Deno.makeTempDir({ prefix: "kubestrap-join-root-" });
  const cfgDir = await Deno.makeTempDir({ prefix: "kubestrap-join-cfg-" });
  try {
    const cfgFile = `${cfgDir}/join.yaml`;
    await Deno.writeTextFile(cfgFile, joinConfig(endpoint, hashes(endpoint)));
    // kubelet-start is the first phase that writes: discovery must fail before it does.
    const r = await run("join", "phase", "kubelet-start", "--config", cfgFile, "--rootfs", root);
    assertEquals(r.code, 1, `join should fail:\n${r.out}\n${r.err}`);
    const all = r.out + r.err;
    assertStringIncludes(all, "couldn't validate the identity of the API Server");
    assertStringIncludes(all, want);
    assert(!all.includes(TOKEN_SECRET), `the token secret leaked:\n${all}`);
    assertEquals(await listTree(root), [], "nothing may be written under the root");
    return all;
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cfgDir, { recursive: true });
  }
}

Deno.test("join fails closed: wrong CA hash", async () => {
  await joinFails(
    (ep) => signedClusterInfo(ep, pki.caPem),
    () => [pki.otherCaHash],
    "none of the public keys",
  );
});

Deno.test("join fails closed: cluster-info signed with another token", async () => {
  await joinFails(
    (ep) => signedClusterInfo(ep, pki.caPem, OTHER_TOKEN_SECRET),
    () => [pki.caHash],
    "failed to verify JWS signature of received cluster info object",
  );
});

Deno.test("join fails closed: tampered kubeconfig inside cluster-info", async () => {
  await joinFails(
    (ep) => {
      const d = signedClusterInfo(ep, pki.caPem);
      d.kubeconfig = d.kubeconfig.replace("https://", "https://evil.");
      return d;
    },
    () => [pki.caHash],
    "failed to verify JWS signature",
  );
});

Deno.test("join fails closed: server presenting another CA (MITM)", async () => {
  await joinFails(
    (ep) => signedClusterInfo(ep, pki.caPem),
    () => [pki.caHash],
    "x509: certificate signed by unknown authority",
    { mitm: true },
  );
});

Deno.test("join fails closed: cluster-info changing between fetches", async () => {
  await joinFails(
    (ep, n) => {
      const d = signedClusterInfo(ep, pki.caPem);
      if (n > 0) d.kubeconfig += "\n";
      return d;
    },
    () => [pki.caHash],
    "the second kubeconfig from the cluster-info ConfigMap (using validated TLS) was different",
  );
});

Deno.test("join fails closed: unknown token id", async () => {
  await joinFails(
    (ep) => {
      const d = signedClusterInfo(ep, pki.caPem);
      return { kubeconfig: d.kubeconfig };
    },
    () => [pki.caHash],
    `could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"`,
  );
});

Deno.test("join: cleanup", async () => await pki.remove());
