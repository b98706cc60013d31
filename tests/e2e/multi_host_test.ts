/**
 * Several namespace hosts on one test network: a control plane, a worker joined with a token,
 * a second control plane joined with --upload-certs / the certificate key (stacked etcd, two
 * members), and interop with the real kubeadm v1.37.2 in both directions.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  assertKubeletChecked,
  cluster,
  type ClusterResult,
  E2E_IGNORE,
  etcdMemberList,
} from "./scenarios.ts";
import { runTool, toolError } from "./tools.ts";
import { type E2eNode, getJsonpath } from "./cluster.ts";
import { CONTROLLER_ACCOUNTS_V1_37 } from "../../lib/apiobjects/controlleraccounts.ts";

// Whole clusters: run by scripts/e2e.ts (KUBESTRAP_E2E=1), not by the unit/integration run.
const ignore = E2E_IGNORE;
const opts = { ignore, sanitizeOps: false, sanitizeResources: false };

function readyNodes(r: ClusterResult): string[] {
  return r.nodes.split("\n").slice(1).filter((l) => / Ready /.test(l)).map((l) => l.split(" ")[0])
    .sort();
}

/**
 * The ServiceAccounts in kube-system once a worker has joined (the controller-manager has made
 * every controller's client by then): the controller-manager's, which kubestrap's init creates
 * ahead of it (lib/apiobjects/controlleraccounts.ts), plus the addons'.
 */
const KUBE_SYSTEM_ACCOUNTS = [...CONTROLLER_ACCOUNTS_V1_37, "coredns", "default", "kube-proxy"]
  .sort();

async function kubeSystemAccounts(cp: E2eNode): Promise<string> {
  return await getJsonpath(
    cp,
    ["-n", "kube-system", "serviceaccounts"],
    "{.items[*].metadata.name}",
  );
}

function etcdMembers(r: ClusterResult): string[] {
  // "<id>, started, <name>, <peer>, <client>, <isLearner>"
  return (r.etcdMembers ?? "").split("\n").filter(Boolean).map((l) => {
    const f = l.split(", ");
    return `${f[2]} ${f[1]} learner=${f[5]}`;
  }).sort();
}

Deno.test({
  name: "e2e: kubestrap: control plane, token worker, second control plane (stacked etcd)",
  ...opts,
}, async () => {
  const r = await cluster({
    network: "e2e-ks3",
    subnet: 3,
    cpTool: "kubestrap",
    joins: [
      { name: "w1", tool: "kubestrap" },
      { name: "cp2", tool: "kubestrap", controlPlane: true },
    ],
    after: async (cp, extra, nodes) => {
      // reset on the second control plane removes its etcd member (remove-etcd-member).
      const cp2 = nodes.find((n) => n.name === "cp2")!;
      extra.resetCp2 = await runTool(cp2, "kubestrap", [
        "reset",
        "--force",
        "--cri-socket",
        cp2.criSocket,
      ]);
      extra.membersAfterReset = {
        ...extra.resetCp2,
        stdout: await etcdMemberList(cp, "cp1"),
      };
    },
  });
  console.log(r.timings, `\n${r.nodes}\n${r.etcdMembers}`);
  assertEquals(readyNodes(r), ["cp1", "cp2", "w1"]);
  // init (kubelet supervised) and both joins (their own kubelet): kubeadm's kubelet check lines.
  for (const run of r.runs) assertKubeletChecked(run.stdout);
  assertEquals(etcdMembers(r), ["cp1 started learner=false", "cp2 started learner=false"]);
  if (r.extra.resetCp2.code !== 0) throw toolError(r.extra.resetCp2);
  assertEquals(etcdMembers({ ...r, etcdMembers: r.extra.membersAfterReset.stdout }), [
    "cp1 started learner=false",
  ]);
});

