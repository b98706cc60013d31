/**
 * Air-gap bundles: one OCI image-layout tar archive holding every image a configuration needs
 * (for the requested platforms) plus optional host files, with a manifest
 * (`kubestrap-bundle.json`) that lists every blob and file with its sha256 and every image
 * reference with its digest.
 *
 * Layout (a valid OCI image layout; `ctr images import` and skopeo read it as is):
 *   oci-layout, index.json            one index entry per image reference
 *   blobs/sha256/<hex>                manifests, indexes, configs, layers
 *   files/<name>                      host files (kubelet, kubectl, crictl, units), mode kept
 *   kubestrap-bundle.json             the manifest (last entry)
 *
 * create: from a registry (OCI distribution API) or from containerd's store (ctr export).
 * verify: every digest and size, the index against the manifest, every image's blob graph;
 *   no network. import: verify, then load the images not already present (same name and
 *   digest) into containerd's k8s.io namespace; rerunning it changes nothing.
 * diff: images, blobs and files that differ between two bundles (manifests only).
 */
import * as path from "@std/path";
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import type { Ctr } from "./containerd.ts";
import {
  type Descriptor,
  type Fetched,
  formatRef,
  hostPlatform,
  type ImageIndex,
  type ImageManifest,
  isIndex,
  isManifest,
  MEDIA,
  parseRef,
  platformMatches,
  platformString,
  RegistryClient,
} from "./registry.ts";
import { entryStream, indexTar, readEntry, type TarEntry, TarWriter } from "./tar.ts";
import { sha256Hex, sha256HexStream } from "../util/sha256.ts";

/** Bundles and their host files are files of the machine kubestrap runs on, never rerooted. */
const machine = new Host();

const MANIFEST_NAME = "kubestrap-bundle.json";
const BUNDLE_API = "kubestrap.dev/v1alpha1";

export interface BundleImage {
  /** The reference as the configuration names it. */
  ref: string;
  /** Digest of what the reference resolves to (index or manifest), as a registry reports it. */
  digest: string;
  mediaType: string;
  size: number;
  /** Platforms whose content the bundle holds. */
  platforms: string[];
  /** Every blob of this image in the bundle (index, manifests, configs, layers). */
  blobs: string[];
}

export interface BundleBlob {
  digest: string;
  size: number;
  mediaType?: string;
}

export interface BundleFile {
  /** Path inside the archive. */
  path: string;
  sha256: string;
  size: number;
  mode?: number;
  /** Where it came from on the machine that made the bundle. */
  source?: string;
}

export interface BundleManifest {
  apiVersion: string;
  kind: "Bundle";
  created: string;
  kubestrapVersion: string;
  kubernetesVersion?: string;
  source: string;
  platforms: string[];
  images: BundleImage[];
  blobs: BundleBlob[];
  files: BundleFile[];
}

/** Where create reads images from. */
export interface ImageSource {
  describe(): string;
  /** Resolves a reference to its top-level manifest or index. */
  resolve(ref: string): Promise<Fetched>;
  /** A manifest or index by digest (within the image of `ref`). */
  manifest(ref: string, digest: string): Promise<Fetched>;
  /** A blob's content by digest. */
  blob(ref: string, d: Descriptor): Promise<ReadableStream<Uint8Array>>;
  close?(): Promise<void>;
}

/** Images from registries over the OCI distribution API. */
export function registrySource(opts: { fetch?: typeof fetch } = {}): ImageSource {
  const clients = new Map<string, RegistryClient>();
  const client = (ref: string) => {
    const r = parseRef(ref);
    let c = clients.get(r.domain);
    if (!c) clients.set(r.domain, c = new RegistryClient(r.domain, { fetch: opts.fetch }));
    return { c, r };
  };
  return {
    describe: () => "registry",
    resolve(ref) {
      const { c, r } = client(ref);
      return c.manifest(r.path, r.digest ?? r.tag!);
    },
    manifest(ref, digest) {
      const { c, r } = client(ref);
      return c.manifest(r.path, digest);
    },
    async blob(ref, d) {
      const { c, r } = client(ref);
      return (await c.blob(r.path, d.digest)).body;
    },
  };
}

