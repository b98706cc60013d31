/**
 * A small streaming tar (POSIX ustar) writer and an indexing reader, enough for OCI image-layout
 * archives: regular files and directories, deterministic headers (uid/gid 0, mtime 0), PAX
 * `path`/`size` records understood on read (Go's archive/tar writes them for long names).
 */
import { createHash } from "node:crypto";
import { Host } from "../host.ts";

/** Archives are files of the machine kubestrap runs on (like `--config`), never rerooted. */
const machine = new Host();

const BLOCK = 512;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** One entry of an indexed archive: where its data starts and how long it is. */
export interface TarEntry {
  name: string;
  /** "file", "dir", or "other" (links, devices: never followed). */
  type: "file" | "dir" | "other";
  size: number;
  mode: number;
  /** Byte offset of the entry's data in the archive. */
  offset: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

function putString(buf: Uint8Array, off: number, len: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > len) throw new Error(`tar: field too long: ${s}`);
  buf.set(b, off);
}

/** Splits a path into ustar's prefix (155) and name (100) fields. */
function splitName(name: string): { prefix: string; name: string } {
  if (enc.encode(name).length <= 100) return { prefix: "", name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== "/") continue;
    const p = name.slice(0, i);
    const n = name.slice(i + 1);
    if (enc.encode(p).length <= 155 && enc.encode(n).length <= 100 && n.length > 0) {
      return { prefix: p, name: n };
    }
  }
  throw new Error(`tar: path too long for ustar: ${name}`);
}

/** A 512-byte ustar header. */
function tarHeader(
  name: string,
  size: number,
  opts: { mode?: number; type?: "file" | "dir" } = {},
): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const type = opts.type ?? "file";
  const sp = splitName(type === "dir" && !name.endsWith("/") ? name + "/" : name);
  putString(h, 0, 100, sp.name);
  putString(h, 100, 8, octal(opts.mode ?? (type === "dir" ? 0o755 : 0o644), 8));
  putString(h, 108, 8, octal(0, 8));
  putString(h, 116, 8, octal(0, 8));
  if (size > 0o77777777777) throw new Error(`tar: ${name} is too large`);
  putString(h, 124, 12, octal(size, 12));
  putString(h, 136, 12, octal(0, 12));
  putString(h, 148, 8, "        ");
  h[156] = type === "dir" ? 0x35 : 0x30;
  putString(h, 257, 6, "ustar\0");
  putString(h, 263, 2, "00");
  putString(h, 345, 155, sp.prefix);
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Writes a tar archive to a stream, one entry at a time. */
export class TarWriter {
  #w: WritableStreamDefaultWriter<Uint8Array>;
  #names = new Set<string>();
  /** Bytes written so far. */
  written = 0;

  constructor(sink: WritableStream<Uint8Array>) {
    this.#w = sink.getWriter();
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  async #write(b: Uint8Array): Promise<void> {
    await this.#w.write(b);
    this.written += b.length;
  }

  async dir(name: string): Promise<void> {
    this.#names.add(name);
    await this.#write(tarHeader(name, 0, { type: "dir" }));
  }

  /** A file from memory. */
  async file(name: string, data: Uint8Array, mode = 0o644): Promise<void> {
    this.#names.add(name);
    await this.#write(tarHeader(name, data.length, { mode }));
    await this.#write(data);
    const pad = padding(data.length);
    if (pad) await this.#write(new Uint8Array(pad));
  }

  /**
   * A file from a stream of exactly `size` bytes; returns the sha256 (hex) of what was written.
   * Fails (leaving the archive unusable) when the stream is shorter or longer.
   */
  async stream(
    name: string,
    size: number,
    body: ReadableStream<Uint8Array>,
    mode = 0o644,
  ): Promise<string> {
    this.#names.add(name);
    await this.#write(tarHeader(name, size, { mode }));
    const hash = createHash("sha256");
    let n = 0;
    for await (const chunk of body) {
      n += chunk.length;
      if (n > size) throw new Error(`${name}: more than the expected ${size} bytes`);
      hash.update(chunk);
      await this.#write(chunk);
    }
    if (n !== size) throw new Error(`${name}: got ${n} bytes, expected ${size}`);
    const pad = padding(size);
    if (pad) await this.#write(new Uint8Array(pad));
    return hash.digest("hex");
  }

  /** Writes the two zero blocks that end an archive and closes the sink. */
  async close(): Promise<void> {
    await this.#write(new Uint8Array(BLOCK * 2));
    await this.#w.close();
  }

  async abort(reason?: unknown): Promise<void> {
    await this.#w.abort(reason).catch(() => {});
  }
}

