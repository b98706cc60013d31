/**
 * Token discovery against the fake API server fixture: the faults a real kube-apiserver cannot
 * produce (tampering, a changing cluster-info, a man-in-the-middle certificate), plus the
 * happy path and pin handling. Every failure must be an error naming the failure, with no
 * token secret in it.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { startFakeAPIServer } from "../fixtures/fake_apiserver.ts";
import { discoveryFor, retrieveTokenConfigInfo } from "../../lib/discovery/mod.ts";
import { serializeKubeConfig } from "../../lib/kubeconfig/kubeconfig.ts";
import type { JoinConfiguration } from "../../lib/config/types.ts";
import {
  makePKI,
  OTHER_TOKEN_SECRET,
  signedClusterInfo,
  TOKEN,
  TOKEN_ID,
  TOKEN_SECRET,
} from "./helpers.ts";

const pki = await makePKI();
const FAST = { timeoutMs: 1500, intervalMs: 300 };

async function expectFailure(p: Promise<unknown>, want: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    const m = (e as Error).message;
    assertStringIncludes(m, want);
    assert(!m.includes(TOKEN_SECRET), `the token secret leaked: ${m}`);
    return m;
  }
  throw new Error(`expected a failure with ${JSON.stringify(want)}`);
}

function joinCfg(endpoint: string, hashes: string[], unsafe = false): JoinConfiguration {
  return {
    nodeRegistration: {},
    discovery: {
      bootstrapToken: {
        token: TOKEN,
        apiServerEndpoint: endpoint,
        caCertHashes: hashes,
        unsafeSkipCAVerification: unsafe,
      },
      tlsBootstrapToken: TOKEN,
    },
  } as unknown as JoinConfiguration;
}

Deno.test("discovery: a genuine cluster-info with the right pin gives the TLS bootstrap kubeconfig", async () => {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    clusterInfo: () => signedClusterInfo(endpoint, pki.caPem),
  });
  endpoint = srv.endpoint;
  const cfg = await discoveryFor(joinCfg(endpoint, [pki.otherCaHash, pki.caHash]), FAST);
  assertEquals(cfg.currentContext, "tls-bootstrap-token-user@kubernetes");
  assertEquals(cfg.contexts[cfg.currentContext], {
    cluster: "kubernetes",
    user: "tls-bootstrap-token-user",
  });
  assertEquals(cfg.clusters.kubernetes.server, `https://${endpoint}`);
  assertEquals(
    new TextDecoder().decode(cfg.clusters.kubernetes["certificate-authority-data"]),
    pki.caPem,
  );
  assertEquals(cfg.users["tls-bootstrap-token-user"].token, TOKEN);
  assertStringIncludes(serializeKubeConfig(cfg), "name: tls-bootstrap-token-user@kubernetes");
  // Two fetches (insecure, then pinned), both anonymous.
  assertEquals(srv.requests.length, 2);
  assert(srv.requests.every((r) => r.authorization === undefined));
});

Deno.test("discovery: wrong CA hash fails before the second fetch", async () => {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    clusterInfo: () => signedClusterInfo(endpoint, pki.caPem),
  });
  endpoint = srv.endpoint;
  const m = await expectFailure(
    discoveryFor(joinCfg(endpoint, [pki.otherCaHash]), FAST),
    "cluster CA found in cluster-info ConfigMap is invalid: none of the public keys",
  );
  assertStringIncludes(m, "couldn't validate the identity of the API Server");
  assertStringIncludes(m, pki.caHash);
  assertEquals(srv.requests.length, 1);
});

Deno.test("discovery: cluster-info signed with another token is rejected", async () => {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    clusterInfo: () => signedClusterInfo(endpoint, pki.caPem, OTHER_TOKEN_SECRET),
  });
  endpoint = srv.endpoint;
  await expectFailure(
    discoveryFor(joinCfg(endpoint, [pki.caHash]), FAST),
    "failed to verify JWS signature of received cluster info object, can't trust this API Server",
  );
});

Deno.test("discovery: a tampered kubeconfig inside cluster-info is rejected", async () => {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    clusterInfo: () => {
      const d = signedClusterInfo(endpoint, pki.caPem);
      d.kubeconfig = d.kubeconfig.replace(`https://${endpoint}`, "https://203.0.113.9:6443");
      return d;
    },
  });
  endpoint = srv.endpoint;
  await expectFailure(
    discoveryFor(joinCfg(endpoint, [pki.caHash]), FAST),
    "failed to verify JWS signature",
  );
  // Even without pinning the signature protects the content.
  await expectFailure(
    discoveryFor(joinCfg(endpoint, [], true), FAST),
    "failed to verify JWS signature",
  );
});

Deno.test("discovery: a cluster-info that changes on the pinned fetch is rejected", async () => {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    clusterInfo: (n) => {
      const d = signedClusterInfo(endpoint, pki.caPem);
      if (n > 0) d.kubeconfig = d.kubeconfig.replace("kind: Config", "kind: Config\n");
      return d;
    },
  });
  endpoint = srv.endpoint;
  await expectFailure(
    discoveryFor(joinCfg(endpoint, [pki.caHash]), FAST),
    "the second kubeconfig from the cluster-info ConfigMap (using validated TLS) was different from the first",
  );
});

Deno.test("discovery: a man in the middle with another CA's certificate is rejected", async () => {
  let endpoint = "";
  // It relays the genuine, correctly signed cluster-info (public data) but cannot present a
  // certificate from the pinned CA.
  await using srv = await startFakeAPIServer({
    cert: pki.mitmCert,
    key: pki.mitmKey,
    clusterInfo: () => signedClusterInfo(endpoint, pki.caPem),
  });
  endpoint = srv.endpoint;
  const m = await expectFailure(
    discoveryFor(joinCfg(endpoint, [pki.caHash]), FAST),
    "x509: certificate signed by unknown authority",
  );
  assertStringIncludes(m, "failed to request the cluster-info ConfigMap");
  // The verified round never got as far as sending a request.
  assertEquals(srv.requests.length, 1);
});

Deno.test("discovery: the pinned fetch checks the server name", async () => {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    clusterInfo: () => signedClusterInfo(endpoint, pki.caPem),
  });
  endpoint = srv.endpoint;
  // localhost resolves to 127.0.0.1 and is in the certificate: fine.
  const port = endpoint.split(":")[1];
  endpoint = `localhost:${port}`;
  await discoveryFor(joinCfg(endpoint, [pki.caHash]), FAST);
});

Deno.test("discovery: an unknown token id times out with kubeadm's error", async () => {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    clusterInfo: () => {
      const d = signedClusterInfo(endpoint, pki.caPem);
      return { kubeconfig: d.kubeconfig, "jws-kubeconfig-zzzzzz": d[`jws-kubeconfig-${TOKEN_ID}`] };
    },
  });
  endpoint = srv.endpoint;
  const start = Date.now();
  await expectFailure(
    discoveryFor(joinCfg(endpoint, [pki.caHash]), FAST),
    `could not find a JWS signature in the cluster-info ConfigMap for token ID "${TOKEN_ID}"`,
  );
  assert(Date.now() - start >= 1400, "it should retry until the discovery timeout");
  assert(srv.requests.length >= 3, `retries expected, saw ${srv.requests.length}`);
});

Deno.test("discovery: pins are validated and required", async () => {
  await expectFailure(
    retrieveTokenConfigInfo(
      { token: TOKEN, apiServerEndpoint: "127.0.0.1:1", caCertHashes: ["md5:abcd"] },
      FAST,
    ),
    `invalid discovery token CA certificate hash: unknown hash format "md5"`,
  );
  await expectFailure(
    retrieveTokenConfigInfo(
      { token: TOKEN, apiServerEndpoint: "127.0.0.1:1", caCertHashes: ["sha256:abcd"] },
      FAST,
    ),
    "expected a 32 byte SHA-256 hash, found 2 bytes",
  );
  await expectFailure(
    retrieveTokenConfigInfo({ token: TOKEN, apiServerEndpoint: "127.0.0.1:1" }, FAST),
    "using token-based discovery without caCertHashes can be unsafe",
  );
  await expectFailure(
    retrieveTokenConfigInfo(
      { token: "abcdef.short", apiServerEndpoint: "127.0.0.1:1", caCertHashes: [] },
      FAST,
    ),
    "was not of the form",
  );
});

Deno.test("discovery: an unreachable server fails at the timeout naming the request", async () => {
  const m = await expectFailure(
    discoveryFor(joinCfg("127.0.0.1:1", [pki.caHash]), { timeoutMs: 800, intervalMs: 200 }),
    "failed to request the cluster-info ConfigMap",
  );
  assertStringIncludes(m, "couldn't validate the identity of the API Server");
});

Deno.test("discovery: unsafe skip of CA verification warns and trusts the signature", async () => {
  let endpoint = "";
  await using srv = await startFakeAPIServer({
    cert: pki.mitmCert,
    key: pki.mitmKey,
    clusterInfo: () => signedClusterInfo(endpoint, pki.caPem),
  });
  endpoint = srv.endpoint;
  const warnings: string[] = [];
  const cfg = await discoveryFor(joinCfg(endpoint, [], true), {
    ...FAST,
    warn: (l) => warnings.push(l),
  });
  assertEquals(cfg.clusters.kubernetes.server, `https://${endpoint}`);
  assertEquals(warnings.length, 1);
  assertStringIncludes(warnings[0], "--discovery-token-unsafe-skip-ca-verification");
  assert(!warnings[0].includes(TOKEN_SECRET));
});

Deno.test({
  name: "discovery: cleanup",
  fn: async () => await pki.remove(),
});

Deno.test("discovery: waiting for the JWS signature asks every 500 ms but logs at kubeadm's 5 s cadence", async () => {
  let endpoint = "";
  // Unsigned on the first two requests, as before the bootstrap signer has run.
  await using srv = await startFakeAPIServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    clusterInfo: (n) => {
      const ci = signedClusterInfo(endpoint, pki.caPem);
      return n < 2 ? { kubeconfig: ci.kubeconfig } : ci;
    },
  });
  endpoint = srv.endpoint;
  const logs: string[] = [];
  const cfg = await discoveryFor(joinCfg(endpoint, [pki.caHash]), {
    timeoutMs: 4_000, // no intervalMs: the default poll
    log: (s: string) => logs.push(s),
  });
  assertEquals(cfg.users["tls-bootstrap-token-user"].token, TOKEN);
  // Three insecure fetches (two unsigned) within 4 s, then the pinned one.
  assertEquals(srv.requests.length, 4);
  const waiting = logs.filter((l) => l.startsWith("[discovery] Waiting for the cluster-info"));
  const retrying = logs.filter((l) => l.startsWith("[discovery] Retrying due to error"));
  // One line for the insecure wait (the later attempts fall inside its 5 s), one for the pinned.
  assertEquals(waiting.length, 2);
  assertEquals(retrying, [
    `[discovery] Retrying due to error: could not find a JWS signature in the cluster-info ConfigMap for token ID "${TOKEN_ID}"`,
  ]);
});
