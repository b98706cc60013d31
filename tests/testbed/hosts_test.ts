import { assert, assertEquals, assertRejects } from "../assert.ts";
import { stringify } from "yaml";
import {
  createHost,
  isRoot,
  run,
  runStaticPod,
  skipReason,
  startContainerd,
  tempDir,
  testbed,
  testbedReady,
} from "../harness/mod.ts";

if (!testbedReady) console.warn(`tests/testbed: skipped: ${skipReason}`);

async function netnsList(): Promise<string> {
  return (await run("ip", ["netns", "list"])).stdout;
}

Deno.test({
  name: "testbed: two namespace hosts reach each other over their veth addresses",
  ignore: !testbedReady || !isRoot,
}, async () => {
  let names: string[] = [];
  {
    await using a = await createHost("node-a", { addr: "10.244.77.1/24" });
    await using b = await createHost("node-b", { addr: "10.244.77.2/24" });
    names = [a.netns, b.netns];

    // Each host sees its own address only.
    assert((await a.exec("ip -4 -o addr show dev eth0")).stdout.includes("10.244.77.1/24"));
    assert((await b.exec("ip -4 -o addr show dev eth0")).stdout.includes("10.244.77.2/24"));

    // ICMP both ways.
    const busybox = testbed.path("busybox");
    await a.exec([busybox, "ping", "-c", "1", "-W", "3", b.ip]);
    await b.exec([busybox, "ping", "-c", "1", "-W", "3", a.ip]);

    // TCP: socat listens in b, a connects over the veth address.
    const srv = b.spawn("socat-server", [
      testbed.path("socat"),
      `TCP-LISTEN:7777,bind=${b.ip},reuseaddr,fork`,
      "SYSTEM:echo hello-from-node-b",
    ]);
    let reply = "";
    for (let i = 0; i < 50 && !reply; i++) {
      const r = await a.exec([testbed.path("socat"), "-T", "2", "-", `TCP:${b.ip}:7777`], {
        allowFailure: true,
        stdin: "",
      });
      reply = r.stdout.trim();
      if (!reply) await new Promise((r) => setTimeout(r, 100));
    }
    assertEquals(reply, "hello-from-node-b");
    await srv.stop();

    // The hosts are isolated from the machine: b's address is not reachable from here.
    const outside = await run(busybox, ["ping", "-c", "1", "-W", "1", b.ip], {
      allowFailure: true,
    });
    assert(outside.code !== 0, "the machine itself must not reach the test network");

    // Private /etc/kubernetes per host, visible from outside through path().
    await a.exec("echo a > /etc/kubernetes/whoami");
    await b.exec("echo b > /etc/kubernetes/whoami");
    assertEquals((await a.exec("cat /etc/kubernetes/whoami")).stdout, "a\n");
    assertEquals(await Deno.readTextFile(b.path("/etc/kubernetes/whoami")), "b\n");
    assertEquals((await a.exec("ls /var/lib/kubelet")).stdout, "");
    let hostSide = "";
    try {
      hostSide = await Deno.readTextFile("/etc/kubernetes/whoami");
    } catch {
      // not there: as it should be
    }
    assertEquals(hostSide, "");

    const list = await netnsList();
    assert(list.includes(a.netns) && list.includes(b.netns), list);
  }
  // Torn down: namespaces and mounts gone.
  const after = await netnsList();
  for (const n of names) assert(!after.includes(n), `${n} left behind: ${after}`);
  const mounts = await Deno.readTextFile("/proc/self/mountinfo");
  assert(!mounts.includes("kubestrap-host-"), "host bind mounts left behind");
});

Deno.test({
  name: "testbed: a host is torn down when the test body throws",
  ignore: !testbedReady || !isRoot,
}, async () => {
  let netns = "";
  let pid = 0;
  await assertRejects(async () => {
    await using h = await createHost("node-fail", { addr: "10.244.78.1/24" });
    netns = h.netns;
    const p = h.spawn("sleeper", ["sleep", "600"]);
    pid = p.pid;
    throw new Error("boom");
  });
  assert(netns !== "" && pid > 0);
  assert(!(await netnsList()).includes(netns), "netns left behind");
  let alive = true;
  try {
    Deno.statSync(`/proc/${pid}`);
  } catch {
    alive = false;
  }
  assert(!alive, `process ${pid} left behind`);
});

