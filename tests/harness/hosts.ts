/**
 * Namespace "hosts": each one is a network namespace (`ip netns`) plus a
 * persistent mount namespace in which private directories (by default
 * /etc/kubernetes, /var/lib/kubelet, /var/lib/etcd, /var/log/pods,
 * /var/log/containers) are bind-mounted from the host's own root directory,
 * plus a cgroup of its own (`cgroupRoot`). Hosts of one network are joined by veth pairs to
 * a bridge that lives in a separate "switch" network namespace, so nothing is
 * added to the machine's own network namespace.
 *
 * Names carry the test process's pid and a per-module token
 * (`ks<pid>-<token>-<name>`), so parallel test processes and the parallel
 * modules of one `deno test --parallel` process never collide; leftovers of
 * dead processes are swept on the next createHost().
 */

import { type Proc, registerCleanup, run, spawnProc } from "./process.ts";

const BASE = "/run/kubestrap-testbed";
const DEFAULT_PRIVATE_DIRS = [
  "/etc/kubernetes",
  "/var/lib/kubelet",
  "/var/lib/etcd",
  "/var/log/pods",
  "/var/log/containers",
];

export interface HostOptions {
  /** Address with prefix on the host's eth0, e.g. "10.244.0.1/24". */
  addr: string;
  /** Hosts on the same network share a bridge (default "default"). */
  network?: string;
  /** Directories made private to the host (bind-mounted from `<root><dir>`). */
  privateDirs?: string[];
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Host extends AsyncDisposable {
  name: string;
  /** `ip netns` name. */
  netns: string;
  /** The address without prefix, e.g. "10.244.0.1". */
  ip: string;
  /** Host-side directory holding the private dirs (`<root>/etc/kubernetes` ...). */
  root: string;
  /** The file that pins the mount namespace. */
  mountNs: string;
  /**
   * A cgroup made for this host in every cgroup v1 hierarchy (e.g. kubelet's
   * `cgroupRoot`, so that kubelets of several hosts never manage each other's
   * pods). Everything under it is removed by destroy().
   */
  cgroupRoot: string;
  /** The outside path of a path seen inside the host (for private dirs). */
  path(inside: string): string;
  /** Argument vector prefix that runs a command inside the host. */
  wrap(argv: string[]): string[];
  /** Run a command inside the host (a string goes through `sh -c`). */
  exec(
    cmd: string | string[],
    opts?: { allowFailure?: boolean; env?: Record<string, string>; stdin?: string },
  ): Promise<ExecResult>;
  /** Start a long-running process inside the host (stopped by destroy()). */
  spawn(what: string, argv: string[], opts?: { env?: Record<string, string> }): Proc;
  /** Kill everything in the host and remove its namespaces, mounts and files. */
  destroy(): Promise<void>;
}

interface Network {
  switchNs: string;
  hosts: Set<string>;
  nextPort: number;
}

/** Unique per module instance: `deno test --parallel` runs modules side by side in one process. */
const INSTANCE = `${Deno.pid}-${crypto.randomUUID().slice(0, 6)}`;

const networks = new Map<string, Network>();
let baseReady = false;
let hostCount = 0;
let swept = false;

function procBase(): string {
  return `${BASE}/${INSTANCE}`;
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

async function ip(args: string[], allowFailure = false): Promise<ExecResult> {
  return await run("ip", args, { allowFailure });
}

async function killNetnsPids(ns: string): Promise<void> {
  const r = await ip(["netns", "pids", ns], true);
  for (const p of r.stdout.split("\n").filter(Boolean)) {
    try {
      Deno.kill(Number(p), "SIGKILL");
    } catch {
      // gone
    }
  }
}

/** Remove netns and mount-ns files left by test processes that died. */
export async function sweepStale(): Promise<string[]> {
  const removed: string[] = [];
  const r = await ip(["netns", "list"], true);
  for (const line of r.stdout.split("\n")) {
    const ns = line.split(" ")[0];
    const m = /^ks(\d+)-/.exec(ns);
    if (!m || pidAlive(Number(m[1]))) continue;
    await killNetnsPids(ns);
    await ip(["netns", "del", ns], true);
    removed.push(`netns ${ns}`);
  }
  const cgNames = new Set<string>();
  for (const h of cgroupHierarchies()) {
    try {
      for (const e of Deno.readDirSync(`${h}/kubestrap-testbed`)) {
        if (e.isDirectory) cgNames.add(e.name);
      }
    } catch {
      // none
    }
  }
  for (const n of cgNames) {
    const m = /^ks(\d+)-/.exec(n);
    if (!m || pidAlive(Number(m[1]))) continue;
    await removeCgroups(`/kubestrap-testbed/${n}`);
    removed.push(`cgroup /kubestrap-testbed/${n}`);
  }
  let dirs: Deno.DirEntry[] = [];
  try {
    dirs = [...Deno.readDirSync(BASE)];
  } catch {
    // no base yet
  }
  for (const d of dirs) {
    const m = /^(\d+)-/.exec(d.name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = `${BASE}/${d.name}`;
    for (const f of [...Deno.readDirSync(dir)]) {
      await run("umount", ["-l", `${dir}/${f.name}`], { allowFailure: true });
    }
    await run("umount", ["-l", dir], { allowFailure: true });
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    removed.push(`dir ${dir}`);
  }
  return removed;
}

async function ensureBase(): Promise<void> {
  if (baseReady) return;
  const dir = procBase();
  await Deno.mkdir(dir, { recursive: true });
  // A private bind mount: mount-namespace files may be pinned in it.
  await run("mount", ["--bind", dir, dir]);
  await run("mount", ["--make-private", dir]);
  baseReady = true;
}

async function releaseBase(): Promise<void> {
  if (!baseReady || hostCount > 0) return;
  const dir = procBase();
  await run("umount", [dir], { allowFailure: true });
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  baseReady = false;
}

async function ensureNetwork(name: string): Promise<Network> {
  let net = networks.get(name);
  if (net) return net;
  const switchNs = `ks${INSTANCE}-sw-${name}`;
  await ip(["netns", "add", switchNs]);
  net = { switchNs, hosts: new Set(), nextPort: 0 };
  networks.set(name, net);
  try {
    await ip(["-n", switchNs, "link", "set", "lo", "up"]);
    await ip(["-n", switchNs, "link", "add", "br0", "type", "bridge"]);
    await ip(["-n", switchNs, "link", "set", "br0", "up"]);
  } catch (e) {
    networks.delete(name);
    await ip(["netns", "del", switchNs], true);
    throw e;
  }
  return net;
}

async function releaseNetwork(name: string): Promise<void> {
  const net = networks.get(name);
  if (!net || net.hosts.size > 0) return;
  networks.delete(name);
  await killNetnsPids(net.switchNs);
  await ip(["netns", "del", net.switchNs], true);
}

const CGROUP_FS = "/sys/fs/cgroup";

/** The cgroup v1 hierarchies (real directories, not the cpu,cpuacct-style aliases). */
function cgroupHierarchies(): string[] {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(CGROUP_FS)) {
      if (e.isDirectory && !e.isSymlink) out.push(`${CGROUP_FS}/${e.name}`);
    }
  } catch {
    // no cgroup fs
  }
  return out.sort();
}

async function makeCgroups(rel: string): Promise<void> {
  for (const h of cgroupHierarchies()) {
    await Deno.mkdir(`${h}${rel}`, { recursive: true }).catch(() => {});
  }
}

/** Remove the cgroup `rel` and everything below it in every hierarchy, killing what is left inside. */
async function removeCgroups(rel: string): Promise<string[]> {
  const left: string[] = [];
  const below = (top: string): string[] => {
    const dirs: string[] = [];
    const walk = (d: string) => {
      let entries: Deno.DirEntry[];
      try {
        entries = [...Deno.readDirSync(d)];
      } catch {
        return;
      }
      dirs.push(d);
      for (const e of entries) if (e.isDirectory) walk(`${d}/${e.name}`);
    };
    walk(top);
    return dirs;
  };
  // Thaw first: runc freezes a container's cgroup while it kills the container, and a runc
  // killed with its host in between leaves it frozen; a frozen process never takes its SIGKILL
  // (a pause process stayed in D state, "refrigerator", and failed CI with "cgroups left").
  for (const h of cgroupHierarchies()) {
    for (const d of below(`${h}${rel}`)) {
      try {
        Deno.writeTextFileSync(`${d}/freezer.state`, "THAWED");
      } catch {
        // not the freezer hierarchy, or gone
      }
    }
  }
  for (const h of cgroupHierarchies()) {
    const dirs = below(`${h}${rel}`);
    for (const d of dirs.reverse()) {
      // Up to 10 s: on a loaded machine (CI runs test files in parallel) a killed container's
      // processes can take well over a second to leave the cgroup; 1 s failed CI.
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await Deno.remove(d);
          break;
        } catch (e) {
          if (e instanceof Deno.errors.NotFound) break;
          // Busy: processes are still in it (ours, by construction): kill them.
          try {
            for (const pid of Deno.readTextFileSync(`${d}/cgroup.procs`).split("\n")) {
              if (pid) Deno.kill(Number(pid), "SIGKILL");
            }
          } catch {
            // gone
          }
          if (Date.now() > deadline) {
            left.push(d);
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  }
  return left;
}

function validName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name) || name.startsWith("sw-")) {
    throw new Error(
      `name ${JSON.stringify(name)}: use [a-z0-9-], at most 31 characters, not starting with sw-`,
    );
  }
}

