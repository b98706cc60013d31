/**
 * containerd (Debian's) as a plain process with a private root, state, socket
 * and config: CRI on, runc with cgroupfs, CNI plugins from /usr/lib/cni, the
 * sandbox image set to the pause image that kubeadm names.
 */

import { registerCleanup, run, spawnProc, WaitAborted, waitFor } from "./process.ts";
import { testbed } from "./testbed.ts";

export interface ContainerdOptions {
  /** Directory for root/, state/, the socket, config and log (created if missing). */
  root: string;
  /** CNI config dir (default <root>/cni/net.d, empty). */
  cniConfDir?: string;
  /** Sandbox (pause) image (default: the pause image kubeadm names). */
  sandboxImage?: string;
  /** Snapshotter (default "overlayfs"). */
  snapshotter?: string;
  /** runc binary (default: Debian's runc). */
  runc?: string;
  /**
   * Wraps containerd's command line (and ctr's and crictl's), e.g. `host.wrap`
   * to run it inside a namespace host.
   */
  wrap?: (argv: string[]) => string[];
}

export interface ContainerdHandle extends AsyncDisposable {
  root: string;
  /** Unix socket path. */
  socket: string;
  /** "unix://<socket>", for crictl / kubelet --container-runtime-endpoint. */
  endpoint: string;
  configFile: string;
  logFile: string;
  /** Run `ctr -a <socket> -n <namespace> ...args` (namespace default "k8s.io"). */
  ctr(args: string[], opts?: { namespace?: string; allowFailure?: boolean }): Promise<string>;
  /** Run `crictl` against this containerd's CRI. */
  crictl(args: string[], opts?: { allowFailure?: boolean }): Promise<string>;
  /** Import OCI archives into the k8s.io namespace (default: every test bed image). */
  importImages(archives?: string[]): Promise<void>;
  /** Remove every pod, container and task, then stop containerd and unmount leftovers. */
  stop(): Promise<void>;
}

