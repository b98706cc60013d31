/**
 * File access used by the PKI and kubeconfig code. Paths are absolute paths as the cluster sees
 * them (/etc/kubernetes/pki/ca.crt); an implementation may root them elsewhere.
 */
import * as path from "@std/path";

export interface PkiFS {
  /** File contents, or undefined when the file does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /**
   * Atomically replaces `path` with `data` and gives it exactly `mode`. Missing parent
   * directories are created with `dirMode` (kubeadm: 0755, via os.MkdirAll).
   */
  writeFile(path: string, data: Uint8Array | string, mode: number, dirMode?: number): Promise<void>;
  exists(path: string): Promise<boolean>;
}

/** The subset of lib/host.ts's Host that hostPkiFS needs (structural, no import). */
export interface HostLike {
  readFile(p: string): Promise<Uint8Array | undefined>;
  exists(p: string): Promise<boolean>;
  writeFile(
    p: string,
    data: Uint8Array | string,
    opts?: { mode?: number; dirMode?: number },
  ): Promise<void>;
}

/** Adapts a Host (lib/host.ts) to PkiFS. */
export function hostPkiFS(host: HostLike): PkiFS {
  return {
    readFile: (p) => host.readFile(p),
    exists: (p) => host.exists(p),
    writeFile: (p, data, mode, dirMode = 0o755) => host.writeFile(p, data, { mode, dirMode }),
  };
}

/** PkiFS over Deno APIs, every path resolved under `root` ("/" = the real host). */
export class DenoPkiFS implements PkiFS {
  readonly root: string;
  constructor(root = "/") {
    this.root = path.resolve(root);
  }

  resolve(p: string): string {
    const rel = path.normalize(p).replace(/^\/+/, "");
    return this.root === "/" ? "/" + rel : path.join(this.root, rel);
  }

  async readFile(p: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(this.resolve(p));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
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

  async #mkdirAll(dir: string, mode: number): Promise<void> {
    const missing: string[] = [];
    let cur = dir;
    while (true) {
      try {
        await Deno.stat(cur);
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

  async writeFile(
    p: string,
    data: Uint8Array | string,
    mode: number,
    dirMode = 0o755,
  ): Promise<void> {
    const abs = this.resolve(p);
    const dir = path.dirname(abs);
    await this.#mkdirAll(dir, dirMode);
    const tmp = path.join(dir, `.${path.basename(abs)}.tmp-${crypto.randomUUID().slice(0, 8)}`);
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    try {
      const f = await Deno.open(tmp, { write: true, createNew: true, mode });
      try {
        let off = 0;
        while (off < bytes.length) off += await f.write(bytes.subarray(off));
        await f.sync();
      } finally {
        f.close();
      }
      await Deno.chmod(tmp, mode);
      await Deno.rename(tmp, abs);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
  }
}
