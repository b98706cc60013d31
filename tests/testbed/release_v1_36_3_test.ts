/**
 * The test bed's second release, for upgrade tests (v1.36.3 -> v1.37.2): the real kubeadm
 * v1.36.3 and exactly the images it names, with the etcd, etcdctl and CoreDNS releases its tags
 * name inside. Skips with a reason when v1.36.3 is not built
 * (`KUBESTRAP_EXTRA_VERSIONS=v1.36.3 deno task testbed`).
 */
import { assert, assertEquals } from "../assert.ts";
import { releaseSkipReason, run, tempDir, testbed, type TestbedImage } from "../harness/mod.ts";

const VERSION = "v1.36.3";
const reason = releaseSkipReason(VERSION);
if (reason) console.warn(`tests/testbed: ${VERSION} skipped: ${reason}`);
const skipped = reason ? ` (SKIPPED: ${reason})` : "";

async function kubeadmImages(): Promise<string[]> {
  const { stdout } = await run(`${testbed.binDir(VERSION)}/kubeadm`, [
    "config",
    "images",
    "list",
    "--kubernetes-version",
    VERSION,
  ]);
  return stdout.trim().split("\n");
}

function archiveOf(images: TestbedImage[], ref: string): string {
  const i = images.find((x) => x.ref === ref);
  if (!i) throw new Error(`no archive for ${ref} among ${images.map((x) => x.ref).join(", ")}`);
  return i.archive;
}

/**
 * Unpack an OCI archive's layers into `dir` through an independent reader: skopeo copies the
 * image to a `dir:` layout (index -> manifest -> blobs), tar unpacks each layer.
 */
async function unpack(archive: string, dir: string): Promise<string> {
  const layout = `${dir}/layout`;
  const rootfs = `${dir}/rootfs`;
  await Deno.mkdir(dir, { recursive: true });
  await run(testbed.path("skopeo"), ["copy", "--quiet", `oci-archive:${archive}`, `dir:${layout}`]);
  const manifest = JSON.parse(await Deno.readTextFile(`${layout}/manifest.json`)) as {
    layers: { digest: string }[];
  };
  await Deno.mkdir(rootfs);
  for (const l of manifest.layers) {
    await run("tar", ["-xzf", `${layout}/${l.digest.replace(/^sha256:/, "")}`, "-C", rootfs]);
  }
  return rootfs;
}

Deno.test({
  name:
    `testbed: the real kubeadm ${VERSION} prints ${VERSION} from \`version -o short\`${skipped}`,
  ignore: reason !== "",
}, async () => {
  const { stdout } = await run(`${testbed.binDir(VERSION)}/kubeadm`, ["version", "-o", "short"]);
  assertEquals(stdout.trim(), VERSION);
});

Deno.test({
  name: `testbed: every image kubeadm ${VERSION} lists has an OCI archive of that name${skipped}`,
  ignore: reason !== "",
}, async () => {
  const listed = await kubeadmImages();
  const images = testbed.imagesFor(VERSION);
  // Exactly kubeadm's list, plus the test image.
  assertEquals(
    images.map((i) => i.ref).filter((r) => r !== testbed.testImage).sort(),
    [...listed].sort(),
  );
  for (const ref of listed) {
    const archive = archiveOf(images, ref);
    const inspect = await run(testbed.path("skopeo"), ["inspect", `oci-archive:${archive}`]);
    const info = JSON.parse(inspect.stdout) as { Architecture: string; Os: string };
    assertEquals([info.Os, info.Architecture], ["linux", "amd64"], ref);
    // The name containerd's import gives the image.
    const index = JSON.parse((await run("tar", ["-xOf", archive, "index.json"])).stdout) as {
      manifests: { annotations?: Record<string, string> }[];
    };
    assertEquals(index.manifests[0].annotations?.["io.containerd.image.name"], ref);
  }
});

Deno.test({
  name:
    `testbed: kubeadm ${VERSION}'s etcd, CoreDNS and pause images hold the releases their tags name${skipped}`,
  ignore: reason !== "",
}, async () => {
  const listed = await kubeadmImages();
  const images = testbed.imagesFor(VERSION);
  const ref = (base: string) => {
    const r = listed.find((x) => x.replace(/:[^:/]+$/, "").endsWith(`/${base}`));
    assert(r, `kubeadm ${VERSION} lists no ${base} image: ${listed.join(", ")}`);
    return r;
  };
  const tag = (r: string) => r.slice(r.lastIndexOf(":") + 1);
  await using tmp = await tempDir();

  // registry.k8s.io/etcd:3.6.8-0 holds etcd 3.6.8 and an etcdctl of the same minor.
  const etcdRef = ref("etcd");
  const etcdVersion = tag(etcdRef).replace(/-\d+$/, "");
  const etcdRoot = await unpack(archiveOf(images, etcdRef), `${tmp.path}/etcd`);
  const etcd = await run(`${etcdRoot}/usr/local/bin/etcd`, ["--version"]);
  assert(
    etcd.stdout.split("\n").includes(`etcd Version: ${etcdVersion}`),
    `${etcdRef}: etcd --version printed:\n${etcd.stdout}`,
  );
  const etcdctl = await run(`${etcdRoot}/usr/local/bin/etcdctl`, ["version"]);
  const minor = etcdVersion.split(".").slice(0, 2).join(".");
  assert(
    new RegExp(`^etcdctl version: ${minor.replace(".", "\\.")}\\.\\d+$`, "m").test(etcdctl.stdout),
    `${etcdRef}: etcdctl version printed:\n${etcdctl.stdout}`,
  );

  // registry.k8s.io/coredns/coredns:v1.14.2 holds CoreDNS 1.14.2.
  const corednsRef = ref("coredns");
  const corednsRoot = await unpack(archiveOf(images, corednsRef), `${tmp.path}/coredns`);
  const coredns = await run(`${corednsRoot}/coredns`, ["-version"]);
  assert(
    coredns.stdout.split("\n").includes(`CoreDNS-${tag(corednsRef).replace(/^v/, "")}`),
    `${corednsRef}: coredns -version printed:\n${coredns.stdout}`,
  );

  // The pause image answers with its tag.
  const pauseRef = ref("pause");
  const pauseRoot = await unpack(archiveOf(images, pauseRef), `${tmp.path}/pause`);
  const pause = await run(`${pauseRoot}/pause`, ["-v"]);
  assertEquals(pause.stdout.trim(), `pause (kubestrap test bed) ${tag(pauseRef)}`, pauseRef);
});