function configToml(o: {
  root: string;
  socket: string;
  cniConfDir: string;
  sandboxImage: string;
  snapshotter: string;
  runc: string;
}): string {
  return `version = 2
root = "${o.root}/root"
state = "${o.root}/state"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${o.socket}"

[ttrpc]
  address = "${o.socket}.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "${o.root}/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${o.sandboxImage}"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false
    # This machine's bounding set lacks CAP_SYS_RESOURCE: negative oom_score_adj
    # values (the sandbox's -998) cannot be set, so clamp them to containerd's own.
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "${testbed.cniBinDir}"
      conf_dir = "${o.cniConfDir}"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "${o.snapshotter}"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "${o.runc}"
          Root = "${o.root}/runc"
          SystemdCgroup = false
`;
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const text = Deno.readTextFileSync("/proc/self/mountinfo");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    if (f.length < 5) continue;
    const mp = f[4].replace(/\\040/g, " ");
    if (mp === dir || mp.startsWith(dir + "/")) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

/** Start containerd; resolves when its socket answers. */
export async function startContainerd(opts: ContainerdOptions): Promise<ContainerdHandle> {
  const root = opts.root;
  await Deno.mkdir(root, { recursive: true });
  const socket = `${root}/containerd.sock`;
  const cniConfDir = opts.cniConfDir ?? `${root}/cni/net.d`;
  await Deno.mkdir(cniConfDir, { recursive: true });
  const configFile = `${root}/config.toml`;
  await Deno.writeTextFile(
    configFile,
    configToml({
      root,
      socket,
      cniConfDir,
      sandboxImage: opts.sandboxImage ?? testbed.pauseImage,
      snapshotter: opts.snapshotter ?? "overlayfs",
      runc: opts.runc ?? testbed.path("runc"),
    }),
  );
  const crictlConfig = `${root}/crictl.yaml`;
  await Deno.writeTextFile(
    crictlConfig,
    `runtime-endpoint: unix://${socket}\nimage-endpoint: unix://${socket}\ntimeout: 30\n`,
  );
  const logFile = `${root}/containerd.log`;
  const argv = [testbed.path("containerd"), "--config", configFile];
  const full = opts.wrap ? opts.wrap(argv) : argv;
  const proc = spawnProc("containerd", full[0], full.slice(1), {
    logFile,
    // The shim and runc are found on PATH.
    env: { PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
  });

  // Clients run where containerd runs (crictl exec/attach reach its stream
  // server on 127.0.0.1 of containerd's network namespace).
  const client = async (argv: string[], allowFailure?: boolean) => {
    const full = opts.wrap ? opts.wrap(argv) : argv;
    return (await run(full[0], full.slice(1), { allowFailure })).stdout;
  };
  const ctr = (args: string[], o: { namespace?: string; allowFailure?: boolean } = {}) =>
    client([
      testbed.path("ctr"),
      "--address",
      socket,
      "--namespace",
      o.namespace ?? "k8s.io",
      ...args,
    ], o.allowFailure);
  const crictl = (args: string[], o: { allowFailure?: boolean } = {}) =>
    client([testbed.path("crictl"), "--config", crictlConfig, ...args], o.allowFailure);

  let stopped = false;
  let unregister: () => void = () => {};
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    const errors: string[] = [];
    if (proc.running()) {
      // CRI pods first (they own sandboxes, netns and shims) ...
      const pods = (await crictl(["pods", "-q"], { allowFailure: true })).split("\n").filter(
        Boolean,
      );
      for (const p of pods) {
        await crictl(["stopp", p], { allowFailure: true });
        await crictl(["rmp", "-f", p], { allowFailure: true });
      }
      // ... then whatever else runs in any namespace (ctr run & co).
      const nss = (await ctr(["namespaces", "ls", "-q"], { allowFailure: true })).split("\n")
        .filter(Boolean);
      for (const ns of nss) {
        const tasks = (await ctr(["tasks", "ls", "-q"], { namespace: ns, allowFailure: true }))
          .split("\n").filter(Boolean);
        for (const t of tasks) {
          await ctr(["tasks", "kill", "-a", "-s", "SIGKILL", t], {
            namespace: ns,
            allowFailure: true,
          });
          await ctr(["tasks", "delete", "-f", t], { namespace: ns, allowFailure: true });
        }
        const containers = (await ctr(["containers", "ls", "-q"], {
          namespace: ns,
          allowFailure: true,
        })).split("\n").filter(Boolean);
        for (const c of containers) {
          await ctr(["containers", "delete", c], { namespace: ns, allowFailure: true });
        }
      }
    }
    await proc.stop(10_000);
    // Shims run in their own process groups: kill any that still serve our socket.
    for (const pid of shimPids(socket)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    for (const mp of mountsUnder(root)) {
      const r = await run("umount", ["-l", mp], { allowFailure: true });
      if (r.code !== 0) errors.push(`umount ${mp}: ${r.stderr}`);
    }
    if (errors.length) throw new Error(errors.join("\n"));
  };
  unregister = registerCleanup(`containerd ${socket}`, stop);

  try {
    await waitFor("containerd to serve its socket", async () => {
      if (!proc.running()) throw new WaitAborted("containerd exited");
      const r = await run(testbed.path("ctr"), ["--address", socket, "version"], {
        allowFailure: true,
      });
      return r.code === 0;
    }, { timeoutMs: 30_000, describe: () => proc.log() });
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    root,
    socket,
    endpoint: `unix://${socket}`,
    configFile,
    logFile,
    ctr,
    crictl,
    importImages: async (archives?: string[]) => {
      for (const a of archives ?? testbed.images.map((i) => i.archive)) {
        await ctr(["images", "import", a]);
      }
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** PIDs of containerd-shim processes started for the containerd at `socket`. */
function shimPids(socket: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (cmd[0]?.includes("containerd-shim") && cmd.includes(socket)) out.push(Number(e.name));
    } catch {
      // exited
    }
  }
  return out;
}
