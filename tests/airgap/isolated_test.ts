/**
 * The air-gapped path inside a namespace host with no route out: containerd runs in the host;
 * the bundle (made from a loopback registry outside) is verified and imported, the images are
 * checked with `config images pull --offline`, and `init --offline --dry-run` runs every phase.
 * Every command runs under `strace -f`, and every connect()/sendto() address of kubestrap and
 * its children (crictl, ctr) is checked to be local: the run's network use is observed, not
 * assumed. The whole one-host cluster install from the bundle is tests/e2e's scenario.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  createHost,
  isRoot,
  run,
  skipReason,
  startContainerd,
  tempDir,
  testbedReady,
} from "../harness/mod.ts";
import {
  expectedImages,
  initConfig,
  isLocalAddress,
  ks,
  pushImages,
  startRegistry,
  tracedAddresses,
} from "./helpers.ts";

const ready = testbedReady && isRoot;

Deno.test({
  name: `airgap: offline path in a namespace with no route out, connections traced${
    ready ? "" : ` (skipped: ${testbedReady ? "needs root" : skipReason})`
  }`,
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await using tmp = await tempDir("kubestrap-airgap-iso-");
    const bundle = `${tmp.path}/bundle.tar`;
    let repo: string;
    {
      // Made online (outside the namespace), then the registry is gone.
      await using reg = await startRegistry();
      repo = `${reg.addr}/k8s`;
      await pushImages(repo);
      await Deno.writeTextFile(`${tmp.path}/make.yaml`, initConfig({ repo, criSocket: "x" }));
      const r = await ks(["bundle", "create", "--config", `${tmp.path}/make.yaml`, "-o", bundle]);
      assertEquals(r.code, 0, r.err);
    }
    await using host = await createHost("airgap-iso", { addr: "10.244.0.10/24" });
    // No route out: anything beyond the host's own /24 is unreachable.
    const route = await host.exec(["ip", "route", "get", "1.1.1.1"], { allowFailure: true });
    assert(route.code !== 0 && /unreachable/i.test(route.stderr), route.stdout + route.stderr);
    assertEquals((await host.exec("ip route show default")).stdout.trim(), "");
    // An air-gapped node as the Hostname check advises: its name in its own /etc/hosts (no DNS
    // query), and packet forwarding on (this network namespace's own sysctl).
    const hosts = `${tmp.path}/hosts`;
    await Deno.writeTextFile(hosts, `127.0.0.1 localhost\n${host.ip} airgap-node\n`);
    await host.exec(["mount", "--bind", hosts, "/etc/hosts"]);
    await host.exec(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);

    // The runtime's sandbox image aligned with the config's (the SandboxImage check's advice).
    const pause = expectedImages(repo).find((i) => i.includes("/pause:"))!;
    await using ctd = await startContainerd({
      root: `${tmp.path}/ctd`,
      wrap: host.wrap,
      sandboxImage: pause,
    });
    const cfg = `${tmp.path}/init.yaml`;
    await Deno.writeTextFile(cfg, initConfig({ repo, criSocket: ctd.endpoint }));
    const traced = (name: string) => (argv: string[]) =>
      host.wrap([
        "strace",
        "-f",
        "-qq",
        "-e",
        "trace=connect,sendto,sendmsg",
        "-o",
        `${tmp.path}/${name}.trace`,
        ...argv,
      ]);

    // The tracer sees an attempt to leave (and the namespace refuses it).
    const canary = traced("canary")(["curl", "-s", "-m", "2", "http://192.0.2.1/"]);
    const c = await run(canary[0], canary.slice(1), { allowFailure: true });
    assert(c.code !== 0, "the canary must not reach 192.0.2.1");
    assertEquals(
      tracedAddresses(await Deno.readTextFile(`${tmp.path}/canary.trace`)),
      ["192.0.2.1"],
    );

    const steps: [string, string[]][] = [
      ["verify", ["bundle", "verify", "--offline", bundle]],
      ["import", ["bundle", "import", "--offline", bundle, "--cri-socket", ctd.endpoint]],
      ["pull", ["config", "images", "pull", "--offline", "--config", cfg]],
      ["init", [
        "init",
        "--offline",
        "--dry-run",
        "--config",
        cfg,
        // This machine runs cgroup v1 (tests/harness/README.md).
        "--ignore-preflight-errors=SystemVerification",
        // Not implemented in kubestrap yet (the whole install is tests/e2e's scenario).
        "--skip-phases=wait-control-plane,upload-config,upload-certs,mark-control-plane," +
        "bootstrap-token,kubelet-finalize,addon,show-join-command",
      ]],
    ];
    for (const [name, args] of steps) {
      const r = await ks(args, { wrap: traced(name) });
      assertEquals(r.code, 0, `${name}: ${r.out}\n${r.err}`);
      const trace = await Deno.readTextFile(`${tmp.path}/${name}.trace`);
      // The tracer followed kubestrap's children: crictl/ctr dialled containerd's socket.
      if (name !== "verify") assert(trace.includes(`sun_path="${ctd.socket}"`), name);
      const addrs = tracedAddresses(trace);
      const outside = addrs.filter((a) => !isLocalAddress(a, [host.ip]));
      assertEquals(outside, [], `${name} reached outside the namespace: ${outside.join(", ")}`);
      if (name === "pull") {
        assertEquals(
          r.out.trim().split("\n"),
          expectedImages(repo).map((i) => `[config/images] Present ${i}`),
        );
      }
      if (name === "init") {
        assert(r.out.includes("[preflight] --offline"), r.out);
        assert(!/\bPulled\b/.test(r.out), r.out);
      }
    }
  },
});
