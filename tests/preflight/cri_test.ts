// The CRI client over crictl and a plain socket dial (kubeadm's error wrapping).
import { assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { Host } from "../../lib/host.ts";
import { CrictlRuntime, criSocketPath } from "../../lib/cri/cri.ts";
import { containerRuntimeCheck } from "../../lib/preflight/checks.ts";
import { defaultCheckContext } from "../../lib/preflight/runner.ts";
import { FakeHost, withTempRoot } from "./helpers.ts";

Deno.test("criSocketPath: unix URLs, bare paths, unsupported schemes", () => {
  assertEquals(
    criSocketPath("unix:///run/containerd/containerd.sock"),
    "/run/containerd/containerd.sock",
  );
  assertEquals(criSocketPath("/run/crio/crio.sock"), "/run/crio/crio.sock");
  assertThrows(() => criSocketPath("tcp://1.2.3.4:1"), Error, "only support unix socket endpoint");
  assertThrows(() => criSocketPath("npipe:////./pipe/x"), Error, `protocol "npipe" not supported`);
});

Deno.test("CRI check on a missing socket: kubeadm's full error chain", async () => {
  await withTempRoot(async (root) => {
    const h = new Host(root);
    const sock = "unix:///run/containerd/containerd.sock";
    const r = await containerRuntimeCheck(sock).check(defaultCheckContext(h));
    assertEquals(r.errors, [
      `could not connect to the container runtime: failed to create new CRI runtime service: validate service connection: validate CRI v1 runtime API for endpoint "unix:///run/containerd/containerd.sock": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory"`,
    ]);
  });
});

Deno.test("CrictlRuntime: a listening socket plus crictl answers", async () => {
  await withTempRoot(async (root) => {
    await Deno.mkdir(`${root}/run/containerd`, { recursive: true });
    const l = Deno.listen({ transport: "unix", path: `${root}/run/containerd/containerd.sock` });
    try {
      const endpoint = "unix:///run/containerd/containerd.sock";
      const h = new FakeHost(root);
      // No crictl: the socket answers, status cannot be verified → treated as running.
      const bare = new CrictlRuntime(h, endpoint);
      await bare.connect();
      await bare.isRunning();
      assertEquals(await bare.isRuntimeConfigImplemented(), true);
      assertEquals(bare.describe(), `socket ${endpoint}`);
      await assertRejects(() => bare.pullImage("x:1"), Error, "failed to pull image x:1: crictl");

      let info: unknown = {
        status: {
          conditions: [
            { type: "RuntimeReady", status: true },
            { type: "NetworkReady", status: false, reason: "NoCNI" },
          ],
        },
        config: { sandboxImage: "registry.k8s.io/pause:3.8" },
      };
      let rcfg = { code: 0, stderr: "" };
      const present = new Set(["img:present"]);
      h.bin("crictl", (a) => {
        const cmd = a[6];
        if (cmd === "version") return { stdout: "RuntimeName: containerd\n" };
        if (cmd === "info") return { stdout: JSON.stringify(info) };
        if (cmd === "runtime-config") return rcfg;
        if (cmd === "inspecti") return present.has(a[8]) ? { stdout: "{}" } : { code: 1 };
        if (cmd === "pull") {
          return a[7] === "img:bad"
            ? { code: 1, stderr: "E0101 x\nrpc error: code = NotFound desc = not found\n" }
            : {};
        }
        return { code: 1 };
      });
      const rt = new CrictlRuntime(h, endpoint);
      await rt.connect();
      assertEquals(h.ran[0].slice(0, 8), [
        "/usr/bin/crictl",
        "--runtime-endpoint",
        endpoint,
        "--image-endpoint",
        endpoint,
        "--timeout",
        "2s",
        "version",
      ]);
      await rt.isRunning(); // NetworkReady false is fine
      assertEquals(await rt.sandboxImage(), "registry.k8s.io/pause:3.8");
      assertEquals(await rt.isRuntimeConfigImplemented(), true);
      rcfg = { code: 1, stderr: "rpc error: code = Unimplemented desc = unknown method" };
      assertEquals(await rt.isRuntimeConfigImplemented(), false);
      rcfg = { code: 1, stderr: "rpc error: code = Internal desc = x" };
      await assertRejects(
        () => rt.isRuntimeConfigImplemented(),
        Error,
        "failed to call RuntimeConfig gRPC method: rpc error: code = Internal desc = x",
      );
      assertEquals(await rt.imageExists("img:present"), true);
      assertEquals(await rt.imageExists("img:absent"), false);
      await rt.pullImage("img:ok");
      await assertRejects(
        () => rt.pullImage("img:bad"),
        Error,
        "failed to pull image img:bad: rpc error: code = NotFound desc = not found",
      );
      assertEquals(h.ran.filter((c) => c[8] === "img:bad").length, 5); // PullImageRetry

      info = {
        status: {
          conditions: [
            { type: "RuntimeReady", status: false, reason: "Boot", message: "starting" },
            { type: "NetworkReady", status: true },
          ],
        },
      };
      const rt2 = new CrictlRuntime(h, endpoint);
      await assertRejects(
        () => rt2.isRunning(),
        Error,
        `container runtime condition "RuntimeReady" is not true. reason: Boot, message: starting`,
      );
      info = { status: { conditions: [] } };
      await assertRejects(
        () => new CrictlRuntime(h, endpoint).isRunning(),
        Error,
        "container runtime is not running: RuntimeReady or NetworkReady condition are not set",
      );
      h.commands.set("crictl", () => ({ code: 1, stderr: "context deadline exceeded\n" }));
      await assertRejects(
        () => new CrictlRuntime(h, endpoint).connect(),
        Error,
        `failed to create new CRI runtime service: validate service connection: validate CRI v1 runtime API for endpoint "${endpoint}": context deadline exceeded`,
      );
    } finally {
      l.close();
    }
  });
});
