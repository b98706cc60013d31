/** Shared test helpers: temp roots, the real openssl CLI, file modes. */
import { Host } from "../../lib/host.ts";
import { type RenewalFS, renewalFS } from "../../lib/renewal/staged.ts";
import type { PkiInputs } from "../../lib/pki/certlist.ts";
import { kubeadmBinary } from "../harness/testbed.ts";

export const PKI = "/etc/kubernetes/pki";
export const CLOCK = new Date(Date.UTC(2026, 10, 25, 9, 0, 0));

export function baseInputs(over: Partial<PkiInputs> = {}): PkiInputs {
  return {
    certificatesDir: PKI,
    nodeName: "node1",
    advertiseAddress: "192.168.1.10",
    serviceSubnet: "10.96.0.0/12",
    dnsDomain: "cluster.local",
    encryptionAlgorithm: "RSA-2048",
    clock: () => new Date(Date.now() - 60_000),
    ...over,
  };
}

/** A temporary root with the PKI file access over a Host rooted there. */
export async function tempRoot(): Promise<
  { root: string; fs: RenewalFS; host: (p: string) => string }
> {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-pki-" });
  const h = new Host(root);
  return { root, fs: renewalFS(h), host: (p: string) => h.resolve(p) };
}

export async function run(cmd: string, args: string[], stdin?: Uint8Array | string): Promise<
  { code: number; stdout: string; stderr: string; raw: Uint8Array }
> {
  const p = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = p.stdin.getWriter();
    await w.write(typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin);
    await w.close();
  }
  const out = await p.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
    raw: out.stdout,
  };
}

export async function openssl(args: string[], stdin?: Uint8Array | string): Promise<string> {
  const r = await run("openssl", args, stdin);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

/** Every file under dir with its bytes (for "nothing changed" checks). */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(d: string) {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else out.set(p, new TextDecoder().decode(await Deno.readFile(p)));
    }
  }
  await walk(dir);
  return out;
}

/** A kubeadm v1.37.2 binary if one was built (tests using it are skipped otherwise). */
export function findKubeadm(): string | undefined {
  for (const p of [Deno.env.get("KUBEADM"), kubeadmBinary()]) {
    if (!p) continue;
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}
