// waitForHealthy: one client for the whole wait (kept-alive connection, one TLS configuration),
// and kubeadm's error of the last probe when the endpoint never turns healthy.
import { assertEquals } from "../assert.ts";
import { openssl } from "../pki/helpers.ts";
import { assert } from "../assert.ts";
import {
  goGetError,
  kubeletCheck,
  kubeletHealthzURL,
  UnhealthyError,
  waitForHealthy,
} from "../../lib/kube/health.ts";

/** A throwaway CA and a serving certificate for 127.0.0.1 signed by it (PEM). */
async function servingPair(dir: string) {
  const f = (n: string) => `${dir}/${n}`;
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.crt"),
    "-subj",
    "/CN=ca",
    "-days",
    "1",
  ]);
  await openssl(["req", ...ec, "-keyout", f("srv.key"), "-out", f("srv.csr"), "-subj", "/CN=srv"]);
  await Deno.writeTextFile(f("ext"), "subjectAltName=IP:127.0.0.1\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    f("srv.csr"),
    "-CA",
    f("ca.crt"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-out",
    f("srv.crt"),
    "-days",
    "1",
    "-extfile",
    f("ext"),
  ]);
  const [ca, cert, key] = await Promise.all(
    ["ca.crt", "srv.crt", "srv.key"].map((n) => Deno.readTextFile(f(n))),
  );
  return { ca, cert, key };
}

/**
 * A keep-alive HTTP/1.1 server on loopback answering `statuses` in turn (then the last one);
 * counts the TCP connections it accepted.
 */
