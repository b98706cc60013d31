// Each preflight check's pass and fail paths with kubeadm v1.37.2's exact texts.
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { Host } from "../../lib/host.ts";
import {
  containerRuntimeCheck,
  containerRuntimeVersionCheck,
  dirAvailableCheck,
  externalEtcdVersionCheck,
  fileAvailableCheck,
  fileContentCheck,
  fileExistingCheck,
  firewalldCheck,
  hostnameCheck,
  httpProxyCheck,
  httpProxyCIDRCheck,
  imagePullCheck,
  inPathCheck,
  isPrivilegedUserCheck,
  kubeletVersionCheck,
  kubernetesVersionCheck,
  memCheck,
  numCPUCheck,
  portOpenCheck,
  qualifiedNameErrors,
  serviceCheck,
  swapCheck,
} from "../../lib/preflight/checks.ts";
import type { Checker, CheckResult } from "../../lib/preflight/types.ts";
import { FakeCri, fakeCtx, FakeHost, withTempRoot } from "./helpers.ts";

async function run(c: Checker, host: Host, opts: Parameters<typeof fakeCtx>[1] = {}) {
  return await c.check(fakeCtx(host, opts));
}

function msgs(r: CheckResult) {
  return { warnings: r.warnings, errors: r.errors };
}

const NONE = { warnings: [], errors: [] };

Deno.test("IsPrivilegedUser: root passes, others fail", async () => {
  const h = new FakeHost("/");
  const c = isPrivilegedUserCheck();
  assertEquals(c.name, "IsPrivilegedUser");
  assertEquals(msgs(await run(c, h)), NONE);
  h.uidValue = 1000;
  const r = await run(c, h);
  assertEquals(msgs(r), { warnings: [], errors: ["user is not running as root"] });
  assertEquals(r.observed, "uid 1000");
  // The real process: this test bed runs as root, so the real check passes iff uid is 0.
  const real = await isPrivilegedUserCheck().check(fakeCtx(new Host("/")));
  assertEquals(real.errors.length === 0, Deno.uid() === 0);
});

Deno.test("NumCPU and Mem: thresholds and texts", async () => {
  const h = new FakeHost("/");
  h.cpus = 2;
  assertEquals(msgs(await run(numCPUCheck(2), h)), NONE);
  h.cpus = 1;
  assertEquals(msgs(await run(numCPUCheck(2), h)), {
    warnings: [],
    errors: ["the number of available CPUs 1 is less than the required 2"],
  });
  h.memBytes = 1700 * 1024 * 1024;
  assertEquals(msgs(await run(memCheck(1700), h)), NONE);
  h.memBytes = 1700 * 1024 * 1024 - 1; // rounds down to 1699 MB
  assertEquals(msgs(await run(memCheck(1700), h)), {
    warnings: [],
    errors: ["the system RAM (1699 MB) is less than the minimum 1700 MB"],
  });
  assertEquals([numCPUCheck().name, memCheck().name], ["NumCPU", "Mem"]);
});

Deno.test("KubernetesVersion: warns from the next minor's first pre-release on", async () => {
  const h = new FakeHost("/");
  const k = (v: string, kadm = "v1.37.2") => run(kubernetesVersionCheck(v, kadm), h);
  assertEquals(msgs(await k("v1.37.9")), NONE);
  assertEquals(msgs(await k("v1.36.0")), NONE);
  assertEquals(msgs(await k("v1.38.0-alpha.0")), {
    warnings: [
      "Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: 1.38.0-alpha.0. Kubeadm version: 1.37.x",
    ],
    errors: [],
  });
  assertEquals(msgs(await k("v1.37.2", "v0.0.0-master")), NONE);
  assertEquals(msgs(await k("latest")), {
    warnings: [],
    errors: [`couldn't parse Kubernetes version "latest": could not parse "latest" as version`],
  });
  assertEquals(msgs(await k("v1.37")), {
    warnings: [],
    errors: [`couldn't parse Kubernetes version "v1.37": illegal version string "v1.37"`],
  });
});

