import { stringify } from "yaml";
import { assert, assertEquals } from "../assert.ts";
import {
  createHost,
  freePort,
  isRoot,
  skipReason,
  startContainerd,
  tempDir,
  testbed,
  testbedReady,
  WaitAborted,
  waitFor,
} from "../harness/mod.ts";

if (!testbedReady) console.warn(`tests/testbed: skipped: ${skipReason}`);

Deno.test({
  name: "testbed: kubelet in a host runs a static pod through containerd from a local image",
  ignore: !testbedReady || !isRoot,
}, async () => {
  let cgroupRoot = "";
  {
    await using tmp = await tempDir();
    await using h = await createHost("kubelet-a", { addr: "10.244.81.1/24", network: "klnet" });
    cgroupRoot = h.cgroupRoot;
    await using ctrd = await startContainerd({ root: `${tmp.path}/containerd`, wrap: h.wrap });
    await ctrd.importImages([
      testbed.imageArchive(testbed.pauseImage),
      testbed.imageArchive(testbed.testImage),
    ]);
    await Deno.mkdir(h.path("/etc/kubernetes/manifests"), { recursive: true });
    await Deno.writeTextFile(
      h.path("/etc/kubernetes/manifests/hello.yaml"),
      stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "hello", namespace: "kube-system" },
        spec: {
          hostNetwork: true,
          containers: [{
            name: "hello",
            image: testbed.testImage,
            imagePullPolicy: "Never",
            command: ["sleep", "3600"],
          }],
        },
      }),
    );
    await Deno.writeTextFile(
      h.path("/var/lib/kubelet/config.yaml"),
      stringify({
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        // This machine: cgroup v1 (kubelet >= 1.35 refuses it unless told), cgroupfs,
        // and a per-host cgroup root so that kubelets of several hosts stay apart.
        failCgroupV1: false,
        cgroupDriver: "cgroupfs",
        cgroupRoot: h.cgroupRoot,
        staticPodPath: "/etc/kubernetes/manifests",
        authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
        authorization: { mode: "AlwaysAllow" },
        containerRuntimeEndpoint: ctrd.endpoint,
        address: "127.0.0.1",
        port: freePort(),
        readOnlyPort: 0,
        healthzBindAddress: "127.0.0.1",
        healthzPort: freePort(),
        resolvConf: "/etc/resolv.conf",
      }),
    );
    const kubelet = h.spawn("kubelet", [
      testbed.path("kubelet"),
      "--config=/var/lib/kubelet/config.yaml",
      "--hostname-override=kubelet-a",
    ]);
    await waitFor("the static pod's container to run", async () => {
      if (!kubelet.running()) throw new WaitAborted("kubelet exited");
      const ps = await ctrd.crictl(["ps", "-q", "--name", "hello"], { allowFailure: true });
      return ps.trim().length > 0;
    }, { timeoutMs: 90_000, intervalMs: 500, describe: () => kubelet.log().slice(-4000) });
    const pods = JSON.parse(await ctrd.crictl(["pods", "-o", "json"])) as {
      items: { metadata: { name: string; namespace: string }; state: string }[];
    };
    const pod = pods.items.find((p) => p.metadata.name === "hello-kubelet-a");
    assert(pod, JSON.stringify(pods));
    assertEquals([pod.metadata.namespace, pod.state], ["kube-system", "SANDBOX_READY"]);
    // The pod's cgroup lives under the host's cgroup root.
    const cg = await Deno.readDir(`/sys/fs/cgroup/memory${h.cgroupRoot}/kubepods`);
    let found = false;
    for await (const e of cg) if (e.isDirectory) found = true;
    assert(found, "no kubepods cgroups under the host's cgroup root");
  }
  // Torn down: the host's cgroups are gone.
  let left = true;
  try {
    await Deno.stat(`/sys/fs/cgroup/memory${cgroupRoot}`);
  } catch {
    left = false;
  }
  assert(!left, `cgroup ${cgroupRoot} left behind`);
});