function statusServer(statuses: number[], tls?: { cert: string; key: string }) {
  const listener = tls
    ? Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  let requests = 0;
  const conns: Deno.Conn[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      connections++;
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(4096);
        try {
          while (true) {
            const n = await conn.read(buf);
            if (n === null) break;
            const status = statuses[Math.min(requests++, statuses.length - 1)];
            const body = status === 200 ? "ok" : "not yet";
            await conn.write(
              new TextEncoder().encode(
                `HTTP/1.1 ${status} X\r\ncontent-length: ${body.length}\r\n` +
                  `connection: keep-alive\r\n\r\n${body}`,
              ),
            );
          }
        } catch {
          // closed
        }
      })();
    }
  })().catch(() => {});
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}/healthz`,
    connections: () => connections,
    requests: () => requests,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await done;
    },
  };
}

Deno.test("waitForHealthy probes a TLS endpoint with its CA over one kept-alive connection until it answers 200", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-health-" });
  const pair = await servingPair(dir);
  const srv = statusServer([500, 500, 503, 200], pair);
  try {
    // The API server's probe: a verifying client (a client per probe: 4 TLS connections).
    await waitForHealthy(srv.url, { caData: pair.ca, intervalMs: 20, timeoutMs: 5_000 });
    assertEquals(srv.requests(), 4);
    assertEquals(srv.connections(), 1);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("waitForHealthy gives up with the last probe's error", async () => {
  const srv = statusServer([500]);
  try {
    let err: unknown;
    await waitForHealthy(srv.url, { intervalMs: 20, timeoutMs: 200, name: "kubelet" })
      .catch((e) => err = e);
    assertEquals(err instanceof UnhealthyError, true);
    assertEquals(
      (err as UnhealthyError).message,
      `kubelet check failed at ${srv.url} with status: 500`,
    );
    assertEquals((err as UnhealthyError).last.status, 500);
    assertEquals(srv.connections(), 1);
  } finally {
    await srv.close();
  }
});

Deno.test("insecure probes of a port nobody listens on: node's refused error, no native memory kept", async () => {
  // A port that refuses: bind one, then let it go.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const module = new URL("../../lib/kube/health.ts", import.meta.url).href;
  // In a fresh process: its RSS speaks of these probes alone (node:https kept about 0.5 MiB
  // per refused connection, 12 MiB for these 25).
  const script = `
    import { probe, probeClient } from ${JSON.stringify(module)};
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))[1]);
    const url = "https://127.0.0.1:${port}/healthz";
    const opts = { insecureSkipTLSVerify: true, name: "kube-scheduler" };
    const client = probeClient(url, opts);
    let r = await probe(url, opts, client);
    const before = rss();
    for (let i = 0; i < 25; i++) r = await probe(url, opts, client);
    console.log(JSON.stringify({ error: r.error, growthKiB: rss() - before }));
    client.close();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assertEquals(
    r.error,
    `kube-scheduler check failed at https://127.0.0.1:${port}/healthz: unable to check kube-scheduler: ` +
      `cannot reach https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
  );
  assertEquals(r.growthKiB < 4096, true, `RSS grew by ${r.growthKiB} KiB over 25 probes`);
});

/** A Go time.Duration string (what kubeadm prints after "healthy after"). */
const GO_DURATION = /^(\d+(\.\d+)?(ns|µs|ms|s)|\d+m\d+(\.\d+)?s)$/;

Deno.test("kubeletCheck: kubeadm's lines, with Go durations, once the kubelet answers 200", async () => {
  const srv = statusServer([500, 500, 200]);
  const lines: string[] = [];
  try {
    await kubeletCheck((l) => lines.push(l), srv.url, { timeoutMs: 240_000, intervalMs: 20 });
  } finally {
    await srv.close();
  }
  assertEquals(lines.length, 2);
  assertEquals(
    lines[0],
    `[kubelet-check] Waiting for a healthy kubelet at ${srv.url}. This can take up to 4m0s`,
  );
  const m = /^\[kubelet-check\] The kubelet is healthy after (\S+)$/.exec(lines[1]);
  assert(m && GO_DURATION.test(m[1]), lines[1]);
  assertEquals(srv.requests(), 3);
});

Deno.test("kubeletCheck: a probe the caller made already is not made again", async () => {
  const srv = statusServer([500]);
  const lines: string[] = [];
  try {
    await kubeletCheck((l) => lines.push(l), srv.url, {
      timeoutMs: 1000,
      intervalMs: 20,
      first: { ok: true, status: 200 },
    });
  } finally {
    await srv.close();
  }
  assertEquals(srv.requests(), 0);
  assert(/^\[kubelet-check\] The kubelet is healthy after \S+$/.test(lines[1]), lines[1]);
});

Deno.test("kubeletCheck: kubeadm's error texts for a status and for a refused connection", async () => {
  const srv = statusServer([503]);
  const lines: string[] = [];
  const failure = (p: Promise<void>) => p.then(() => undefined, (e: Error) => e);
  let err: Error | undefined;
  try {
    err = await failure(
      kubeletCheck((l) => lines.push(l), srv.url, { timeoutMs: 200, intervalMs: 20 }),
    );
  } finally {
    await srv.close();
  }
  assertEquals(
    err?.message,
    `The HTTP call equal to 'curl -sSL ${srv.url}' returned status code: 503\n`,
  );
  const m = /^\[kubelet-check\] The kubelet is not healthy after (\S+)$/.exec(lines[1]);
  assert(m && GO_DURATION.test(m[1]), lines[1]);

  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const url = kubeletHealthzURL("127.0.0.1", port);
  err = await failure(kubeletCheck(() => {}, url, { timeoutMs: 200, intervalMs: 20 }));
  assertEquals(
    err?.message,
    `The HTTP call equal to 'curl -sSL ${url}' returned error: Get "${url}": ` +
      `dial tcp 127.0.0.1:${port}: connect: connection refused\n`,
  );
});

Deno.test("kubeletHealthzURL and goGetError word addresses as Go does", () => {
  assertEquals(kubeletHealthzURL("127.0.0.1", 10248), "http://127.0.0.1:10248/healthz");
  assertEquals(kubeletHealthzURL("::1", 10248), "http://[::1]:10248/healthz");
  assertEquals(
    goGetError("http://[::1]:10248/healthz", "connect ECONNREFUSED ::1:10248"),
    'Get "http://[::1]:10248/healthz": dial tcp [::1]:10248: connect: connection refused',
  );
  assertEquals(
    goGetError("http://127.0.0.1:10248/healthz", "no response within 10s"),
    'Get "http://127.0.0.1:10248/healthz": context deadline exceeded',
  );
  assertEquals(
    goGetError("http://127.0.0.1:10248/healthz", "connection reset by peer"),
    'Get "http://127.0.0.1:10248/healthz": connection reset by peer',
  );
});
