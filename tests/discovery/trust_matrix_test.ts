/**
 * The trust matrix of join discovery: a server presents a chain that the pinned CA (the one the
 * CA hash in the join command names) may or may not vouch for. For each chain, Go's crypto/tls
 * client (kubeadm's, `tests/fixtures/gotls`) gives the verdict, and kubestrap's token discovery
 * must reach the same one: refuse with Go's exact "tls: failed to verify certificate: ..." text,
 * having sent nothing but the anonymous insecure fetch (so no bootstrap token), or accept.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { startFakeAPIServer } from "../fixtures/fake_apiserver.ts";
import { discoveryFor } from "../../lib/discovery/mod.ts";
import { caCertHashes } from "../../lib/tokens/cahash.ts";
import type { JoinConfiguration } from "../../lib/config/types.ts";
import { tempDir } from "../harness/mod.ts";
import { signedClusterInfo, TOKEN, TOKEN_SECRET } from "./helpers.ts";
import { verifyServerChain } from "../../lib/discovery/tlsget.ts";
import { parseCertsPEM } from "../../lib/pki/x509.ts";
import {
  asn1Time,
  CA_EXT,
  goChainVerdict,
  goVerdict,
  haveGo,
  issue,
  type Issued,
  LEAF_EXT,
  root,
  withoutNow,
} from "./chains.ts";

const FAST = { timeoutMs: 1500, intervalMs: 300 };

interface Case {
  name: string;
  /** kubeadm's verdict, as Go's crypto/tls gives it. */
  go: "refuse" | "accept";
  /**
   * The fake server cannot serve the chain (node:tls refuses to load an unknown critical
   * extension or, at its security level, an RSA-1024 key): only the presented chain is
   * compared, verified as the client does after the handshake.
   */
  unservable?: boolean;
  /** Makes the pinned CA and the chain the server presents (leaf first). */
  make(dir: string): Promise<{ pinned: Issued; chain: Issued[] }>;
}

const INTER_EXT = CA_EXT;

/** pinned root "kubernetes" -> intermediate with `interExt` -> leaf with `leafExt`. */
async function viaIntermediate(
  dir: string,
  interExt: string[],
  leafExt = LEAF_EXT,
  rootExt = CA_EXT,
): Promise<{ pinned: Issued; chain: Issued[] }> {
  const pinned = await root(dir, "ca", "kubernetes", rootExt);
  const inter = await issue(dir, "inter", pinned, { cn: "inter", ext: interExt });
  const leaf = await issue(dir, "leaf", inter, { cn: "kube-apiserver", ext: leafExt });
  return { pinned, chain: [leaf, inter] };
}

/** pinned root "kubernetes" -> leaf issued with `o`. */
async function direct(
  dir: string,
  o: { ext?: string[]; md?: string; pss?: boolean; bits?: number; start?: string; end?: string },
): Promise<{ pinned: Issued; chain: Issued[] }> {
  const pinned = await root(dir, "ca", "kubernetes");
  const leaf = await issue(dir, "leaf", pinned, {
    cn: "kube-apiserver",
    ext: o.ext ?? LEAF_EXT,
    ...o,
  });
  return { pinned, chain: [leaf] };
}

