// The oracle: the real kubeadm v1.37.2 (test bed build) and kubestrap run preflight on this
// host with the same configuration, PATH and environment; their output must be identical
// (apart from kubeadm's trailing "To see the stack trace" hint).
import { assertEquals } from "../assert.ts";
import {
  isRoot,
  skipReason,
  startContainerd,
  tempDir,
  testbed,
  testbedReady,
} from "../harness/mod.ts";

if (!testbedReady) console.warn(`tests/preflight oracle: skipped: ${skipReason}`);

const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const STACK_HINT = "To see the stack trace of this error execute with --v=5 or higher\n";

interface Scenario {
  /** kubeadm's arguments after the binary. */
  args: string[];
  /** kubestrap: command, inputs, ignore list. */
  command: string;
  inputs: Record<string, unknown>;
  ignore?: string[];
  env?: Record<string, string>;
}

async function exec(cmd: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(cmd, {
    args,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function compare(s: Scenario, dir: string): Promise<{ stdout: string; stderr: string }> {
  const env = {
    PATH: BASE_PATH,
    HOME: Deno.env.get("HOME") ?? "/root",
    KUBEADM_INIT_DRYRUN_DIR: `${dir}/dryrun`,
    ...s.env,
  };
  await Deno.mkdir(`${dir}/dryrun`, { recursive: true });
  const k = await exec(testbed.path("kubeadm"), s.args, env);
  const deno = Deno.execPath();
  const self = new URL("./oracle_cli.ts", import.meta.url).pathname;
  const req = JSON.stringify({ command: s.command, inputs: s.inputs, ignore: s.ignore ?? [] });
  const m = await exec(deno, ["run", "-A", "--quiet", self, req], {
    ...env,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${env.HOME}/.cache/deno`,
  });
  // klog headers carry a time and a pid: compare everything else.
  const strip = (t: string) =>
    t.replace(STACK_HINT, "").replace(
      /^([IWE])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm,
      "$1mmdd hh:mm:ss.uuuuuu pid ",
    );
  assertEquals({ code: m.code, stdout: m.stdout, stderr: strip(m.stderr) }, {
    code: k.code,
    stdout: k.stdout,
    stderr: strip(k.stderr),
  });
  return k;
}

function initConfig(dir: string, criSocket: string, nodeName = "vm"): string {
  const path = `${dir}/kubeadm.yaml`;
  Deno.writeTextFileSync(
    path,
    `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 192.0.2.2
nodeRegistration:
  name: ${nodeName}
  criSocket: ${criSocket}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
networking:
  serviceSubnet: 10.96.0.0/12
  podSubnet: 10.244.0.0/16
etcd:
  local:
    dataDir: ${dir}/etcd-data
`,
  );
  return path;
}

function initInputs(dir: string, criSocket: string, nodeName = "vm") {
  return {
    kubernetesVersion: "v1.37.2",
    nodeName,
    criSocket,
    advertiseAddress: "192.0.2.2",
    bindPort: 6443,
    serviceSubnet: "10.96.0.0/12",
    podSubnet: "10.244.0.0/16",
    etcd: { local: { dataDir: `${dir}/etcd-data` } },
    dryRun: true,
  };
}

const binDirs = () =>
  [testbed.path("kubelet"), testbed.path("crictl")].map((p) => p.replace(/\/[^/]+$/, ""));

Deno.test({
  name: "oracle: init preflight without runtime and kubelet matches kubeadm byte for byte",
  ignore: !testbedReady || !isRoot,
}, async () => {
  await using tmp = await tempDir();
  const sock = `unix://${tmp.path}/no/containerd.sock`;
  await compare({
    args: ["init", "phase", "preflight", "--dry-run", "--config", initConfig(tmp.path, sock)],
    command: "init",
    inputs: initInputs(tmp.path, sock),
  }, tmp.path);
});

Deno.test({
  name: "oracle: kubelet in PATH (SystemVerification report), proxies, ignored errors",
  ignore: !testbedReady || !isRoot,
}, async () => {
  await using tmp = await tempDir();
  const sock = `unix://${tmp.path}/no/containerd.sock`;
  await Deno.mkdir(`${tmp.path}/etcd-data/member`, { recursive: true });
  const k = await compare({
    args: [
      "init",
      "phase",
      "preflight",
      "--dry-run",
      "--config",
      initConfig(tmp.path, sock, "ghost-node-1"),
      "--ignore-preflight-errors=CRI,containerruntimeversion",
    ],
    command: "init",
    inputs: initInputs(tmp.path, sock, "ghost-node-1"),
    ignore: ["CRI", "containerruntimeversion"],
    env: {
      PATH: `${binDirs().join(":")}:${BASE_PATH}`,
      HTTPS_PROXY: "proxy.invalid:3128",
      NO_PROXY: "10.244.0.0/16",
    },
  }, tmp.path);
  // Sanity: the scenario really exercised what it meant to.
  for (const s of ["HTTPProxy]", "HTTPProxyCIDR]", "Hostname]", "DirAvailable-"]) {
    if (!k.stderr.includes(s)) throw new Error(`kubeadm output lacks ${s}:\n${k.stderr}`);
  }
});

Deno.test({
  name: "oracle: 'all' next to another name is rejected with kubeadm's text",
  ignore: !testbedReady || !isRoot,
}, async () => {
  await using tmp = await tempDir();
  const sock = `unix://${tmp.path}/no/containerd.sock`;
  await compare({
    args: [
      "init",
      "phase",
      "preflight",
      "--dry-run",
      "--config",
      initConfig(tmp.path, sock),
      "--ignore-preflight-errors=all,Swap",
    ],
    command: "init",
    inputs: initInputs(tmp.path, sock),
    ignore: ["all", "Swap"],
  }, tmp.path);
});

Deno.test({
  name: "oracle: join (token discovery) preflight matches kubeadm",
  ignore: !testbedReady || !isRoot,
}, async () => {
  await using tmp = await tempDir();
  const sock = `unix://${tmp.path}/no/containerd.sock`;
  await compare({
    args: [
      "join",
      "phase",
      "preflight",
      "192.0.2.2:6443",
      "--token",
      "abcdef.0123456789abcdef",
      "--discovery-token-unsafe-skip-ca-verification",
      "--node-name",
      "vm",
      "--cri-socket",
      sock,
    ],
    command: "join",
    inputs: {
      kubernetesVersion: "",
      nodeName: "vm",
      criSocket: sock,
      discoveryAPIServerEndpoint: "192.0.2.2:6443",
    },
  }, tmp.path);
});

Deno.test({
  name: "oracle: a running containerd (CRI through crictl) matches kubeadm",
  ignore: !testbedReady || !isRoot,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  await using tmp = await tempDir();
  await using ctrd = await startContainerd({ root: `${tmp.path}/containerd` });
  const ignore = ["SystemVerification", "FileContent--proc-sys-net-ipv4-ip_forward"];
  const k = await compare({
    args: [
      "init",
      "phase",
      "preflight",
      "--dry-run",
      "--config",
      initConfig(tmp.path, ctrd.endpoint),
      `--ignore-preflight-errors=${ignore.join(",")}`,
    ],
    command: "init",
    inputs: initInputs(tmp.path, ctrd.endpoint),
    ignore,
    env: { PATH: `${binDirs().join(":")}:${BASE_PATH}` },
  }, tmp.path);
  if (k.stderr.includes("[ERROR CRI]") || k.stderr.includes("[WARNING CRI]")) {
    throw new Error(`containerd not reachable for kubeadm:\n${k.stderr}`);
  }
});

Deno.test({
  name: "oracle: external etcd (old version) and a busy scheduler port match kubeadm",
  ignore: !testbedReady || !isRoot,
}, async () => {
  await using tmp = await tempDir();
  const sock = `unix://${tmp.path}/no/containerd.sock`;
  const srv = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ etcdserver: "3.5.10", etcdcluster: "3.5.0" }),
  );
  // Already taken by something else is just as good: both tools then see it busy.
  let busy: Deno.Listener | undefined;
  try {
    busy = Deno.listen({ hostname: "0.0.0.0", port: 10259 });
  } catch {
    busy = undefined;
  }
  try {
    const ep = `http://127.0.0.1:${srv.addr.port}`;
    const cfg = Deno.readTextFileSync(initConfig(tmp.path, sock)).replace(
      /etcd:\n {2}local:\n {4}dataDir: .*\n/,
      `etcd:\n  external:\n    endpoints:\n    - ${ep}\n`,
    );
    Deno.writeTextFileSync(`${tmp.path}/ext.yaml`, cfg);
    const k = await compare({
      args: ["init", "phase", "preflight", "--dry-run", "--config", `${tmp.path}/ext.yaml`],
      command: "init",
      inputs: { ...initInputs(tmp.path, sock), etcd: { external: { endpoints: [ep] } } },
      env: { PATH: `${binDirs().join(":")}:${BASE_PATH}` },
    }, tmp.path);
    for (const s of ["[ERROR ExternalEtcdVersion]", "[ERROR Port-10259]"]) {
      if (!k.stderr.includes(s)) throw new Error(`kubeadm output lacks ${s}:\n${k.stderr}`);
    }
  } finally {
    busy?.close();
    await srv.shutdown();
  }
});
