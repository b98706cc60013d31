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
// as in kubeadm. Each test has its own pair (127.0.83.<2n+1>, 127.0.83.<2n+2>): a port the test
// before closed is not always free again at once, and a bind to it failed CI with EADDRINUSE.
interface Member {
  peer: string;
  client: string;
}
const TESTS = 4;
function addrs(n: number): { CP1: Member; CP2: Member } {
  const m = (i: number) => ({
    peer: `https://127.0.83.${i}:2380`,
    client: `https://127.0.83.${i}:2379`,
  });
  return { CP1: m(2 * n + 1), CP2: m(2 * n + 2) };
}
let used = 0;
/** The next test's addresses. */
function nextAddrs(): { CP1: Member; CP2: Member } {
  if (used >= TESTS) throw new Error("raise TESTS: the certificate names each test's addresses");
  return addrs(used++);
}
const CP1_ID = "9000000000000000000";
/** A new member's ID sorts before cp1's: a member list names the learner's endpoint first. */
const FIRST_NEW_ID = 1000n;

const dir = await tempDir("kubestrap-etcd-resume-");
const ca = await opensslCA(dir.path, "etcd-ca", "etcd-ca");
const pair = await opensslCert(dir.path, "member", ca, {
  cn: "member",
  ips: Array.from({ length: 2 * TESTS }, (_, i) => `127.0.83.${i + 1}`),
});
const TLS: EtcdTLS = {
  ca: await Deno.readTextFile(ca.cert),
  cert: await Deno.readTextFile(pair.cert),
  key: await Deno.readTextFile(pair.key),
};

async function cluster({ CP1 }: { CP1: Member }): Promise<FakeEtcd> {
  const etcd = new FakeEtcd({ cert: TLS.cert, key: TLS.key }, FIRST_NEW_ID);
  await etcd.addVoter("cp1", CP1.peer, CP1.client, CP1_ID);
  return etcd;
}

const fast = { retryTimeoutMs: 20_000, retryIntervalMs: 100, callTimeoutMs: 2_000 };

/** The client a resumed join makes: cp1's endpoint, then every member's client URLs. */
async function resumedClient({ CP1 }: { CP1: Member }): Promise<EtcdClient> {
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
async function etcdJoin(c: EtcdClient, { CP2 }: { CP2: Member }): Promise<void> {
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
  const a = nextAddrs();
  const { CP1, CP2 } = a;
  await using etcd = await cluster(a);
  const killed = new EtcdClient([CP1.client], TLS, fast);
  await killed.addMemberAsLearner("cp2", CP2.peer);
  killed.close();
  assertEquals(etcd.members.find((m) => m.peerURLs.includes(CP2.peer))?.isLearner, true);

  const c = await resumedClient(a);
  try {
    // The unstarted learner has no client URL: the synced endpoints are cp1's.
    assertEquals(c.endpoints, [CP1.client]);
    // The kubelet starts etcd from the manifest the resumed run writes, a moment later.
    const started = new Promise((r) => setTimeout(r, 600)).then(() =>
      etcd.start(CP2.peer, "cp2", CP2.client)
    );
    await etcdJoin(c, a);
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
  const a = nextAddrs();
  const { CP1, CP2 } = a;
  await using etcd = await cluster(a);
  const killed = new EtcdClient([CP1.client], TLS, fast);
  await killed.addMemberAsLearner("cp2", CP2.peer);
  killed.close();
  await etcd.start(CP2.peer, "cp2", CP2.client);

  const c = await resumedClient(a);
  try {
    // Synced from the member list, the learner's endpoint comes first (its ID sorts first).
    assertEquals(c.endpoints, [CP2.client, CP1.client]);
    await etcdJoin(c, a);
  } finally {
    c.close();
  }
  assertEnd(etcd, 1);
});

Deno.test({
  name: "resume after the promotion: no second add, no second promotion",
  ...opts,
}, async () => {
  const a = nextAddrs();
  const { CP1, CP2 } = a;
  await using etcd = await cluster(a);
  const killed = new EtcdClient([CP1.client], TLS, fast);
  await killed.addMemberAsLearner("cp2", CP2.peer);
  await etcd.start(CP2.peer, "cp2", CP2.client);
  const id = (await killed.memberIDByPeerURL(CP2.peer))!.ID;
  await killed.promoteLearner(id);
  killed.close();

  const c = await resumedClient(a);
  try {
    await etcdJoin(c, a);
  } finally {
    c.close();
  }
  assertEnd(etcd, 1);
});

Deno.test({
  name: "an uninterrupted join: one add, one promotion once the learner started",
  ...opts,
}, async () => {
  const a = nextAddrs();
  const { CP2 } = a;
  await using etcd = await cluster(a);
  const c = await resumedClient(a);
  try {
    const started = new Promise((r) => setTimeout(r, 600)).then(() =>
      etcd.start(CP2.peer, "cp2", CP2.client)
    );
    await etcdJoin(c, a);
    await started;
  } finally {
    c.close();
  }
  assertEnd(etcd, 1);
  await dir.remove();
});
