// Whole preflight runs per command: kubeadm's lines, fail-fast groups, and the JSON report.
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  preflightError,
  preflightReport,
  reportJSON,
  reportText,
} from "../../lib/preflight/report.ts";
import type { PreflightInputs } from "../../lib/preflight/lists.ts";
import { validateIgnorePreflightErrors } from "../../lib/preflight/runner.ts";
import { FakeCri, fakeCtx, FakeHost, healthyHost, withTempRoot } from "./helpers.ts";

const inputs: PreflightInputs = {
  kubernetesVersion: "v1.37.2",
  kubeadmVersion: "v1.37.2",
  nodeName: "node-1",
  criSocket: "unix:///var/run/containerd/containerd.sock",
  advertiseAddress: "192.0.2.10",
  bindPort: 6443,
  serviceSubnet: "10.96.0.0/12",
  podSubnet: "10.244.0.0/16",
  etcd: { local: { dataDir: "/var/lib/etcd" } },
  images: ["registry.k8s.io/kube-apiserver:v1.37.2", "registry.k8s.io/pause:3.10.1"],
  pauseImage: "registry.k8s.io/pause:3.10.1",
};

function opts(h: FakeHost, cri = new FakeCri(), extra = {}) {
  return { ctx: fakeCtx(h, { cri }), ...extra };
}

Deno.test("init on a healthy host: kubeadm's lines, images pulled, report all ok", async () => {
  await withTempRoot(async (root) => {
    const h = healthyHost(root);
    const cri = new FakeCri();
    const r = await preflightReport("init", inputs, new Set(), opts(h, cri));
    assertEquals(preflightError(r), undefined);
    assertEquals(
      reportText(r),
      "[preflight] Running pre-flight checks\n" +
        "[preflight] Pulling images required for setting up a Kubernetes cluster\n" +
        "[preflight] This might take a minute or two, depending on the speed of your internet connection\n" +
        "[preflight] You can also perform this action beforehand using 'kubeadm config images pull'\n",
    );
    assertEquals(cri.pulled, inputs.images);
    assertEquals(r.passed, true);
    assertEquals(r.checks.filter((c) => c.severity !== "ok").map((c) => c.id), []);
    assertEquals(r.checks[0].group, "root");
    assertEquals(r.checks.at(-1)!.id, "ImagePull");
    // dry-run: no pull, kubeadm's "Would pull" line.
    const dry = await preflightReport("init", { ...inputs, dryRun: true }, new Set(), opts(h));
    assertEquals(
      reportText(dry).split("\n").slice(1, 2),
      ["[preflight] Would pull the required images (like 'kubeadm config images pull')"],
    );
    assertEquals(dry.checks.some((c) => c.id === "ImagePull"), false);
  });
});