/** Images from containerd's store: one `ctr images export` into a temporary archive. */
export async function containerdSource(
  ctr: Ctr,
  refs: string[],
  platforms: string[],
): Promise<ImageSource> {
  const present = new Set((await ctr.images()).map((i) => i.name));
  const missing = refs.filter((r) => !present.has(r));
  if (missing.length > 0) {
    throw new KubestrapError(
      `${missing.length} images are not in containerd's ${ctr.namespace} namespace: ` +
        missing.join(", "),
    );
  }
  const dir = await Host.tempDir("kubestrap-export-");
  const tar = path.join(dir, "export.tar");
  try {
    await ctr.export(tar, refs, platforms);
  } catch (e) {
    await machine.remove(dir, { recursive: true });
    throw e;
  }
  const entries = new Map((await indexTar(tar)).map((e) => [e.name, e]));
  const read = async (name: string) => {
    const e = entries.get(name);
    if (!e) throw new KubestrapError(`containerd's export lacks ${name}`);
    return await readEntry(tar, e);
  };
  const index = JSON.parse(new TextDecoder().decode(await read("index.json"))) as ImageIndex;
  const byDigest = async (digest: string): Promise<Fetched> => {
    const bytes = await read(blobPath(digest));
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: string };
    return { bytes, digest, mediaType: parsed.mediaType ?? "" };
  };
  return {
    describe: () => `containerd (${ctr.address}, namespace ${ctr.namespace})`,
    async resolve(ref) {
      const d = index.manifests.find((m) =>
        m.annotations?.["io.containerd.image.name"] === ref ||
        m.annotations?.["org.opencontainers.image.ref.name"] === ref
      );
      if (!d) throw new KubestrapError(`containerd's export lacks ${ref}`);
      const f = await byDigest(d.digest);
      return { ...f, mediaType: f.mediaType || d.mediaType };
    },
    manifest: (_ref, digest) => byDigest(digest),
    blob(_ref, d) {
      const e = entries.get(blobPath(d.digest));
      if (!e) {
        return Promise.reject(
          new KubestrapError(`containerd's store lacks blob ${d.digest} (not fully pulled?)`),
        );
      }
      return Promise.resolve(entryStream(tar, e));
    },
    close: async () => {
      await machine.remove(dir, { recursive: true });
    },
  };
}

function blobPath(digest: string): string {
  return `blobs/sha256/${digest.replace(/^sha256:/, "")}`;
}

function hexOf(digest: string): string {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new KubestrapError(`bad digest ${digest}`);
  return digest.slice(7);
}

function json(b: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(b));
}

export interface CreateOptions {
  images: string[];
  platforms?: string[];
  source: ImageSource;
  /** Host files to add: paths on this machine; stored as files/<basename>. */
  files?: string[];
  out: string;
  kubernetesVersion?: string;
  kubestrapVersion?: string;
  log?: (s: string) => void;
}

export interface CreateResult {
  manifest: BundleManifest;
  bytes: number;
}

