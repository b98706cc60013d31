// Host methods added for preflight: process/kernel facts, unix dials, name lookups.
import { assert, assertEquals } from "../assert.ts";
import { goErrno, Host } from "../../lib/host.ts";

async function sh(cmd: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", cmd], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("uid, CPUs, memory, kernel release and OS name match the system's tools", async () => {
  const h = new Host("/");
  assertEquals(h.uid(), Number(await sh("id -u")));
  assertEquals(await h.cpuCount(), Number(await sh("nproc")));
  const memKB = Number(/MemTotal:\s+(\d+) kB/.exec(await Deno.readTextFile("/proc/meminfo"))![1]);
  const diff = Math.abs(h.memoryBytes() - memKB * 1024);
  assert(diff <= 4 * 1024 * 1024, `memoryBytes ${h.memoryBytes()} vs MemTotal ${memKB} kB`);
  assertEquals(h.kernelRelease(), await sh("uname -r"));
  assertEquals(h.osName(), await sh("uname -s"));
});

Deno.test("kernel bytes and stats are read from the real /proc and /sys", async () => {
  const h = new Host("/nonexistent-root"); // kernel paths are never rerooted
  const cfg = await h.readKernelBytes("/proc/config.gz");
  if (cfg !== undefined) assertEquals([cfg[0], cfg[1]], [0x1f, 0x8b]);
  assertEquals(await h.readKernelBytes("/proc/no-such-file"), undefined);
  assertEquals((await h.kernelStat("/sys/fs/cgroup"))?.isDirectory, true);
  assertEquals(await h.kernelStat("/sys/no-such"), undefined);
});

Deno.test("dialUnix: a listening socket, a missing path, a non-socket file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-dial-" });
  try {
    const h = new Host("/");
    const l = Deno.listen({ transport: "unix", path: `${dir}/s.sock` });
    try {
      assertEquals(await h.dialUnix(`${dir}/s.sock`), undefined);
    } finally {
      l.close();
    }
    assertEquals(
      await h.dialUnix(`${dir}/missing.sock`),
      `dial unix ${dir}/missing.sock: connect: no such file or directory`,
    );
    await Deno.writeTextFile(`${dir}/plain`, "x");
    assertEquals(
      await h.dialUnix(`${dir}/plain`),
      `dial unix ${dir}/plain: connect: connection refused`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lookupHost: IP literals, /etc/hosts under the root, DNS errors in Go's form", async () => {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-hosts-" });
  try {
    await Deno.mkdir(`${root}/etc`);
    await Deno.writeTextFile(
      `${root}/etc/hosts`,
      "# comment\n127.0.0.1 localhost\n192.0.2.5 cp-1.example cp-1 # inline\n",
    );
    await Deno.writeTextFile(`${root}/etc/resolv.conf`, "search x\nnameserver 10.9.8.7\n");
    const h = new Host(root);
    assertEquals(await h.lookupHost("192.0.2.9"), { addrs: ["192.0.2.9"] });
    assertEquals(await h.lookupHost("fd00::9"), { addrs: ["fd00::9"] });
    // Not an IP: looked up as a name (and not found).
    assertEquals((await h.lookupHost("1.2.3")).addrs, null);
    assertEquals(await h.lookupHost("CP-1"), { addrs: ["192.0.2.5"] });
    const miss = await h.lookupHost("kubestrap-no-such-host.invalid");
    assertEquals(miss, {
      addrs: null,
      error: "lookup kubestrap-no-such-host.invalid on 10.9.8.7:53: no such host",
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("probeCgroupFreeze creates and removes its probe directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-cg-" });
  try {
    const r = await new Host("/").probeCgroupFreeze(dir);
    assertEquals(r, { supported: false, warning: undefined }); // not a cgroup2 fs
    assertEquals([...Deno.readDirSync(dir)].length, 0);
    const gone = await new Host("/").probeCgroupFreeze(`${dir}/missing`);
    assertEquals(gone.supported, false);
    assertEquals(gone.warning?.startsWith("no such file or directory"), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("goErrno turns Deno's OS errors into Go's errno text", () => {
  assertEquals(
    goErrno(new Error("No such file or directory (os error 2)")),
    "no such file or directory",
  );
  assertEquals(goErrno(new Error("Connection refused (os error 111)")), "connection refused");
});
