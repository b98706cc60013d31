// One run at a time (issue 16): every command that writes under /etc/kubernetes (init, join,
// reset, upgrade apply/node, certs renew, their phases) holds an exclusive lock on
// /etc/kubernetes/kubestrap.lock (under --rootfs). A second run fails at once naming the
// holder's PID and command; a lock file left by a process that died is taken over (the kernel
// drops a dead process's flock); the temporary files of atomic writes a killed run left are
// swept once the lock is held.
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ks, ksProcess } from "./helpers.ts";
import { acquireRunLock, RUN_LOCK_PATH } from "../../lib/runlock.ts";
import { Host } from "../../lib/host.ts";
import { openssl } from "../pki/helpers.ts";

const PKI = "/etc/kubernetes/pki";

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory) await walk(`${d}/${e.name}`);
      else out.push(`${d}/${e.name}`.slice(dir.length));
    }
  };
  await walk(dir);
  return out.sort();
}

Deno.test("a second run fails at once, naming the lock holder's PID and command", async () => {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-lock-" });
  const held = await acquireRunLock(new Host(root), "kubestrap init (test holder)");
  try {
    for (
      const args of [
        ["init", "phase", "certs", "all", "--rootfs", root],
        ["init", "phase", "kubeconfig", "all", "--rootfs", root],
        ["certs", "renew", "all", "--rootfs", root],
        ["reset", "--force", "--rootfs", root],
      ]
    ) {
      const r = await ks(...args);
      assertEquals(r.code, 1, `${args.join(" ")}: ${r.err}`);
      assertStringIncludes(
        r.err,
        `another kubestrap run holds ${root}${RUN_LOCK_PATH}: PID ${Deno.pid} ` +
          `("kubestrap init (test holder)", started `,
        args.join(" "),
      );
      assertStringIncludes(r.err, "wait for it to finish or stop it");
    }
    assertEquals(await files(root), [RUN_LOCK_PATH], "nothing else written");
  } finally {
    await held.release();
  }
  assertEquals(await files(root), [], "the lock file goes with the run");
  assertEquals([...Deno.readDirSync(root)], [], "and the directories made for it");
  const ok = await ks("init", "phase", "certs", "ca", "--rootfs", root);
  assertEquals(ok.code, 0, ok.err);
  assertEquals(await files(root), [`${PKI}/ca.crt`, `${PKI}/ca.key`]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a lock file left by a process that died is taken over", async () => {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-lock-" });
  const dead = new Deno.Command("true").spawn();
  await dead.status;
  await Deno.mkdir(`${root}/etc/kubernetes`, { recursive: true });
  await Deno.writeTextFile(
    `${root}${RUN_LOCK_PATH}`,
    `pid: ${dead.pid}\ncommand: kubestrap init\nstarted: 2026-01-01T00:00:00Z\n`,
  );
  const r = await ks("init", "phase", "certs", "ca", "--rootfs", root);
  assertEquals(r.code, 0, r.err);
  assertEquals(await files(root), [`${PKI}/ca.crt`, `${PKI}/ca.key`]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("temporary files of a killed run's atomic writes are swept at start", async () => {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-lock-" });
  await Deno.mkdir(`${root}${PKI}/etcd`, { recursive: true });
  await Deno.mkdir(`${root}/etc/kubernetes/manifests`, { recursive: true });
  const left = [
    "/etc/kubernetes/.admin.conf.tmp-0a1b2c3d",
    `${PKI}/.sa.pub.tmp-deadbeef`,
    `${PKI}/etcd/.peer.key.tmp-12345678`,
    "/etc/kubernetes/manifests/.etcd.yaml.tmp-cafe0123",
  ];
  const kept = ["/etc/kubernetes/.keep", `${PKI}/.x.tmp-notours`, `${PKI}/notes.tmp-0a1b2c3d`];
  for (const f of [...left, ...kept]) await Deno.writeTextFile(`${root}${f}`, "x");
  const r = await ks("init", "phase", "certs", "ca", "--rootfs", root);
  assertEquals(r.code, 0, r.err);
  for (const f of left) {
    assertStringIncludes(r.err, `removed ${root}${f}, a temporary file left by an interrupted run`);
  }
  assertEquals(
    await files(root),
    [...kept, `${PKI}/ca.crt`, `${PKI}/ca.key`].sort(),
  );
  await Deno.remove(root, { recursive: true });
});

/** Every key matches its certificate and every certificate verifies against its CA (openssl). */
async function assertConsistent(root: string): Promise<void> {
  const pairs: [string, string][] = [
    ["apiserver", "ca"],
    ["apiserver-kubelet-client", "ca"],
    ["front-proxy-client", "front-proxy-ca"],
    ["etcd/server", "etcd/ca"],
    ["etcd/peer", "etcd/ca"],
    ["etcd/healthcheck-client", "etcd/ca"],
    ["apiserver-etcd-client", "etcd/ca"],
  ];
  const p = (n: string) => `${root}${PKI}/${n}`;
  for (const ca of ["ca", "front-proxy-ca", "etcd/ca"]) {
    assertEquals(
      await openssl(["pkey", "-in", p(`${ca}.key`), "-pubout"]),
      await openssl(["x509", "-in", p(`${ca}.crt`), "-noout", "-pubkey"]),
      `${ca}.key matches ${ca}.crt`,
    );
  }
  for (const [leaf, ca] of pairs) {
    assertEquals(
      await openssl(["pkey", "-in", p(`${leaf}.key`), "-pubout"]),
      await openssl(["x509", "-in", p(`${leaf}.crt`), "-noout", "-pubkey"]),
      `${leaf}.key matches ${leaf}.crt`,
    );
    const v = await openssl([
      "verify",
      "-CAfile",
      p(`${ca}.crt`),
      "-purpose",
      "any",
      p(`${leaf}.crt`),
    ]);
    assert(v.includes(": OK"), `${leaf} verifies against ${ca}: ${v}`);
  }
  assertEquals(
    await openssl(["pkey", "-in", p("sa.key"), "-pubout"]),
    await Deno.readTextFile(p("sa.pub")),
  );
}

Deno.test("two concurrent 'init phase certs all' into one tree: 10 rounds, the tree always consistent", async () => {
  let refused = 0;
  for (let round = 0; round < 10; round++) {
    const root = await Deno.makeTempDir({ prefix: "kubestrap-lock-race-" });
    const runs = await Promise.all([
      ksProcess("init", "phase", "certs", "all", "--rootfs", root),
      ksProcess("init", "phase", "certs", "all", "--rootfs", root),
    ]);
    for (const r of runs) {
      if (r.code === 0) continue;
      assertEquals(r.code, 1, r.err);
      assertStringIncludes(r.err, `another kubestrap run holds ${root}${RUN_LOCK_PATH}: PID `);
      assertStringIncludes(r.err, `"kubestrap init phase certs all --rootfs ${root}"`);
      refused++;
    }
    assert(runs.some((r) => r.code === 0), "one run succeeds");
    await assertConsistent(root);
    assert(!(await files(root)).some((f) => f.includes(".tmp-")), "no temporary file left");
    await Deno.remove(root, { recursive: true });
  }
  console.log(`  ${refused} of 10 rounds overlapped (the second run was refused)`);
});

Deno.test("a run that writes only a certificates or kubeconfig directory outside /etc/kubernetes locks that directory, not the node's; API-only phases take no lock", async () => {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-lock-" });
  const node = await acquireRunLock(new Host(root), "kubestrap init (test holder)");
  try {
    // The node's lock is held: phases that write only /srv/pki or /srv/kc still run.
    const certs = await ks(
      "init",
      "phase",
      "certs",
      "ca",
      "--rootfs",
      root,
      "--cert-dir",
      "/srv/pki",
    );
    assertEquals(certs.code, 0, certs.err);
    const admin = (...more: string[]) =>
      ks(
        "init",
        "phase",
        "kubeconfig",
        "admin",
        "--rootfs",
        root,
        "--cert-dir",
        "/srv/pki",
        ...more,
      );
    const kc = await admin("--kubeconfig-dir", "/srv/kc");
    assertEquals(kc.code, 0, kc.err);
    assertEquals(await files(`${root}/srv`), ["/kc/admin.conf", "/pki/ca.crt", "/pki/ca.key"]);
    // A phase that writes the node (the default kubeconfig dir) still waits for its lock.
    const both = await admin();
    assertEquals(both.code, 1, both.err);
    assertStringIncludes(both.err, `another kubestrap run holds ${root}${RUN_LOCK_PATH}: PID `);
    // Phases that write only API objects take no lock: this one fails on the missing
    // admin.conf, not on the lock.
    const api = await ks("init", "phase", "upload-config", "all", "--rootfs", root);
    assertEquals(api.code, 1, api.err);
    assert(!api.err.includes("another kubestrap run"), api.err);
    assertStringIncludes(api.err, "admin.conf");
  } finally {
    await node.release();
  }
  // A run holding /srv/pki blocks another one there, naming that lock file.
  const pki = await acquireRunLock(new Host(root), "kubestrap init phase certs all (holder)", {
    certificatesDir: "/srv/pki",
    writes: ["certificatesDir"],
  });
  try {
    const r = await ks("init", "phase", "certs", "sa", "--rootfs", root, "--cert-dir", "/srv/pki");
    assertEquals(r.code, 1, r.err);
    assertStringIncludes(
      r.err,
      `another kubestrap run holds ${root}/srv/pki/.kubestrap.lock: PID ${Deno.pid} `,
    );
    // The whole init writes both: it needs both locks, and says which one it could not take.
    const init = await ks("init", "--rootfs", root, "--cert-dir", "/srv/pki");
    assertEquals(init.code, 1, init.err);
    assertStringIncludes(init.err, `${root}/srv/pki/.kubestrap.lock`);
    assert(!(await files(root)).includes(RUN_LOCK_PATH), "the lock taken first goes too");
  } finally {
    await pki.release();
  }
  assertEquals(await files(`${root}/srv`), ["/kc/admin.conf", "/pki/ca.crt", "/pki/ca.key"]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a certificates directory that is a file: the lock's error names it and the fix, nothing written", async () => {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-lock-" });
  await Deno.mkdir(`${root}/srv`);
  await Deno.writeTextFile(`${root}/srv/pki`, "x");
  const r = await ks("init", "phase", "certs", "ca", "--rootfs", root, "--cert-dir", "/srv/pki");
  assertEquals(r.code, 1, r.err);
  assertStringIncludes(
    r.err,
    `cannot take the run lock ${root}/srv/pki/.kubestrap.lock: ${root}/srv/pki exists and is not a directory`,
  );
  assertStringIncludes(r.err, "--cert-dir");
  assertEquals(await files(root), ["/srv/pki"], "nothing else written");
  await Deno.remove(root, { recursive: true });
});