Deno.test("init failing: root group fails fast; node group errors with remediation in JSON", async () => {
  await withTempRoot(async (root) => {
    const h = healthyHost(root);
    h.uidValue = 1000;
    const r = await preflightReport("init", inputs, new Set(), opts(h));
    assertEquals(
      reportText(r),
      "[preflight] Running pre-flight checks\n" +
        "[preflight] Some fatal errors occurred:\n" +
        "\t[ERROR IsPrivilegedUser]: user is not running as root\n" +
        "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\n",
    );
    assertEquals(r.checks.length, 1);
    assertEquals(r.failedGroup, "root");
    assertEquals(preflightError(r)?.message, "preflight checks failed");

    h.uidValue = 0;
    h.kernel.set("/proc/sys/net/ipv4/ip_forward", "0\n");
    h.kernel.set("/proc/swaps", "Filename\tType\n/swapfile file 100 0 -2\n");
    h.busyPorts = new Set([6443]);
    h.cpus = 1;
    await h.writeFile("/etc/kubernetes/manifests/etcd.yaml", "x");
    const bad = await preflightReport("init", inputs, new Set(), opts(h));
    assertEquals(
      reportText(bad),
      "[preflight] Running pre-flight checks\n" +
        "\t[WARNING Swap]: swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node\n" +
        "[preflight] Some fatal errors occurred:\n" +
        "\t[ERROR NumCPU]: the number of available CPUs 1 is less than the required 2\n" +
        "\t[ERROR Port-6443]: Port 6443 is in use\n" +
        "\t[ERROR FileAvailable--etc-kubernetes-manifests-etcd.yaml]: /etc/kubernetes/manifests/etcd.yaml already exists\n" +
        "\t[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1\n" +
        "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\n",
    );
    assertEquals(bad.failedGroup, "node");
    const json = JSON.parse(reportJSON(bad));
    assertEquals(json.kind, "PreflightReport");
    assertEquals(json.output, undefined);
    const byId = (id: string) => json.checks.find((c: { id: string }) => c.id === id);
    assertEquals(byId("FileContent--proc-sys-net-ipv4-ip_forward"), {
      id: "FileContent--proc-sys-net-ipv4-ip_forward",
      severity: "error",
      observed: "0",
      expected: '/proc/sys/net/ipv4/ip_forward starts with "1"',
      message: "/proc/sys/net/ipv4/ip_forward contents are not set to 1",
      remediation:
        "sysctl -w net.ipv4.ip_forward=1 && echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/99-kubernetes.conf",
      group: "node",
      warnings: [],
      errors: ["/proc/sys/net/ipv4/ip_forward contents are not set to 1"],
    });
    assertEquals(byId("Swap").severity, "warning");
    assertStringIncludes(byId("Swap").remediation, "swapoff -a");
    assertEquals(byId("Mem").severity, "ok");
    assertEquals(byId("Mem").remediation, null);
    assertEquals(byId("Mem").observed, "24576 MB");
    for (const c of json.checks) {
      assertEquals(
        Object.keys(c).sort(),
        [
          "errors",
          "expected",
          "group",
          "id",
          "message",
          "observed",
          "remediation",
          "severity",
          "warnings",
        ],
      );
      assert(["error", "warning", "ok", "ignored"].includes(c.severity));
    }

    // Ignoring the failing checks turns them into warnings, marked "ignored" in JSON.
    const ign = validateIgnorePreflightErrors(
      ["numcpu", "Port-6443", "FileAvailable--etc-kubernetes-manifests-etcd.yaml"],
      ["FileContent--proc-sys-net-ipv4-ip_forward"],
    );
    const ok = await preflightReport("init", inputs, ign, opts(h));
    assertEquals(ok.passed, true);
    assertStringIncludes(reportText(ok), "\t[WARNING NumCPU]: the number of available CPUs 1");
    assertEquals(ok.checks.find((c) => c.id === "NumCPU")!.severity, "ignored");
    const all = await preflightReport("init", inputs, new Set(["all"]), opts(h));
    assertEquals(all.passed, true);

    // failFast false (for -o json): every group runs.
    h.uidValue = 1000;
    const every = await preflightReport(
      "init",
      inputs,
      new Set(),
      opts(h, new FakeCri(), {
        failFast: false,
      }),
    );
    assertEquals(every.failedGroup, "root");
    assert(every.checks.some((c) => c.id === "ImagePull"));
  });
});

Deno.test("join: worker and control plane flows; reset runs only the root check", async () => {
  await withTempRoot(async (root) => {
    const h = healthyHost(root);
    const join: PreflightInputs = {
      ...inputs,
      kubernetesVersion: "",
      discoveryAPIServerEndpoint: "192.0.2.1:6443",
    };
    const w = await preflightReport("join", join, new Set(), opts(h));
    assertEquals(reportText(w), "[preflight] Running pre-flight checks\n");
    assertEquals(w.checks.map((c) => c.group).at(-1), "node");
    assertEquals(w.checks.at(-1)!.id, "FileContent--proc-sys-net-ipv4-ip_forward");

    const cp = { ...join, kubernetesVersion: "v1.37.2", controlPlane: true };
    const c = await preflightReport("join", cp, new Set(), opts(h));
    assertEquals(
      reportText(c).split("\n").slice(0, 3),
      [
        "[preflight] Running pre-flight checks",
        "[preflight] Running pre-flight checks before initializing the new control plane instance",
        "[preflight] Pulling images required for setting up a Kubernetes cluster",
      ],
    );
    assertEquals([...new Set(c.checks.map((x) => x.group))], [
      "root",
      "node",
      "control-plane",
      "images",
    ]);

    const notReady = await preflightReport(
      "join",
      cp,
      new Set(),
      opts(h, new FakeCri(), {
        controlPlaneNotReady:
          "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address",
      }),
    );
    assertEquals(notReady.passed, false);
    assertStringIncludes(
      preflightError(notReady)!.message,
      "One or more conditions for hosting a new control plane instance is not satisfied.\n\nunable to add",
    );
    assertEquals(notReady.checks.some((x) => x.group === "control-plane"), false);

    const reset = await preflightReport("reset", inputs, new Set(), opts(h));
    assertEquals(reset.checks.map((x) => x.id), ["IsPrivilegedUser"]);
    assertEquals(reportText(reset), "[preflight] Running pre-flight checks\n");
  });
});

Deno.test("upgrade node: SystemVerification looks at the next kubelet minor", async () => {
  await withTempRoot(async (root) => {
    const h = healthyHost(root);
    const r = await preflightReport("upgrade-node", inputs, new Set(), opts(h));
    assertEquals(r.checks.map((c) => c.id), [
      "IsPrivilegedUser",
      "SystemVerification",
      "ContainerRuntimeVersion",
    ]);
    assertEquals(
      reportText(r),
      "[upgrade/preflight] Running pre-flight checks\n[upgrade/preflight] Skipping prepull. Not a control plane node.\n",
    );
  });
});