Deno.test({
  name: "e2e: kubeadm v1.37.2 (control case): control plane, token worker, second control plane",
  ...opts,
}, async () => {
  const r = await cluster({
    network: "e2e-ka3",
    subnet: 6,
    cpTool: "kubeadm",
    joins: [
      { name: "w1", tool: "kubeadm" },
      { name: "cp2", tool: "kubeadm", controlPlane: true },
    ],
  });
  console.log(r.timings, `\n${r.nodes}\n${r.etcdMembers}`);
  assertEquals(readyNodes(r), ["cp1", "cp2", "w1"]);
  assertEquals(etcdMembers(r), ["cp1 started learner=false", "cp2 started learner=false"]);
});

Deno.test({
  name:
    "e2e: interop: kubeadm joins a worker to a kubestrap cluster; kubeadm reads its control plane",
  ...opts,
}, async () => {
  let accounts = "";
  const r = await cluster({
    network: "e2e-io1",
    subnet: 4,
    cpTool: "kubestrap",
    joins: [{ name: "w1", tool: "kubeadm" }],
    after: async (cp, extra) => {
      accounts = await kubeSystemAccounts(cp);
      extra.checkExpiration = await runTool(cp, "kubeadm", ["certs", "check-expiration"]);
      // With an explicit version: no look-up of the latest release (nothing leaves the network).
      extra.upgradePlan = await runTool(cp, "kubeadm", ["upgrade", "plan", "v1.37.2"]);
    },
  });
  console.log(r.timings, `\n${r.nodes}`);
  assertEquals(readyNodes(r), ["cp1", "w1"]);
  // The same ServiceAccounts as in the cluster kubeadm made (the last test), no other.
  assertEquals(accounts.split(" ").sort(), KUBE_SYSTEM_ACCOUNTS);
  const ce = r.extra.checkExpiration;
  if (ce.code !== 0) throw toolError(ce);
  for (const c of ["admin.conf", "apiserver", "etcd-server", "front-proxy-client", "ca"]) {
    assert(new RegExp(`^${c.replace(".", "\\.")}\\s`, "m").test(ce.stdout), ce.stdout);
  }
  assert(!/MISSING|invalid/i.test(ce.stdout), ce.stdout);
  const up = r.extra.upgradePlan;
  if (up.code !== 0) throw toolError(up);
  // The same as against a cluster kubeadm made (the last test).
  assertEquals(normalize(up.stdout), UPGRADE_PLAN_STDOUT);
});

Deno.test({
  name: "e2e: interop: kubestrap joins a worker to a cluster the real kubeadm made",
  ...opts,
}, async () => {
  let accounts = "";
  const r = await cluster({
    network: "e2e-io2",
    subnet: 5,
    cpTool: "kubeadm",
    joins: [{ name: "w1", tool: "kubestrap" }],
    after: async (cp, extra) => {
      accounts = await kubeSystemAccounts(cp);
      extra.upgradePlan = await runTool(cp, "kubeadm", ["upgrade", "plan", "v1.37.2"]);
    },
  });
  console.log(r.timings, `\n${r.nodes}`);
  assertEquals(readyNodes(r), ["cp1", "w1"]);
  // The real kubeadm's cluster: kubestrap's list is what the controller-manager creates.
  assertEquals(accounts.split(" ").sort(), KUBE_SYSTEM_ACCOUNTS);
  const up = r.extra.upgradePlan;
  if (up.code !== 0) throw toolError(up);
  assertEquals(normalize(up.stdout), UPGRADE_PLAN_STDOUT);
});

/** What `kubeadm upgrade plan v1.37.2` prints against an up-to-date v1.37.2 cluster. */
const UPGRADE_PLAN_STDOUT = `[preflight] Running pre-flight checks.
[upgrade/config] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...
[upgrade/config] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.
[upgrade] Running cluster health checks
[upgrade] Fetching available versions to upgrade to
[upgrade/versions] Cluster version: 1.37.2
[upgrade/versions] kubeadm version: v1.37.2
[upgrade/versions] Target version: v1.37.2
[upgrade/versions] Latest version in the v1.37 series: v1.37.2`;

function normalize(s: string): string {
  return s.trim().split("\n").map((l) => l.trimEnd()).join("\n");
}
