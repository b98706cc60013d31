/**
 * `upgrade diff` against the real kubeadm v1.37.2, both run against the same real etcd +
 * kube-apiserver of the test bed, in a namespace host whose /etc/kubernetes holds the manifests
 * kubestrap's `init phase control-plane all` wrote. The cluster is seeded as kubeadm finds a
 * control plane: the kubeadm-config ConfigMap uploaded by kubeadm itself, the Node, the
 * kube-apiserver Pod with its advertise-address annotation, the kubelet's instance config.
 *
 * Each scenario (versions from the cluster, the configuration and the argument; context sizes;
 * UpgradeConfiguration timeouts; proxy variables; an external CA; edited, foreign-byte and
 * missing manifests; kubeadm's errors; an authorization-mode warning) runs both and compares exit
 * code, stderr (klog timestamps and pids aside) and stdout byte for byte: the header lines, then
 * each component's diff on its own, since kubeadm prints the components in Go's random map order.
 */
import * as path from "@std/path";
import { assert, assertEquals } from "../assert.ts";
import { type Cluster, SKIP, startCluster } from "../init_api/common.ts";
import { REPO } from "../integration/common.ts";
import { testbed } from "../harness/mod.ts";

if (SKIP) console.log(`upgrade diff_kubeadm_test: ignored: ${SKIP}`);

const ADDR = "192.168.97.10";
const NODE = "updiff-cp";
const MANIFESTS = "/etc/kubernetes/manifests";
const COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];

interface Raw {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

/** Runs `argv` inside the host (its mount and network namespaces), stdout kept as bytes. */
async function exec(c: Cluster, argv: string[], env: Record<string, string> = {}): Promise<Raw> {
  const w = c.host.wrap(["sh", "-c", `cd "${REPO}" && exec "$@"`, "sh", ...argv]);
  const o = await new Deno.Command(w[0], {
    args: w.slice(1),
    env: { HOME: "/nonexistent", KUBECONFIG: "", NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, stdout: o.stdout, stderr: new TextDecoder().decode(o.stderr) };
}

/** Latin-1 view of bytes: one character per byte, so any bytes compare exactly. */
function bin(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

interface Outcome {
  code: number;
  /** stdout before the first diff ("[upgrade/diff] ..." lines). */
  head: string;
  /** Each component's diff by its manifest path. */
  diffs: Record<string, string>;
  stderr: string;
}

const DIFF_START = /^--- (\S+)\n\+\+\+ new manifest\n/gm;

function outcome(r: Raw): Outcome {
  const out = bin(r.stdout);
  const starts = [...out.matchAll(DIFF_START)];
  const diffs: Record<string, string> = {};
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].index : out.length;
    diffs[m[1]] = out.slice(m.index, end);
  });
  return {
    code: r.code,
    head: out.slice(0, starts[0]?.index ?? out.length),
    diffs: Object.fromEntries(Object.entries(diffs).sort(([a], [b]) => (a < b ? -1 : 1))),
    // klog's header: date, time and pid differ; level, file:line and message must not.
    stderr: r.stderr.replace(/^([IWE])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, "$1 "),
  };
}

async function both(
  c: Cluster,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ kubeadm: Outcome; kubestrap: Outcome }> {
  const [a, s] = await Promise.all([
    exec(c, [testbed.path("kubeadm"), "upgrade", "diff", ...args], env),
    exec(c, [Deno.execPath(), "run", "-A", "--quiet", "main.ts", "upgrade", "diff", ...args], env),
  ]);
  return { kubeadm: outcome(a), kubestrap: outcome(s) };
}

async function kubectl(c: Cluster, args: string[], stdin?: string): Promise<void> {
  const r = await c.host.exec(
    [testbed.path("kubectl"), "--kubeconfig", "/etc/kubernetes/super-admin.conf", ...args],
    { allowFailure: true, stdin },
  );
  if (r.code !== 0 && !/AlreadyExists|already exists/.test(r.stderr)) {
    throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  }
}

/** What kubeadm's upgrade finds on a control-plane node, beyond the running API server. */
async function seed(c: Cluster, config: string): Promise<void> {
  const up = await exec(c, [
    testbed.path("kubeadm"),
    "init",
    "phase",
    "upload-config",
    "kubeadm",
    "--config",
    config,
  ]);
  assertEquals(up.code, 0, up.stderr);
  await c.registerNode();
  await kubectl(c, ["-n", "kube-system", "create", "serviceaccount", "default"]);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `kube-apiserver-${NODE}`,
      namespace: "kube-system",
      labels: { component: "kube-apiserver", tier: "control-plane" },
      annotations: {
        "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": `${ADDR}:6443`,
      },
    },
    spec: {
      nodeName: NODE,
      automountServiceAccountToken: false,
      containers: [{ name: "kube-apiserver", image: "registry.k8s.io/kube-apiserver:v1.37.2" }],
    },
  };
  await kubectl(c, ["create", "-f", "-"], JSON.stringify(pod));
  await Deno.writeTextFile(
    c.host.path("/var/lib/kubelet/instance-config.yaml"),
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n" +
      "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n",
  );
}