/** Create a namespace host connected to `opts.network`. */
export async function createHost(name: string, opts: HostOptions): Promise<Host> {
  validName(name);
  if (!swept) {
    swept = true;
    await sweepStale();
  }
  const networkName = opts.network ?? "default";
  validName(networkName);
  const netns = `ks${INSTANCE}-${name}`;
  const ipAddr = opts.addr.split("/")[0];
  const privateDirs = opts.privateDirs ?? DEFAULT_PRIVATE_DIRS;
  for (const d of privateDirs) {
    if (!d.startsWith("/") || d === "/") throw new Error(`private dir ${d} must be absolute`);
  }

  await ensureBase();
  hostCount++;
  const root = await Deno.makeTempDir({ prefix: `kubestrap-host-${name}-` });
  const mountNs = `${procBase()}/${name}.mnt`;
  const cgroupRoot = `/kubestrap-testbed/${netns}`;
  const procs = new Set<Proc>();
  let net: Network | undefined;
  let destroyed = false;
  let unregister: () => void = () => {};

  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    unregister();
    for (const p of procs) await p.stop().catch(() => {});
    // Anything else that was started inside the host's network namespace.
    await killNetnsPids(netns);
    const leftCgroups = await removeCgroups(cgroupRoot);
    await run("umount", [mountNs], { allowFailure: true });
    await Deno.remove(mountNs).catch(() => {});
    await ip(["netns", "del", netns], true);
    if (net) {
      net.hosts.delete(name);
      await releaseNetwork(networkName);
    }
    await Deno.remove(root, { recursive: true }).catch(() => {});
    hostCount--;
    await releaseBase();
    if (leftCgroups.length) throw new Error(`host ${name}: cgroups left: ${leftCgroups.join(" ")}`);
  };
  unregister = registerCleanup(`host ${name}`, destroy);

  const wrap = (argv: string[]) => [
    "nsenter",
    `--net=/run/netns/${netns}`,
    `--mount=${mountNs}`,
    "--",
    ...argv,
  ];

  try {
    // Network: eth0 inside the host, its peer on the network's bridge.
    net = await ensureNetwork(networkName);
    if (net.hosts.has(name)) throw new Error(`host ${name} already exists on ${networkName}`);
    await ip(["netns", "add", netns]);
    net.hosts.add(name);
    const peer = `p${net.nextPort++}`;
    await ip(["-n", netns, "link", "set", "lo", "up"]);
    await ip([
      "link",
      "add",
      "eth0",
      "netns",
      netns,
      "type",
      "veth",
      "peer",
      "name",
      peer,
      "netns",
      net.switchNs,
    ]);
    await ip(["-n", net.switchNs, "link", "set", peer, "master", "br0", "up"]);
    await ip(["-n", netns, "addr", "add", opts.addr, "dev", "eth0"]);
    await ip(["-n", netns, "link", "set", "eth0", "up"]);

    await makeCgroups(cgroupRoot);

    // Mount namespace, pinned by a bind mount of its nsfs file.
    await Deno.writeTextFile(mountNs, "");
    const script = privateDirs.map((d) => {
      const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
      return `mkdir -p ${q(root + d)} ${q(d)} && mount --bind ${q(root + d)} ${q(d)}`;
    }).join(" && ");
    await run("unshare", [
      `--mount=${mountNs}`,
      "--propagation",
      "private",
      "sh",
      "-c",
      script || "true",
    ]);
  } catch (e) {
    await destroy();
    throw e;
  }

  return {
    name,
    netns,
    ip: ipAddr,
    root,
    mountNs,
    cgroupRoot,
    path: (inside: string) => {
      const d = privateDirs.find((p) => inside === p || inside.startsWith(p + "/"));
      if (!d) throw new Error(`${inside} is not under a private dir of host ${name}`);
      return root + inside;
    },
    wrap,
    exec: async (cmd, o = {}) => {
      const argv = typeof cmd === "string" ? ["sh", "-c", cmd] : cmd;
      const w = wrap(argv);
      return await run(w[0], w.slice(1), {
        allowFailure: o.allowFailure,
        env: o.env,
        stdin: o.stdin,
      });
    },
    spawn: (what, argv, o = {}) => {
      const w = wrap(argv);
      const logFile = `${root}/${what.replace(/[^a-zA-Z0-9_.-]/g, "_")}.log`;
      const p = spawnProc(`${what} in host ${name}`, w[0], w.slice(1), { logFile, env: o.env });
      procs.add(p);
      p.status.finally(() => procs.delete(p));
      return p;
    },
    destroy,
    [Symbol.asyncDispose]: destroy,
  };
}