const CASES: Case[] = [
  {
    name: "a valid chain through an intermediate",
    go: "accept",
    make: (d) => viaIntermediate(d, INTER_EXT),
  },
  {
    name: "the path length constraint is exceeded",
    go: "refuse",
    make: (d) =>
      viaIntermediate(d, INTER_EXT, LEAF_EXT, [
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "keyUsage=critical,digitalSignature,keyCertSign",
      ]),
  },
  {
    name: "an intermediate's extended key usage is clientAuth only",
    go: "refuse",
    make: (d) => viaIntermediate(d, [...INTER_EXT, "extendedKeyUsage=clientAuth"]),
  },
  {
    name: "an intermediate's name constraints don't permit the server's IP",
    go: "refuse",
    make: (d) =>
      viaIntermediate(d, [
        ...INTER_EXT,
        "nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0",
      ]),
  },
  {
    name: "an intermediate's name constraints exclude the server's name",
    go: "refuse",
    make: (d) =>
      viaIntermediate(d, [...INTER_EXT, "nameConstraints=critical,excluded;DNS:localhost"]),
  },
  {
    name: "an intermediate carries an unknown critical extension",
    go: "refuse",
    make: (d) => viaIntermediate(d, [...INTER_EXT, "1.2.3.4.5.6.7=critical,DER:05:00"]),
  },
  {
    name: "the leaf carries an unknown critical extension",
    go: "refuse",
    unservable: true,
    make: (d) => direct(d, { ext: [...LEAF_EXT, "1.2.3.4.5.6.7=critical,DER:05:00"] }),
  },
  {
    name: "the leaf is signed with SHA-1",
    go: "refuse",
    make: (d) => direct(d, { md: "sha1" }),
  },
  {
    name: "the leaf is signed with RSA-PSS",
    go: "accept",
    make: (d) => direct(d, { pss: true }),
  },
  {
    name: "the leaf has an RSA-1024 key",
    go: "accept",
    unservable: true,
    make: (d) => direct(d, { bits: 1024 }),
  },
  {
    name: "the leaf has expired",
    go: "refuse",
    make: (d) => direct(d, { start: asn1Time(-30), end: asn1Time(-1) }),
  },
  {
    name: "the leaf is not yet valid",
    go: "refuse",
    make: (d) => direct(d, { start: asn1Time(2), end: asn1Time(30) }),
  },
  {
    name: "the leaf's extended key usage is clientAuth only",
    go: "refuse",
    make: (d) =>
      direct(d, {
        ext: LEAF_EXT.map((e) =>
          e.startsWith("extendedKeyUsage") ? "extendedKeyUsage=clientAuth" : e
        ),
      }),
  },
  {
    name: "the leaf is for another name",
    go: "refuse",
    make: (d) =>
      direct(d, {
        ext: LEAF_EXT.map((e) =>
          e.startsWith("subjectAltName") ? "subjectAltName=IP:10.9.9.9,DNS:other" : e
        ),
      }),
  },
  {
    name: "an intermediate that the pinned CA did not sign (another CA of the same name)",
    go: "refuse",
    make: async (d) => {
      const pinned = await root(d, "ca", "kubernetes");
      const other = await root(d, "other", "kubernetes");
      const inter = await issue(d, "inter", other, { cn: "inter", ext: INTER_EXT });
      const leaf = await issue(d, "leaf", inter, { cn: "kube-apiserver", ext: LEAF_EXT });
      return { pinned, chain: [leaf, inter] };
    },
  },
  {
    name: "the issuer is CA:false",
    go: "refuse",
    make: (d) =>
      viaIntermediate(d, [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyCertSign",
      ]),
  },
  {
    name: "an intermediate has expired",
    go: "refuse",
    make: async (d) => {
      const pinned = await root(d, "ca", "kubernetes");
      const inter = await issue(d, "inter", pinned, {
        cn: "inter",
        ext: INTER_EXT,
        start: asn1Time(-30),
        end: asn1Time(-1),
      });
      const leaf = await issue(d, "leaf", inter, { cn: "kube-apiserver", ext: LEAF_EXT });
      return { pinned, chain: [leaf, inter] };
    },
  },
];

function joinCfg(endpoint: string, hash: string): JoinConfiguration {
  return {
    nodeRegistration: {},
    discovery: {
      bootstrapToken: { token: TOKEN, apiServerEndpoint: endpoint, caCertHashes: [hash] },
      tlsBootstrapToken: TOKEN,
    },
  } as unknown as JoinConfiguration;
}

for (const c of CASES) {
  Deno.test({
    name: `trust matrix: ${c.name}: kubestrap's verdict is Go's (${c.go})`,
    ignore: !haveGo(),
    async fn() {
      await using t = await tempDir("kubestrap-trust-");
      const { pinned, chain } = await c.make(t.path);
      const chainPath = `${t.path}/presented.pem`;
      await Deno.writeTextFile(chainPath, chain.map((x) => x.cert).join(""));

      // The presented chain, verified as crypto/tls's client does: same verdict, same words.
      const goSays = await goChainVerdict(chainPath, pinned.certPath, "127.0.0.1");
      assertEquals(goSays === "ok" ? "accept" : "refuse", c.go, `Go's verdict: ${goSays}`);
      let kubestrapSays = "ok";
      try {
        verifyServerChain(
          chain.map((x) => parseCertsPEM(x.cert)[0]),
          parseCertsPEM(pinned.cert),
          "127.0.0.1",
        );
      } catch (e) {
        kubestrapSays = (e as Error).message;
      }
      assertEquals(withoutNow(kubestrapSays), withoutNow(goSays));
      if (c.unservable) return;

      // Join discovery against a server presenting it.
      let endpoint = "";
      await using srv = await startFakeAPIServer({
        cert: chain.map((x) => x.cert).join(""),
        key: chain[0].key,
        clusterInfo: () => signedClusterInfo(endpoint, pinned.cert),
      });
      endpoint = srv.endpoint;
      const verdict = await goVerdict(endpoint, pinned.certPath);
      const before = srv.requests.length;
      assertEquals(verdict === "ok" ? "accept" : "refuse", c.go, `Go's verdict: ${verdict}`);
      const hash = caCertHashes(pinned.cert)[0];
      let err: Error | undefined;
      try {
        await discoveryFor(joinCfg(endpoint, hash), FAST);
      } catch (e) {
        err = e as Error;
      }
      const requests = srv.requests.slice(before);
      if (c.go === "accept") {
        assertEquals(err, undefined, `kubestrap refused what Go accepts: ${err?.message}`);
        assertEquals(requests.length, 2);
        return;
      }
      assert(err, "kubestrap accepted a chain that Go refuses");
      assertStringIncludes(withoutNow(err.message), withoutNow(verdict));
      assertStringIncludes(err.message, "failed to request the cluster-info ConfigMap");
      assert(!err.message.includes(TOKEN_SECRET), "the token secret leaked");
      // Only the anonymous insecure fetch reached the server: the pinned one sent no request.
      assertEquals(requests.length, 1);
      assert(requests.every((r) => r.authorization === undefined));
    },
  });
}
