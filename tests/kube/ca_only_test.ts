// The API client trusts the kubeconfig's CA only, as client-go does (issue 17): a server whose
// certificate another root signed is refused even when that root is in the process's default
// trust store (DENO_CERT stands in for a Mozilla/system root); the pinned transport keeps one
// verified connection alive across requests and replaces it when the server closed it.
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { opensslCA, opensslCert } from "../harness/mod.ts";
import { KubeClient } from "../../lib/kube/client.ts";
import { pinnedTransport } from "../../lib/discovery/transport.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function pki() {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-ca-only-" });
  const caA = await opensslCA(dir, "ca-a", "kubernetes");
  const caB = await opensslCA(dir, "ca-b", "Some Public Root");
  const opts = { cn: "kube-apiserver", ips: ["127.0.0.1"], usage: ["server" as const] };
  const srvA = await opensslCert(dir, "srv-a", caA, opts);
  const srvB = await opensslCert(dir, "srv-b", caB, opts);
  return { dir, caA, caB, srvA, srvB };
}

/** An API server stand-in: every GET answers an empty list; remote ports are recorded. */
function serve(cert: string, key: string, port = 0) {
  const ports: number[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    cert: Deno.readTextFileSync(cert),
    key: Deno.readTextFileSync(key),
    onListen: () => {},
  }, (_req, info) => {
    ports.push((info.remoteAddr as Deno.NetAddr).port);
    return Response.json({ kind: "SecretList", apiVersion: "v1", items: [] });
  });
  return { server, ports, url: `https://127.0.0.1:${server.addr.port}` };
}

function kubeconfig(server: string, caPem: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${btoa(caPem)}
    server: ${server}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: admin
  name: admin@kubernetes
current-context: admin@kubernetes
users:
- name: admin
  user:
    token: abcdef.0123456789abcdef
`;
}

Deno.test("kubestrap's API client trusts the kubeconfig's CA only, not the default roots", async () => {
  const p = await pki();
  try {
    const caA = await Deno.readTextFile(p.caA.cert);
    for (const [srv, ok] of [[p.srvA, true], [p.srvB, false]] as const) {
      const s = serve(srv.cert, srv.key);
      try {
        const kc = `${p.dir}/kc-${ok}.yaml`;
        await Deno.writeTextFile(kc, kubeconfig(s.url, caA));
        const r = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", MAIN, "token", "list", "--kubeconfig", kc],
          // CA-B trusted by this process's default store, as a public root would be.
          env: { DENO_CERT: p.caB.cert },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const err = new TextDecoder().decode(r.stderr);
        if (ok) {
          assertEquals(r.code, 0, err);
          assertEquals(s.ports.length, 1);
        } else {
          assertEquals(r.code, 1, err);
          assertStringIncludes(
            err,
            "tls: failed to verify certificate: x509: certificate signed by unknown authority",
          );
          // Nothing was sent to the server (its certificate was refused first).
          assertEquals(s.ports.length, 0);
        }
      } finally {
        await s.server.shutdown();
      }
    }
  } finally {
    await Deno.remove(p.dir, { recursive: true });
  }
});

Deno.test("pinnedTransport: one verified connection kept alive, replaced after the server closed it", async () => {
  const p = await pki();
  const s = serve(p.srvA.cert, p.srvA.key);
  try {
    const caData = await Deno.readTextFile(p.caA.cert);
    const cfg = { server: s.url, caData };
    const client = new KubeClient(cfg, { transport: pinnedTransport(cfg) });
    try {
      for (let i = 0; i < 5; i++) await client.list("secrets", { namespace: "kube-system" });
      await Promise.all([1, 2, 3].map(() => client.list("secrets", { namespace: "default" })));
      assertEquals(new Set(s.ports).size, 1, `ports ${s.ports}`);
      assertEquals(s.ports.length, 8);
    } finally {
      client.close();
    }
    // The server restarts on the same port: the kept-alive connection is gone, the same
    // client connects (and verifies) again.
    const client2 = new KubeClient(cfg, { transport: pinnedTransport(cfg) });
    try {
      await client2.list("secrets");
      await s.server.shutdown();
      const port = Number(new URL(s.url).port);
      const s2 = serve(p.srvA.cert, p.srvA.key, port);
      try {
        await client2.list("secrets");
        assertEquals(s2.ports.length, 1);
      } finally {
        await s2.server.shutdown();
      }
    } finally {
      client2.close();
    }
  } finally {
    await s.server.shutdown().catch(() => {});
    await Deno.remove(p.dir, { recursive: true });
  }
});
