/**
 * Air-gapped installs against the real pieces: images pushed to Debian's docker-registry on
 * loopback are pulled by `config images pull` (CoreDNS path included) through containerd's CRI;
 * a bundle made from that registry verifies, imports (idempotently) into a fresh containerd,
 * diffs, and round-trips through containerd's store; one changed byte fails verify and import,
 * naming the blob; a missing image stops `init --offline` before any file is written.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  createHost,
  isRoot,
  skipReason,
  startContainerd,
  tempDir,
  testbed,
  testbedReady,
} from "../harness/mod.ts";
import { indexTar } from "../../lib/airgap/tar.ts";
import {
  customName,
  expectedImages,
  initConfig,
  ks,
  pushImages,
  startRegistry,
} from "./helpers.ts";

const ready = testbedReady && isRoot;

function repoDigests(crictlJson: string): Map<string, string> {
  const out = new Map<string, string>();
  const j = JSON.parse(crictlJson) as { images: { repoTags: string[]; repoDigests: string[] }[] };
  for (const i of j.images) {
    const d = i.repoDigests[0]?.split("@")[1] ?? "";
    for (const t of i.repoTags) out.set(t, d);
  }
  return out;
}

function ctrDigests(ls: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of ls.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 3) out.set(f[0], f[2]);
  }
  return out;
}

function ok(r: { code: number; out: string; err: string }, what: string) {
  assertEquals(r.code, 0, `${what} failed:\n${r.out}\n${r.err}`);
}

Deno.test({
  name: `airgap: registry pull, bundle create/verify/import/diff, tamper, init --offline${
    ready ? "" : ` (skipped: ${testbedReady ? "needs root" : skipReason})`
  }`,
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    await using tmp = await tempDir("kubestrap-airgap-");
    await using reg = await startRegistry();
    const repo = `${reg.addr}/k8s`;
    await pushImages(repo);
    const want = expectedImages(repo);

    // The registry digests, as the OCI distribution API reports them.
    const registryDigest = new Map<string, string>();
    for (const ref of want) {
      const [name, tag] = ref.slice(reg.addr.length + 1).split(":");
      const r = await fetch(`http://${reg.addr}/v2/${name}/manifests/${tag}`, {
        method: "HEAD",
        headers: { Accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      assertEquals(r.status, 200, ref);
      registryDigest.set(ref, r.headers.get("docker-content-digest")!);
    }

    await using a = await startContainerd({ root: `${tmp.path}/ctd-a` });
    const cfgA = `${tmp.path}/a.yaml`;
    await Deno.writeTextFile(cfgA, initConfig({ repo, criSocket: a.endpoint }));

    await t.step("config images pull from the loopback registry (CoreDNS included)", async () => {
      const list = await ks(["config", "images", "list", "--config", cfgA]);
      ok(list, "config images list");
      assertEquals(list.out.trim().split("\n"), want);
      assert(want.includes(`${repo}/coredns:${testbed.imageRef("coredns").split(":").pop()}`));
      const r = await ks(["config", "images", "pull", "--config", cfgA]);
      ok(r, "config images pull");
      assertEquals(r.out.trim().split("\n"), want.map((i) => `[config/images] Pulled ${i}`));
      // The test bed's containerd runs kubeadm's pause image, not the custom repository's.
      assert(r.err.includes("[SandboxImage]"), r.err);
      assert(r.err.includes(`sandbox_image = "${repo}/pause:`), r.err);
      const have = repoDigests(await a.crictl(["images", "-o", "json"]));
      for (const i of want) assertEquals(have.get(i), registryDigest.get(i), i);
    });

    await t.step("config images pull --offline: nothing pulled, all present", async () => {
      const r = await ks(["config", "images", "pull", "--offline", "--config", cfgA]);
      ok(r, "pull --offline");
      assertEquals(r.out.trim().split("\n"), want.map((i) => `[config/images] Present ${i}`));
    });

    const bundle = `${tmp.path}/bundle.tar`;
    let createSeconds = 0;
    await t.step("bundle create from the registry, bundle verify", async () => {
      const t0 = performance.now();
      // Host files ride along (a unit file and an executable: modes kept).
      await Deno.writeTextFile(
        `${tmp.path}/kubelet.service`,
        "[Service]\nExecStart=/usr/bin/kubelet\n",
      );
      await Deno.writeTextFile(`${tmp.path}/kubelet-wrapper`, '#!/bin/sh\nexec kubelet "$@"\n', {
        mode: 0o755,
      });
      await Deno.chmod(`${tmp.path}/kubelet-wrapper`, 0o755);
      const r = await ks([
        "bundle",
        "create",
        "--config",
        cfgA,
        "-o",
        bundle,
        "--file",
        `${tmp.path}/kubelet.service`,
        "--file",
        `${tmp.path}/kubelet-wrapper`,
      ]);
      createSeconds = (performance.now() - t0) / 1000;
      ok(r, "bundle create");
      const v = await ks(["bundle", "verify", bundle]);
      ok(v, "bundle verify");
      assert(v.out.includes("OK: 7 images"), v.out);
      const m = JSON.parse(
        await run("tar", ["xOf", bundle, "kubestrap-bundle.json"]),
      ) as { images: { ref: string; digest: string }[]; blobs: unknown[] };
      assertEquals(m.images.map((i) => i.ref), want);
      for (const i of m.images) assertEquals(i.digest, registryDigest.get(i.ref), i.ref);
      // skopeo reads it as an OCI layout too.
      const dir = `${tmp.path}/layout`;
      await Deno.mkdir(dir);
      await run("tar", ["xf", bundle, "-C", dir]);
      await run(testbed.path("skopeo"), [
        "inspect",
        "--raw",
        `oci:${dir}:${want[0].split(":").pop()}`,
      ]);
    });

    await t.step("bundle import into a fresh containerd; rerun changes nothing", async () => {
      await using b = await startContainerd({ root: `${tmp.path}/ctd-b` });
      const t0 = performance.now();
      const files = `${tmp.path}/host-files`;
      const r = await ks([
        "bundle",
        "import",
        bundle,
        "--cri-socket",
        b.endpoint,
        "--files-dir",
        files,
      ]);
      const importSeconds = (performance.now() - t0) / 1000;
      ok(r, "bundle import");
      assert(r.out.includes("7 imported, 0 already present"), r.out);
      assertEquals(
        await Deno.readTextFile(`${files}/kubelet.service`),
        await Deno.readTextFile(`${tmp.path}/kubelet.service`),
      );
      assertEquals((await Deno.stat(`${files}/kubelet-wrapper`)).mode! & 0o777, 0o755);
      assertEquals((await Deno.stat(`${files}/kubelet.service`)).mode! & 0o777, 0o644);
      // containerd holds every image under its name with the registry's digest, and the CRI
      // (what kubelet asks) sees each of them.
      const have = ctrDigests(await b.ctr(["images", "ls"]));
      for (const i of want) assertEquals(have.get(i), registryDigest.get(i), i);
      const cri = repoDigests(await b.crictl(["images", "-o", "json"]));
      for (const i of want) assert(cri.has(i), `CRI lacks ${i}`);
      const before = await b.ctr(["images", "ls"]);
      const again = await ks(["bundle", "import", bundle, "--cri-socket", b.endpoint]);
      ok(again, "bundle import (rerun)");
      assert(again.out.includes("0 imported, 7 already present"), again.out);
      assertEquals(await b.ctr(["images", "ls"]), before);
      // The imported images serve an offline pull check...
      const cfgB = `${tmp.path}/b.yaml`;
      await Deno.writeTextFile(cfgB, initConfig({ repo, criSocket: b.endpoint }));
      ok(await ks(["config", "images", "pull", "--offline", "--config", cfgB]), "offline check");
      // ... and bundle create --from containerd reproduces the same image digests.
      const again2 = `${tmp.path}/from-containerd.tar`;
      const c = await ks([
        "bundle",
        "create",
        "--config",
        cfgB,
        "-o",
        again2,
        "--from",
        "containerd",
        "--cri-socket",
        b.endpoint,
        "--offline",
      ]);
      ok(c, "bundle create --from containerd");
      ok(await ks(["bundle", "verify", again2]), "verify (from containerd)");
      const d = await ks(["bundle", "diff", bundle, again2]);
      ok(d, "bundle diff");
      assert(!d.out.includes("images:"), d.out);
      const size = (await Deno.stat(bundle)).size;
      await Deno.writeTextFile(
        `${tmp.path}/measure.txt`,
        `size ${size} create ${createSeconds.toFixed(2)}s import ${importSeconds.toFixed(2)}s\n`,
      );
      console.log(
        `bundle: ${(size / 1048576).toFixed(1)} MiB, create ${createSeconds.toFixed(1)}s, ` +
          `import ${importSeconds.toFixed(1)}s (7 images, fresh containerd)`,
      );
    });

    await t.step("bundle diff names what changes", async () => {
      const busybox = testbed.testImage;
      await pushImages(repo, [busybox]);
      const extra = customName(busybox, repo);
      const b2 = `${tmp.path}/bundle2.tar`;
      ok(await ks(["bundle", "create", "--config", cfgA, "-o", b2, "--image", extra]), "create 2");
      const d = await ks(["bundle", "diff", bundle, b2]);
      ok(d, "bundle diff");
      assert(d.out.includes(`+ ${extra} sha256:`), d.out);
      assert(/blobs: [1-9]\d* added/.test(d.out), d.out);
      const same = await ks(["bundle", "diff", bundle, bundle]);
      assertEquals(same.out, "no differences\n");
    });

    await t.step("one changed byte: verify and import fail and name the blob", async () => {
      const bad = `${tmp.path}/bad.tar`;
      await Deno.copyFile(bundle, bad);
      const entries = await indexTar(bad);
      const layer = entries.filter((e) => e.name.startsWith("blobs/sha256/"))
        .sort((x, y) => y.size - x.size)[0];
      const f = await Deno.open(bad, { read: true, write: true });
      const pos = layer.offset + Math.floor(layer.size / 2);
      const byte = new Uint8Array(1);
      await f.seek(pos, Deno.SeekMode.Start);
      await f.read(byte);
      byte[0] ^= 0x01;
      await f.seek(pos, Deno.SeekMode.Start);
      await f.write(byte);
      f.close();
      const digest = `sha256:${layer.name.split("/").pop()}`;
      const v = await ks(["bundle", "verify", bad]);
      assertEquals(v.code, 1, v.out + v.err);
      assert(v.err.includes(`blob ${digest}`), v.err);
      assert(v.err.includes("digest mismatch"), v.err);
      await using c = await startContainerd({ root: `${tmp.path}/ctd-c` });
      const i = await ks(["bundle", "import", bad, "--cri-socket", c.endpoint]);
      assertEquals(i.code, 1, i.out + i.err);
      assert(i.err.includes(`blob ${digest}`), i.err);
      assert(i.err.includes("nothing imported"), i.err);
      assertEquals((await c.ctr(["images", "ls", "-q"])).trim(), "");
    });

    await t.step("init --offline with a missing image stops before writing anything", async () => {
      await using d = await startContainerd({ root: `${tmp.path}/ctd-d` });
      ok(await ks(["bundle", "import", bundle, "--cri-socket", d.endpoint]), "import");
      const etcd = want.find((i) => i.includes("/etcd:"))!;
      await d.ctr(["images", "rm", etcd]);
      await using host = await createHost("airgap-missing", { addr: "10.244.0.10/24" });
      const cfg = `${tmp.path}/d.yaml`;
      await Deno.writeTextFile(cfg, initConfig({ repo, criSocket: d.endpoint }));
      const r = await ks(["init", "--offline", "--config", cfg], { wrap: host.wrap });
      assertEquals(r.code, 1, r.out + r.err);
      assert(r.err.includes("[ERROR ImageCoverage]"), r.err);
      assert(
        r.err.includes(`missing from the container runtime and will not be pulled: ${etcd}`),
        r.err,
      );
      for (const dir of ["/etc/kubernetes", "/var/lib/kubelet", "/var/lib/etcd"]) {
        const left = [...Deno.readDirSync(host.path(dir))].map((e) => e.name);
        assertEquals(left, [], `${dir} must stay empty`);
      }
    });
  },
});

async function run(cmd: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  }
  return new TextDecoder().decode(r.stdout);
}
