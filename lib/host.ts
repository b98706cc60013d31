/**
 * The one module through which kubestrap touches the host: files, commands, ports, /proc and
 * /sys, hostname, interfaces and routes. Every path is resolved under `root`, so tests run
 * phases in temporary roots without privileges and `--rootfs` works the same way.
 */
import * as path from "@std/path";
import { KubestrapError } from "./errors.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the command was killed because its timeout expired. */
  timedOut: boolean;
}

export interface RunOptions {
  /** Milliseconds before the command is killed (default 60 s). */
  timeoutMs?: number;
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Default "null" for each stream. */
  stdin?: "piped" | "inherit" | "null";
  stdout?: "piped" | "inherit" | "null";
  stderr?: "piped" | "inherit" | "null";
  /** Aborting it kills the process. */
  signal?: AbortSignal;
}

export interface WriteOptions {
  /** File mode, applied exactly (no umask). kubeadm: 0600 for keys and kubeconfigs. */
  mode?: number;
  /** Mode of parent directories created on the way (kubeadm uses 0700 for pki, 0755 else). */
  dirMode?: number;
}

export interface Route {
  iface: string;
  destination: string;
  gateway: string;
  family: 4 | 6;
}

export interface Interface {
  name: string;
  family: "IPv4" | "IPv6";
  address: string;
  cidr: string | null;
  internal: boolean;
}

/** An exclusive lock taken by Host.tryLock. */
export interface HeldFileLock {
  /** Replaces the lock file's content (who holds it). */
  write(text: string): Promise<void>;
  /** Removes the lock file and drops the lock. */
  release(): Promise<void>;
}

/**
 * Whether `name` is a temporary file of Host.writeFile (`.<name>.tmp-<8 hex digits>`), which
 * only a run killed between writing and renaming it leaves behind.
 */
export function isAtomicWriteTemp(name: string): boolean {
  return /^\..+\.tmp-[0-9a-f]{8}$/.test(name);
}

/**
 * A failed write as Go words it, naming the file: `unable to write PATH: no space left on
 * device` (Deno's "No space left on device (os error 28)" names neither).
 */
function writeError(p: string, e: unknown): Error {
  if (e instanceof KubestrapError) return e;
  const reason = (e instanceof Error ? e.message : String(e))
    .replace(/ \(os error \d+\).*$/s, "")
    .replace(/^./, (c) => c.toLowerCase());
  return new KubestrapError(`unable to write ${p}: ${reason}`);
}

/** Host access rooted at a directory ("/" for the real host). */
export class Host {
  readonly root: string;
  /** When set, every write is recorded instead of applied to the real path (dry-run). */
  readonly writes: { path: string; mode: number }[] = [];

  constructor(root = "/") {
    this.root = path.resolve(root);
  }

  /** Absolute host path of `p`, a path as the cluster sees it (e.g. /etc/kubernetes). */
  resolve(p: string): string {
    if (!path.isAbsolute(p)) {
      throw new KubestrapError(`internal error: host path ${JSON.stringify(p)} is not absolute`);
    }
    const rel = path.normalize(p).replace(/^\/+/, "");
    return this.root === "/" ? "/" + rel : path.join(this.root, rel);
  }

  /**
   * `p` made absolute the way kubeadm opens it: a relative path is relative to the working
   * directory, or to "/" on a re-rooted host (kubeadm chdirs to "/" after its chroot).
   */
  absolute(p: string): string {
    return path.resolve(this.root === "/" ? Deno.cwd() : "/", p);
  }

