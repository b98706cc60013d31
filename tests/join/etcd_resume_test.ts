/**
 * The etcd steps of a control-plane join when the run before was interrupted (`join --resume`,
 * issue 16), replayed against tests/fixtures/fake_etcd.ts: a first client adds cp2 as a learner
 * (and maybe sees it start or promotes it) and is dropped, as a killed join would be; a second
 * client made the way a resumed join makes it (lib/etcdclient/cluster.ts, endpoints synced from
 * the member list) does what phases/join/etcd_join.ts does. Whatever the interrupted run got to,
 * cp2 is added once (no second member for its peer URL), promoted at most once, ends a voting
 * member, and no member call goes to a learner (a learner answers none: the call would only fail
 * over to the next endpoint, or wait for a learner that has not started).
 */
import { assert, assertEquals } from "../assert.ts";
import { opensslCA, opensslCert, tempDir } from "../harness/mod.ts";
import { FakeEtcd } from "../fixtures/fake_etcd.ts";
import { EtcdClient, type EtcdTLS } from "../../lib/etcdclient/mod.ts";
import { etcdClientFromCluster } from "../../lib/etcdclient/cluster.ts";

// Addresses of their own on loopback: the new member's client URL is its peer host's port 2379,
// as in kubeadm.
const CP1 = { peer: "https://127.0.83.1:2380", client: "https://127.0.83.1:2379" };
const CP2 = { peer: "https://127.0.83.2:2380", client: "https://127.0.83.2:2379" };
const CP1_ID = "9000000000000000000";
/** A new member's ID sorts before cp1's: a member list names the learner's endpoint first. */
const FIRST_NEW_ID = 1000n;

const dir = await tempDir("kubestrap-etcd-resume-");
const ca = await opensslCA(dir.path, "etcd-ca", "etcd-ca");
const pair = await opensslCert(dir.path, "member", ca, {
  cn: "member",
  ips: ["127.0.83.1", "127.0.83.2"],
});
const TLS: EtcdTLS = {
  ca: await Deno.readTextFile(ca.cert),
  cert: await Deno.readTextFile(pair.cert),
  key: await Deno.readTextFile(pair.key),
};

async function cluster(): Promise<FakeEtcd> {
  const etcd = new FakeEtcd({ cert: TLS.cert, key: TLS.key }, FIRST_NEW_ID);
  await etcd.addVoter("cp1", CP1.peer, CP1.client, CP1_ID);
  return etcd;
}

const fast = { retryTimeoutMs: 20_000, retryIntervalMs: 100, callTimeoutMs: 2_000 };

/** The client a resumed join makes: cp1's endpoint, then every member's client URLs. */
async function resumedClient(): Promise<EtcdClient> {
  Deno.env.set("KUBESTRAP_ETCD_ENDPOINTS", CP1.client);
  try {
    const files: Record<string, string> = {
      "/pki/etcd/ca.crt": TLS.ca,
      "/pki/etcd/healthcheck-client.crt": TLS.cert,
      "/pki/etcd/healthcheck-client.key": TLS.key,
    };
    return await etcdClientFromCluster({
      client: () => Promise.reject(new Error("no API server in this test")),
      host: { readText: (p) => Promise.resolve(files[p]) },
      certificatesDir: "/pki",
      kubernetesAPICallMs: 1_000,
      etcdAPICallMs: fast.retryTimeoutMs,
    });
  } finally {
    Deno.env.delete("KUBESTRAP_ETCD_ENDPOINTS");
  }
}

/** What phases/join/etcd_join.ts does with the client: add (or find), then promote. */
async function etcdJoin(c: EtcdClient): Promise<void> {
  const members = await c.addMemberAsLearner("cp2", CP2.peer);
  assert(members.some((m) => m.peerURLs.includes(CP2.peer)), "cp2 in the returned list");
  const me = await c.memberIDByPeerURL(CP2.peer);
  assert(me, "cp2 has an ID");
  await c.promoteLearner(me.ID);
}

function assertEnd(etcd: FakeEtcd, promotes: number) {
  assertEquals(
    etcd.members.map((m) => `${m.name} learner=${m.isLearner}`).sort(),
    ["cp1 learner=false", "cp2 learner=false"],
  );
  assertEquals(etcd.count("/v3/cluster/member/add"), 1, "cp2 was added once");
  assertEquals(etcd.count("/v3/cluster/member/promote"), promotes);
  assertEquals(etcd.toLearners().map((r) => r.path), [], "member calls went to a learner");
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name:
    "resume after the member add, before the learner started: no second add, promoted once it starts",
  ...opts,
}, async () => {
  await using etcd = await cluster();
  const killed = new EtcdClient([CP1.client], TLS, fast);
  await killed.addMemberAsLearner("cp2", CP2.peer);
  killed.close();
  assertEquals(etcd.members.find((m) => m.peerURLs.includes(CP2.peer))?.isLearner, true);

  const c = await resumedClient();
  try {
    // The unstarted learner has no client URL: the synced endpoints are cp1's.
    assertEquals(c.endpoints, [CP1.client]);
    // The kubelet starts etcd from the manifest the resumed run writes, a moment later.
    const started = new Promise((r) => setTimeout(r, 600)).then(() =>
      etcd.start(CP2.peer, "cp2", CP2.client)
    );
    await etcdJoin(c);
    await started;
  } finally {
    c.close();
  }
  assertEnd(etcd, 1);
});

Deno.test({
  name:
    "resume after the learner started, before its promotion: promoted once, no member call to it",
  ...opts,
}, async () => {
  await using etcd = await cluster();
  const killed = new EtcdClient([CP1.client], TLS, fast);
  await killed.addMemberAsLearner("cp2", CP2.peer);
  killed.close();
  await etcd.start(CP2.peer, "cp2", CP2.client);

  const c = await resumedClient();
  try {
    // Synced from the member list, the learner's endpoint comes first (its ID sorts first).
    assertEquals(c.endpoints, [CP2.client, CP1.client]);
    await etcdJoin(c);
  } finally {
    c.close();
  }
  assertEnd(etcd, 1);
});

Deno.test({
  name: "resume after the promotion: no second add, no second promotion",
  ...opts,
}, async () => {
  await using etcd = await cluster();
  const killed = new EtcdClient([CP1.client], TLS, fast);
  await killed.addMemberAsLearner("cp2", CP2.peer);
  await etcd.start(CP2.peer, "cp2", CP2.client);
  const id = (await killed.memberIDByPeerURL(CP2.peer))!.ID;
  await killed.promoteLearner(id);
  killed.close();

  const c = await resumedClient();
  try {
    await etcdJoin(c);
  } finally {
    c.close();
  }
  assertEnd(etcd, 1);
});

Deno.test({
  name: "an uninterrupted join: one add, one promotion once the learner started",
  ...opts,
}, async () => {
  await using etcd = await cluster();
  const c = await resumedClient();
  try {
    const started = new Promise((r) => setTimeout(r, 600)).then(() =>
      etcd.start(CP2.peer, "cp2", CP2.client)
    );
    await etcdJoin(c);
    await started;
  } finally {
    c.close();
  }
  assertEnd(etcd, 1);
  await dir.remove();
});
