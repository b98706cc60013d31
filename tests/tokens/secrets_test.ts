// Bootstrap token Secrets on the API server (lib/tokens/secrets.ts) while the API server is away:
// kubeadm's UpdateOrCreateTokens looks for the Secret once and ignores a failing Get, then its
// CreateOrUpdate retries within timeouts.kubernetesAPICall. A Get retried as well spent that
// timeout twice (the bootstrap-token and upload-certs phases took 9 s with a 5 s timeout on a
// real node whose API server was stopped, tests/e2e/init_faults_test.ts).
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { KubeClient, type Transport } from "../../lib/kube/client.ts";
import { updateOrCreateTokens } from "../../lib/tokens/secrets.ts";

Deno.test("token Secrets: one Get, then create-or-update retried until the API-call timeout", async () => {
  const methods: string[] = [];
  const refused: Transport = {
    send(req) {
      methods.push(req.method);
      return Promise.reject(new Error("connect ECONNREFUSED 10.0.0.1:6443"));
    },
    close() {},
  };
  const client = new KubeClient({ server: "https://10.0.0.1:6443" }, {
    transport: refused,
    retryTimeoutMs: 600,
    initialBackoffMs: 20,
    maxBackoffMs: 20,
  });
  const token = { token: { id: "abcdef", secret: "0123456789abcdef" }, ttlMs: 0 };
  await assertRejects(
    () => updateOrCreateTokens(client, false, [token], { timeoutMs: 600, intervalMs: 100 }),
    Error,
    "failed to create or update bootstrap token with name bootstrap-token-abcdef: unable to create Secret kube-system/bootstrap-token-abcdef: cannot reach https://10.0.0.1:6443: connect ECONNREFUSED",
  );
  assertEquals(methods[0], "GET");
  assertEquals(methods.filter((m) => m === "GET").length, 1, methods.join(" "));
  assert(methods.filter((m) => m === "POST").length > 1, methods.join(" "));
});
