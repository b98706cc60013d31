/**
 * `upgrade apply --dry-run` and `upgrade node --dry-run` without a cluster (kinder's dry-run
 * workflow runs them on hosts where no cluster was ever made): as kubeadm v1.37.2, when the
 * kubeconfig (admin.conf, or kubelet.conf on a worker) does not exist the dry-run client prints
 * `[dryrun] Dryrunning without a real client` and answers from kubeadm's fake cluster objects
 * (the kubeadm-config, kubelet-config, kube-proxy and coredns ConfigMaps, a Node named after the
 * host, this node's control-plane Pods, the CoreDNS Deployment; lib/dryrun/reactors.ts).
 *
 * Each scenario runs the real kubeadm and kubestrap with `--rootfs` on an empty directory each
 * (kubeadm chroots there) and compares: the exit code, stdout byte for byte, stderr line for
 * line, and every file each left under its root (names and contents). Normalised: klog's time
 * and PID, the random suffix of `/etc/kubernetes/tmp/kubeadm-upgrade-*-dryrun<N>` directories
 * and the kubelet config backup's timestamp. Both run on this host (same host name and
 * address). Left out on purpose: kubeadm's klog warning `cannot determine if systemd-resolved is
 * active: no supported init system detected, ...` (kubestrap does not print it, in any
 * command).
 */
import { assert, assertEquals } from "../assert.ts";
import { kubeadmPath } from "../commands/helpers.ts";

const kubeadm = kubeadmPath() ?? "";
const root = Deno.uid?.() === 0;
const present = kubeadm !== "";
const main = new URL("../../main.ts", import.meta.url).pathname;

/** The dry-run directory KUBEADM_UPGRADE_DRYRUN_DIR names (inside each tool's root). */
const ENV_DIR = "/tmp/upgrade-dryrun";

function normalize(s: string): string {
  return s
    .replace(/^([IWE])\d{4} [\d:.]+\s+\d+ /gm, "$1 ")
    .replace(/(kubeadm-upgrade-(?:[a-z]+-)?dryrun)\d+/g, "$1<N>")
    .replace(/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d/g, "<time>");
}

/** kubeadm's klog lines kubestrap does not print (see the file comment). */
const KUBEADM_ONLY =
  /^W kubelet_unix\.go:\d+\] cannot determine if systemd-resolved is active: .*\n/gm;

/** Every path under `dir` (relative, sorted), with the content of each regular file. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(`${dir}${rel}`)) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory) {
        out.push(`${p}/`);
        await walk(p);
      } else {
        out.push(`${p}:\n${await Deno.readTextFile(`${dir}${p}`)}`);
      }
    }
  };
  await walk("");
  return out.map(normalize).sort();
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  files: string[];
}

async function run(
  cmd: string,
  pre: string[],
  args: string[],
  opts: { envDir: boolean; setup?: (root: string) => Promise<void> },
): Promise<Run> {
  const rootfs = await Deno.makeTempDir({ prefix: "kubestrap-upgrade-dryrun-" });
  try {
    await Deno.mkdir(`${rootfs}/tmp`);
    await opts.setup?.(rootfs);
    const out = await new Deno.Command(cmd, {
      args: [...pre, ...args, "--rootfs", rootfs],
      env: opts.envDir ? { KUBEADM_UPGRADE_DRYRUN_DIR: ENV_DIR } : {},
      stdout: "piped",
      stderr: "piped",
    }).output();
    const d = new TextDecoder();
    return {
      code: out.code,
      stdout: normalize(d.decode(out.stdout)),
      stderr: normalize(d.decode(out.stderr)).replace(KUBEADM_ONLY, ""),
      files: await tree(rootfs),
    };
  } finally {
    await Deno.remove(rootfs, { recursive: true });
  }
}

async function both(
  args: string[],
  opts: { envDir: boolean; setup?: (root: string) => Promise<void> },
): Promise<{ theirs: Run; ours: Run }> {
  const theirs = await run(kubeadm, [], args, opts);
  const ours = await run(Deno.execPath(), ["run", "-A", main], args, opts);
  return { theirs, ours };
}

function assertSame(ours: Run, theirs: Run): void {
  assertEquals(ours.code, theirs.code, ours.stderr);
  assertEquals(ours.stdout.split("\n"), theirs.stdout.split("\n"));
  assertEquals(ours.stderr.split("\n"), theirs.stderr.split("\n"));
  assertEquals(ours.files, theirs.files);
}

/** A control-plane node: its kube-apiserver manifest exists (admin.conf does not). */
async function controlPlaneNode(rootfs: string): Promise<void> {
  await Deno.mkdir(`${rootfs}/etc/kubernetes/manifests`, { recursive: true });
  await Deno.writeTextFile(
    `${rootfs}/etc/kubernetes/manifests/kube-apiserver.yaml`,
    "apiVersion: v1\nkind: Pod\n",
  );
}

