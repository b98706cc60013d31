/**
 * The air-gapped install, the whole way: the test bed's images pushed to a loopback
 * docker-registry under a custom imageRepository, `kubestrap bundle create` from it (outside,
 * "online"), the registry stopped; then, in a namespace host with no route out whose containerd
 * holds no image at all (sandbox_image = <repo>/pause): `bundle verify --offline`,
 * `bundle import --offline`, `init --offline --config` (kubelet supervised as systemd would),
 * node Ready, kube-proxy and CoreDNS running, `reset --cleanup-network`. Every kubestrap run is
 * under `strace -f -e trace=connect,sendto,sendmsg` and every inet address it (or a child:
 * crictl, ctr) reached is checked to be local to the namespace: loopback, the host's address, its
 * pod subnet, the service range; every unix socket it connected to is the node's containerd. A
 * curl canary proves that the tracer sees an escape attempt.
 */
import { assert, assertEquals } from "../assert.ts";
import { run, testbed } from "../harness/mod.ts";
import {
  expectedImages,
  isLocalAddress,
  pushImages,
  startRegistry,
  tracedAddresses,
  tracedUnixSockets,
} from "../airgap/helpers.ts";
import {
  allowCoreDnsPort53,
  createNode,
  getJsonpath,
  initConfig,
  SERVICE_CIDR,
  waitNodeReady,
  waitPodsReady,
} from "./cluster.ts";
import { E2E_IGNORE, hostState, logDir } from "./scenarios.ts";
import { runTool, toolArgv, toolError, type ToolRun } from "./tools.ts";

const ignore = E2E_IGNORE;

const KEPT_DIRS = ["file /etc/kubernetes/manifests", "file /etc/kubernetes/pki"];
const CNI_PLUGIN_STATE =
  /^(link cni0|file \/var\/lib\/cni\/(networks|results)(\/e2e(\/(lock|last_reserved_ip\.0))?)?)$/;