Deno.test({
  name: "upgrade diff: the same output as kubeadm v1.37.2 against a real API server",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using c = await startCluster("updiff", ADDR, { node: NODE, start: false });
    c.start("etcd");
    c.start("kube-apiserver");
    await c.waitReady();
    await seed(c, c.config);

    const manifest = (comp: string) => c.host.path(`${MANIFESTS}/${comp}.yaml`);
    const originals: Record<string, Uint8Array> = {};
    for (const comp of COMPONENTS) originals[comp] = await Deno.readFile(manifest(comp));
    const restore = async () => {
      for (const comp of COMPONENTS) {
        await Deno.remove(manifest(comp), { recursive: true }).catch(() => {});
        await Deno.writeFile(manifest(comp), originals[comp], { mode: 0o600 });
      }
    };
    const edit = async (comp: string, f: (s: string) => string) => {
      const text = new TextDecoder().decode(originals[comp]);
      const next = f(text);
      assert(next !== text, `the edit of ${comp} changed nothing`);
      await Deno.writeTextFile(manifest(comp), next);
    };

    const upgradeConfig = path.join(c.dir, "upgrade.yaml");
    await Deno.writeTextFile(
      upgradeConfig,
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: UpgradeConfiguration
diff:
  kubernetesVersion: v1.37.9
  contextLines: 2
timeouts:
  controlPlaneComponentHealthCheck: 1m30s
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
`,
    );
    const rootfs = path.join(c.dir, "rootfs");
    const badConfig = path.join(c.dir, "bad.yaml");
    await Deno.writeTextFile(
      badConfig,
      "apiVersion: kubeadm.k8s.io/v1beta4\nkind: UpgradeConfiguration\ndiff:\n  contextLines: x\n",
    );

    interface Scenario {
      name: string;
      args: string[];
      env?: Record<string, string>;
      before?: () => Promise<void>;
      /** The exit code both must have (default 0). */
      code?: number;
      /** At least this many components differ (default 3 for a success). */
      diffs?: number;
      /** Compare the exit codes only. */
      exitOnly?: boolean;
    }
    const scenarios: Scenario[] = [
      // The cluster's v1.37.2, the default UpgradeConfiguration's 4m0s startup probes against
      // the 2m0s the manifests were made with; no context.
      { name: "the cluster's version", args: [] },
      { name: "a version argument", args: ["v1.38.0"] },
      { name: "context 3", args: ["v1.38.0", "-c", "3"] },
      { name: "context 1", args: ["1.38.0-rc.1", "--context-lines=1"] },
      { name: "a negative context (3)", args: ["v1.38.0", "-c", "-1"] },
      { name: "context 200 (whole files)", args: ["v1.38.0", "-c", "200"] },
      { name: "two arguments (the cluster's version)", args: ["v1.38.0", "v1.39.0", "-c", "2"] },
      { name: "an UpgradeConfiguration", args: ["--config", upgradeConfig] },
      {
        name: "an UpgradeConfiguration and an argument",
        args: ["--config", upgradeConfig, "v1.36.1"],
      },
      {
        name: "proxy variables",
        args: ["v1.38.0", "-c", "2"],
        env: {
          HTTPS_PROXY: "http://proxy.invalid:3128",
          no_proxy: `${ADDR},localhost`,
          NO_PROXY: `${ADDR},localhost`,
          Foo_Proxy: "x",
          EMPTY_PROXY: "",
        },
      },
      {
        name: "edited manifests",
        args: ["-c", "2"],
        before: async () => {
          await edit("kube-apiserver", (s) =>
            s.replace(/^ {4}- --allow-privileged=true\n/m, "")
              .replace("    - --secure-port=6443\n", "    - --secure-port=6443\n    - --v=4\n")
              .replace(/v1\.37\.2/, "v1.36.3"));
          await edit(
            "kube-controller-manager",
            (s) => s.replace(/--controllers=\S+/, "--controllers=*") + "# a trailing comment\n",
          );
          await edit("kube-scheduler", (s) => s.slice(0, s.indexOf("  volumes:")));
        },
      },
      {
        name: "foreign bytes and CRLF in a manifest",
        args: ["-c", "1"],
        before: async () => {
          await restore();
          const text = new TextDecoder().decode(originals["kube-scheduler"]);
          const bytes = new TextEncoder().encode(
            text.replace("  name: kube-scheduler\n", "  name: kube-scheduler\r\n# caf\u00ff\n"),
          ).map((b) => b); // copy
          // U+00FF's UTF-8 (c3 bf) becomes a lone 0xff byte: no UTF-8 text any more.
          const i = bytes.findIndex((b, k) => b === 0xc3 && bytes[k + 1] === 0xbf);
          const raw = new Uint8Array([...bytes.slice(0, i), 0xff, ...bytes.slice(i + 2)]);
          await Deno.writeFile(manifest("kube-scheduler"), raw);
        },
      },
      {
        name: "an external CA (no ca.key)",
        args: ["-c", "0"],
        before: async () => {
          await restore();
          await Deno.rename(
            c.host.path("/etc/kubernetes/pki/ca.key"),
            c.host.path("/etc/kubernetes/pki/ca.key.away"),
          );
        },
      },
      {
        name: "a missing manifest",
        args: [],
        code: 1,
        before: async () => {
          await Deno.rename(
            c.host.path("/etc/kubernetes/pki/ca.key.away"),
            c.host.path("/etc/kubernetes/pki/ca.key"),
          );
          await Deno.remove(manifest("kube-controller-manager"));
        },
      },
      {
        name: "a manifest that is a directory",
        args: [],
        code: 1,
        before: async () => {
          await Deno.mkdir(manifest("kube-controller-manager"));
        },
      },
      {
        name: "no such kubeconfig",
        args: ["--kubeconfig", "/nonexistent.conf"],
        code: 1,
        before: restore,
      },
      {
        // kubeadm chroots there; kubestrap roots every path of the node there.
        name: "--rootfs",
        args: ["--rootfs", rootfs, "v1.38.0", "-c", "1"],
        before: async () => {
          await Deno.mkdir(path.join(rootfs, "etc"), { recursive: true });
          await Deno.mkdir(path.join(rootfs, "var/lib/kubelet"), { recursive: true });
          const cp = await c.host.exec(["cp", "-a", "/etc/kubernetes", `${rootfs}/etc/`], {
            allowFailure: true,
          });
          assertEquals(cp.code, 0, cp.stderr);
          await Deno.copyFile(
            c.host.path("/var/lib/kubelet/instance-config.yaml"),
            path.join(rootfs, "var/lib/kubelet/instance-config.yaml"),
          );
          // Only the copy under --rootfs says v1.37.1.
          const copy = path.join(rootfs, `${MANIFESTS}/kube-scheduler.yaml`);
          await Deno.writeTextFile(
            copy,
            (await Deno.readTextFile(copy)).replace("v1.37.2", "v1.37.1"),
          );
        },
      },
      { name: "not a version", args: ["v1.x"], code: 1 },
      { name: "an empty version", args: [""], code: 1 },
      {
        name: "--config with --context-lines",
        args: ["--config", upgradeConfig, "-c", "1"],
        code: 1,
      },
      // kubestrap's configuration errors carry file:line:column (README, on purpose).
      {
        name: "an invalid UpgradeConfiguration",
        args: ["--config", badConfig],
        code: 1,
        exitOnly: true,
      },
    ];

    const failures: string[] = [];
    const check = async (s: Scenario) => {
      await s.before?.();
      const { kubeadm, kubestrap } = await both(c, s.args, s.env);
      const want = s.code ?? 0;
      const a = JSON.stringify(kubeadm, null, 1);
      const b = JSON.stringify(kubestrap, null, 1);
      if (Deno.env.get("DIFF_TEST_DUMP")) console.log(`--- ${s.name}\n${b}`);
      if (s.exitOnly) {
        if (kubeadm.code !== want || kubestrap.code !== want) {
          failures.push(`${s.name}:\n${a}\n${b}`);
        }
        return;
      }
      if (a !== b) {
        failures.push(`--- ${s.name} (${s.args.join(" ")})\nkubeadm:\n${a}\nkubestrap:\n${b}`);
      }
      if (kubeadm.code !== want) failures.push(`${s.name}: kubeadm exited ${kubeadm.code}\n${a}`);
      const n = Object.keys(kubeadm.diffs).length;
      if (n < (s.diffs ?? (want === 0 ? 3 : 0))) failures.push(`${s.name}: only ${n} diffs\n${a}`);
    };
    for (const s of scenarios) await check(s);

    // kube-apiserver's authorization-mode warning, from a ClusterConfiguration that sets it.
    const authz = path.join(c.dir, "authz.yaml");
    await Deno.writeTextFile(
      authz,
      (await Deno.readTextFile(c.config)) +
        "apiServer:\n  extraArgs:\n  - name: authorization-mode\n    value: RBAC,Foo\n",
    );
    await seed(c, authz);
    await check({ name: "authorization-mode warnings", args: ["v1.38.0", "-c", "1"] });

    console.log(`${scenarios.length + 1} scenarios, ${failures.length} differ`);
    assertEquals(failures, []);
  },
});