const ignore = !present || !root;
const IGNORE_ALL = "--ignore-preflight-errors=all";

Deno.test({
  name:
    "upgrade apply --dry-run without a cluster: kubeadm's fake cluster, the same output and files (KUBEADM_UPGRADE_DRYRUN_DIR)",
  ignore,
  fn: async () => {
    const { theirs, ours } = await both(["upgrade", "apply", "v1.37.2", "--dry-run", IGNORE_ALL], {
      envDir: true,
    });
    assertEquals(theirs.code, 0, theirs.stderr);
    assertSame(ours, theirs);
    assert(ours.stdout.startsWith("[dryrun] Dryrunning without a real client\n"), ours.stdout);
    for (
      const l of [
        '[dryrun] Would write file "/etc/kubernetes/manifests/kube-apiserver.yaml" with content:',
        "[upgrade/successful] Finished dryrunning successfully!\n",
      ]
    ) assert(ours.stdout.includes(l), l);
    // Nothing outside the dry-run directory.
    assert(
      ours.files.every((f) => f === "/tmp/" || f.startsWith(`${ENV_DIR}/`)),
      ours.files.join("\n"),
    );
  },
});

Deno.test({
  name:
    "upgrade apply --dry-run without a cluster: dry-run directories under /etc/kubernetes/tmp as kubeadm's",
  ignore,
  fn: async () => {
    const { theirs, ours } = await both(["upgrade", "apply", "v1.37.2", "--dry-run", IGNORE_ALL], {
      envDir: false,
    });
    assertEquals(theirs.code, 0, theirs.stderr);
    assertSame(ours, theirs);
  },
});

Deno.test({
  name:
    "upgrade apply --dry-run without a cluster: the host's preflight errors fail it as kubeadm's",
  ignore,
  fn: async () => {
    const { theirs, ours } = await both(["upgrade", "apply", "v1.37.2", "--dry-run"], {
      envDir: false,
    });
    assertEquals(theirs.code, 1, theirs.stderr);
    assertSame(ours, theirs);
  },
});

Deno.test({
  name: "upgrade node --dry-run without a cluster on a worker (no kubelet.conf): as kubeadm",
  ignore,
  fn: async () => {
    const { theirs, ours } = await both(["upgrade", "node", "--dry-run", IGNORE_ALL], {
      envDir: true,
    });
    assertEquals(theirs.code, 0, theirs.stderr);
    assertSame(ours, theirs);
    assert(
      ours.stdout.includes("[upgrade/control-plane] Skipping phase. Not a control plane node."),
    );
  },
});

Deno.test({
  name:
    "upgrade node --dry-run without a cluster on a control-plane node (no admin.conf): as kubeadm",
  ignore,
  fn: async () => {
    const { theirs, ours } = await both(["upgrade", "node", "--dry-run", IGNORE_ALL], {
      envDir: false,
      setup: controlPlaneNode,
    });
    assertEquals(theirs.code, 0, theirs.stderr);
    assertSame(ours, theirs);
    assert(
      ours.stdout.includes(
        '[dryrun] Would write file "/etc/kubernetes/manifests/kube-scheduler.yaml" with content:',
      ),
    );
  },
});

/**
 * kinder's dryrun-tasks.yaml (`dryrun-without-cluster`) runs these two lines on a node where no
 * cluster was made (ContainerRuntimeVersion added: this test host runs no container runtime).
 * At `--v=6` kubeadm's stderr carries its klog info lines and kubestrap's its phase timings:
 * stdout, the exit code, the files and stderr's warnings are compared.
 */
for (
  const [what, args] of [
    ["upgrade apply -f", ["upgrade", "apply", "-f", "v1.37.2"]],
    ["upgrade node", ["upgrade", "node"]],
  ] as const
) {
  Deno.test({
    name: `kinder's dry-run without a cluster: ${what} ... --dry-run --v=6 as kubeadm`,
    ignore,
    fn: async () => {
      const kinder = [
        ...args,
        "--ignore-preflight-errors=Swap,SystemVerification,FileContent--proc-sys-net-bridge-bridge-nf-call-iptables,ContainerRuntimeVersion",
        ...(what === "upgrade node"
          ? []
          : ["--allow-release-candidate-upgrades=true", "--allow-experimental-upgrades=true"]),
        "--dry-run",
        "--v=6",
      ];
      const { theirs, ours } = await both(kinder, { envDir: false });
      assertEquals(theirs.code, 0, theirs.stderr);
      const warnings = (s: string) =>
        s.split("\n").filter((l) => /^W |^\t\[WARNING /.test(l)).join("\n");
      assertSame(
        { ...ours, stderr: warnings(ours.stderr) },
        { ...theirs, stderr: warnings(theirs.stderr) },
      );
    },
  });
}
