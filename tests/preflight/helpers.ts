// Test doubles for preflight: a Host whose kernel facts, commands and PATH can be pinned, a
// scriptable CRI runtime, and a context builder. Files still live in a real temp root.
import { CommandResult, Host } from "../../lib/host.ts";
import type { CriRuntime } from "../../lib/cri/cri.ts";
import { defaultCheckContext } from "../../lib/preflight/runner.ts";
import type { CheckContext } from "../../lib/preflight/types.ts";

export type Cmd = (args: string[]) => Partial<CommandResult>;

export class FakeHost extends Host {
  /** /proc and /sys contents; a path not in the map does not exist (when fakeKernel). */
  kernel = new Map<string, string | Uint8Array>();
  kernelDirs = new Set<string>();
  fakeKernel = true;
  uidValue = 0;
  cpus = 2;
  memBytes = 24 * 1024 ** 3;
  release = "6.1.0-18-amd64";
  os = "Linux";
  /** PATH contents: name → path. Unlisted names are missing. */
  path = new Map<string, string>();
  /** Commands by name (first argument of run). */
  commands = new Map<string, Cmd>();
  ran: string[][] = [];
  dns = new Map<string, { addrs: string[] | null; error?: string }>();
  dials = new Map<string, string | undefined>();
  freeze: { supported: boolean; warning?: string } = { supported: true };

  /** When set, ports in use (instead of really trying to listen). */
  busyPorts?: Set<number>;

  override portInUse(port: number, hostname?: string): boolean {
    if (this.busyPorts) return this.busyPorts.has(port);
    return super.portInUse(port, hostname);
  }
  override uid(): number {
    return this.uidValue;
  }
  override cpuCount(): Promise<number> {
    return Promise.resolve(this.cpus);
  }
  override memoryBytes(): number {
    return this.memBytes;
  }
  override kernelRelease(): string {
    return this.release;
  }
  override osName(): string {
    return this.os;
  }
  override async readKernelFile(p: string): Promise<string | undefined> {
    if (!this.fakeKernel) return await super.readKernelFile(p);
    const v = this.kernel.get(p);
    return v === undefined ? undefined : typeof v === "string" ? v : new TextDecoder().decode(v);
  }
  override async readKernelBytes(p: string): Promise<Uint8Array | undefined> {
    if (!this.fakeKernel) return await super.readKernelBytes(p);
    const v = this.kernel.get(p);
    return v === undefined ? undefined : typeof v === "string" ? new TextEncoder().encode(v) : v;
  }
  override kernelStat(p: string): Promise<Deno.FileInfo | undefined> {
    if (!this.fakeKernel) return super.kernelStat(p);
    if (this.kernelDirs.has(p)) return Promise.resolve({ isDirectory: true } as Deno.FileInfo);
    if (this.kernel.has(p)) return Promise.resolve({ isDirectory: false } as Deno.FileInfo);
    return Promise.resolve(undefined);
  }
  override probeCgroupFreeze(m: string): Promise<{ supported: boolean; warning?: string }> {
    if (!this.fakeKernel) return super.probeCgroupFreeze(m);
    return Promise.resolve(this.freeze);
  }
  override lookPath(name: string): Promise<string | undefined> {
    return Promise.resolve(this.path.get(name));
  }
  override run(cmd: string, args: string[]): Promise<CommandResult> {
    this.ran.push([cmd, ...args]);
    const base = cmd.split("/").pop()!;
    const f = this.commands.get(base);
    if (!f) {
      return Promise.resolve({ code: 127, stdout: "", stderr: "not found", timedOut: false });
    }
    return Promise.resolve({ code: 0, stdout: "", stderr: "", timedOut: false, ...f(args) });
  }
  override async lookupHost(name: string): Promise<{ addrs: string[] | null; error?: string }> {
    const r = this.dns.get(name);
    if (r) return r;
    return await super.lookupHost(name);
  }
  override defaultIP(): Promise<string | undefined> {
    return Promise.resolve("192.0.2.10");
  }

  /** Puts a binary on the fake PATH with a command implementation. */
  bin(name: string, impl?: Cmd): this {
    this.path.set(name, `/usr/bin/${name}`);
    if (impl) this.commands.set(name, impl);
    return this;
  }
}

