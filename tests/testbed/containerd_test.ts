import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  isRoot,
  mountsUnder,
  run,
  skipReason,
  startContainerd,
  tempDir,
  testbed,
  testbedReady,
  waitFor,
} from "../harness/mod.ts";

if (!testbedReady) console.warn(`tests/testbed: skipped: ${skipReason}`);

Deno.test({
  name: "testbed: containerd + runc run a locally built image; crictl lists it through CRI",
  ignore: !testbedReady || !isRoot,
}, async () => {
  await using tmp = await tempDir();
  let root = "";
  {
    await using ctrd = await startContainerd({ root: `${tmp.path}/containerd` });
    root = ctrd.root;

    // Every image kubeadm names (and the test image) imports into k8s.io.
    await ctrd.importImages();
    const refs = (await ctrd.ctr(["images", "ls", "-q"])).split("\n").filter(Boolean);
    for (const i of testbed.images) assert(refs.includes(i.ref), `${i.ref} not in ${refs}`);
    const criImages = await ctrd.crictl(["images", "-o", "json"]);
    assertStringIncludes(criImages, testbed.pauseImage);

    // The kube-apiserver image holds the v1.37.2 build: run it under runc (ctr).
    const out = await ctrd.ctr([
      "run",
      "--rm",
      testbed.imageRef("kube-apiserver"),
      `ks-version-${crypto.randomUUID().slice(0, 8)}`,
      "/usr/local/bin/kube-apiserver",
      "--version",
    ]);
    assertEquals(out.trim(), "Kubernetes v1.37.2");
    // Each image's payload runs from inside the image.
    const checks: [string, string[], string][] = [
      ["kube-controller-manager", ["kube-controller-manager", "--version"], "Kubernetes v1.37.2"],
      ["kube-scheduler", ["kube-scheduler", "--version"], "Kubernetes v1.37.2"],
      ["kube-proxy", ["kube-proxy", "--version"], "Kubernetes v1.37.2"],
      ["kube-proxy", ["iptables-restore", "--version"], "iptables-restore v1.8.9"],
      ["kube-proxy", ["ip6tables-save", "--version"], "ip6tables-save v1.8.9"],
      ["kube-proxy", ["conntrack", "--version"], "conntrack v1.4.7"],
      ["etcd", ["etcd", "--version"], "etcd Version: 3.7.0"],
      ["etcd", ["etcdctl", "version"], "etcdctl version: 3.7"],
      ["coredns", ["/coredns", "-version"], "CoreDNS-1.14.6"],
      ["pause", ["/pause", "-v"], "pause (kubestrap test bed) 3.10.2"],
    ];
    for (const [image, argv, want] of checks) {
      const got = await ctrd.ctr([
        "run",
        "--rm",
        testbed.imageRef(image),
        `ks-check-${crypto.randomUUID().slice(0, 8)}`,
        ...argv,
      ]);
      assertStringIncludes(got, want, `${image}: ${argv.join(" ")}`);
    }

    // kube-proxy's iptables works (privileged, in the container's own network namespace).
    const nat = await ctrd.ctr([
      "run",
      "--rm",
      "--privileged",
      testbed.imageRef("kube-proxy"),
      `ks-ipt-${crypto.randomUUID().slice(0, 8)}`,
      "iptables",
      "-t",
      "nat",
      "-S",
    ]);
    assertStringIncludes(nat, "-P PREROUTING ACCEPT");

    // A pod through CRI: the sandbox uses the locally built pause image, the
    // container the busybox test image; host network, so no CNI is needed.
    const uid = crypto.randomUUID();
    const podCfg = `${tmp.path}/pod.json`;
    const ctrCfg = `${tmp.path}/container.json`;
    await Deno.writeTextFile(
      podCfg,
      JSON.stringify({
        metadata: { name: "smoke", namespace: "default", uid, attempt: 0 },
        log_directory: `${tmp.path}/logs`,
        linux: { security_context: { namespace_options: { network: 2 } } },
      }),
    );
    await Deno.writeTextFile(
      ctrCfg,
      JSON.stringify({
        metadata: { name: "hello" },
        image: { image: testbed.testImage },
        command: ["/bin/sh", "-c", "echo hello from runc; exec sleep 3600"],
        log_path: "hello.log",
        linux: {},
      }),
    );
    const podId = (await ctrd.crictl(["runp", podCfg])).trim();
    const ctrId = (await ctrd.crictl(["create", podId, ctrCfg, podCfg])).trim();
    await ctrd.crictl(["start", ctrId]);

    const ps = JSON.parse(await ctrd.crictl(["ps", "-o", "json"])) as {
      containers: {
        id: string;
        state: string;
        image: { image: string };
        metadata: { name: string };
      }[];
    };
    const c = ps.containers.find((x) => x.id === ctrId);
    assert(c, `crictl ps does not list ${ctrId}: ${JSON.stringify(ps)}`);
    assertEquals(c.state, "CONTAINER_RUNNING");
    assertEquals(c.metadata.name, "hello");
    const pods = await ctrd.crictl(["pods", "-q"]);
    assertStringIncludes(pods, podId);

    await waitFor(
      "container log",
      async () =>
        (await ctrd.crictl(["logs", ctrId], { allowFailure: true })).includes("hello from runc"),
    );

    // It really is runc running it, with the private runc root.
    const list = await run(testbed.path("runc"), ["--root", `${root}/runc/k8s.io`, "list", "-q"]);
    assertStringIncludes(list.stdout, ctrId);
    const inspect = JSON.parse(await ctrd.crictl(["inspect", ctrId]));
    const pid = inspect.info.pid as number;
    assert(pid > 0);
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`);
    assertStringIncludes(cmdline, "sleep");
  }
  // After stop: no mounts, no shims.
  assertEquals(mountsUnder(root), []);
  const shims = (await run("pgrep", ["-f", `containerd-shim.*${root}`], { allowFailure: true }))
    .stdout.trim();
  assertEquals(shims, "");
});
