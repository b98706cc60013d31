import { assert, assertEquals, assertRejects } from "../assert.ts";
import { Host } from "../../lib/host.ts";

async function tempRoot(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "kubestrap-host-" });
}

Deno.test("paths resolve under the root; relative paths are refused", async () => {
  const root = await tempRoot();
  try {
    const h = new Host(root);
    assertEquals(h.resolve("/etc/kubernetes/admin.conf"), `${root}/etc/kubernetes/admin.conf`);
    assertEquals(h.resolve("/etc/../etc/kubernetes"), `${root}/etc/kubernetes`);
    assertEquals(new Host("/").resolve("/etc/kubernetes"), "/etc/kubernetes");
    await assertRejects(() => h.writeFile("etc/x", "y"), Error, "is not absolute");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeFile is atomic, applies the exact mode and creates parents", async () => {
  const root = await tempRoot();
  try {
    const h = new Host(root);
    await h.writeFile("/etc/kubernetes/pki/ca.key", "secret", { mode: 0o600, dirMode: 0o700 });
    const st = await Deno.stat(`${root}/etc/kubernetes/pki/ca.key`);
    assertEquals(st.mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(`${root}/etc/kubernetes/pki`)).mode! & 0o777, 0o700);
    // Overwriting an existing 0644 file still ends at the requested mode.
    await h.writeFile("/etc/kubernetes/admin.conf", "a", { mode: 0o644 });
    await h.writeFile("/etc/kubernetes/admin.conf", "b", { mode: 0o600 });
    assertEquals((await Deno.stat(`${root}/etc/kubernetes/admin.conf`)).mode! & 0o777, 0o600);
    assertEquals(await h.readText("/etc/kubernetes/admin.conf"), "b");
    // No temporary files are left behind.
    assertEquals(await h.readDir("/etc/kubernetes"), ["admin.conf", "pki"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a failed write leaves neither the target nor a temp file", async () => {
  const root = await tempRoot();
  try {
    const h = new Host(root);
    await h.writeFile("/etc/kubernetes/x", "old", { mode: 0o600 });
    // The target is a directory: rename fails after the temp file was written.
    await h.mkdirAll("/etc/kubernetes/dir/sub");
    await assertRejects(() => h.writeFile("/etc/kubernetes/dir", "new"));
    assertEquals(await h.readDir("/etc/kubernetes"), ["dir", "x"]);
    assertEquals(await h.readText("/etc/kubernetes/x"), "old");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run: exit codes, stdout, missing binaries and timeouts", async () => {
  const h = new Host("/");
  const ok = await h.run("sh", ["-c", "echo hi; echo err >&2; exit 3"]);
  assertEquals([ok.code, ok.stdout, ok.stderr, ok.timedOut], [3, "hi\n", "err\n", false]);
  const missing = await h.run("kubestrap-no-such-binary", []);
  assertEquals(missing.code, 127);
  const slow = await h.run("sleep", ["5"], { timeoutMs: 200 });
  assert(slow.timedOut && slow.code !== 0, `expected timeout, got ${JSON.stringify(slow)}`);
  const fed = await h.run("cat", [], { stdin: "piped in" });
  assertEquals(fed.stdout, "piped in");
});

Deno.test("portInUse sees a listener", () => {
  const h = new Host("/");
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (l.addr as Deno.NetAddr).port;
    assertEquals(h.portInUse(port, "127.0.0.1"), true);
  } finally {
    l.close();
  }
});

Deno.test("kernel files and the default route come from /proc", async () => {
  const h = new Host("/");
  const fwd = await h.readKernelFile("/proc/sys/net/ipv4/ip_forward");
  assert(fwd === "0\n" || fwd === "1\n", `ip_forward: ${fwd}`);
  const routes = await h.defaultRoutes();
  const procRoute = (await Deno.readTextFile("/proc/net/route")).split("\n").slice(1)
    .filter((l) => l.trim().split(/\s+/)[1] === "00000000");
  assertEquals(routes.filter((r) => r.family === 4).length, procRoute.length);
  if (procRoute.length > 0) {
    const ip = await h.defaultIP(4);
    const iface = procRoute[0].trim().split(/\s+/)[0];
    const addrs = Deno.networkInterfaces().filter((i) => i.name === iface && i.family === "IPv4")
      .map((i) => i.address);
    assert(ip !== undefined && addrs.includes(ip), `${ip} not on ${iface}: ${addrs}`);
  }
});