Deno.test("Port-N: a real listener makes the check fail; a free port passes", async () => {
  const h = new Host("/");
  const l = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  try {
    const c = portOpenCheck(port);
    assertEquals(c.name, `Port-${port}`);
    assertEquals(msgs(await run(c, h)), { warnings: [], errors: [`Port ${port} is in use`] });
    // Bound to a specific address (1.37): the in-use wildcard listener still conflicts.
    assertEquals(msgs(await run(portOpenCheck(port, "127.0.0.1"), h)).errors, [
      `Port ${port} is in use`,
    ]);
  } finally {
    l.close();
  }
  assertEquals(msgs(await run(portOpenCheck(port), h)), NONE);
  // A listener on loopback only blocks the wildcard (":port") listen, as in Go.
  const lo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p2 = (lo.addr as Deno.NetAddr).port;
  try {
    assertEquals(msgs(await run(portOpenCheck(p2), h)).errors, [`Port ${p2} is in use`]);
  } finally {
    lo.close();
  }
  // An address the host does not own cannot be bound: kubeadm reports that as "in use" too.
  assertEquals(msgs(await run(portOpenCheck(p2, "192.0.2.123"), h)).errors, [
    `Port ${p2} is in use`,
  ]);
});

Deno.test("FileAvailable / FileExisting / DirAvailable on a temp root", async () => {
  await withTempRoot(async (root) => {
    const h = new Host(root);
    const f = "/etc/kubernetes/manifests/kube-apiserver.yaml";
    const fa = fileAvailableCheck(f);
    assertEquals(fa.name, "FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml");
    assertEquals(msgs(await run(fa, h)), NONE);
    const fe = fileExistingCheck(f, "ExternalEtcdClientCertificates");
    assertEquals(fe.name, "ExternalEtcdClientCertificates");
    assertEquals(msgs(await run(fe, h)), {
      warnings: [],
      errors: [`${f} doesn't exist`],
    });
    await h.writeFile(f, "x");
    assertEquals(msgs(await run(fa, h)), { warnings: [], errors: [`${f} already exists`] });
    assertEquals(msgs(await run(fe, h)), NONE);
    assertEquals(fileExistingCheck("/etc/x").name, "FileExisting--etc-x");

    const d = dirAvailableCheck("/var/lib/etcd");
    assertEquals(d.name, "DirAvailable--var-lib-etcd");
    assertEquals(msgs(await run(d, h)), NONE); // absent
    await h.mkdirAll("/var/lib/etcd");
    assertEquals(msgs(await run(d, h)), NONE); // empty
    await h.writeFile("/var/lib/etcd/member/snap/db", "data");
    assertEquals(msgs(await run(d, h)), { warnings: [], errors: ["/var/lib/etcd is not empty"] });
    const r = await run(d, h);
    assertStringIncludes(r.remediation!, "mv /var/lib/etcd");
    // A file where the directory should be cannot be listed.
    await h.writeFile("/var/lib/other", "x");
    assertEquals(
      msgs(await run(dirAvailableCheck("/var/lib/other"), h)).errors,
      ["unable to check if /var/lib/other is empty: readdirent /var/lib/other: not a directory"],
    );
  });
});

