/**
 * Air-gap test helpers: Debian's docker-registry on a free loopback port (temp storage, minimal
 * config) filled from the test bed's OCI archives with skopeo, under kubeadm's names for a custom
 * imageRepository; kubestrap as a subprocess (optionally inside a namespace host).
 */
import {
  freePort,
  registerCleanup,
  run,
  spawnProc,
  testbed,
  WaitAborted,
  waitFor,
} from "../harness/mod.ts";

export const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const dec = new TextDecoder();

export interface Registry extends AsyncDisposable {
  /** host:port */
  addr: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts docker-registry on 127.0.0.1:<free port> with storage in a temp dir. */
export async function startRegistry(): Promise<Registry> {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-registry-" });
  const port = freePort();
  const addr = `127.0.0.1:${port}`;
  await Deno.writeTextFile(
    `${dir}/config.yml`,
    `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${dir}/storage
http:
  addr: ${addr}
  secret: kubestrap-test
`,
  );
  const proc = spawnProc("docker-registry", testbed.path("docker-registry"), [
    "serve",
    `${dir}/config.yml`,
  ], { logFile: `${dir}/registry.log` });
  let unregister = () => {};
  const stop = async () => {
    unregister();
    await proc.stop(5000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  unregister = registerCleanup(`docker-registry ${addr}`, stop);
  try {
    await waitFor("docker-registry to answer", async () => {
      if (!proc.running()) throw new WaitAborted("docker-registry exited");
      try {
        const r = await fetch(`http://${addr}/v2/`);
        await r.body?.cancel();
        return r.ok;
      } catch {
        return false;
      }
    }, { timeoutMs: 20_000, describe: () => proc.log() });
  } catch (e) {
    await stop();
    throw e;
  }
  return { addr, dir, stop, [Symbol.asyncDispose]: stop };
}

/**
 * kubeadm's name for a test bed image under a custom imageRepository: the last path element
 * (registry.k8s.io/coredns/coredns:v1.14.6 -> <repo>/coredns:v1.14.6).
 */
export function customName(ref: string, repo: string): string {
  const name = ref.slice(ref.lastIndexOf("/") + 1);
  return `${repo}/${name}`;
}

/** Pushes test bed images (default: every one) to `repo` (e.g. "127.0.0.1:5000/k8s"). */
export async function pushImages(repo: string, refs?: string[]): Promise<string[]> {
  const out: string[] = [];
  await Promise.all((refs ?? testbed.images.map((i) => i.ref)).map(async (ref) => {
    const dest = customName(ref, repo);
    await run(testbed.path("skopeo"), [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      `oci-archive:${testbed.imageArchive(ref)}`,
      `docker://${dest}`,
    ]);
    out.push(dest);
  }));
  return out;
}

export interface KsResult {
  code: number;
  out: string;
  err: string;
}

/** PATH with the test bed's crictl (kubestrap's CRI client) and kubelet/kubectl first. */
export function pathWithCrictl(): string {
  const dir = (p: string) => p.slice(0, p.lastIndexOf("/"));
  return `${dir(testbed.path("crictl"))}:${dir(testbed.path("kubelet"))}:` +
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/** Runs kubestrap as a subprocess; `wrap` runs it inside a namespace host. */
export async function ks(
  args: string[],
  opts: { wrap?: (argv: string[]) => string[]; denoFlags?: string[] } = {},
): Promise<KsResult> {
  const argv = [Deno.execPath(), "run", ...(opts.denoFlags ?? ["-A"]), MAIN, ...args];
  const full = opts.wrap ? opts.wrap(argv) : argv;
  const r = await new Deno.Command(full[0], {
    args: full.slice(1),
    stdout: "piped",
    stderr: "piped",
    env: { PATH: pathWithCrictl(), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  }).output();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** A kubestrap config for the test bed's version with a custom imageRepository. */
export function initConfig(o: {
  repo: string;
  criSocket: string;
  advertiseAddress?: string;
  nodeName?: string;
  extraCluster?: string;
}): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${o.advertiseAddress ?? "10.244.0.10"}
nodeRegistration:
  criSocket: ${o.criSocket}
  name: ${o.nodeName ?? "airgap-node"}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${testbed.kubernetesVersion}
imageRepository: ${o.repo}
${o.extraCluster ?? ""}`;
}

/** Image names the config above makes kubeadm use (`config images list` order). */
export function expectedImages(repo: string): string[] {
  const names = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"];
  const tagOf = (n: string) => testbed.imageRef(n).split(":").pop()!;
  return [
    ...names.map((n) => `${repo}/${n}:${tagOf(n)}`),
    `${repo}/coredns:${tagOf("coredns")}`,
    `${repo}/pause:${tagOf("pause")}`,
    `${repo}/etcd:${tagOf("etcd")}`,
  ];
}

/** Every inet address a traced process connected or sent to (strace -f output). */
export function tracedAddresses(trace: string): string[] {
  const out = new Set<string>();
  for (const line of trace.split("\n")) {
    if (!/\b(connect|sendto|sendmsg)\(/.test(line)) continue;
    const v4 = /sin_addr=inet_addr\("([^"]+)"\)/.exec(line);
    if (v4) out.add(v4[1]);
    const v6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(line);
    if (v6) out.add(v6[1]);
  }
  return [...out];
}

/**
 * Loopback, the unspecified address, or one of `own` (addresses, or IPv4 CIDRs such as the
 * node's pod subnet and the service range): local to a namespace host.
 */
export function isLocalAddress(addr: string, own: string[]): boolean {
  if (addr.startsWith("::ffff:") && addr.includes(".")) addr = addr.slice(7);
  return addr.startsWith("127.") || addr === "::1" || addr === "0.0.0.0" || addr === "::" ||
    addr === "::ffff:127.0.0.1" || own.some((o) => o.includes("/") ? inCidr(addr, o) : o === addr);
}

/** Whether IPv4 `addr` is inside `cidr` ("10.96.0.0/12"). */
export function inCidr(addr: string, cidr: string): boolean {
  const [net, bits] = cidr.split("/");
  const n = (a: string) => {
    const p = a.split(".").map(Number);
    if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) return undefined;
    return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
  };
  const a = n(addr), b = n(net);
  if (a === undefined || b === undefined) return false;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/**
 * Every unix socket a traced process connected to (strace -f output), failed attempts left out:
 * a namespace host shares the machine's filesystem, so a unix socket could lead outside.
 */
export function tracedUnixSockets(trace: string): string[] {
  const out = new Set<string>();
  for (const line of trace.split("\n")) {
    if (!/\b(connect|sendto|sendmsg)\(/.test(line) || /= -1 /.test(line)) continue;
    const m = /sa_family=AF_UNIX, sun_path=(@?"[^"]*")/.exec(line);
    if (m) out.add(m[1].replace(/"/g, ""));
  }
  return [...out];
}
