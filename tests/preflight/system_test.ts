// SystemVerification: system-validators v1.12.1's kernel, OS and cgroups validators.
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { systemVerificationCheck } from "../../lib/preflight/checks.ts";
import { CGROUP_V1_MESSAGE, Reporter, validateCgroups } from "../../lib/preflight/system.ts";
import { fakeCtx, FakeHost, healthyHost } from "./helpers.ts";

const V1_MOUNTS = [
  "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0",
  "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0",
  "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0",
].join("\n") + "\n";

const V1_CGROUPS = `#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t1\t1
cpu\t1\t1\t1
cpuacct\t2\t1\t1
blkio\t7\t1\t1
memory\t4\t45\t1
devices\t5\t1\t1
freezer\t6\t1\t1
net_cls\t0\t1\t1
hugetlb\t0\t1\t1
pids\t8\t1\t1
`;

function v1Host(kubelet = "v1.37.2"): FakeHost {
  const h = healthyHost("/");
  h.kernel.set("/proc/mounts", V1_MOUNTS);
  h.kernelDirs.add("/sys/fs/cgroup/memory");
  h.kernel.set("/proc/cgroups", V1_CGROUPS);
  h.bin("kubelet", () => ({ stdout: `Kubernetes ${kubelet}\n` }));
  return h;
}

const sv = (h: FakeHost, upgrade = false) => systemVerificationCheck(upgrade).check(fakeCtx(h));

Deno.test("SystemVerification passes on a cgroup v2 host with a complete kernel config", async () => {
  const r = await sv(healthyHost("/"));
  assertEquals({ w: r.warnings, e: r.errors }, { w: [], e: [] });
  assertEquals(r.stdout, undefined);
  assertEquals(r.observed, "kernel 6.1.0-18-amd64, Linux, cgroup v2, kubelet 1.37.2");
});

Deno.test("cgroup v1 with kubelet >= 1.35 is an error, with the report on stdout", async () => {
  const r = await sv(v1Host());
  assertEquals(r.errors, [CGROUP_V1_MESSAGE]);
  assertEquals(
    CGROUP_V1_MESSAGE,
    "cgroups v1 support is deprecated and will be removed in a future release. Please migrate to cgroups v2. To explicitly enable cgroups v1 support for kubelet v1.35 or newer, you must set the kubelet configuration option 'FailCgroupV1' to 'false'. You must also explicitly skip this validation. For more information, see https://git.k8s.io/enhancements/keps/sig-node/5573-remove-cgroup-v1",
  );
  assertEquals(r.warnings, []);
  const lines = r.stdout!.split("\n");
  assertEquals(
    lines[0],
    "[preflight] The system verification failed. Printing the output from the verification:",
  );
  assertEquals(lines[1], "\x1b[0;37mKERNEL_VERSION\x1b[0m: \x1b[0;32m6.1.0-18-amd64\x1b[0m");
  assert(lines.includes("\x1b[0;37mCONFIG_CGROUP_CPUACCT\x1b[0m: \x1b[0;32menabled\x1b[0m"));
  assert(lines.includes("\x1b[0;37mOS\x1b[0m: \x1b[0;32mLinux\x1b[0m"));
  assert(lines.includes("\x1b[0;37mCGROUPS_PIDS\x1b[0m: \x1b[0;32menabled\x1b[0m"));
  assertStringIncludes(r.remediation!, "failCgroupV1: false");
  // Kernel lines come first, then OS, then cgroups.
  const idx = (k: string) => lines.findIndex((l) => l.includes(`;37m${k}\x1b`));
  assert(idx("KERNEL_VERSION") < idx("OS") && idx("OS") < idx("CGROUPS_CPU"), lines.join("\n"));
});

