// Host methods through which the last direct Deno calls of lib/ and phases/ now go.
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { Host } from "../../lib/host.ts";

Deno.test("absolute: relative to the working directory, or to / on a re-rooted host", () => {
  assertEquals(new Host("/").absolute("a/b"), `${Deno.cwd()}/a/b`);
  assertEquals(new Host("/").absolute("/x/../y"), "/y");
  assertEquals(new Host("/srv/root").absolute("a/b"), "/a/b");
});

Deno.test("lstat, realPath, open and a streamed writeFile stay under the root", async () => {
  const root = await Host.tempDir("kubestrap-host-effects-");
  try {
    assert(root.startsWith((Deno.env.get("TMPDIR") || "/tmp") + "/kubestrap-host-effects-"));
    const h = new Host(root);
    const chunks = ["hello ", "streamed ", "world"].map((s) => new TextEncoder().encode(s));
    await h.writeFile("/etc/x/file", ReadableStream.from(chunks), { mode: 0o640 });
    assertEquals(await h.readText("/etc/x/file"), "hello streamed world");
    assertEquals((await h.stat("/etc/x/file"))!.mode! & 0o777, 0o640);
    assertEquals(h.writes.at(-1), { path: "/etc/x/file", mode: 0o640 });
    assertEquals(await h.readDir("/etc/x"), ["file"]); // no temporary file left

    await Deno.symlink(`${root}/etc/x`, `${root}/link`);
    assertEquals((await h.lstat("/link"))?.isSymlink, true);
    assertEquals((await h.stat("/link"))?.isDirectory, true);
    assertEquals(await h.lstat("/missing"), undefined);
    assertEquals(await h.realPath("/link/file"), await Deno.realPath(`${root}/etc/x/file`));
    await assertRejects(() => h.realPath("/missing"), Deno.errors.NotFound);

    const f = await h.open("/etc/x/file");
    try {
      const buf = new Uint8Array(5);
      assertEquals(await f.read(buf), 5);
      assertEquals(new TextDecoder().decode(buf), "hello");
    } finally {
      f.close();
    }

    // A stream that fails leaves neither the file nor a temporary file.
    const broken = new ReadableStream<Uint8Array>({
      pull(c) {
        c.error(new Error("source broke"));
      },
    });
    await assertRejects(() => h.writeFile("/etc/x/other", broken), Error, "source broke");
    assertEquals(await h.readDir("/etc/x"), ["file"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("kernel directories and links are read from the real /proc", async () => {
  const h = new Host("/nonexistent-root");
  assert((await h.readKernelDir("/proc")).includes(String(Deno.pid)));
  assertEquals(await h.readKernelDir("/proc/no-such-dir"), []);
  assertEquals(
    await h.readKernelLink("/proc/self/ns/net"),
    await Deno.readLink("/proc/self/ns/net"),
  );
  assertEquals(await h.readKernelLink("/proc/no-such-link"), undefined);
});

Deno.test("spawn streams stdin and stdout; a missing binary throws NotFound", async () => {
  const h = new Host("/");
  const child = h.spawn("cat", [], { stdin: "piped", stdout: "piped" });
  await ReadableStream.from([new TextEncoder().encode("through cat")]).pipeTo(child.stdin);
  const out = await child.output();
  assertEquals(out.code, 0);
  assertEquals(new TextDecoder().decode(out.stdout), "through cat");
  assert(
    (() => {
      try {
        h.spawn("/nonexistent/binary", []);
        return false;
      } catch (e) {
        return e instanceof Deno.errors.NotFound;
      }
    })(),
  );
});

Deno.test("tcpRefused: a listener is not refused, a closed port is", async () => {
  const h = new Host("/");
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  const accepted = l.accept().then((c) => c.close());
  assertEquals(await h.tcpRefused("127.0.0.1", port), false);
  await accepted;
  l.close();
  assertEquals(await h.tcpRefused("127.0.0.1", port), true);
});

Deno.test("signal: false for a process that does not exist", () => {
  // pid_max is at most 2^22 on Linux: this pid cannot exist.
  assertEquals(new Host("/").signal(2 ** 22 + 1, "SIGTERM"), false);
});

Deno.test("existsSync and readFileSyncBounded, for the synchronous config loaders", async () => {
  const root = await Host.tempDir("kubestrap-host-sync-");
  try {
    const h = new Host(root);
    await h.writeFile("/etc/cfg.yaml", "kind: X\n");
    assertEquals(h.existsSync("/etc/cfg.yaml"), true);
    assertEquals(h.existsSync("/etc/missing.yaml"), false);
    assertEquals(h.readFileSyncBounded("/etc/cfg.yaml", 8), new TextEncoder().encode("kind: X\n"));
    assertEquals(h.readFileSyncBounded("/etc/missing.yaml", 8), undefined);
    let err = "";
    try {
      h.readFileSyncBounded("/etc/cfg.yaml", 7);
    } catch (e) {
      err = (e as Error).message;
    }
    assertEquals(
      err,
      "/etc/cfg.yaml is larger than 7 bytes (kubestrap's limit for configuration files)",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