Deno.test({
  name: "testbed: an etcd static pod runs inside one host and serves another over the veth",
  ignore: !testbedReady || !isRoot,
}, async () => {
  await using a = await createHost("cp-a", { addr: "10.244.79.1/24", network: "etcdnet" });
  await using b = await createHost("cp-b", { addr: "10.244.79.2/24", network: "etcdnet" });
  const manifest = a.path("/etc/kubernetes/manifests/etcd.yaml");
  await Deno.mkdir(a.path("/etc/kubernetes/manifests"), { recursive: true });
  await Deno.writeTextFile(
    manifest,
    stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "etcd", namespace: "kube-system" },
      spec: {
        hostNetwork: true,
        containers: [{
          name: "etcd",
          image: testbed.imageRef("etcd"),
          command: [
            "etcd",
            "--name=cp-a",
            "--data-dir=/var/lib/etcd",
            `--listen-client-urls=http://${a.ip}:2379,http://127.0.0.1:2379`,
            `--advertise-client-urls=http://${a.ip}:2379`,
            `--listen-peer-urls=http://${a.ip}:2380`,
            `--initial-advertise-peer-urls=http://${a.ip}:2380`,
            `--initial-cluster=cp-a=http://${a.ip}:2380`,
            "--listen-metrics-urls=",
          ],
        }],
      },
    }),
  );
  await using pod = runStaticPod(manifest, { wrap: a.wrap });
  const ctl = (args: string[]) =>
    b.exec([testbed.path("etcdctl"), `--endpoints=http://${a.ip}:2379`, ...args], {
      allowFailure: true,
    });
  let put = await ctl(["put", "k", "from-b"]);
  for (let i = 0; i < 100 && put.code !== 0; i++) {
    if (!pod.proc.running()) throw new Error(`etcd exited:\n${pod.proc.log()}`);
    await new Promise((r) => setTimeout(r, 100));
    put = await ctl(["put", "k", "from-b"]);
  }
  assertEquals(put.code, 0, put.stderr + pod.proc.log());
  assertEquals((await a.exec(["ls", "/var/lib/etcd"])).stdout.trim(), "member");
  // The data dir is host a's private /var/lib/etcd.
  assert((await Deno.stat(a.path("/var/lib/etcd/member"))).isDirectory);
  assertEquals((await ctl(["get", "k", "--print-value-only"])).stdout.trim(), "from-b");
});

Deno.test({
  name: "testbed: containerd inside a host runs a host-network pod that sees the host's veth",
  ignore: !testbedReady || !isRoot,
}, async () => {
  await using tmp = await tempDir();
  await using h = await createHost("ctr-a", { addr: "10.244.80.1/24", network: "ctrnet" });
  await using ctrd = await startContainerd({ root: `${tmp.path}/containerd`, wrap: h.wrap });
  await ctrd.importImages([
    testbed.imageArchive(testbed.pauseImage),
    testbed.imageArchive(testbed.testImage),
  ]);
  const podCfg = `${tmp.path}/pod.json`;
  const ctrCfg = `${tmp.path}/container.json`;
  await Deno.writeTextFile(
    podCfg,
    JSON.stringify({
      metadata: { name: "netcheck", namespace: "default", uid: crypto.randomUUID(), attempt: 0 },
      linux: { security_context: { namespace_options: { network: 2 } } },
    }),
  );
  await Deno.writeTextFile(
    ctrCfg,
    JSON.stringify({
      metadata: { name: "sleeper" },
      image: { image: testbed.testImage },
      command: ["sleep", "3600"],
      linux: {},
    }),
  );
  const podId = (await ctrd.crictl(["runp", podCfg])).trim();
  const ctrId = (await ctrd.crictl(["create", podId, ctrCfg, podCfg])).trim();
  await ctrd.crictl(["start", ctrId]);
  const addrs = await ctrd.crictl(["exec", ctrId, "ip", "-4", "addr", "show", "eth0"]);
  assert(addrs.includes("10.244.80.1/24"), addrs);
});
