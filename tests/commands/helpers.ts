// Shared helpers of the certs / kubeconfig command tests: run kubestrap in-process or as a
// subprocess, build a PKI under a --rootfs, run the real kubeadm with /etc/kubernetes
// bind-mounted from that root (unshare -m), and read certificates with openssl.
import { program } from "../../main.ts";
import { kubeadmBinary } from "../harness/testbed.ts";

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

/** Runs kubestrap in this process with captured io. */
export async function ks(...args: string[]): Promise<RunResult> {
  let out = "";
  let err = "";
  const code = await program({ out: (s) => void (out += s), err: (s) => void (err += s) }).run(
    args,
  );
  return { code, out, err };
}

/** Runs kubestrap as a fresh process (its own start time, as kubeadm's StartTimeUTC). */
export async function ksProcess(...args: string[]): Promise<RunResult> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: r.code, out: decoder.decode(r.stdout), err: decoder.decode(r.stderr) };
}

/**
 * Runs kubestrap as a fresh process with only `env` (PATH=/nonexistent: no init system, no
 * runtime tools; HOME kept), as an operator's shell would run it.
 */
export async function ksIsolated(
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    env: { PATH: "/nonexistent", HOME: Deno.env.get("HOME") ?? "/root", NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: r.code, out: decoder.decode(r.stdout), err: decoder.decode(r.stderr) };
}

/** A fresh root with the PKI and kubeconfig files of `init phase certs/kubeconfig all`. */
export async function makeRoot(prefix = "kubestrap-certs-"): Promise<string> {
  const root = await Deno.makeTempDir({ prefix });
  for (const phase of ["certs", "kubeconfig"]) {
    const r = await ks("init", "phase", phase, "all", "--rootfs", root);
    if (r.code !== 0) throw new Error(`init phase ${phase} all failed: ${r.err}`);
  }
  return root;
}

/** Copies a whole root (cp -a). */
export async function copyRoot(src: string, prefix = "kubestrap-certs-copy-"): Promise<string> {
  const dst = await Deno.makeTempDir({ prefix });
  await sh(`cp -a '${src}/.' '${dst}/'`);
  return dst;
}

export async function sh(cmd: string): Promise<RunResult> {
  const r = await new Deno.Command("sh", { args: ["-c", cmd], stdout: "piped", stderr: "piped" })
    .output();
  return { code: r.code, out: decoder.decode(r.stdout), err: decoder.decode(r.stderr) };
}

/** openssl x509 fields of a PEM certificate (file or text). */
export async function x509(pemOrPath: string, fields = "-serial -enddate -subject"): Promise<
  string
> {
  const input = pemOrPath.startsWith("-----") ? pemOrPath : await Deno.readTextFile(pemOrPath);
  const p = new Deno.Command("openssl", {
    args: ["x509", "-noout", ...fields.split(" "), "-nameopt", "RFC2253"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(input));
  await w.close();
  const r = await p.output();
  if (r.code !== 0) throw new Error(`openssl: ${decoder.decode(r.stderr)}`);
  return decoder.decode(r.stdout);
}

/** The PEM of a kubeconfig's `client-certificate-data`. */
export function clientCertOf(kubeconfig: string): string {
  const m = kubeconfig.match(/client-certificate-data: (\S+)/);
  if (!m) throw new Error("no client-certificate-data");
  return atob(m[1]);
}

/** The real kubeadm v1.37.2 (KUBESTRAP_CACHE or ~/.cache/kubestrap), or undefined. */
export function kubeadmPath(): string | undefined {
  const p = kubeadmBinary();
  try {
    return Deno.statSync(p).isFile ? p : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a private mount namespace with a bind mount can be made here (root, unshare). */
export function canUnshare(): boolean {
  try {
    const r = new Deno.Command("unshare", {
      args: ["-m", "sh", "-c", "mount --bind /tmp /mnt && true"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return r.code === 0;
  } catch {
    return false;
  }
}

/**
 * Runs `kubeadm <args>` with `<root>/etc/kubernetes` bind-mounted over /etc/kubernetes in a
 * private mount namespace (kubeadm reads the kubeconfig files of check-expiration and renew
 * from the hard-coded /etc/kubernetes). The host's /etc/kubernetes is left untouched.
 */
export async function kubeadmIn(root: string, ...args: string[]): Promise<RunResult> {
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return await sh(
    `unshare -m sh -c "mkdir -p /etc/kubernetes && mount --bind '${root}/etc/kubernetes' ` +
      `/etc/kubernetes && exec '${kubeadmPath()}' ${quoted}"`,
  );
}

/** Residual times may differ by a second or a minute between two runs: blank them. */
export function normaliseResidual(s: string): string {
  return s.replace(/"residualTime": \d+/g, '"residualTime": N')
    .replace(/residualTime: \d+/g, "residualTime: N");
}