Deno.test("FileContent: ip_forward from the real /proc and from injected values", async () => {
  const c = fileContentCheck("/proc/sys/net/ipv4/ip_forward", "1");
  assertEquals(c.name, "FileContent--proc-sys-net-ipv4-ip_forward");
  const real = (await Deno.readTextFile("/proc/sys/net/ipv4/ip_forward")).trim();
  const r = await run(c, new Host("/"));
  if (real === "1") assertEquals(msgs(r), NONE);
  else {
    assertEquals(msgs(r), {
      warnings: [],
      errors: ["/proc/sys/net/ipv4/ip_forward contents are not set to 1"],
    });
    assertEquals(r.observed, real);
  }
  const h = new FakeHost("/");
  h.kernel.set("/proc/sys/net/ipv4/ip_forward", "0\n");
  const bad = await run(c, h);
  assertEquals(msgs(bad).errors, ["/proc/sys/net/ipv4/ip_forward contents are not set to 1"]);
  assertStringIncludes(bad.remediation!, "sysctl -w net.ipv4.ip_forward=1");
  h.kernel.set("/proc/sys/net/ipv4/ip_forward", "1\n");
  assertEquals(msgs(await run(c, h)), NONE);
  h.kernel.set("/proc/sys/net/ipv4/ip_forward", "");
  assertEquals(msgs(await run(c, h)).errors, [
    "/proc/sys/net/ipv4/ip_forward contents are not set to 1",
  ]);
  const v6 = fileContentCheck("/proc/sys/net/ipv6/conf/default/forwarding", "1");
  assertEquals(v6.name, "FileContent--proc-sys-net-ipv6-conf-default-forwarding");
  assertEquals(msgs(await run(v6, h)).errors, [
    "/proc/sys/net/ipv6/conf/default/forwarding does not exist",
  ]);
});

Deno.test("FileExisting-<binary>: mandatory errors, optional warns with a suggestion", async () => {
  const h = new FakeHost("/");
  h.bin("mount");
  assertEquals(inPathCheck("mount", true).name, "FileExisting-mount");
  assertEquals(msgs(await run(inPathCheck("mount", true), h)), NONE);
  const r = await run(inPathCheck("losetup", true), h);
  assertEquals(msgs(r), { warnings: [], errors: ["losetup not found in system path"] });
  assertEquals(r.remediation, "apt-get install -y mount");
  assertEquals(msgs(await run(inPathCheck("socat", false, "install socat"), h)), {
    warnings: ["socat not found in system path\nSuggestion: install socat"],
    errors: [],
  });
  // The real PATH: "cp" is always there.
  assertEquals(msgs(await inPathCheck("cp", true).check(fakeCtx(new Host("/")))), NONE);
});

