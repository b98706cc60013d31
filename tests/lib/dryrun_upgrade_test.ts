/**
 * The dry-run client of `upgrade apply --dry-run` (kubeadm's getClient in cmd/upgrade/common.go):
 * its HealthCheckJobReactor answers the CreateJob check's Job as completed (the Job is never
 * created, so the check would otherwise wait a minute and fail).
 */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { dryRunClient } from "../../lib/dryrun/client.ts";
import { isNotFound } from "../../lib/kube/errors.ts";

Deno.test("upgrade dry-run: the health-check Job reads back completed, printed as kubeadm's reactor prints it", async () => {
  let out = "";
  const { client } = dryRunClient({ out: (s) => out += s, healthCheckJobReactor: true });
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "upgrade-health-check-1796660668524", namespace: "kube-system" },
    spec: {},
  };
  await client.create("jobs", job, { retry: false });
  out = "";
  const got = await client.get<{ status?: { conditions?: { type: string }[] } }>(
    "jobs",
    "upgrade-health-check-1796660668524",
    "kube-system",
    { retry: false },
  );
  assertEquals(got.status?.conditions?.map((c) => c.type), ["Complete"]);
  assertEquals(
    out,
    `[dryrun] Would perform action GET on resource "jobs" in API group "batch/v1"
[dryrun] Resource name "upgrade-health-check-1796660668524", namespace "kube-system"
[dryrun] Attached object:
apiVersion: batch/v1
kind: Job
metadata:
  name: kube-system
  namespace: upgrade-health-check-1796660668524
spec:
  template:
    metadata: {}
    spec:
      containers: null
status:
  conditions:
  - lastProbeTime: null
    lastTransitionTime: null
    status: ""
    type: Complete

`,
  );
});

Deno.test("dry-run: other Jobs, and clients without the reactor, read from the tracker", async () => {
  let out = "";
  for (const healthCheckJobReactor of [true, false]) {
    const { client } = dryRunClient({ out: (s) => out += s, healthCheckJobReactor });
    const name = healthCheckJobReactor ? "other" : "upgrade-health-check-1";
    const err = await client.get("jobs", name, "kube-system", { retry: false }).then(
      () => undefined,
      (e) => e,
    );
    assertEquals(isNotFound(err), true, String(err));
  }
  assertStringIncludes(out, "[dryrun] Real object does not exist.");
});

Deno.test("dry-run: the health-check Job is printed as kubeadm's Go type prints it", async () => {
  let out = "";
  const { client } = dryRunClient({ out: (s) => out += s });
  await client.create("jobs", {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "upgrade-health-check-1", namespace: "kube-system" },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "c", image: "pause", args: ["-v"] }] },
      },
    },
  }, { retry: false });
  assertEquals(
    out,
    `[dryrun] Would perform action CREATE on resource "jobs" in API group "batch/v1"
[dryrun] Attached object:
apiVersion: batch/v1
kind: Job
metadata:
  name: upgrade-health-check-1
  namespace: kube-system
spec:
  backoffLimit: 0
  template:
    metadata: {}
    spec:
      containers:
      - args:
        - -v
        image: pause
        name: c
        resources: {}
      restartPolicy: Never
status: {}

`,
  );
});

Deno.test("upgrade dry-run without a kubeconfig: kubeadm's fake cluster answers before any real read", async () => {
  let out = "";
  const { client } = dryRunClient({
    out: (s) => out += s,
    nodeReactors: true,
    healthCheckJobReactor: true,
    upgradeFakeCluster: { nodeName: "node-a" },
  });
  // The fake discovery's version: kubeadm's CurrentKubernetesVersion, nothing printed.
  const v = await client.json<{ gitVersion?: string }>("GET", "/version");
  assertEquals(v.gitVersion, "1.37.0");
  assertEquals(out, "");

  for (const name of ["kubeadm-config", "kubelet-config", "kube-proxy", "coredns"]) {
    out = "";
    const cm = await client.get<{ data?: Record<string, string> }>(
      "configmaps",
      name,
      "kube-system",
      { retry: false },
    );
    assertEquals(Object.keys(cm.data ?? {}).length > 0, true, name);
    assertEquals(out.includes("Real object does not exist"), false, out);
    assertStringIncludes(out, `[dryrun] Resource name "${name}", namespace "kube-system"\n`);
  }

  // The whole Pod list is printed; the caller gets what its label selector matches.
  out = "";
  const pods = await client.list<{ metadata?: { name?: string } }>("pods", {
    namespace: "kube-system",
    labelSelector: "component=kube-apiserver,tier=control-plane",
    fieldSelector: "spec.nodeName=node-a",
    retry: false,
  });
  assertEquals(pods.items.map((p) => p.metadata?.name), ["kube-apiserver-node-a"]);
  for (const c of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"]) {
    assertStringIncludes(out, `    name: ${c}-node-a\n`);
  }
  const deployments = await client.list<{ spec?: unknown }>("deployments", {
    namespace: "kube-system",
    labelSelector: "k8s-app=kube-dns",
    retry: false,
  });
  assertEquals(deployments.items.length, 1);

  // Anything else: kubeadm's tracker, after the "Real object does not exist" line.
  out = "";
  const err = await client.get("configmaps", "other", "kube-system", { retry: false }).then(
    () => undefined,
    (e) => e,
  );
  assertEquals(isNotFound(err), true, String(err));
  assertStringIncludes(out, "[dryrun] Real object does not exist.");
  out = "";
  const nodes = await client.list("nodes", { retry: false });
  assertEquals(nodes.items.length, 0);
  assertStringIncludes(out, "Attempting to LIST from followup reactors");
});