/** Writes a bundle (to a temporary file renamed over `out` when complete). */
export async function createBundle(opts: CreateOptions): Promise<CreateResult> {
  const platforms = opts.platforms?.length ? opts.platforms : [hostPlatform()];
  const log = opts.log ?? (() => {});
  const fileNames = new Map<string, string>();
  for (const f of opts.files ?? []) {
    const name = path.basename(f);
    if (fileNames.has(name)) {
      throw new KubestrapError(`two host files named ${name}: ${fileNames.get(name)} and ${f}`);
    }
    const st = await machine.stat(machine.absolute(f)).catch(() => undefined);
    if (!st?.isFile) throw new KubestrapError(`host file ${f}: not a regular file`);
    fileNames.set(name, f);
  }
  const dir = path.dirname(machine.absolute(opts.out));
  const tmp = path.join(dir, `.${path.basename(opts.out)}.tmp-${crypto.randomUUID().slice(0, 8)}`);
  const file = await machine.open(tmp, { write: true, createNew: true });
  const tw = new TarWriter(file.writable);
  const blobs = new Map<string, BundleBlob>();
  const images: BundleImage[] = [];
  const files: BundleFile[] = [];
  let closed = false;
  try {
    const layout = new TextEncoder().encode(JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await tw.file("oci-layout", layout);
    files.push({ path: "oci-layout", sha256: sha256Hex(layout), size: layout.length });
    await tw.dir("blobs");
    await tw.dir("blobs/sha256");

    const putBytes = async (digest: string, bytes: Uint8Array, mediaType?: string) => {
      if (blobs.has(digest)) return;
      const got = "sha256:" + sha256Hex(bytes);
      if (got !== digest) throw new KubestrapError(`content of ${digest} hashes to ${got}`);
      await tw.file(blobPath(digest), bytes);
      blobs.set(digest, { digest, size: bytes.length, mediaType });
    };
    const putStream = async (ref: string, d: Descriptor) => {
      if (blobs.has(d.digest)) return;
      hexOf(d.digest);
      const body = await opts.source.blob(ref, d);
      const got = await tw.stream(blobPath(d.digest), d.size, body);
      if (`sha256:${got}` !== d.digest) {
        throw new KubestrapError(
          `${ref}: blob ${d.digest} hashes to sha256:${got} (corrupt source)`,
        );
      }
      blobs.set(d.digest, { digest: d.digest, size: d.size, mediaType: d.mediaType });
    };

    const indexEntries: Descriptor[] = [];
    for (const ref of opts.images) {
      const top = await opts.source.resolve(ref);
      const used: string[] = [top.digest];
      const got: string[] = [];
      const manifests: { ref: string; digest: string; bytes: Uint8Array; platform?: string }[] = [];
      await putBytes(top.digest, top.bytes, top.mediaType);
      if (isIndex(top.mediaType)) {
        const idx = json(top.bytes) as ImageIndex;
        for (const p of platforms) {
          const d = idx.manifests.find((m) => platformMatches(m.platform, p));
          if (!d) {
            throw new KubestrapError(
              `${ref} has no image for platform ${p} (it has ${
                idx.manifests.map((m) => m.platform ? platformString(m.platform) : "?").join(", ")
              })`,
            );
          }
          const m = await opts.source.manifest(ref, d.digest);
          await putBytes(d.digest, m.bytes, d.mediaType);
          used.push(d.digest);
          manifests.push({ ref, digest: d.digest, bytes: m.bytes, platform: p });
        }
      } else if (isManifest(top.mediaType)) {
        manifests.push({ ref, digest: top.digest, bytes: top.bytes });
      } else {
        throw new KubestrapError(`${ref}: unsupported manifest media type ${top.mediaType}`);
      }
      let singlePlatform: Descriptor["platform"];
      for (const m of manifests) {
        const man = json(m.bytes) as ImageManifest;
        await putStream(ref, man.config);
        used.push(man.config.digest);
        if (!m.platform) {
          // A single-platform image: its config says what it is.
          const cfgBytes = await readBack(opts.source, ref, man.config);
          const c = json(cfgBytes) as { os?: string; architecture?: string; variant?: string };
          const p = { os: c.os ?? "", architecture: c.architecture ?? "", variant: c.variant };
          singlePlatform = p;
          const missing = platforms.filter((want) => !platformMatches(p, want));
          if (missing.length > 0) {
            throw new KubestrapError(
              `${ref} is a ${platformString(p)} image only; no image for ${missing.join(", ")}`,
            );
          }
          got.push(platformString(p));
        } else got.push(m.platform);
        for (const l of man.layers) {
          await putStream(ref, l);
          used.push(l.digest);
        }
      }
      const r = parseRef(ref);
      indexEntries.push({
        mediaType: top.mediaType,
        digest: top.digest,
        size: top.bytes.length,
        ...(singlePlatform ? { platform: stripEmpty(singlePlatform) } : {}),
        annotations: {
          "io.containerd.image.name": ref,
          "org.opencontainers.image.ref.name": r.tag ?? r.digest ?? "",
        },
      });
      images.push({
        ref,
        digest: top.digest,
        mediaType: top.mediaType,
        size: top.bytes.length,
        platforms: got,
        blobs: [...new Set(used)],
      });
      log(`[bundle] Added ${ref} (${top.digest})\n`);
    }

    for (const [name, src] of fileNames) {
      const st = (await machine.stat(machine.absolute(src)))!;
      const f = await machine.open(machine.absolute(src));
      const mode = (st.mode ?? 0o644) & 0o777;
      const sum = await tw.stream(`files/${name}`, st.size, f.readable, mode);
      files.push({ path: `files/${name}`, sha256: sum, size: st.size, mode, source: src });
      log(`[bundle] Added file ${src} as files/${name}\n`);
    }

    const indexBytes = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: indexEntries }),
    );
    await tw.file("index.json", indexBytes);
    files.push({ path: "index.json", sha256: sha256Hex(indexBytes), size: indexBytes.length });

    const manifest: BundleManifest = {
      apiVersion: BUNDLE_API,
      kind: "Bundle",
      created: new Date().toISOString(),
      kubestrapVersion: opts.kubestrapVersion ?? "",
      kubernetesVersion: opts.kubernetesVersion,
      source: opts.source.describe(),
      platforms,
      images,
      blobs: [...blobs.values()],
      files,
    };
    await tw.file(
      MANIFEST_NAME,
      new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n"),
    );
    await tw.close();
    closed = true;
    await machine.rename(tmp, machine.absolute(opts.out));
    return { manifest, bytes: (await machine.stat(machine.absolute(opts.out)))!.size };
  } catch (e) {
    if (!closed) await tw.abort(e);
    await machine.remove(tmp).catch(() => {});
    throw e;
  } finally {
    await opts.source.close?.();
  }
}

