/**
 * containerd's image store through `ctr` (namespace `k8s.io`, the one the CRI plugin serves):
 * list images with their target digests, export images as an OCI archive, import an archive
 * from a stream.
 */
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import { criSocketPath } from "../cri/cri.ts";

const K8S_NAMESPACE = "k8s.io";

/** The containerd gRPC address of a CRI socket endpoint (containerd serves both on one socket). */
export function containerdAddress(criSocket: string): string {
  try {
    return criSocketPath(criSocket);
  } catch (e) {
    throw new KubestrapError(`invalid CRI socket ${criSocket}: ${(e as Error).message}`);
  }
}

export interface StoreImage {
  name: string;
  mediaType: string;
  digest: string;
}

export class Ctr {
  constructor(
    readonly address: string,
    readonly binary = "ctr",
    readonly namespace = K8S_NAMESPACE,
    readonly host = new Host(),
  ) {}

  private args(a: string[]): string[] {
    return ["--address", this.address, "--namespace", this.namespace, ...a];
  }

  private async run(a: string[], timeoutMs = 120_000): Promise<string> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    try {
      const out = await this.host.spawn(this.binary, this.args(a), {
        stdout: "piped",
        stderr: "piped",
        signal: ac.signal,
      }).output();
      const dec = new TextDecoder();
      if (out.code !== 0) {
        throw new KubestrapError(
          `ctr ${a.slice(0, 2).join(" ")} failed: ${dec.decode(out.stderr).trim()}`,
        );
      }
      return dec.decode(out.stdout);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new KubestrapError(
          `${this.binary} not found in PATH: containerd's ctr is needed to read and fill its store`,
        );
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every image in the namespace: name, target media type and digest. */
  async images(): Promise<StoreImage[]> {
    const text = await this.run(["images", "ls"]);
    const out: StoreImage[] = [];
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 3 || !f[2].startsWith("sha256:")) continue;
      out.push({ name: f[0], mediaType: f[1], digest: f[2] });
    }
    return out;
  }

  /** `ctr images export` of the given images for the given platforms into `out`. */
  async export(out: string, refs: string[], platforms: string[]): Promise<void> {
    const p = platforms.flatMap((x) => ["--platform", x]);
    await this.run(["images", "export", "--skip-manifest-json", ...p, out, ...refs], 600_000);
  }

  /** `ctr images import -` fed from `tar` (an OCI archive stream). */
  async importStream(tar: ReadableStream<Uint8Array>, opts: { platforms?: string[] } = {}) {
    const args = ["images", "import"];
    for (const p of opts.platforms ?? []) args.push("--platform", p);
    args.push("-");
    let child: Deno.ChildProcess;
    try {
      child = this.host.spawn(this.binary, this.args(args), {
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new KubestrapError(`${this.binary} not found in PATH`);
      }
      throw e;
    }
    const piped = tar.pipeTo(child.stdin).catch((e) => e as Error);
    const out = await child.output();
    const pipeErr = await piped;
    const dec = new TextDecoder();
    if (out.code !== 0) {
      throw new KubestrapError(`ctr images import failed: ${dec.decode(out.stderr).trim()}`);
    }
    if (pipeErr instanceof Error) throw pipeErr;
    return dec.decode(out.stdout);
  }
}