Deno.test("Hostname: qualified-name and resolution warnings", async () => {
  await withTempRoot(async (root) => {
    const h = new FakeHost(root);
    h.dns.set("node-1", { addrs: ["192.0.2.10"] });
    assertEquals(msgs(await run(hostnameCheck("node-1"), h)), NONE);
    h.dns.set("ghost", { addrs: null, error: "lookup ghost on 10.0.0.53:53: no such host" });
    const r = await run(hostnameCheck("ghost"), h);
    assertEquals(msgs(r), {
      warnings: [
        `hostname "ghost" could not be reached`,
        `hostname "ghost": lookup ghost on 10.0.0.53:53: no such host`,
      ],
      errors: [],
    });
    assertEquals(r.remediation, "echo '192.0.2.10 ghost' >> /etc/hosts");
    h.dns.set("Bad_Name-", { addrs: ["192.0.2.1"] });
    assertEquals(msgs(await run(hostnameCheck("Bad_Name-"), h)).warnings, [
      `invalid node name format "Bad_Name-": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]);
    // /etc/hosts under the root is consulted (the Host's own lookup).
    await Deno.mkdir(`${root}/etc`, { recursive: true });
    await Deno.writeTextFile(`${root}/etc/hosts`, "127.0.0.1 localhost\n192.0.2.77 cp-7 cp\n");
    const plain = new Host(root);
    assertEquals(msgs(await run(hostnameCheck("cp-7"), plain)), NONE);
  });
  assertEquals(qualifiedNameErrors("a/b/c").length, 1);
  assertEquals(qualifiedNameErrors("/x"), ["prefix part must be non-empty"]);
  assertEquals(qualifiedNameErrors("x".repeat(64)), ["name part must be no more than 63 bytes"]);
});

Deno.test("HTTPProxy: HTTPS_PROXY with NO_PROXY exceptions", async () => {
  const h = new FakeHost("/");
  const c = httpProxyCheck("https", "192.0.2.10");
  assertEquals(c.name, "HTTPProxy");
  assertEquals(msgs(await run(c, h)), NONE);
  const env = { HTTPS_PROXY: "proxy.corp:3128" };
  assertEquals(msgs(await run(c, h, { env })), {
    warnings: [
      `Connection to "https://192.0.2.10" uses proxy "http://proxy.corp:3128". If that is not intended, adjust your proxy settings`,
    ],
    errors: [],
  });
  // Exceptions: exact IP, CIDR, and https_proxy lower-case.
  assertEquals(msgs(await run(c, h, { env: { ...env, NO_PROXY: "192.0.2.10" } })), NONE);
  assertEquals(msgs(await run(c, h, { env: { ...env, no_proxy: "192.0.2.0/24" } })), NONE);
  assertEquals(
    msgs(await run(c, h, { env: { https_proxy: "http://p:1" } })).warnings.length,
    1,
  );
  // HTTP_PROXY alone does not apply to https.
  assertEquals(msgs(await run(c, h, { env: { HTTP_PROXY: "http://p:1" } })), NONE);
  // Loopback never uses the proxy; IPv6 gets the dummy port 1234.
  assertEquals(msgs(await run(httpProxyCheck("https", "127.0.0.1"), h, { env })), NONE);
  assertEquals(msgs(await run(httpProxyCheck("https", "fd00::10"), h, { env })).warnings, [
    `Connection to "https://[fd00::10]:1234" uses proxy "http://proxy.corp:3128". If that is not intended, adjust your proxy settings`,
  ]);
  // Credentials in the proxy URL are never printed.
  const withPw = await run(c, h, { env: { HTTPS_PROXY: "http://user:s3cret@p:8080" } });
  assertEquals(withPw.warnings, [
    `Connection to "https://192.0.2.10" uses proxy "http://user:xxxxx@p:8080". If that is not intended, adjust your proxy settings`,
  ]);
});

Deno.test("HTTPProxyCIDR: first IP of each CIDR, parse errors, empty CIDRs", async () => {
  const h = new FakeHost("/");
  const env = { HTTPS_PROXY: "http://proxy:3128" };
  assertEquals(msgs(await run(httpProxyCIDRCheck("https", "10.96.0.0/12"), h)), NONE);
  assertEquals(msgs(await run(httpProxyCIDRCheck("https", ""), h, { env })), NONE);
  assertEquals(msgs(await run(httpProxyCIDRCheck("https", "10.96.0.0/12"), h, { env })), {
    warnings: [
      `connection to "10.96.0.0/12" uses proxy "http://proxy:3128". This may lead to malfunctional cluster setup. Make sure that Pod and Services IP ranges specified correctly as exceptions in proxy configuration`,
    ],
    errors: [],
  });
  assertEquals(
    msgs(
      await run(httpProxyCIDRCheck("https", "10.96.0.0/12"), h, {
        env: { ...env, NO_PROXY: "10.96.0.0/12" },
      }),
    ),
    NONE,
  );
  // NO_PROXY with the exact first IP (10.96.0.1) exempts it too.
  assertEquals(
    msgs(
      await run(httpProxyCIDRCheck("https", "10.96.0.0/12"), h, {
        env: { ...env, NO_PROXY: "localhost,10.96.0.1" },
      }),
    ),
    NONE,
  );
  assertEquals(msgs(await run(httpProxyCIDRCheck("https", "10.96.0.0/33"), h)), {
    warnings: [],
    errors: [`error parsing CIDR "10.96.0.0/33": invalid CIDR address: 10.96.0.0/33`],
  });
  assertEquals(msgs(await run(httpProxyCIDRCheck("https", "10.0.0.5/32"), h)).errors, [
    `unable to get first IP address from the given CIDR (10.0.0.5/32): can't generate IP with index 1 from subnet. subnet too small. subnet: "10.0.0.5/32"`,
  ]);
});

Deno.test("KubeletVersion: missing binary, bad output, too old, newer than the control plane", async () => {
  const h = new FakeHost("/");
  const c = kubeletVersionCheck("v1.37.2", "v1.34.0");
  assertEquals(msgs(await run(c, h)).errors, [
    `couldn't get kubelet version: cannot execute 'kubelet --version': executable file not found in $PATH`,
  ]);
  let out = "Kubernetes v1.37.2\n";
  h.bin("kubelet", () => ({ stdout: out }));
  assertEquals(msgs(await run(c, h)), NONE);
  out = "Kubernetes v1.33.9";
  assertEquals(msgs(await run(c, h)).errors, [
    `Kubelet version "1.33.9" is lower than kubeadm can support. Please upgrade kubelet`,
  ]);
  out = "Kubernetes v1.38.0";
  assertEquals(msgs(await run(c, h)).errors, [
    `the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "1.38.0" Control plane version: "1.37.2"`,
  ]);
  // join: no control-plane version, only the minimum applies.
  assertEquals(msgs(await run(kubeletVersionCheck("", "v1.34.0"), h)), NONE);
  out = "garbage";
  assertEquals(msgs(await run(c, h)).errors, [
    `couldn't get kubelet version: Unable to parse output from Kubelet: "garbage"`,
  ]);
  h.commands.set("kubelet", () => ({ code: 2 }));
  assertEquals(msgs(await run(c, h)).errors, [
    `couldn't get kubelet version: cannot execute 'kubelet --version': exit status 2`,
  ]);
});

Deno.test("Swap: warns when /proc/swaps lists a device", async () => {
  const h = new FakeHost("/");
  assertEquals(msgs(await run(swapCheck(), h)), NONE); // no /proc/swaps at all
  h.kernel.set("/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
  assertEquals(msgs(await run(swapCheck(), h)), NONE);
  h.kernel.set(
    "/proc/swaps",
    "Filename\tType\tSize\tUsed\tPriority\n/dev/sda2  partition\t1000\t0\t-2\n",
  );
  const r = await run(swapCheck(), h);
  assertEquals(msgs(r), {
    warnings: [
      "swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node",
    ],
    errors: [],
  });
  assertStringIncludes(r.remediation!, "swapoff -a");
  // The real host (this test bed has no swap, but follow whatever it says).
  const real = await swapCheck().check(fakeCtx(new Host("/")));
  const lines = (await Deno.readTextFile("/proc/swaps")).trim().split("\n").length;
  assertEquals(real.warnings.length, lines > 1 ? 1 : 0);
});

Deno.test("Service-kubelet and Firewalld follow the init system", async () => {
  const h = new FakeHost("/");
  const svc = serviceCheck("kubelet", false);
  assertEquals(svc.name, "Service-kubelet");
  assertEquals(msgs(await run(svc, h)), {
    warnings: ["no supported init system detected, skipping checking for services"],
    errors: [],
  });
  assertEquals(msgs(await run(firewalldCheck([6443, 10250]), h)).warnings, [
    "no supported init system detected, skipping checking for services",
  ]);
  let enabled = false, fwActive = true, unitMissing = false;
  h.bin("systemctl", (a) => {
    if (a[0] === "status") {
      return {
        stdout: unitMissing ? "Unit kubelet.service could not be found.\n" : "Loaded: loaded",
      };
    }
    if (a[0] === "is-enabled") return { code: enabled ? 0 : 1 };
    if (a[0] === "is-active") return { stdout: a[1] === "firewalld" && fwActive ? "active\n" : "" };
    return {};
  });
  assertEquals(msgs(await run(svc, h)), {
    warnings: ["kubelet service is not enabled, please run 'systemctl enable kubelet.service'"],
    errors: [],
  });
  enabled = true;
  assertEquals(msgs(await run(svc, h)), NONE);
  assertEquals(msgs(await run(serviceCheck("kubelet", true), h)).errors, [
    "kubelet service is not active, please run 'systemctl start kubelet.service'",
  ]);
  unitMissing = true;
  assertEquals(msgs(await run(svc, h)).warnings, ["kubelet service does not exist"]);
  unitMissing = false;
  assertEquals(msgs(await run(firewalldCheck([6443, 10250]), h)), {
    warnings: [
      "firewalld is active, please ensure ports [6443 10250] are open or your cluster may not function correctly",
    ],
    errors: [],
  });
  fwActive = false;
  assertEquals(msgs(await run(firewalldCheck([6443, 10250]), h)), NONE);
});

Deno.test("CRI and ContainerRuntimeVersion through a fake runtime", async () => {
  const h = new FakeHost("/");
  const cri = new FakeCri();
  const sock = "unix:///var/run/containerd/containerd.sock";
  assertEquals(containerRuntimeCheck(sock).name, "CRI");
  assertEquals(msgs(await run(containerRuntimeCheck(sock), h, { cri })), NONE);
  assertEquals(msgs(await run(containerRuntimeVersionCheck(sock), h, { cri })), NONE);
  cri.runningError =
    `container runtime condition "RuntimeReady" is not true. reason: NotReady, message: down`;
  assertEquals(msgs(await run(containerRuntimeCheck(sock), h, { cri })).errors, [
    cri.runningError,
  ]);
  cri.runtimeConfig = false;
  assertEquals(msgs(await run(containerRuntimeVersionCheck(sock), h, { cri })), {
    warnings: [
      "You must update your container runtime to a version that supports the CRI method RuntimeConfig. Falling back to using cgroupDriver from kubelet config will be removed in 1.38. For more information, see https://git.k8s.io/enhancements/keps/sig-node/4033-group-driver-detection-over-cri",
    ],
    errors: [],
  });
  // cri-client's error log line for the Unimplemented call, as kubeadm prints it.
  cri.runtimeConfigError = "rpc error: code = Unimplemented desc = unknown method RuntimeConfig";
  assertEquals((await run(containerRuntimeVersionCheck(sock), h, { cri })).logs, [
    `E0102 15:04:05.006000 ${
      String(Deno.pid).padStart(7)
    } remote_runtime.go:1359] "RuntimeConfig from runtime service failed" err="rpc error: code = Unimplemented desc = unknown method RuntimeConfig"`,
  ]);
  cri.runtimeConfig = "failed to call RuntimeConfig gRPC method: boom";
  assertEquals(msgs(await run(containerRuntimeVersionCheck(sock), h, { cri })).errors, [
    "could not check if the runtime config is available: failed to call RuntimeConfig gRPC method: boom",
  ]);
  cri.connectError = "failed to create new CRI runtime service: x";
  for (const c of [containerRuntimeCheck(sock), containerRuntimeVersionCheck(sock)]) {
    assertEquals(msgs(await run(c, h, { cri })).errors, [
      "could not connect to the container runtime: failed to create new CRI runtime service: x",
    ]);
  }
});

Deno.test("ImagePull: policies, serial and parallel errors, sandbox warning", async () => {
  const h = new FakeHost("/");
  const images = ["registry.k8s.io/kube-apiserver:v1.37.2", "registry.k8s.io/pause:3.10.1"];
  const mk = (pullPolicy: string, serial = true) =>
    imagePullCheck({
      criSocket: "unix:///run/c.sock",
      images,
      sandboxImage: "registry.k8s.io/pause:3.10.1",
      pullPolicy,
      serial,
    });
  let cri = new FakeCri();
  cri.present.add(images[1]);
  assertEquals(msgs(await run(mk("IfNotPresent"), h, { cri })), NONE);
  assertEquals(cri.pulled, [images[0]]);
  cri = new FakeCri();
  await run(mk("Never"), h, { cri });
  assertEquals(cri.pulled, []);
  assertEquals(msgs(await run(mk("Sometimes"), h, { cri })).errors, [
    `unsupported pull policy "Sometimes"`,
  ]);
  cri = new FakeCri();
  cri.present.add(images[0]);
  await run(mk("Always"), h, { cri });
  assertEquals(cri.pulled, images);
  cri = new FakeCri();
  cri.pullErrors.set(images[0], "rpc error: code = NotFound desc = nope");
  cri.pullErrors.set(images[1], "rpc error: code = Unavailable desc = down");
  // Serial: one error per image, double-wrapped as kubeadm does.
  assertEquals(msgs(await run(mk("Always"), h, { cri })).errors, [
    `failed to pull image ${images[0]}: failed to pull image ${
      images[0]
    }: rpc error: code = NotFound desc = nope`,
    `failed to pull image ${images[1]}: failed to pull image ${
      images[1]
    }: rpc error: code = Unavailable desc = down`,
  ]);
  // Parallel: one aggregate error.
  const par = await run(mk("Always", false), h, { cri });
  assertEquals(par.errors.length, 1);
  assert(par.errors[0].startsWith("[failed to pull image "), par.errors[0]);
  // A different sandbox image in the runtime: a klog warning line, not a check warning.
  cri = new FakeCri();
  cri.sandbox = "registry.k8s.io/pause:3.8";
  const r = await run(mk("IfNotPresent"), h, { cri });
  assertEquals(msgs(r), NONE);
  assertEquals(r.logs?.length, 1);
  assertStringIncludes(
    r.logs![0],
    `checks.go:920] detected that the sandbox image "registry.k8s.io/pause:3.8" of the container runtime is inconsistent with that used by kubeadm. It is recommended to use "registry.k8s.io/pause:3.10.1" as the CRI sandbox image.`,
  );
  assert(/^W0102 15:04:05\.006000 +\d+ checks\.go:920\] /.test(r.logs![0]), r.logs![0]);
});

Deno.test("ExternalEtcdVersion against a local HTTP endpoint", async () => {
  let version = "3.5.10";
  let status = 200;
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (new URL(req.url).pathname !== "/version") return new Response("no", { status: 404 });
    if (status !== 200) return new Response("down", { status });
    return Response.json({ etcdserver: version, etcdcluster: "3.5.0" });
  });
  try {
    const ep = `http://127.0.0.1:${srv.addr.port}`;
    const h = new FakeHost("/");
    const c = externalEtcdVersionCheck({ httpEndpoints: [ep + "/"] });
    assertEquals(c.name, "ExternalEtcdVersion");
    assertEquals(msgs(await run(c, h)).errors, [
      "this version of kubeadm only supports external etcd version >= 3.5.24-0. Current version: 3.5.10",
    ]);
    version = "3.6.5";
    assertEquals(msgs(await run(c, h)), NONE);
    version = "three";
    assertEquals(msgs(await run(c, h)).errors, [
      `couldn't parse external etcd version "three": could not parse "three" as version`,
    ]);
    status = 503;
    assertEquals(msgs(await run(c, h)).errors, [
      "server responded with non-successful status: 503 Service Unavailable",
    ]);
    // No endpoints at all: nothing to check (kubeadm returns early).
    assertEquals(msgs(await run(externalEtcdVersionCheck({ endpoints: [] }), h)), NONE);
    // httpEndpoints default to endpoints (v1beta4 defaulting).
    status = 200;
    version = "3.5.0";
    assertEquals(msgs(await run(externalEtcdVersionCheck({ endpoints: [ep] }), h)).errors, [
      "this version of kubeadm only supports external etcd version >= 3.5.24-0. Current version: 3.5.0",
    ]);
    assertEquals(
      msgs(await run(externalEtcdVersionCheck({ httpEndpoints: [ep], caFile: "/nope/ca.crt" }), h))
        .errors,
      [
        "couldn't load external etcd's server certificate /nope/ca.crt: open /nope/ca.crt: no such file or directory",
      ],
    );
  } finally {
    await srv.shutdown();
  }
});