  async exists(p: string): Promise<boolean> {
    try {
      await Deno.lstat(this.resolve(p));
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  /**
   * Whether `p` exists, for checks inside synchronous validation (the discovery file a
   * JoinConfiguration names). Errors other than "not found" count as existing, as Go's
   * os.Stat-based checks do.
   */
  existsSync(p: string): boolean {
    try {
      Deno.statSync(this.resolve(p));
      return true;
    } catch (e) {
      return !(e instanceof Deno.errors.NotFound);
    }
  }

  async stat(p: string): Promise<Deno.FileInfo | undefined> {
    try {
      return await Deno.stat(this.resolve(p));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  /** lstat: a symbolic link itself, not its target; undefined when `p` does not exist. */
  async lstat(p: string): Promise<Deno.FileInfo | undefined> {
    try {
      return await Deno.lstat(this.resolve(p));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  /**
   * The machine path of `p` with every symbolic link resolved (realpath(3)), as the kernel's
   * mount table names it. Throws when `p` does not exist.
   */
  async realPath(p: string): Promise<string> {
    return await Deno.realPath(this.resolve(p));
  }

  /**
   * Opens `p` for streaming a large file (bundles, archives). Writes through the handle are
   * not recorded in `writes`: files kubestrap installs go through writeFile (atomic).
   */
  async open(p: string, opts: Deno.OpenOptions = { read: true }): Promise<Deno.FsFile> {
    return await Deno.open(this.resolve(p), opts);
  }

  async readFile(p: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(this.resolve(p));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  async readText(p: string): Promise<string | undefined> {
    const b = await this.readFile(p);
    return b === undefined ? undefined : new TextDecoder().decode(b);
  }

  /**
   * The bytes of `p` for the synchronous configuration loaders (`--config`), at most `maxBytes`
   * of them: a longer file (or a device that never ends, like /dev/zero) throws a KubestrapError
   * naming it. Undefined when `p` does not exist.
   */
  readFileSyncBounded(p: string, maxBytes: number): Uint8Array | undefined {
    let f: Deno.FsFile;
    try {
      f = Deno.openSync(this.resolve(p), { read: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
    try {
      const buf = new Uint8Array(maxBytes + 1);
      let n = 0;
      while (n < buf.length) {
        const r = f.readSync(buf.subarray(n));
        if (r === null) break;
        n += r;
      }
      if (n > maxBytes) {
        throw new KubestrapError(
          `${p} is larger than ${maxBytes} bytes (kubestrap's limit for configuration files)`,
        );
      }
      return buf.slice(0, n);
    } finally {
      f.close();
    }
  }

  /** Creates `p` and missing parents with `mode` (applied exactly). */
  async mkdirAll(p: string, mode = 0o755): Promise<void> {
    const abs = this.resolve(p);
    const missing: string[] = [];
    let cur = abs;
    while (true) {
      try {
        const st = await Deno.stat(cur);
        if (!st.isDirectory) {
          throw new KubestrapError(`${cur} exists and is not a directory`);
        }
        break;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        missing.unshift(cur);
        const parent = path.dirname(cur);
        if (parent === cur) break;
        cur = parent;
      }
    }
    for (const d of missing) {
      try {
        await Deno.mkdir(d, { mode });
        await Deno.chmod(d, mode);
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
    }
  }

  /**
   * Throws, naming the path, when writeFile(p) could not succeed because of what is on disk: a
   * regular file (or anything else) where one of `p`'s directories must be, or a directory at
   * `p`. Used to check every file of a phase before the first one is written.
   */
  async checkWritable(p: string): Promise<void> {
    const abs = this.resolve(p);
    const chain: string[] = [];
    for (let cur = path.dirname(abs);; cur = path.dirname(cur)) {
      chain.unshift(cur);
      if (cur === this.root || path.dirname(cur) === cur) break;
    }
    for (const dir of chain) {
      const st = await Deno.stat(dir).catch(() => undefined);
      if (!st) return; // created on the way
      if (!st.isDirectory) throw new KubestrapError(`${dir} exists and is not a directory`);
    }
    const st = await Deno.lstat(abs).catch(() => undefined);
    if (st?.isDirectory) throw new KubestrapError(`${abs} exists and is a directory`);
  }

  /**
   * Atomic write: the data (bytes, text or a stream) goes to a temporary file in the same
   * directory, gets its mode, is synced and renamed over `p`. A reader never sees a
   * half-written file.
   */
  async writeFile(
    p: string,
    data: Uint8Array | string | ReadableStream<Uint8Array>,
    opts: WriteOptions = {},
  ): Promise<void> {
    const mode = opts.mode ?? 0o644;
    const abs = this.resolve(p);
    const dir = path.dirname(abs);
    await this.mkdirAll(path.dirname(path.normalize(p)), opts.dirMode ?? 0o755);
    const tmp = path.join(dir, `.${path.basename(abs)}.tmp-${crypto.randomUUID().slice(0, 8)}`);
    const chunks = typeof data === "string"
      ? [new TextEncoder().encode(data)]
      : data instanceof Uint8Array
      ? [data]
      : data;
    try {
      const f = await Deno.open(tmp, { write: true, createNew: true, mode });
      try {
        for await (const bytes of chunks) {
          let off = 0;
          while (off < bytes.length) off += await f.write(bytes.subarray(off));
        }
        await f.sync();
      } finally {
        f.close();
      }
      await Deno.chmod(tmp, mode);
      await Deno.rename(tmp, abs);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw writeError(p, e);
    }
    this.writes.push({ path: p, mode });
  }

  /**
   * Takes an exclusive flock(2) on `p` without waiting (the file is created 0644, its parent
   * directories 0755 as kubeadm creates /etc/kubernetes). Undefined when another open file holds
   * it. The kernel drops the lock when the process dies, so a lock file a killed run left is
   * simply taken; release() removes the file, and a lock taken on a file its previous holder
   * removed meanwhile is taken again on the new file.
   */
  async tryLock(p: string): Promise<HeldFileLock | undefined> {
    const abs = this.resolve(p);
    // Directories created for the lock go with it, when nothing else was put in them: a run
    // that fails before writing leaves nothing behind.
    const created: string[] = [];
    for (let d = path.dirname(abs); !(await this.#present(d)); d = path.dirname(d)) {
      created.push(d);
      if (path.dirname(d) === d || d === this.root) break;
    }
    await this.mkdirAll(path.dirname(path.normalize(p)), 0o755);
    for (let attempt = 0; attempt < 20; attempt++) {
      const f = await Deno.open(abs, { read: true, write: true, create: true, mode: 0o644 });
      if (!(await f.tryLock(true))) {
        f.close();
        return undefined;
      }
      const onDisk = await Deno.stat(abs).catch(() => undefined);
      if (onDisk && onDisk.ino === (await f.stat()).ino) {
        return {
          write: async (text: string) => {
            await f.truncate(0);
            await f.seek(0, Deno.SeekMode.Start);
            const bytes = new TextEncoder().encode(text);
            let off = 0;
            while (off < bytes.length) off += await f.write(bytes.subarray(off));
          },
          release: async () => {
            await Deno.remove(abs).catch(() => {});
            f.close();
            for (const d of created) await Deno.remove(d).catch(() => {});
          },
        };
      }
      f.close();
    }
    throw new KubestrapError(`could not lock ${abs}: it is replaced faster than it can be locked`);
  }

  async #present(abs: string): Promise<boolean> {
    return await Deno.lstat(abs).then(() => true, () => false);
  }

  /** Renames `from` to `to` (atomic within one filesystem; replaces an existing `to`). */
  async rename(from: string, to: string): Promise<void> {
    await Deno.rename(this.resolve(from), this.resolve(to));
    this.writes.push({ path: to, mode: (await Deno.stat(this.resolve(to))).mode ?? 0 });
  }

  /**
   * os.MkdirTemp(parent, prefix): a new directory `<parent>/<prefix><random digits>` with
   * `mode`, `parent` created first (0700, kubeadm's /etc/kubernetes/tmp). Returns its path.
   */
  async makeTempDir(parent: string, prefix: string, mode = 0o700): Promise<string> {
    await this.mkdirAll(parent, 0o700);
    for (let i = 0; i < 100; i++) {
      const p = path.join(parent, prefix + String(Math.floor(Math.random() * 1e10)));
      try {
        await Deno.mkdir(this.resolve(p), { mode });
        await Deno.chmod(this.resolve(p), mode);
        return p;
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
    }
    throw new KubestrapError(`could not create a temporary directory in ${JSON.stringify(parent)}`);
  }

  /**
   * os.MkdirTemp("", prefix) as kubeadm runs it chrooted into this host's root: a new directory
   * in $TMPDIR (else /tmp) under the root, created if missing. Returns its machine path.
   */
  async rootedTempDir(prefix: string): Promise<string> {
    const parent = Deno.env.get("TMPDIR") || "/tmp";
    if (!(await this.exists(parent))) await this.mkdirAll(parent, 0o1777);
    return this.resolve(await this.makeTempDir(parent, prefix));
  }

  /**
   * os.MkdirTemp("", prefix): a new directory in the machine's temporary directory ($TMPDIR,
   * else /tmp; never rerooted), for dry-run roots and scratch space. Returns its path.
   */
  static async tempDir(prefix: string): Promise<string> {
    return await new Host().makeTempDir(Deno.env.get("TMPDIR") || "/tmp", prefix);
  }

  /**
   * Copies the tree at `from` into `to` (created when missing), keeping modes, like `cp -r`
   * of filesutil.CopyDir. Symbolic links are copied as links.
   */
  async copyTree(from: string, to: string): Promise<void> {
    const src = this.resolve(from);
    const dst = this.resolve(to);
    const walk = async (s: string, d: string) => {
      const st = await Deno.lstat(s);
      if (st.isSymlink) {
        await Deno.symlink(await Deno.readLink(s), d);
      } else if (st.isDirectory) {
        await Deno.mkdir(d, { recursive: true, mode: st.mode ?? 0o700 });
        for await (const e of Deno.readDir(s)) {
          await walk(path.join(s, e.name), path.join(d, e.name));
        }
        await Deno.chmod(d, (st.mode ?? 0o700) & 0o7777);
      } else {
        await Deno.copyFile(s, d);
        await Deno.chmod(d, (st.mode ?? 0o600) & 0o7777);
      }
    };
    await walk(src, dst);
  }

  async remove(p: string, opts: { recursive?: boolean } = {}): Promise<boolean> {
    try {
      await Deno.remove(this.resolve(p), opts);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  async readDir(p: string): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(this.resolve(p))) out.push(e.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    return out.sort();
  }

  /** Reads a /proc or /sys file of the host (these are never rerooted: they are the kernel's). */
  async readKernelFile(p: string): Promise<string | undefined> {
    try {
      return await Deno.readTextFile(p);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) {
        return undefined;
      }
      throw e;
    }
  }

  /** Names in a /proc or /sys directory (never rerooted); [] when it cannot be read. */
  async readKernelDir(p: string): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(p)) out.push(e.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) {
        return [];
      }
      throw e;
    }
    return out;
  }

  /** The target of a /proc symbolic link (e.g. /proc/self/ns/net); undefined when unreadable. */
  async readKernelLink(p: string): Promise<string | undefined> {
    try {
      return await Deno.readLink(p);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) {
        return undefined;
      }
      throw e;
    }
  }

  /** Runs a command with a timeout; a missing binary gives code 127. */
  async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    try {
      const child = new Deno.Command(cmd, {
        args,
        env: opts.env,
        cwd: opts.cwd,
        stdin: opts.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
        signal: ac.signal,
      }).spawn();
      if (opts.stdin !== undefined) {
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(opts.stdin));
        await w.close();
      }
      const out = await child.output();
      const dec = new TextDecoder();
      return {
        code: out.code,
        stdout: dec.decode(out.stdout),
        stderr: dec.decode(out.stderr),
        timedOut,
      };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        return { code: 127, stdout: "", stderr: `${cmd}: executable file not found`, timedOut };
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Starts a command whose input or output is streamed (`ctr images import -`) or that keeps
   * running on its own (a kubelet without an init system). A missing binary throws
   * Deno.errors.NotFound.
   */
  spawn(cmd: string, args: string[], opts: SpawnOptions = {}): Deno.ChildProcess {
    return new Deno.Command(cmd, {
      args,
      env: opts.env,
      cwd: opts.cwd,
      stdin: opts.stdin ?? "null",
      stdout: opts.stdout ?? "null",
      stderr: opts.stderr ?? "null",
      signal: opts.signal,
    }).spawn();
  }

  /**
   * Sends `signal` to process `pid` of the host (pids are the kernel's, never rerooted). False
   * when no such process exists any more.
   */
  signal(pid: number, signal: Deno.Signal): boolean {
    try {
      Deno.kill(pid, signal);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  /** Finds `name` in PATH (like exec.LookPath). */
  async lookPath(name: string): Promise<string | undefined> {
    const dirs =
      (Deno.env.get("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .split(":");
    for (const d of dirs) {
      if (!d) continue;
      const p = path.join(d, name);
      try {
        const st = await Deno.stat(p);
        if (st.isFile && ((st.mode ?? 0) & 0o111) !== 0) return p;
      } catch {
        // not here
      }
    }
    return undefined;
  }

  /** True when something listens on (or holds) host:port. */
  portInUse(port: number, hostname = "0.0.0.0"): boolean {
    try {
      const l = Deno.listen({ hostname, port, transport: "tcp" });
      l.close();
      return false;
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse) return true;
      throw e;
    }
  }

  hostname(): string {
    return Deno.hostname();
  }

  interfaces(): Interface[] {
    return Deno.networkInterfaces().map((i) => ({
      name: i.name,
      family: i.family,
      address: i.address,
      cidr: i.cidr,
      internal: i.address === "127.0.0.1" || i.address === "::1",
    }));
  }

  /** Default routes from /proc/net/route and /proc/net/ipv6_route. */
  async defaultRoutes(): Promise<Route[]> {
    const routes: Route[] = [];
    const v4 = await this.readKernelFile("/proc/net/route");
    for (const line of (v4 ?? "").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 8 || f[1] !== "00000000" || f[7] !== "00000000") continue;
      const g = f[2];
      const gw = [6, 4, 2, 0].map((i) => parseInt(g.slice(i, i + 2), 16)).join(".");
      routes.push({ iface: f[0], destination: "0.0.0.0/0", gateway: gw, family: 4 });
    }
    const v6 = await this.readKernelFile("/proc/net/ipv6_route");
    for (const line of (v6 ?? "").split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[0] !== "0".repeat(32) || f[1] !== "00") continue;
      if (f[9] === "lo") continue;
      const gw = f[4].match(/.{4}/g)!.join(":");
      routes.push({ iface: f[9], destination: "::/0", gateway: gw, family: 6 });
    }
    return routes;
  }

  /**
   * The host's default IP of a family, as kubeadm's ChooseHostInterface: the first global
   * unicast address of the interface that carries the default route.
   */
  async defaultIP(family: 4 | 6 = 4): Promise<string | undefined> {
    const routes = (await this.defaultRoutes()).filter((r) => r.family === family);
    const ifs = this.interfaces();
    const fam = family === 4 ? "IPv4" : "IPv6";
    for (const r of routes) {
      const cand = ifs.find((i) =>
        i.name === r.iface && i.family === fam && !i.internal &&
        !(family === 6 && i.address.toLowerCase().startsWith("fe80"))
      );
      if (cand) return cand.address;
    }
    return undefined;
  }

  // ---- process and kernel facts (preflight) ----

  /** Real user id of this process (Go's os.Getuid). */
  uid(): number {
    return Deno.uid() ?? 0;
  }

  /**
   * CPUs this process may run on, as Go's runtime.NumCPU (the scheduler affinity mask from
   * /proc/self/status `Cpus_allowed_list`; falls back to the parallelism Deno reports).
   */
  async cpuCount(): Promise<number> {
    const status = await this.readKernelFile("/proc/self/status");
    const m = /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(status ?? "");
    if (m) {
      let n = 0;
      for (const part of m[1].split(",")) {
        const [a, b] = part.split("-").map(Number);
        n += b === undefined ? 1 : b - a + 1;
      }
      if (n > 0) return n;
    }
    return navigator.hardwareConcurrency;
  }

  /** Total usable RAM in bytes (sysinfo: totalram × mem_unit). */
  memoryBytes(): number {
    return Deno.systemMemoryInfo().total;
  }

  /** uname -r. */
  kernelRelease(): string {
    return Deno.osRelease().trim();
  }

  /** uname -s ("Linux" on Linux). */
  osName(): string {
    const names: Record<string, string> = {
      linux: "Linux",
      darwin: "Darwin",
      windows: "Windows_NT",
      freebsd: "FreeBSD",
    };
    return names[Deno.build.os] ?? Deno.build.os;
  }

  /** Bytes of a /proc or /sys file (never rerooted), e.g. /proc/config.gz. */
  async readKernelBytes(p: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(p);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) {
        return undefined;
      }
      throw e;
    }
  }

  /** stat of a kernel path (/proc, /sys; never rerooted). */
  async kernelStat(p: string): Promise<Deno.FileInfo | undefined> {
    try {
      return await Deno.stat(p);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  /**
   * cgroup v2 freezer probe (system-validators' checkCgroupV2Freeze): creates a child cgroup
   * under `mountpoint`, looks for `cgroup.freeze` and removes the child again.
   */
  async probeCgroupFreeze(mountpoint: string): Promise<{ supported: boolean; warning?: string }> {
    let dir: string;
    try {
      dir = await Deno.makeTempDir({ dir: mountpoint, prefix: "freezer-test" });
    } catch (e) {
      return { supported: false, warning: goErrno(e) };
    }
    let supported = false;
    let warning: string | undefined;
    try {
      await Deno.stat(`${dir}/cgroup.freeze`);
      supported = true;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        supported = true;
        warning = `could not stat "cgroup.freeze" file in ${JSON.stringify(dir)}: ${goErrno(e)}`;
      }
    }
    try {
      await Deno.remove(dir, { recursive: true });
    } catch (e) {
      warning = `error removing directory ${JSON.stringify(dir)}: ${goErrno(e)}`;
    }
    return { supported, warning };
  }

  /**
   * True when a TCP connection to hostname:port is refused (nothing listens there); false when
   * it connects (and is closed again) or fails otherwise.
   */
  async tcpRefused(hostname: string, port: number): Promise<boolean> {
    try {
      (await Deno.connect({ hostname, port })).close();
      return false;
    } catch (e) {
      return e instanceof Deno.errors.ConnectionRefused;
    }
  }

  /**
   * Connects to a unix socket and closes it again. Returns undefined on success, else Go's
   * dial error text (`dial unix <path>: connect: no such file or directory`).
   */
  async dialUnix(socketPath: string, timeoutMs = 2000): Promise<string | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const conn = await Promise.race([
        Deno.connect({ transport: "unix", path: socketPath }),
        new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error("i/o timeout")), timeoutMs);
        }),
      ]);
      conn.close();
      return undefined;
    } catch (e) {
      return `dial unix ${socketPath}: connect: ${goErrno(e)}`;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves a host name like Go's pure resolver (net.LookupHost): IP literals, then
   * /etc/hosts (under the root), then DNS. `error` carries Go's DNSError text.
   */
  async lookupHost(name: string): Promise<{ addrs: string[] | null; error?: string }> {
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
    if (v4 && v4.slice(1).every((o) => Number(o) <= 255)) return { addrs: [name] };
    if (name.includes(":") && /^[0-9a-fA-F:.]+$/.test(name)) return { addrs: [name] };
    const hosts = (await this.readText("/etc/hosts").catch(() => undefined)) ?? "";
    const found: string[] = [];
    for (const line of hosts.split("\n")) {
      const f = line.replace(/#.*/, "").trim().split(/\s+/);
      if (f.length < 2) continue;
      if (f.slice(1).some((n) => n.toLowerCase() === name.toLowerCase())) found.push(f[0]);
    }
    if (found.length > 0) return { addrs: found };
    const resolv = (await this.readText("/etc/resolv.conf").catch(() => undefined)) ?? "";
    const ns = /^\s*nameserver\s+(\S+)/m.exec(resolv)?.[1] ?? "127.0.0.1";
    const server = ns.includes(":") ? `[${ns}]:53` : `${ns}:53`;
    if (name === "") return { addrs: null, error: "lookup : no such host" };
    const addrs: string[] = [];
    let lastErr: unknown;
    for (const rt of ["A", "AAAA"] as const) {
      try {
        addrs.push(...await Deno.resolveDns(name, rt));
      } catch (e) {
        lastErr = e;
      }
    }
    if (addrs.length > 0) return { addrs };
    const why = lastErr === undefined || lastErr instanceof Deno.errors.NotFound
      ? "no such host"
      : goErrno(lastErr);
    return { addrs: null, error: `lookup ${name} on ${server}: ${why}` };
  }
}

/**
 * An OS error as Go prints errno text: "no such file or directory". Deno's text may go on after
 * the errno (`Not a directory (os error 20): readfile '/etc/kubernetes/pki/ca.crt'`); Go's caller
 * names the operation and path itself.
 */
export function goErrno(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const bare = msg.replace(/\s*\(os error \d+\)[\s\S]*$/, "");
  return bare.charAt(0).toLowerCase() + bare.slice(1);
}

/** The environment variable the self-extracting launcher (scripts/build.ts) passes its $0 in. */
export const ARGV0_ENV = "KUBESTRAP_ARGV0";

let invocation: string[] | undefined;

/**
 * The file names kubestrap was started under: the self-extracting launcher's `$0` (passed in
 * KUBESTRAP_ARGV0, removed from the environment here so that child processes do not inherit
 * it); else the main module (the bundle run through its shebang keeps the name it was called by,
 * a symlink's name included) and argv[0] (a compiled binary).
 */
function invocationNames(): string[] {
  if (invocation) return invocation;
  const fromLauncher = Deno.env.get(ARGV0_ENV);
  if (fromLauncher !== undefined) {
    Deno.env.delete(ARGV0_ENV);
    return invocation = [path.basename(fromLauncher)];
  }
  const names: string[] = [];
  try {
    const main = new URL(Deno.mainModule);
    // (not path.fromFileUrl: the bundle maps @std/path to node:path, which lacks it)
    if (main.protocol === "file:") names.push(path.basename(decodeURIComponent(main.pathname)));
  } catch {
    // no main module (embedded): argv[0] below
  }
  try {
    const argv0 = Deno.readTextFileSync("/proc/self/cmdline").split("\0")[0];
    if (argv0) names.push(path.basename(argv0));
  } catch {
    // not Linux
  }
  return invocation = names;
}

/**
 * The name to print in command lines for the operator to run (the join command above all):
 * "kubeadm" when kubestrap was started as `kubeadm` (installed or symlinked under that name,
 * so that tools which run the printed line on workers where only `kubeadm` exists work),
 * "kubestrap" otherwise.
 */
export function programName(): "kubeadm" | "kubestrap" {
  return invocationNames().includes("kubeadm") ? "kubeadm" : "kubestrap";
}