Deno.test({
  name: "e2e: airgap: bundle from a registry, init --offline with no route out " +
    "(connections traced), node Ready, CoreDNS, reset",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const logs = await logDir("airgap");
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const bundle = `${logs}/bundle.tar`;
  const subnet = 3;
  const podCidr = `10.211.${subnet}.0/24`;

  // Online, outside any namespace: registry, push, bundle create; then the registry is gone.
  let repo: string;
  {
    await using reg = await startRegistry();
    repo = `${reg.addr}/k8s`;
    await pushImages(repo);
    timings.pushMs = performance.now() - t0;
    await Deno.writeTextFile(
      `${logs}/make.yaml`,
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${testbed.kubernetesVersion}
imageRepository: ${repo}
`,
    );
    const argv = await toolArgv("kubestrap", [
      "bundle",
      "create",
      "--config",
      `${logs}/make.yaml`,
      "-o",
      bundle,
    ]);
    const c0 = performance.now();
    const r = await run(argv[0], argv.slice(1), { allowFailure: true });
    timings.bundleCreateMs = performance.now() - c0;
    assertEquals(r.code, 0, `bundle create: ${r.stdout}\n${r.stderr}`);
  }
  const want = expectedImages(repo);
  const pause = want.find((i) => i.includes("/pause:"))!;

  const node = await createNode("cp", {
    addr: `10.210.${subnet}.11/24`,
    network: "e2e-ag1",
    podCidr,
    importImages: false,
    sandboxImage: pause,
  });
  try {
    timings.hostSetupMs = performance.now() - t0 - timings.pushMs - timings.bundleCreateMs;
    const host = node.host;
    // No route out: only the host's own /24 is reachable.
    const route = await host.exec(["ip", "route", "get", "1.1.1.1"], { allowFailure: true });
    assert(route.code !== 0 && /unreachable/i.test(route.stderr), route.stdout + route.stderr);
    assertEquals((await host.exec("ip route show default")).stdout.trim(), "");
    // Nothing in containerd: every image has to come from the bundle.
    assertEquals((await node.ctrd.ctr(["images", "ls", "-q"], { allowFailure: true })).trim(), "");

    const own = [node.ip, podCidr, SERVICE_CIDR];
    const traceFile = (name: string) => `${logs}/${name}.trace`;
    const strace = (name: string) => [
      "strace",
      "-f",
      "-qq",
      "-e",
      "trace=connect,sendto,sendmsg",
      "-o",
      traceFile(name),
    ];
    const checkTrace = async (name: string): Promise<string> => {
      const trace = await Deno.readTextFile(traceFile(name));
      const outside = tracedAddresses(trace).filter((a) => !isLocalAddress(a, own));
      assertEquals(outside, [], `${name} reached outside the namespace: ${outside.join(", ")}`);
      // Unix sockets: only the node's containerd (nothing that could relay outside).
      const sockets = tracedUnixSockets(trace).filter((s) => s !== node.ctrd.socket);
      assertEquals(sockets, [], `${name} connected to unix sockets: ${sockets.join(", ")}`);
      return trace;
    };

    // The tracer sees an attempt to leave (and the namespace refuses it).
    const canary = host.wrap([...strace("canary"), "curl", "-s", "-m", "2", "http://192.0.2.1/"]);
    const c = await run(canary[0], canary.slice(1), { allowFailure: true });
    assert(c.code !== 0, "the canary must not reach 192.0.2.1");
    assertEquals(tracedAddresses(await Deno.readTextFile(traceFile("canary"))), ["192.0.2.1"]);

    const traced = async (name: string, args: string[]): Promise<ToolRun> => {
      const r = await runTool(node, "kubestrap", args, {
        logTo: `${logs}/${name}.log`,
        prefix: strace(name),
      });
      timings[`${name}Ms`] = r.ms;
      if (r.code !== 0) throw toolError(r, `logs in ${logs}`);
      await checkTrace(name);
      return r;
    };

    const before = await hostState(node);
    const verify = await traced("verify", ["bundle", "verify", "--offline", bundle]);
    assert(verify.stdout.includes("OK: 7 images"), verify.stdout);
    const imp = await traced("import", [
      "bundle",
      "import",
      "--offline",
      bundle,
      "--cri-socket",
      node.criSocket,
    ]);
    assert(imp.stdout.includes("7 imported, 0 already present"), imp.stdout);
    assert((await checkTrace("import")).includes(`sun_path="${node.ctrd.socket}"`));

    const config = `${host.root}/airgap.yaml`;
    await Deno.writeTextFile(config, initConfig(node, { imageRepository: repo }));
    await Deno.copyFile(config, `${logs}/airgap.yaml`);
    const kubelet = node.startKubelet();
    const init = await traced("init", ["init", "--offline", "--config", config, "--v=5"]);
    assert(
      init.stdout.includes("Your Kubernetes control-plane has initialized successfully"),
      init.stdout,
    );
    assert(`${init.stdout}${init.stderr}`.includes("[preflight] --offline"), init.stdout);
    assert(!/\bPulled\b/.test(init.stdout), init.stdout);
    const initTrace = await checkTrace("init");
    // The tracer followed kubestrap to containerd's socket and to the API server.
    assert(initTrace.includes(`sun_path="${node.ctrd.socket}"`), "init: no CRI connection traced");
    assert(
      tracedAddresses(initTrace).some((a) => a === node.ip || a.endsWith(`:${node.ip}`)),
      `init: no connection to the API server traced: ${tracedAddresses(initTrace).join(", ")}`,
    );

    const afterInit = performance.now();
    await allowCoreDnsPort53(node);
    await waitNodeReady(node, "cp", 180_000, () => kubelet.log().slice(-3000));
    timings.initToNodeReadyMs = performance.now() - init.startedAt;
    await waitPodsReady(node, "k8s-app=kube-proxy", 1, 180_000);
    await waitPodsReady(node, "k8s-app=kube-dns", 2, 180_000);
    timings.initEndToDnsReadyMs = performance.now() - afterInit;
    // Every image the cluster runs is one of the bundle's (custom repository).
    const images = (await getJsonpath(
      node,
      ["pods", "-A"],
      "{range .items[*]}{range .spec.containers[*]}{.image}{'\\n'}{end}{end}",
    )).trim().split("\n");
    for (const i of images) assert(want.includes(i), `${i} is not from the bundle`);
    assert(images.some((i) => i.includes("/coredns:")), images.join(", "));

    await kubelet.stop();
    await traced("reset", [
      "reset",
      "--force",
      "--cri-socket",
      node.criSocket,
      "--cleanup-network",
      "--v=5",
    ]);
    const had = new Set(before);
    const leftovers = (await hostState(node)).filter((x) => !had.has(x));
    await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
    const unexpected = leftovers.filter((l) => !KEPT_DIRS.includes(l) && !CNI_PLUGIN_STATE.test(l));
    assertEquals(unexpected, []);
    timings.totalMs = performance.now() - t0;
    console.log(
      `airgap (logs in ${logs}):\n` +
        Object.entries(timings).map(([k, v]) => `  ${k} ${v.toFixed(0)}`).join("\n"),
    );
  } finally {
    await node.destroy();
    await Deno.remove(bundle).catch(() => {});
  }
});
