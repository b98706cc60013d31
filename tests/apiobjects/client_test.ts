// The API client of init's phases (lib/apiobjects/client.ts): one request may take 10 s, as
// kubeadm's clients from a kubeconfig (kubeconfigutil.ToClientSet, Timeout "10s"). An API
// server that holds requests (its etcd stopped) then costs a phase's attempt 10 s, not the
// client's default 30 s (tests/e2e/init_faults_test.ts: a resumed init waited 44 s there).
import { assertRejects, assertStringIncludes } from "../assert.ts";
import { opensslCA } from "../harness/mod.ts";
import { adminClient } from "../../lib/apiobjects/client.ts";
import { Host } from "../../lib/host.ts";

Deno.test("init's API client: a request without an answer ends after kubeadm's 10 s", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-apiclient-" });
  // Accepts connections and never answers (not even the TLS handshake).
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const c of listener) held.push(c);
    } catch {
      // closed
    }
  })();
  try {
    const ca = await opensslCA(`${dir}/pki`, "ca", "kubernetes");
    await Deno.mkdir(`${dir}/etc/kubernetes`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/etc/kubernetes/other.conf`,
      `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${btoa(await Deno.readTextFile(ca.cert))}
    server: https://127.0.0.1:${listener.addr.port}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: someone
  name: someone@kubernetes
current-context: someone@kubernetes
users:
- name: someone
  user:
    token: abcdef.0123456789abcdef
`,
    );
    const { client } = await adminClient({
      host: new Host(dir),
      kubeconfigPath: "/etc/kubernetes/other.conf",
      dryRun: false,
      localAPIEndpoint: { advertiseAddress: "127.0.0.1", bindPort: listener.addr.port },
      timeoutMs: 60_000,
      out: () => {},
    });
    try {
      const e = await assertRejects(() =>
        client.get("configmaps", "kubeadm-config", "kube-system", { retry: false })
      );
      assertStringIncludes(e.message, "no response within 10s");
    } finally {
      client.close();
    }
  } finally {
    listener.close();
    await accepting;
    for (const c of held) c.close();
    await Deno.remove(dir, { recursive: true });
  }
});