/** A scriptable CRI runtime. */
export class FakeCri implements CriRuntime {
  connectError?: string;
  runningError?: string;
  runtimeConfig: boolean | string = true;
  runtimeConfigError?: string;
  sandbox: string | Error = "registry.k8s.io/pause:3.10.1";
  present = new Set<string>();
  pullErrors = new Map<string, string>();
  pulled: string[] = [];
  connect(): Promise<void> {
    return this.connectError ? Promise.reject(new Error(this.connectError)) : Promise.resolve();
  }
  isRunning(): Promise<void> {
    return this.runningError ? Promise.reject(new Error(this.runningError)) : Promise.resolve();
  }
  isRuntimeConfigImplemented(): Promise<boolean> {
    if (typeof this.runtimeConfig === "string") {
      return Promise.reject(new Error(this.runtimeConfig));
    }
    return Promise.resolve(this.runtimeConfig);
  }
  sandboxImage(): Promise<string> {
    return this.sandbox instanceof Error
      ? Promise.reject(this.sandbox)
      : Promise.resolve(this.sandbox);
  }
  imageExists(image: string): Promise<boolean> {
    return Promise.resolve(this.present.has(image));
  }
  pullImage(image: string): Promise<void> {
    this.pulled.push(image);
    const e = this.pullErrors.get(image);
    if (e) return Promise.reject(new Error(`failed to pull image ${image}: ${e}`));
    this.present.add(image);
    return Promise.resolve();
  }
  describe(): string {
    return "fake";
  }
}

export function fakeCtx(
  host: Host,
  opts: { env?: Record<string, string>; cri?: FakeCri } = {},
): CheckContext {
  const env = opts.env ?? {};
  const cri = opts.cri ?? new FakeCri();
  return defaultCheckContext(host, {
    env: (n) => env[n],
    cri: () => cri,
    etcdRetryIntervalMs: 1,
    now: () => new Date(2026, 0, 2, 15, 4, 5, 6),
  });
}

export async function withTempRoot<T>(fn: (root: string) => Promise<T>): Promise<T> {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-preflight-" });
  try {
    return await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** A healthy control-plane host: every fact passes, PATH complete, kubelet v1.37.2. */
export function healthyHost(root: string): FakeHost {
  const h = new FakeHost(root);
  h.kernel.set("/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
  h.kernel.set("/proc/sys/net/ipv4/ip_forward", "1\n");
  h.kernel.set("/proc/sys/net/ipv6/conf/default/forwarding", "1\n");
  h.kernel.set("/proc/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n");
  h.kernel.set("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
  h.kernel.set("/proc/config.gz", FULL_KERNEL_CONFIG);
  for (const b of ["losetup", "mount", "cp", "conntrack"]) h.bin(b);
  h.bin("kubelet", () => ({ stdout: "Kubernetes v1.37.2\n" }));
  h.bin("systemctl", (a) => {
    if (a[0] === "status") return { stdout: "● kubelet.service - kubelet\n   Loaded: loaded\n" };
    if (a[0] === "is-enabled") return { code: 0 };
    if (a[0] === "is-active") return { stdout: "inactive\n", code: 3 };
    return {};
  });
  h.dns.set("node-1", { addrs: ["192.0.2.10"] });
  h.busyPorts = new Set();
  return h;
}

/** A plain-text kernel config with every required and optional option (read as if gzip'd). */
export const FULL_KERNEL_CONFIG = gzipSync(
  [
    "NAMESPACES",
    "NET_NS",
    "PID_NS",
    "IPC_NS",
    "UTS_NS",
    "CPUSETS",
    "MEMCG",
    "INET",
    "EXT4_FS",
    "PROC_FS",
    "NETFILTER_XT_TARGET_REDIRECT",
    "NETFILTER_XT_MATCH_COMMENT",
    "FAIR_GROUP_SCHED",
    "CGROUPS",
    "CGROUP_CPUACCT",
    "CGROUP_DEVICE",
    "CGROUP_FREEZER",
    "CGROUP_PIDS",
    "CGROUP_SCHED",
    "CGROUP_BPF",
    "OVERLAY_FS",
    "AUFS_FS",
    "BLK_DEV_DM",
    "CFS_BANDWIDTH",
    "SECCOMP",
    "SECCOMP_FILTER",
  ].map((n) => `CONFIG_${n}=y`).join("\n") + "\n",
);

function gzipSync(text: string): Uint8Array {
  // A stored (uncompressed) deflate stream inside a gzip member: no async needed.
  const data = new TextEncoder().encode(text);
  const crc = crc32(data);
  const out: number[] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
  for (let off = 0; off < data.length || off === 0; off += 65535) {
    const chunk = data.subarray(off, off + 65535);
    const last = off + 65535 >= data.length ? 1 : 0;
    out.push(
      last,
      chunk.length & 0xff,
      chunk.length >> 8,
      ~chunk.length & 0xff,
      (~chunk.length >> 8) & 0xff,
      ...chunk,
    );
    if (last) break;
  }
  const le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
  out.push(...le(crc), ...le(data.length));
  return new Uint8Array(out);
}

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** Output lines as one string. */
export function text(lines: { text: string }[]): string {
  return lines.map((l) => l.text + "\n").join("");
}
