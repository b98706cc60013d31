import { assertEquals } from "../assert.ts";
import { run, skipReason, testbed, testbedReady } from "../harness/mod.ts";

if (!testbedReady) console.warn(`tests/testbed: skipped: ${skipReason}`);

Deno.test({
  name: "testbed: the real kubeadm prints v1.37.2 from `version -o short`",
  ignore: !testbedReady,
}, async () => {
  const { stdout } = await run(testbed.path("kubeadm"), ["version", "-o", "short"]);
  assertEquals(stdout.trim(), "v1.37.2");
});

Deno.test({
  name: "testbed: every image `kubeadm config images list` names was built locally",
  ignore: !testbedReady,
}, async () => {
  const { stdout } = await run(testbed.path("kubeadm"), [
    "config",
    "images",
    "list",
    "--kubernetes-version",
    "v1.37.2",
  ]);
  const listed = stdout.trim().split("\n").sort();
  const built = testbed.images.map((i) => i.ref).filter((r) => r !== testbed.testImage).sort();
  assertEquals(built, listed);
  for (const i of testbed.images) {
    const st = await Deno.stat(i.archive);
    if (!st.isFile || st.size < 1024) throw new Error(`${i.archive} is not an image archive`);
    // An independent reader (skopeo) accepts the OCI archive.
    const inspect = await run(testbed.path("skopeo"), ["inspect", `oci-archive:${i.archive}`]);
    const info = JSON.parse(inspect.stdout) as { Architecture: string; Os: string };
    assertEquals([info.Os, info.Architecture], ["linux", "amd64"], i.ref);
  }
});

Deno.test({
  name: "testbed: the Kubernetes binaries are the v1.37.2 builds",
  ignore: !testbedReady,
}, async () => {
  for (
    const c of [
      "kube-apiserver",
      "kube-controller-manager",
      "kube-scheduler",
      "kubelet",
      "kube-proxy",
    ]
  ) {
    const { stdout } = await run(testbed.path(c), ["--version"]);
    assertEquals(stdout.trim(), "Kubernetes v1.37.2", c);
  }
  const kubectl = await run(testbed.path("kubectl"), ["version", "--client", "-o", "json"]);
  assertEquals(JSON.parse(kubectl.stdout).clientVersion.gitVersion, "v1.37.2");
});

const extraVersions = testbedReady
  ? Object.keys(testbed.k8sBinDirs).filter((v) => v !== testbed.kubernetesVersion)
  : [];

Deno.test({
  name: `testbed: other Kubernetes releases built on demand (${
    extraVersions.join(", ") || "none built"
  }) report their version`,
  ignore: extraVersions.length === 0,
}, async () => {
  for (const v of extraVersions) {
    const { stdout } = await run(`${testbed.binDir(v)}/kubeadm`, ["version", "-o", "short"]);
    assertEquals(stdout.trim(), v);
    const kubelet = await run(`${testbed.binDir(v)}/kubelet`, ["--version"]);
    assertEquals(kubelet.stdout.trim(), `Kubernetes ${v}`);
  }
});
