// The upgrade's static Pod waiter (lib/upgrade/waiter.ts) reads the kubelet's report from the
// mirror Pod (kubeadm's way) and from the node's container runtime: whichever shows the new
// manifest's hash first decides. An API server that holds requests (as it does for up to a
// minute after etcd's swap) must not hold the upgrade up once the runtime runs the new Pod; an
// API server that answers keeps kubeadm's verdict.
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { KubeClient, type Transport, type TransportRequest } from "../../lib/kube/client.ts";
import { type PodRuntime, StaticPodWaiter, WaitTimeoutError } from "../../lib/upgrade/waiter.ts";

/** A transport that answers with `answer`, or holds the request until it is aborted. */
function transport(
  answer: (req: TransportRequest) => { status: number; body: unknown } | "hang" | "refuse",
): Transport {
  return {
    send(req) {
      const a = answer(req);
      if (a === "refuse") return Promise.reject(new Error("connect: connection refused"));
      if (a === "hang") {
        return new Promise((_, reject) => {
          req.signal.addEventListener("abort", () => reject(new Error("aborted")));
        });
      }
      return Promise.resolve({
        status: a.status,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(a.body),
      });
    },
    close() {},
  };
}

function client(t: Transport): KubeClient {
  return new KubeClient({ server: "https://10.0.0.1:6443" }, {
    transport: t,
    requestTimeoutMs: 300,
  });
}

/** A runtime that reports the Pod UIDs `uids()` returns, and records what it was asked. */
function runtime(uids: () => string[] | Error): PodRuntime & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    runningPodUIDs(pod, container) {
      asked.push(`${pod}/${container}`);
      const u = uids();
      return u instanceof Error ? Promise.reject(u) : Promise.resolve(u);
    },
  };
}

const mirror = (hash: string) => ({
  status: 200,
  body: {
    kind: "Pod",
    metadata: { name: "etcd-cp", annotations: { "kubernetes.io/config.hash": hash } },
    status: { phase: "Running" },
  },
});

Deno.test("hash change: a hung API server, the runtime runs a Pod of the new hash: done", async () => {
  let calls = 0;
  const rt = runtime(() => (++calls < 3 ? ["old"] : ["new"]));
  const w = new StaticPodWaiter(client(transport(() => "hang")), 20_000, () => {}, rt);
  const t0 = Date.now();
  await w.hashChange("cp", "etcd", "old");
  assert(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
  assertEquals(rt.asked[0], "etcd-cp/etcd");
});

Deno.test("hash change: the mirror Pod shows the new hash while the runtime still lists the old one: done", async () => {
  const rt = runtime(() => ["old"]);
  const w = new StaticPodWaiter(client(transport(() => mirror("new"))), 20_000, () => {}, rt);
  await w.hashChange("cp", "etcd", "old");
});

Deno.test("hash change: neither shows a new hash: kubeadm's timeout text", async () => {
  const rt = runtime(() => ["old"]);
  const w = new StaticPodWaiter(client(transport(() => mirror("old"))), 1_000, () => {}, rt);
  await assertRejects(
    () => w.hashChange("cp", "kube-apiserver", "old"),
    WaitTimeoutError,
    "static Pod hash for component kube-apiserver on Node cp did not change after 1s",
  );
});

Deno.test("hash change: without crictl the mirror Pod alone decides", async () => {
  const rt = runtime(() => new Error("crictl not found in system path"));
  let gets = 0;
  const w = new StaticPodWaiter(
    client(transport(() => (++gets < 4 ? mirror("old") : mirror("new")))),
    20_000,
    () => {},
    rt,
  );
  await w.hashChange("cp", "etcd", "old");
  assertEquals(rt.asked.length, 1, "the runtime is not asked again once crictl is missing");
  assert(gets >= 4);
});

Deno.test("hash change: an unknown old hash never lets the runtime decide", async () => {
  const rt = runtime(() => ["whatever"]);
  const w = new StaticPodWaiter(client(transport(() => mirror(""))), 800, () => {}, rt);
  await assertRejects(() => w.hashChange("cp", "etcd", ""), WaitTimeoutError);
  assertEquals(rt.asked, []);
});

Deno.test("pods with label: etcd running in the runtime ends the wait while the API server does not answer", async () => {
  const lines: string[] = [];
  const rt = runtime(() => ["new"]);
  const w = new StaticPodWaiter(
    client(transport(() => "refuse")),
    20_000,
    (l) => lines.push(l),
    rt,
  );
  await w.podsWithLabel("component=etcd", { node: "cp", component: "etcd" });
  assertEquals(
    lines.at(-1),
    "[upgrade/staticpods] The API server does not answer yet; the kubelet runs the new etcd container",
  );
});

Deno.test("pods with label: an API server that answers decides, as in kubeadm (a Pending Pod times out)", async () => {
  const lines: string[] = [];
  const rt = runtime(() => ["new"]);
  const pending = {
    status: 200,
    body: {
      kind: "PodList",
      items: [{ metadata: { name: "etcd-cp" }, status: { phase: "Pending" } }],
    },
  };
  const w = new StaticPodWaiter(client(transport(() => pending)), 1_000, (l) => lines.push(l), rt);
  await assertRejects(
    () => w.podsWithLabel("component=etcd", { node: "cp", component: "etcd" }),
    WaitTimeoutError,
    "context deadline exceeded",
  );
  assertEquals(lines, ["[apiclient] Found 1 Pods for label selector component=etcd"]);
});

Deno.test("pods with label: without orRunningOn the runtime is not asked", async () => {
  const rt = runtime(() => ["new"]);
  const w = new StaticPodWaiter(client(transport(() => "refuse")), 600, () => {}, rt);
  await assertRejects(() => w.podsWithLabel("component=kube-apiserver"), WaitTimeoutError);
  assertEquals(rt.asked, []);
});

Deno.test("control-plane Pods Ready: only the node's own Pods count; the wait runs out naming the others", async () => {
  const pod = (name: string, nodeName: string, ready: boolean) => ({
    metadata: { name },
    spec: { nodeName },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  });
  const lists: string[] = [];
  const c = client(transport((req) => {
    lists.push(new URL(req.url).searchParams.get("labelSelector") ?? "");
    return {
      status: 200,
      body: {
        kind: "PodList",
        items: [pod("etcd-cp", "cp", true), pod("kube-apiserver-cp2", "cp2", false)],
      },
    };
  }));
  let waits = 0;
  await new StaticPodWaiter(c, 1_500, () => {}).controlPlanePodsReady("cp", () => waits++);
  assertEquals([waits, lists], [0, ["tier=control-plane"]]);
  const err = await assertRejects(
    () => new StaticPodWaiter(c, 1_500, () => {}).controlPlanePodsReady(undefined, () => waits++),
    WaitTimeoutError,
  );
  assertEquals([err.message, waits], ["not Ready: kube-apiserver-cp2", 1]);
});
