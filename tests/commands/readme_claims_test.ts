// The README's claims (issue 16): "Files are checked before any is written" (a regular file
// where a directory must be fails the phase before its first write); a full disk is an error
// naming the file (a 40 KiB tmpfs mounted in a private mount namespace); `init --dry-run
// --rootfs R` writes its dry-run directory under R, as kubeadm does inside its chroot.
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ks, ksIsolated } from "./helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const PKI = "/etc/kubernetes/pki";

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(`${d}/${e.name}`);
      else out.push(`${d}/${e.name}`.slice(dir.length));
    }
  };
  await walk(dir);
  return out.sort();
}

Deno.test("a regular file where pki/etcd must be: certs all fails before writing anything", async () => {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-claims-" });
  await Deno.mkdir(`${root}${PKI}`, { recursive: true });
  await Deno.writeTextFile(`${root}${PKI}/etcd`, "not a directory\n");
  const r = await ks("init", "phase", "certs", "all", "--rootfs", root);
  assertEquals(r.code, 1, r.out);
  assertStringIncludes(r.err, `${root}${PKI}/etcd exists and is not a directory`);
  assert(!r.out.includes("Generating"), r.out);
  assertEquals(await files(root), [`${PKI}/etcd`], "nothing written");
  // The same for join's PKI (CreatePKIAssets) and the kubeconfig files.
  await Deno.remove(`${root}${PKI}/etcd`);
  await Deno.writeTextFile(`${root}/etc/kubernetes/admin.conf`, "");
  await Deno.remove(`${root}/etc/kubernetes/admin.conf`);
  await Deno.mkdir(`${root}/etc/kubernetes/super-admin.conf`);
  const c = await ks("init", "phase", "certs", "ca", "--rootfs", root);
  assertEquals(c.code, 0, c.err);
  const k = await ks("init", "phase", "kubeconfig", "all", "--rootfs", root);
  assertEquals(k.code, 1);
  assertStringIncludes(k.err, `${root}/etc/kubernetes/super-admin.conf`);
  assertEquals(await files(root), [`${PKI}/ca.crt`, `${PKI}/ca.key`], "no kubeconfig written");
  await Deno.remove(root, { recursive: true });
});

function canMountTmpfs(): boolean {
  try {
    return new Deno.Command("unshare", {
      args: ["-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt 2>/dev/null"],
      stdout: "null",
      stderr: "null",
    }).outputSync().code === 0;
  } catch {
    return false;
  }
}
const tmpfs = canMountTmpfs();

Deno.test({
  name: `a full disk is an error naming the file${tmpfs ? "" : " [ignored: no tmpfs mount here]"}`,
  ignore: !tmpfs,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "kubestrap-enospc-" });
    const out = await new Deno.Command("unshare", {
      args: [
        "-m",
        "sh",
        "-c",
        `mount -t tmpfs -o size=40k tmpfs '${root}' && exec "$0" run -A --quiet '${MAIN}' init phase certs all --rootfs '${root}'; echo; ls -laR '${root}'`,
        Deno.execPath(),
      ],
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 1, err);
    const m =
      /error: error execution phase certs\/[\w-]+: .*unable to write (\/etc\/kubernetes\/pki\/\S+): no space left on device/
        .exec(err);
    assert(m, err);
    assert(!err.includes("os error"), err);
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test("init --dry-run --rootfs R writes its dry-run directory under R", async () => {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-dryrun-root-" });
  const tmp = await Deno.makeTempDir({ prefix: "kubestrap-dryrun-tmpdir-" });
  const out = await ksIsolated(
    ["init", "phase", "certs", "ca", "--dry-run", "--rootfs", root],
    { TMPDIR: tmp },
  );
  assertEquals(out.code, 0, out.err);
  assertEquals([...Deno.readDirSync(tmp)], [], "nothing in the machine's TMPDIR");
  const written = await files(root);
  assertEquals(written.length, 2, written.join("\n"));
  for (const f of written) {
    assert(f.startsWith(`${tmp}/kubestrap-init-dryrun`), f);
    assert(f.endsWith(`${PKI}/ca.crt`) || f.endsWith(`${PKI}/ca.key`), f);
  }
  await Deno.remove(root, { recursive: true });
  await Deno.remove(tmp, { recursive: true });
});