function cstr(b: Uint8Array): string {
  const z = b.indexOf(0);
  return dec.decode(z < 0 ? b : b.subarray(0, z));
}

function parseNumber(b: Uint8Array): number {
  if (b[0] & 0x80) { // base-256
    let n = 0;
    for (let i = 1; i < b.length; i++) n = n * 256 + b[i];
    return n;
  }
  const s = cstr(b).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let s = dec.decode(data);
  while (s.length > 0) {
    const sp = s.indexOf(" ");
    if (sp < 0) break;
    const len = parseInt(s.slice(0, sp), 10);
    if (!(len > 0)) break;
    // Lengths count bytes; records here are ASCII in practice.
    const rec = s.slice(sp + 1, len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    s = s.slice(len);
  }
  return out;
}

async function readFull(f: Deno.FsFile, buf: Uint8Array): Promise<boolean> {
  let off = 0;
  while (off < buf.length) {
    const n = await f.read(buf.subarray(off));
    if (n === null) {
      if (off === 0) return false;
      throw new Error("tar: unexpected end of archive");
    }
    off += n;
  }
  return true;
}

/** Reads every header of an archive (seeking over the data) and returns the entries in order. */
export async function indexTar(path: string): Promise<TarEntry[]> {
  const f = await machine.open(machine.absolute(path));
  try {
    const out: TarEntry[] = [];
    const h = new Uint8Array(BLOCK);
    let pos = 0;
    let pax: Record<string, string> = {};
    while (true) {
      if (!await readFull(f, h)) break;
      pos += BLOCK;
      if (h.every((b) => b === 0)) break;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
      if (sum !== parseNumber(h.subarray(148, 156))) {
        throw new Error(`tar: bad header checksum at offset ${pos - BLOCK} (not a tar archive?)`);
      }
      const typeflag = String.fromCharCode(h[156] || 0x30);
      let size = parseNumber(h.subarray(124, 136));
      const magic = cstr(h.subarray(257, 263));
      const prefix = magic.startsWith("ustar") ? cstr(h.subarray(345, 500)) : "";
      let name = cstr(h.subarray(0, 100));
      if (prefix) name = `${prefix}/${name}`;
      if (typeflag === "x" || typeflag === "g") {
        const data = new Uint8Array(size);
        await readFull(f, data);
        await f.seek(padding(size), Deno.SeekMode.Current);
        pos += size + padding(size);
        if (typeflag === "x") pax = parsePax(data);
        continue;
      }
      if (typeflag === "L") { // GNU long name
        const data = new Uint8Array(size);
        await readFull(f, data);
        await f.seek(padding(size), Deno.SeekMode.Current);
        pos += size + padding(size);
        pax = { ...pax, path: cstr(data) };
        continue;
      }
      if (pax.path) name = pax.path;
      if (pax.size) size = Number(pax.size);
      pax = {};
      name = name.replace(/^\.\//, "").replace(/\/+$/, "");
      const type = typeflag === "0" || typeflag === "7"
        ? "file"
        : typeflag === "5"
        ? "dir"
        : "other";
      out.push({ name, type, size, mode: parseNumber(h.subarray(100, 108)), offset: pos });
      const skip = size + padding(size);
      await f.seek(skip, Deno.SeekMode.Current);
      pos += skip;
    }
    return out;
  } finally {
    f.close();
  }
}

/** A stream of one entry's data. */
export function entryStream(path: string, e: TarEntry): ReadableStream<Uint8Array> {
  let f: Deno.FsFile | undefined;
  let left = e.size;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (!f) {
        f = await machine.open(machine.absolute(path));
        await f.seek(e.offset, Deno.SeekMode.Start);
      }
      if (left === 0) {
        f.close();
        ctrl.close();
        return;
      }
      const buf = new Uint8Array(Math.min(left, 1 << 20));
      const n = await f.read(buf);
      if (n === null) {
        f.close();
        ctrl.error(new Error(`${path}: ${e.name} is truncated`));
        return;
      }
      left -= n;
      ctrl.enqueue(buf.subarray(0, n));
    },
    cancel() {
      f?.close();
    },
  });
}

/** An entry's data in memory (for small files: index.json, manifests, configs). */
export async function readEntry(path: string, e: TarEntry): Promise<Uint8Array> {
  const f = await machine.open(machine.absolute(path));
  try {
    await f.seek(e.offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(e.size);
    if (e.size > 0 && !await readFull(f, buf)) throw new Error(`${e.name} is truncated`);
    return buf;
  } finally {
    f.close();
  }
}