Deno.test("cgroup v1 with an older kubelet is only a warning; upgrades look one minor ahead", async () => {
  const r = await sv(v1Host("v1.34.3"));
  assertEquals({ w: r.warnings, e: r.errors }, { w: [CGROUP_V1_MESSAGE], e: [] });
  assertEquals(r.stdout, undefined);
  // Upgrade checks assume the next kubelet minor: 1.34 → 1.35 → error.
  const u = await sv(v1Host("v1.34.3"), true);
  assertEquals(u.errors, [CGROUP_V1_MESSAGE]);
  const pre = await sv(v1Host("v1.35.0-alpha.1"));
  assertEquals(pre.errors, [CGROUP_V1_MESSAGE]);
});

Deno.test("missing cgroups: required replace the v1 error, optional warn", async () => {
  const h = v1Host();
  h.kernel.set(
    "/proc/cgroups",
    V1_CGROUPS.replace("pids\t8\t1\t1", "pids\t8\t1\t0").replace("blkio\t7\t1\t1\n", ""),
  );
  const r = await sv(h);
  assertEquals(r.errors, ["missing required cgroups: pids"]);
  assertEquals(r.warnings, ["missing optional cgroups: blkio"]);
  assert(r.stdout!.includes("\x1b[0;37mCGROUPS_PIDS\x1b[0m: \x1b[0;31mmissing\x1b[0m"));
  assert(r.stdout!.includes("\x1b[0;37mCGROUPS_BLKIO\x1b[0m: \x1b[0;33mmissing\x1b[0m"));
  // cgroup v2: controllers file, devices assumed, freezer probed.
  const v2 = healthyHost("/");
  v2.kernel.set("/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
  v2.freeze = { supported: false };
  const r2 = await sv(v2);
  assertEquals(r2.errors, ["missing required cgroups: cpuset freezer"]);
  assertEquals(r2.warnings, ["missing optional cgroups: hugetlb io"]);
});

Deno.test("kernel: unsupported release warns, missing config errors, aliases count", async () => {
  const h = healthyHost("/");
  h.release = "4.19.0-21-amd64";
  const r = await sv(h);
  assertEquals(r.warnings, [
    "kernel release 4.19.0-21-amd64 is unsupported. Supported LTS versions from the 5.x series are 5.4, 5.10 and 5.15. Any 6.x version is also supported. For cgroups v2 support, the recommended version is 5.10 or newer",
  ]);
  assertEquals(r.errors, []);
  for (
    const ok of ["5.4.0-150-generic", "5.10.0-28-amd64", "5.15.0-1", "6.18.44-fc-v669", "10.0.1"]
  ) {
    h.release = ok;
    assertEquals((await sv(h)).warnings, [], ok);
  }
  h.release = "6.1.0";
  h.kernel.set(
    "/proc/config.gz",
    "CONFIG_NAMESPACES=y\nCONFIG_NET_NS=n\nCONFIG_IP_NF_TARGET_REDIRECT=m\n# CONFIG_X is not set\n",
  );
  const bad = await sv(h);
  // /proc/config.gz must be gzip: plain text fails to decompress → parse error.
  assertEquals(bad.errors, ["failed to parse kernel config: gzip: invalid header"]);
  h.kernel.delete("/proc/config.gz");
  const root = await Deno.makeTempDir({ prefix: "kubestrap-kcfg-" });
  try {
    const rooted = healthyHost(root);
    rooted.release = "6.1.0";
    rooted.kernel.delete("/proc/config.gz");
    await Deno.mkdir(`${root}/boot`);
    const required = [
      "NAMESPACES",
      "PID_NS",
      "IPC_NS",
      "UTS_NS",
      "CPUSETS",
      "MEMCG",
      "INET",
      "EXT4_FS",
      "PROC_FS",
      "NETFILTER_XT_MATCH_COMMENT",
      "FAIR_GROUP_SCHED",
      "CGROUPS",
      "CGROUP_PIDS",
      "CGROUP_SCHED",
    ];
    await Deno.writeTextFile(
      `${root}/boot/config-6.1.0`,
      required.map((n) => `CONFIG_${n}=y`).join("\n") +
        "\nCONFIG_NET_NS=n\nCONFIG_IP_NF_TARGET_REDIRECT=m\n",
    );
    const r2 = await sv(rooted);
    assertEquals(r2.errors, ["unexpected kernel config: CONFIG_NET_NS CONFIG_CGROUP_BPF"]);
    const out = r2.stdout!;
    assertStringIncludes(
      out,
      "\x1b[0;37mCONFIG_IP_NF_TARGET_REDIRECT\x1b[0m: \x1b[0;32menabled (as module)\x1b[0m",
    );
    assertStringIncludes(out, "\x1b[0;37mCONFIG_NET_NS\x1b[0m: \x1b[0;31mdisabled\x1b[0m");
    assertStringIncludes(
      out,
      "\x1b[0;37mCONFIG_CGROUP_BPF\x1b[0m: \x1b[0;31mnot set - Required for eBPF programs attached to cgroups, used in device controller.\x1b[0m",
    );
    assertStringIncludes(
      out,
      // Go's loop variable ends on the last alias when none is set.
      "\x1b[0;37mCONFIG_OVERLAYFS_FS\x1b[0m: \x1b[0;33mnot set - Required for overlayfs.\x1b[0m",
    );
    // No config anywhere and no modprobe: kubeadm's error chain.
    await Deno.remove(`${root}/boot/config-6.1.0`);
    const r3 = await sv(rooted);
    assertEquals(r3.errors, [
      `failed to parse kernel config: unable to load kernel module: "configs", output: "", err: exec: "modprobe": executable file not found in $PATH`,
    ]);
    rooted.bin("modprobe", () => ({ code: 0 }));
    const r4 = await sv(rooted);
    assertEquals(r4.errors.length, 1);
    assert(
      r4.errors[0].startsWith(
        "failed to parse kernel config: no config path in [/proc/config.gz /boot/config-6.1.0 ",
      ),
      r4.errors[0],
    );
    assertEquals(
      rooted.ran.filter((c) => c[0].endsWith("modprobe")).map((c) => c.slice(1).join(" ")),
      ["configs", "-r configs"],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("OS validator and a missing kubelet", async () => {
  const h = healthyHost("/");
  h.os = "Darwin";
  assertEquals((await sv(h)).errors, ["unsupported operating system: Darwin"]);
  const nok = healthyHost("/");
  nok.path.delete("kubelet");
  const r = await sv(nok);
  assertEquals(r.errors, [
    `couldn't get kubelet version: cannot execute 'kubelet --version': executable file not found in $PATH`,
  ]);
  assertEquals(r.stdout, undefined);
});

Deno.test("the real host's kernel and cgroups (kubelet faked as v1.37.2)", async () => {
  const h = healthyHost("/");
  h.fakeKernel = false;
  h.release = Deno.osRelease();
  const r = await sv(h);
  const mounts = await Deno.readTextFile("/proc/mounts");
  const cg = mounts.split("\n").find((l) => l.split(" ")[1] === "/sys/fs/cgroup");
  let v2 = cg?.split(" ")[2] === "cgroup2";
  if (cg?.split(" ")[2] === "tmpfs") {
    v2 = !(await Deno.stat("/sys/fs/cgroup/memory").then((s) => s.isDirectory, () => false));
  }
  if (!v2) {
    // This test bed: cgroup v1 → the kubelet-1.35 rule makes it an error.
    assert(r.errors.includes(CGROUP_V1_MESSAGE), JSON.stringify(r.errors));
  } else {
    assert(!r.errors.includes(CGROUP_V1_MESSAGE));
  }
  const rep = new Reporter();
  const c = await validateCgroups(h, rep, "1.37.2");
  assertEquals(c.v2, v2);
  assert(c.subsystems.includes("memory"), JSON.stringify(c.subsystems));
});
