// The API calls of init's addon and upload-certs phases that kubeadm makes once (listing the
// CoreDNS Deployments, creating the kube-dns Service, reading the helper token's Secret) are
// retried within timeouts.kubernetesAPICall, as kubeadm's create-or-update helpers retry theirs:
// an API server that has just restarted answers 403 until its RBAC is loaded, and
// tests/e2e/init_faults_test.ts saw addon/coredns fail on that 403
// (`deployments.apps is forbidden: User "kubernetes-admin" cannot list ...`). Errors that
// waiting cannot heal still fail at once, with kubeadm's texts.
import { assertEquals, assertRejects } from "../assert.ts";
import { KubeClient, type Transport, type TransportRequest } from "../../lib/kube/client.ts";
import { applyDNSService, deployedDNSReplicas } from "../../lib/apiobjects/addons/coredns.ts";

type Answer = { status: number; body: unknown };

/** Answers the requests in turn with `answers` (the last one again when they run out). */
function scripted(answers: Answer[]): { transport: Transport; seen: string[] } {
  const seen: string[] = [];
  let i = 0;
  const transport: Transport = {
    send(req: TransportRequest) {
      seen.push(`${req.method} ${new URL(req.url).pathname}`);
      const a = answers[Math.min(i++, answers.length - 1)];
      return Promise.resolve({
        status: a.status,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(a.body),
      });
    },
    close() {},
  };
  return { transport, seen };
}

const status = (code: number, reason: string, message: string): Answer => ({
  status: code,
  body: { kind: "Status", apiVersion: "v1", status: "Failure", reason, code, message },
});
const forbidden = status(
  403,
  "Forbidden",
  'deployments.apps is forbidden: User "kubernetes-admin" cannot list resource "deployments"',
);
const opts = { intervalMs: 10, timeoutMs: 5_000 };
const client = (t: Transport) =>
  new KubeClient({ server: "https://10.0.0.1:6443" }, { transport: t });

Deno.test("CoreDNS: the Deployment list is retried after a restarting API server's 403", async () => {
  const { transport, seen } = scripted([forbidden, forbidden, {
    status: 200,
    body: {
      kind: "DeploymentList",
      items: [{ metadata: { name: "coredns" }, spec: { replicas: 3 } }],
    },
  }]);
  assertEquals(await deployedDNSReplicas(client(transport), 2, opts), 3);
  assertEquals(seen, Array(3).fill("GET /apis/apps/v1/namespaces/kube-system/deployments"));
});

Deno.test("CoreDNS: the kube-dns Service create is retried, then updated when it exists", async () => {
  const { transport, seen } = scripted([
    forbidden,
    status(409, "AlreadyExists", 'services "kube-dns" already exists'),
    { status: 200, body: { kind: "Service", metadata: { name: "kube-dns" } } },
  ]);
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kube-dns", namespace: "kube-system" },
  };
  await applyDNSService(client(transport), service, opts);
  assertEquals(seen, [
    "POST /api/v1/namespaces/kube-system/services",
    "POST /api/v1/namespaces/kube-system/services",
    "PUT /api/v1/namespaces/kube-system/services/kube-dns",
  ]);
});

Deno.test("CoreDNS: an invalid kube-dns Service update fails at once with kubeadm's text", async () => {
  const { transport, seen } = scripted([
    status(409, "AlreadyExists", 'services "kube-dns" already exists'),
    status(422, "Invalid", 'Service "kube-dns" is invalid: spec.clusterIPs[0]: Invalid value'),
  ]);
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kube-dns", namespace: "kube-system" },
  };
  await assertRejects(
    () => applyDNSService(client(transport), service, opts),
    Error,
    'unable to create/update the DNS service: unable to update Service kube-system/kube-dns on https://10.0.0.1:6443: Service "kube-dns" is invalid',
  );
  assertEquals(seen.length, 2);
});