function stripEmpty(p: { os: string; architecture: string; variant?: string }) {
  return p.variant ? p : { os: p.os, architecture: p.architecture };
}

async function readBack(src: ImageSource, ref: string, d: Descriptor): Promise<Uint8Array> {
  const s = await src.blob(ref, d);
  return new Uint8Array(await new Response(s).arrayBuffer());
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface OpenBundle {
  path: string;
  entries: Map<string, TarEntry>;
  manifest: BundleManifest;
}

async function openBundle(file: string): Promise<OpenBundle> {
  let list: TarEntry[];
  try {
    list = await indexTar(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new KubestrapError(`${file}: no such file`);
    throw new KubestrapError(`${file}: ${(e as Error).message}`);
  }
  const entries = new Map<string, TarEntry>();
  for (const e of list) {
    if (entries.has(e.name)) throw new KubestrapError(`${file}: duplicate entry ${e.name}`);
    entries.set(e.name, e);
  }
  const m = entries.get(MANIFEST_NAME);
  if (!m) throw new KubestrapError(`${file}: not a kubestrap bundle (no ${MANIFEST_NAME})`);
  let manifest: BundleManifest;
  try {
    manifest = json(await readEntry(file, m)) as BundleManifest;
  } catch (e) {
    throw new KubestrapError(`${file}: ${MANIFEST_NAME}: ${(e as Error).message}`);
  }
  if (manifest.kind !== "Bundle" || manifest.apiVersion !== BUNDLE_API) {
    throw new KubestrapError(`${file}: unsupported bundle ${manifest.apiVersion}/${manifest.kind}`);
  }
  return { path: file, entries, manifest };
}

export interface VerifyResult {
  problems: string[];
  images: number;
  blobs: number;
  files: number;
  bytes: number;
}

/** Checks every digest, size and reference of a bundle, reading nothing but the archive. */
export async function verifyBundle(
  file: string,
  opts: { log?: (s: string) => void } = {},
): Promise<VerifyResult> {
  const b = await openBundle(file);
  const { manifest, entries } = b;
  const problems: string[] = [];
  const usedBy = new Map<string, string[]>();
  for (const i of manifest.images) {
    for (const d of i.blobs) usedBy.set(d, [...usedBy.get(d) ?? [], i.ref]);
  }
  const listed = new Set<string>([MANIFEST_NAME]);
  let bytes = 0;
  const good = new Set<string>();
  for (const blob of manifest.blobs) {
    const name = blobPath(blob.digest);
    listed.add(name);
    const e = entries.get(name);
    const who = usedBy.get(blob.digest)?.join(", ") ?? "no image";
    if (!e || e.type !== "file") {
      problems.push(`blob ${blob.digest} (${name}, used by ${who}): missing from the archive`);
      continue;
    }
    if (e.size !== blob.size) {
      problems.push(
        `blob ${blob.digest} (${name}, used by ${who}): size ${e.size}, manifest says ${blob.size}`,
      );
      continue;
    }
    const got = await sha256HexStream(entryStream(file, e));
    bytes += e.size;
    if (`sha256:${got}` !== blob.digest) {
      problems.push(
        `blob ${blob.digest} (${name}, used by ${who}): digest mismatch, content is sha256:${got}`,
      );
      continue;
    }
    good.add(blob.digest);
  }
  for (const f of manifest.files) {
    listed.add(f.path);
    const e = entries.get(f.path);
    if (!e || e.type !== "file") {
      problems.push(`file ${f.path}: missing from the archive`);
      continue;
    }
    const got = await sha256HexStream(entryStream(file, e));
    bytes += e.size;
    if (e.size !== f.size || got !== f.sha256) {
      problems.push(`file ${f.path}: sha256 mismatch, content is ${got} (${e.size} bytes)`);
    }
  }
  for (const e of entries.values()) {
    if (e.type === "dir") continue;
    if (!listed.has(e.name)) problems.push(`${e.name}: in the archive but not in the manifest`);
  }
  // The index names exactly the manifest's images, with their digests.
  const idxEntry = entries.get("index.json");
  if (idxEntry) {
    try {
      const idx = json(await readEntry(file, idxEntry)) as ImageIndex;
      const byRef = new Map(
        idx.manifests.map((m) => [m.annotations?.["io.containerd.image.name"] ?? "", m]),
      );
      for (const i of manifest.images) {
        const d = byRef.get(i.ref);
        if (!d) problems.push(`image ${i.ref}: not in index.json`);
        else if (d.digest !== i.digest) {
          problems.push(`image ${i.ref}: index.json says ${d.digest}, manifest says ${i.digest}`);
        }
      }
      if (byRef.size !== manifest.images.length) {
        problems.push(
          `index.json has ${byRef.size} images, the manifest ${manifest.images.length}`,
        );
      }
    } catch (e) {
      problems.push(`index.json: ${(e as Error).message}`);
    }
  } else if (!manifest.files.some((f) => f.path === "index.json")) {
    problems.push("index.json: missing");
  }
  // Each image's graph: every blob its manifests reference (for its platforms) is in the bundle.
  for (const i of manifest.images) {
    if (!good.has(i.digest)) continue; // already reported
    const need = await imageGraph(b, i).catch((e) => {
      problems.push(`image ${i.ref}: ${(e as Error).message}`);
      return [] as string[];
    });
    for (const d of need) {
      if (!manifest.blobs.some((x) => x.digest === d)) {
        problems.push(`image ${i.ref}: references blob ${d}, which the bundle lacks`);
      }
    }
  }
  opts.log?.(`[bundle] Checked ${manifest.blobs.length} blobs, ${manifest.files.length} files\n`);
  return {
    problems,
    images: manifest.images.length,
    blobs: manifest.blobs.length,
    files: manifest.files.length,
    bytes,
  };
}

/** The digests an image needs for its recorded platforms, read from the bundle's own blobs. */
async function imageGraph(b: OpenBundle, i: BundleImage): Promise<string[]> {
  const read = async (d: string) => {
    const e = b.entries.get(blobPath(d));
    if (!e) throw new Error(`blob ${d} missing`);
    return json(await readEntry(b.path, e)) as ImageIndex & ImageManifest;
  };
  const out = [i.digest];
  const top = await read(i.digest);
  const manifests: string[] = [];
  if (isIndex(i.mediaType)) {
    for (const p of i.platforms) {
      const d = top.manifests.find((m) => platformMatches(m.platform, p));
      if (!d) throw new Error(`index has no ${p} manifest`);
      manifests.push(d.digest);
      out.push(d.digest);
    }
  } else manifests.push(i.digest);
  for (const md of manifests) {
    const m = md === i.digest ? top : await read(md);
    out.push(m.config.digest, ...m.layers.map((l) => l.digest));
  }
  return out;
}

export interface ImportResult {
  imported: string[];
  present: string[];
}

/**
 * Verifies the bundle, then loads the images that containerd's namespace lacks (by name and
 * digest) through one `ctr images import` stream. Host files are written to `filesDir` if given.
 */
export async function importBundle(
  file: string,
  ctr: Ctr,
  opts: { log?: (s: string) => void; filesDir?: string; platforms?: string[] } = {},
): Promise<ImportResult> {
  const log = opts.log ?? (() => {});
  const v = await verifyBundle(file);
  if (v.problems.length > 0) {
    throw new KubestrapError(
      `${file} failed verification, nothing imported:\n\t${v.problems.join("\n\t")}`,
    );
  }
  const b = await openBundle(file);
  const store = new Map((await ctr.images()).map((i) => [i.name, i.digest]));
  const present = b.manifest.images.filter((i) => store.get(i.ref) === i.digest);
  const todo = b.manifest.images.filter((i) => store.get(i.ref) !== i.digest);
  for (const i of present) log(`[bundle] ${i.ref} already present (${i.digest})\n`);
  if (todo.length > 0) {
    const platforms = opts.platforms ?? [hostPlatform()];
    await ctr.importStream(subsetArchive(b, todo), { platforms });
    const after = new Map((await ctr.images()).map((i) => [i.name, i.digest]));
    const failed = todo.filter((i) => after.get(i.ref) !== i.digest);
    if (failed.length > 0) {
      throw new KubestrapError(
        `containerd did not take ${failed.map((i) => `${i.ref}@${i.digest}`).join(", ")}`,
      );
    }
    for (const i of todo) log(`[bundle] Imported ${i.ref} (${i.digest})\n`);
  }
  if (opts.filesDir) {
    for (const f of b.manifest.files.filter((x) => x.path.startsWith("files/"))) {
      const dest = path.join(opts.filesDir, f.path.slice("files/".length));
      const e = b.entries.get(f.path)!;
      await machine.writeFile(machine.absolute(dest), entryStream(file, e), {
        mode: f.mode ?? 0o644,
      });
      log(`[bundle] Wrote ${dest}\n`);
    }
  }
  return { imported: todo.map((i) => i.ref), present: present.map((i) => i.ref) };
}

/** An OCI archive stream with only `images` (their blobs and an index naming them). */
function subsetArchive(b: OpenBundle, images: BundleImage[]): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const tw = new TarWriter(writable);
  (async () => {
    try {
      const idx = json(await readEntry(b.path, b.entries.get("index.json")!)) as ImageIndex;
      const refs = new Set(images.map((i) => i.ref));
      const sub = {
        ...idx,
        manifests: idx.manifests.filter((m) =>
          refs.has(m.annotations?.["io.containerd.image.name"] ?? "")
        ),
      };
      await tw.file("oci-layout", await readEntry(b.path, b.entries.get("oci-layout")!));
      await tw.dir("blobs");
      await tw.dir("blobs/sha256");
      const done = new Set<string>();
      for (const i of images) {
        for (const d of i.blobs) {
          if (done.has(d)) continue;
          done.add(d);
          const e = b.entries.get(blobPath(d))!;
          await tw.stream(e.name, e.size, entryStream(b.path, e));
        }
      }
      await tw.file("index.json", new TextEncoder().encode(JSON.stringify(sub)));
      await tw.close();
    } catch (e) {
      await tw.abort(e);
    }
  })();
  return readable;
}

// ---------------------------------------------------------------------------------------------
// Diff

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

/** What changes from bundle `a` to bundle `b`, as text (empty diff: "no differences"). */
export async function diffBundles(a: string, b: string): Promise<string> {
  const A = (await openBundle(a)).manifest;
  const B = (await openBundle(b)).manifest;
  const lines: string[] = [];
  if (A.kubernetesVersion !== B.kubernetesVersion) {
    lines.push(`kubernetesVersion: ${A.kubernetesVersion ?? "-"} -> ${B.kubernetesVersion ?? "-"}`);
  }
  if (A.platforms.join(",") !== B.platforms.join(",")) {
    lines.push(`platforms: ${A.platforms.join(",")} -> ${B.platforms.join(",")}`);
  }
  const ai = new Map(A.images.map((i) => [i.ref, i]));
  const bi = new Map(B.images.map((i) => [i.ref, i]));
  const img: string[] = [];
  for (const [ref, i] of ai) {
    const j = bi.get(ref);
    if (!j) img.push(`- ${ref} ${i.digest}`);
    else if (j.digest !== i.digest) img.push(`~ ${ref} ${i.digest} -> ${j.digest}`);
  }
  for (const [ref, j] of bi) if (!ai.has(ref)) img.push(`+ ${ref} ${j.digest}`);
  if (img.length) lines.push("images:", ...img.map((l) => `  ${l}`));
  const ab = new Map(A.blobs.map((x) => [x.digest, x.size]));
  const bb = new Map(B.blobs.map((x) => [x.digest, x.size]));
  const added = [...bb].filter(([d]) => !ab.has(d));
  const removed = [...ab].filter(([d]) => !bb.has(d));
  const same = [...bb].filter(([d]) => ab.has(d));
  if (added.length || removed.length) {
    const sum = (l: [string, number][]) => mib(l.reduce((s, [, n]) => s + n, 0));
    lines.push(
      `blobs: ${added.length} added (${sum(added)}), ${removed.length} removed (${
        sum(removed)
      }), ${same.length} unchanged (${sum(same)})`,
    );
  }
  const af = new Map(A.files.filter((f) => f.path.startsWith("files/")).map((f) => [f.path, f]));
  const bf = new Map(B.files.filter((f) => f.path.startsWith("files/")).map((f) => [f.path, f]));
  const fl: string[] = [];
  for (const [p, f] of af) {
    const g = bf.get(p);
    if (!g) fl.push(`- ${p} ${f.sha256}`);
    else if (g.sha256 !== f.sha256 || g.mode !== f.mode) {
      fl.push(`~ ${p} ${f.sha256} -> ${g.sha256}`);
    }
  }
  for (const [p, g] of bf) if (!af.has(p)) fl.push(`+ ${p} ${g.sha256}`);
  if (fl.length) lines.push("files:", ...fl.map((l) => `  ${l}`));
  return lines.length ? lines.join("\n") + "\n" : "no differences\n";
}

/** A short description of a bundle for create's summary. */
export function summary(m: BundleManifest, bytes: number): string {
  return `${m.images.length} images (${m.platforms.join(", ")}), ${m.blobs.length} blobs, ${
    m.files.filter((f) => f.path.startsWith("files/")).length
  } host files, ${mib(bytes)}`;
}

export { formatRef };
