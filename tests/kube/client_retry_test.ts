// Which network errors the REST client retries (lib/kube/client.ts): a connection that the
// API server closed or reset during the TLS handshake (it was going down or coming up) is retried
// like a refused one; a failed verification of the server is not (no retry heals it).
import { assertEquals, assertRejects } from "../assert.ts";
import { KubeClient, type Transport } from "../../lib/kube/client.ts";
import { TLSVerifyError } from "../../lib/discovery/tlsget.ts";

function failing(make: () => Error): { transport: Transport; attempts: () => number } {
  let n = 0;
  return {
    transport: {
      send() {
        n++;
        return Promise.reject(make());
      },
      close() {},
    },
    attempts: () => n,
  };
}

const client = (t: Transport) =>
  new KubeClient({ server: "https://10.0.0.1:6443" }, {
    transport: t,
    retryTimeoutMs: 300,
    initialBackoffMs: 10,
    maxBackoffMs: 10,
  });

for (
  const msg of [
    "connection to 10.0.0.1:6443 closed during the handshake",
    "client error (Connect): tls handshake eof",
    "read ECONNRESET",
  ]
) {
  Deno.test(`REST client: retries "${msg}"`, async () => {
    const f = failing(() => new Error(msg));
    await assertRejects(() => client(f.transport).get("nodes", "cp"), Error, msg);
    assertEquals(f.attempts() > 1, true, `${f.attempts()} attempt(s)`);
  });
}

Deno.test("REST client: a failed verification of the server is not retried", async () => {
  for (
    const make of [
      () => new TLSVerifyError("tls: no trusted roots to verify against"),
      () => new Error("client error (Connect): invalid peer certificate: UnknownIssuer"),
    ]
  ) {
    const f = failing(make);
    await assertRejects(() => client(f.transport).get("nodes", "cp"));
    assertEquals(f.attempts(), 1);
  }
});
