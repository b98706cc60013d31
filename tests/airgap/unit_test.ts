/**
 * lib/airgap without the test bed: the tar writer/reader, Docker's reference rules, and bundles
 * made from an in-memory image source (create, verify, tamper, extra entries, diff).
 */
import { assert, assertEquals } from "../assert.ts";
import { indexTar, readEntry, TarWriter } from "../../lib/airgap/tar.ts";
import { sha256Hex } from "../../lib/util/sha256.ts";
import { formatRef, parseRef, platformMatches } from "../../lib/airgap/registry.ts";
import {
  createBundle,
  diffBundles,
  type ImageSource,
  verifyBundle,
} from "../../lib/airgap/bundle.ts";

const enc = new TextEncoder();

Deno.test("airgap tar: round trip with long names, sizes on block boundaries, tar(1) agrees", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/a.tar`;
    const f = await Deno.open(path, { write: true, create: true });
    const tw = new TarWriter(f.writable);
    const long = "files/" + "x".repeat(120) + "/" + "y".repeat(60);
    await tw.dir("blobs");
    await tw.file("a", enc.encode("hello"));
    await tw.file(long, new Uint8Array(512).fill(7), 0o755);
    const big = new Uint8Array(3 * 1024 * 1024 + 1).map((_, i) => i % 251);
    const sum = await tw.stream("big", big.length, new Blob([big]).stream());
    assertEquals(sum, sha256Hex(big));
    await tw.close();
    const entries = await indexTar(path);
    assertEquals(entries.map((e) => [e.name, e.type, e.size]), [
      ["blobs", "dir", 0],
      ["a", "file", 5],
      [long, "file", 512],
      ["big", "file", big.length],
    ]);
    assertEquals(new TextDecoder().decode(await readEntry(path, entries[1])), "hello");
    assertEquals(entries[2].mode, 0o755);
    const t = await new Deno.Command("tar", { args: ["tf", path], stdout: "piped" }).output();
    assertEquals(new TextDecoder().decode(t.stdout).trim().split("\n"), [
      "blobs/",
      "a",
      long,
      "big",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("airgap refs: Docker's normalisation", () => {
  assertEquals(formatRef(parseRef("busybox")), "docker.io/library/busybox:latest");
  assertEquals(
    formatRef(parseRef("registry.k8s.io/coredns/coredns:v1.14.6")),
    "registry.k8s.io/coredns/coredns:v1.14.6",
  );
  assertEquals(parseRef("127.0.0.1:5000/k8s/pause:3.10.2"), {
    domain: "127.0.0.1:5000",
    path: "k8s/pause",
    tag: "3.10.2",
    digest: undefined,
  });
  assertEquals(parseRef("localhost/x@sha256:" + "a".repeat(64)).digest, "sha256:" + "a".repeat(64));
  assert(platformMatches({ os: "linux", architecture: "arm", variant: "v7" }, "linux/arm/v7"));
  assert(!platformMatches({ os: "linux", architecture: "amd64" }, "linux/arm64"));
});

/** A tiny in-memory registry: images made of random layers. */
function memorySource(images: Record<string, number[]>, platform = "amd64"): ImageSource {
  const blobs = new Map<string, Uint8Array>();
  const put = (b: Uint8Array) => {
    const d = "sha256:" + sha256Hex(b);
    blobs.set(d, b);
    return { digest: d, size: b.length };
  };
  const tops = new Map<string, string>();
  for (const [ref, sizes] of Object.entries(images)) {
    const layers = sizes.map((n) => ({
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      ...put(new Uint8Array(n).map(() => Math.floor(Math.random() * 256))),
    }));
    const config = {
      mediaType: "application/vnd.oci.image.config.v1+json",
      ...put(enc.encode(JSON.stringify({ os: "linux", architecture: platform, ref }))),
    };
    const m = put(enc.encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers,
    })));
    tops.set(ref, m.digest);
  }
  const fetched = (d: string) => ({
    bytes: blobs.get(d)!,
    digest: d,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
  });
  return {
    describe: () => "memory",
    resolve: (ref) => {
      const d = tops.get(ref);
      return d ? Promise.resolve(fetched(d)) : Promise.reject(new Error(`no ${ref}`));
    },
    manifest: (_r, d) => Promise.resolve(fetched(d)),
    blob: (_r, d) => Promise.resolve(new Blob([blobs.get(d.digest)! as BlobPart]).stream()),
  };
}

Deno.test("airgap bundle: create, verify, tamper, diff, platform mismatch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const src = memorySource({ "r.local/a:1": [1000, 70000], "r.local/b:1": [5000] });
    const host = `${dir}/kubelet`;
    await Deno.writeFile(host, enc.encode("#!/bin/sh\necho kubelet\n"), { mode: 0o755 });
    const a = `${dir}/a.tar`;
    const res = await createBundle({
      images: ["r.local/a:1", "r.local/b:1"],
      platforms: ["linux/amd64"],
      source: src,
      files: [host],
      out: a,
    });
    assertEquals(res.manifest.images.length, 2);
    assertEquals(res.manifest.blobs.length, 7);
    assertEquals((await verifyBundle(a)).problems, []);

    // Flip one byte of the biggest blob: verify names it.
    const bad = `${dir}/bad.tar`;
    await Deno.copyFile(a, bad);
    const e = (await indexTar(bad)).filter((x) => x.size === 70000)[0];
    const f = await Deno.open(bad, { read: true, write: true });
    const b = new Uint8Array(1);
    await f.seek(e.offset + 10, Deno.SeekMode.Start);
    await f.read(b);
    b[0] ^= 0xff;
    await f.seek(e.offset + 10, Deno.SeekMode.Start);
    await f.write(b);
    f.close();
    const v = await verifyBundle(bad);
    assertEquals(v.problems.length, 1, v.problems.join("\n"));
    assert(v.problems[0].startsWith(`blob sha256:${e.name.split("/").pop()}`), v.problems[0]);
    assert(v.problems[0].includes("used by r.local/a:1"), v.problems[0]);

    // A changed host file is named too.
    const b2 = `${dir}/b.tar`;
    await Deno.writeFile(host, enc.encode("#!/bin/sh\necho kubelet v2\n"), { mode: 0o755 });
    await createBundle({
      images: ["r.local/a:1"],
      platforms: ["linux/amd64"],
      source: src,
      files: [host],
      out: b2,
    });
    const d = await diffBundles(a, b2);
    assert(d.includes("- r.local/b:1 sha256:"), d);
    assert(d.includes("~ files/kubelet "), d);
    assert(/blobs: 0 added .*, 3 removed/.test(d), d);

    // Asking for a platform the images lack fails and says which.
    const err = await createBundle({
      images: ["r.local/a:1"],
      platforms: ["linux/arm64"],
      source: src,
      out: `${dir}/c.tar`,
    }).catch((e) => e as Error);
    assert(err instanceof Error && err.message.includes("no image for linux/arm64"), String(err));
    assertEquals([...Deno.readDirSync(dir)].map((x) => x.name).sort(), [
      "a.tar",
      "b.tar",
      "bad.tar",
      "kubelet",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
