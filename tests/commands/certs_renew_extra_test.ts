// kubestrap's renewal beyond kubeadm, through the CLI on trees made by `init phase certs/
// kubeconfig all --rootfs`: `--if-expiring-within`, a renewal killed between its key and its
// certificate (SIGKILL at each step), the timer under --rootfs, and the restart sequence.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import { copyRoot, ks, makeRoot, x509 } from "./helpers.ts";
import { Host } from "../../lib/host.ts";
import { renewCertificate } from "../../lib/renewal/renewal.ts";
import { renewalFS, STAGED_SUFFIX } from "../../lib/renewal/staged.ts";
import { componentsUsing, restartComponents } from "../../lib/upgrade/restart.ts";
import type { UpgradeComponent } from "../../lib/upgrade/staticpods.ts";

const PKI = "/etc/kubernetes/pki";
const DAY = 24 * 3600_000;

let shared: Promise<string> | undefined;
const sharedRoot = () => shared ??= makeRoot("kubestrap-renew-extra-");

/** Re-signs `name` as if renewed `daysAgo` days ago (one-year validity): it expires soon. */
function ageCert(root: string, name: string, daysAgo: number) {
  return renewCertificate(
    {
      certificatesDir: PKI,
      kubeconfigDir: "/etc/kubernetes",
      clock: () => new Date(Date.now() - daysAgo * DAY),
    },
    renewalFS(new Host(root)),
    name,
  );
}

const serial = async (root: string, file: string) => await x509(`${root}${file}`, "-serial");

Deno.test("renew all --if-expiring-within: only what expires within the window", async () => {
  const root = await copyRoot(await sharedRoot());
  try {
    await ageCert(root, "etcd-server", 355); // 10 days left
    await ageCert(root, "scheduler.conf", 340); // 25 days left
    const before = {
      etcd: await serial(root, `${PKI}/etcd/server.crt`),
      apiserver: await serial(root, `${PKI}/apiserver.crt`),
    };
    const r = await ks("certs", "renew", "all", "--if-expiring-within", "720h", "--rootfs", root);
    assertEquals(r.code, 0, r.err);
    const lines = r.out.split("\n");
    assert(lines.includes("[renew] Renewing the certificates that expire within 720h0m0s"));
    assert(lines.includes("certificate for serving etcd renewed"), r.out);
    assert(
      lines.includes(
        "certificate embedded in the kubeconfig file for the scheduler manager to use renewed",
      ),
    );
    assert(
      lines.some((l) =>
        /^\[renew\] Left the certificate for serving the Kubernetes API: valid until .* UTC \(36[45]d left\)$/
          .test(l)
      ),
      r.out,
    );
    assert(lines.includes("[renew] Renewed 2, left 9 (valid beyond the window)"), r.out);
    // No static Pod manifests in this tree: nothing to restart, kubeadm's last line.
    assertStringIncludes(r.out, "\nDone renewing certificates. You must restart");
    assert((await serial(root, `${PKI}/etcd/server.crt`)) !== before.etcd);
    assertEquals(await serial(root, `${PKI}/apiserver.crt`), before.apiserver);
    // Nothing expiring: nothing renewed, no "Done" line.
    const again = await ks(
      "certs",
      "renew",
      "all",
      "--if-expiring-within",
      "24h",
      "--rootfs",
      root,
    );
    assertEquals(again.code, 0);
    assertStringIncludes(again.out, "[renew] Renewed 0, left 11");
    assert(!again.out.includes("Done renewing"));
    // A single certificate takes the flag too.
    await ageCert(root, "front-proxy-client", 364);
    const one = await ks(
      "certs",
      "renew",
      "front-proxy-client",
      "--if-expiring-within",
      "48h",
      "--rootfs",
      root,
    );
    assertEquals(one.code, 0);
    assertStringIncludes(one.out, "certificate for the front proxy client renewed\n");
    assertStringIncludes(one.out, "[renew] Renewed 1, left 0");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("renew --if-expiring-within with an external CA reports, does not renew", async () => {
  const root = await copyRoot(await sharedRoot());
  try {
    await ageCert(root, "apiserver", 360);
    await Deno.remove(`${root}${PKI}/ca.key`);
    const before = await serial(root, `${PKI}/apiserver.crt`);
    const r = await ks("certs", "renew", "all", "--if-expiring-within", "720h", "--rootfs", root);
    assertEquals(r.code, 0, r.err);
    assertStringIncludes(
      r.out,
      "Detected external ca, certificate for serving the Kubernetes API can't be renewed\n",
    );
    assertEquals(await serial(root, `${PKI}/apiserver.crt`), before);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** A script that renews apiserver and SIGKILLs itself after `step`. */
function killerScript(root: string, step: string): string {
  const lib = new URL("../../lib/", import.meta.url).pathname;
  return `
import { Host } from "${lib}host.ts";
import { renewCertificate } from "${lib}renewal/renewal.ts";
import * as staged from "${lib}renewal/staged.ts";
const fs = staged.renewalFS(new Host(${JSON.stringify(root)}));
// Die right after the step: the staged writes and the renames are the steps.
const rename = fs.rename;
const writeFile = fs.writeFile;
let n = 0;
const steps = ["staged key", "staged certificate", "renamed key"];
const maybeDie = () => { if (steps[n++] === ${
    JSON.stringify(step)
  }) Deno.kill(Deno.pid, "SIGKILL"); };
fs.writeFile = async (...a) => { await writeFile(...a); if (String(a[0]).endsWith("${STAGED_SUFFIX}")) maybeDie(); };
fs.rename = async (...a) => { await rename(...a); maybeDie(); };
await renewCertificate({ certificatesDir: "${PKI}", kubeconfigDir: "/etc/kubernetes" }, fs, "apiserver");
`;
}

Deno.test("renew killed (SIGKILL) at each step between its key and its certificate", async () => {
  for (const step of ["staged key", "staged certificate", "renamed key"]) {
    const root = await copyRoot(await sharedRoot());
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    try {
      await Deno.writeTextFile(script, killerScript(root, step));
      const p = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          new URL("../../deno.json", import.meta.url).pathname,
          script,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(p.signal, "SIGKILL", `${step}: ${new TextDecoder().decode(p.stderr)}`);
      // The live pair is never new key + old certificate without a staged certificate to finish.
      const check = await ks("certs", "check", "--rootfs", root);
      if (check.code !== 0) {
        assertStringIncludes(check.err, `an interrupted renewal left ${PKI}/apiserver.`, step);
        assertStringIncludes(check.err, "fix: kubestrap certs renew apiserver", step);
      }
      const r = await ks("certs", "renew", "apiserver", "--rootfs", root);
      assertEquals(r.code, 0, r.err);
      const after = await ks("certs", "check", "--rootfs", root);
      assertEquals(after.code, 0, `${step}: ${after.err}`);
      for (const f of ["apiserver.crt", "apiserver.key"]) {
        assert(!(await new Host(root).exists(`${PKI}/${f}${STAGED_SUFFIX}`)), `${step}: ${f}`);
      }
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(script);
    }
  }
});

Deno.test("renew --install-timer / --uninstall-timer under --rootfs (systemd, cron)", async () => {
  for (const systemd of [true, false]) {
    const root = await Deno.makeTempDir({ prefix: "kubestrap-timer-" });
    try {
      const host = new Host(root);
      if (systemd) await host.writeFile("/usr/lib/systemd/systemd", "", { mode: 0o755 });
      const r = await ks(
        "certs",
        "renew",
        "--install-timer",
        "--if-expiring-within",
        "1000h",
        "--rootfs",
        root,
      );
      assertEquals(r.code, 0, r.err);
      const files = systemd
        ? [
          "/etc/systemd/system/kubestrap-certs-renew.service",
          "/etc/systemd/system/kubestrap-certs-renew.timer",
        ]
        : ["/etc/cron.d/kubestrap-certs-renew"];
      for (const f of files) {
        const st = await Deno.stat(host.resolve(f));
        assertEquals(st.mode! & 0o777, 0o644, f);
      }
      const main = (await host.readText(files[0]))!;
      assertStringIncludes(main, "certs renew all --if-expiring-within 1000h");
      if (systemd) {
        assertStringIncludes(main, "Type=oneshot\nExecStart=/");
        const timer = (await host.readText(files[1]))!;
        assertStringIncludes(timer, "OnCalendar=daily\n");
        assertStringIncludes(timer, "Persistent=true\n");
        assertStringIncludes(timer, "WantedBy=timers.target\n");
        // Under --rootfs systemctl is not run on this machine: the line to run there.
        assertStringIncludes(
          r.out,
          "systemctl daemon-reload && systemctl enable --now kubestrap-certs-renew.timer",
        );
      } else {
        assert(
          /^17 3 \* \* \* root \/\S+ certs renew all --if-expiring-within 1000h >>/m.test(main),
        );
      }
      const u = await ks("certs", "renew", "--uninstall-timer", "--rootfs", root);
      assertEquals(u.code, 0, u.err);
      for (const f of files) {
        assert(!(await host.exists(f)), f);
        assertStringIncludes(u.out, `[renew] Removed ${f}\n`);
      }
      const none = await ks("certs", "renew", "--uninstall-timer", "--rootfs", root);
      assertStringIncludes(none.out, "nothing to remove");
      const both = await ks(
        "certs",
        "renew",
        "--install-timer",
        "--uninstall-timer",
        "--rootfs",
        root,
      );
      assertEquals(both.code, 1);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
});

Deno.test("restart after renewal: which components, in order, one at a time", async () => {
  assertEquals(componentsUsing(["admin.conf", "super-admin.conf"], true), []);
  assertEquals(componentsUsing(["scheduler.conf", "etcd-peer", "apiserver"], true), [
    "etcd",
    "kube-apiserver",
    "kube-scheduler",
  ]);
  assertEquals(componentsUsing(["apiserver-etcd-client"], false), []);
  assertEquals(componentsUsing(["apiserver-etcd-client"], true), ["kube-apiserver"]);
  const events: string[] = [];
  const deps = (failOn?: UpgradeComponent) => ({
    hasManifest: (c: UpgradeComponent) => Promise.resolve(c !== "kube-scheduler"),
    restart: (c: UpgradeComponent) => {
      events.push(`restart ${c}`);
      return Promise.resolve([`id-${c}`]);
    },
    ready: (c: UpgradeComponent, ids: string[]) => {
      events.push(`ready ${c} ${ids}`);
      return c === failOn ? Promise.reject(new Error("not ready")) : Promise.resolve();
    },
    out: (l: string) => events.push(l),
  });
  const all: UpgradeComponent[] = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
  ];
  assertEquals(await restartComponents(all, deps()), [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
  ]);
  assertEquals(events.filter((e) => !e.startsWith("[")), [
    "restart etcd",
    "ready etcd id-etcd",
    "restart kube-apiserver",
    "ready kube-apiserver id-kube-apiserver",
    "restart kube-controller-manager",
    "ready kube-controller-manager id-kube-controller-manager",
  ]);
  events.length = 0;
  const e = await assertRejects(() => restartComponents(all, deps("kube-apiserver")));
  assertStringIncludes(
    (e as Error).message,
    "kube-apiserver did not come back healthy after its restart: not ready; not restarted yet: kube-controller-manager, kube-scheduler",
  );
  assert(!events.includes("restart kube-controller-manager"));
});

Deno.test("(cleanup of the shared tree)", async () => {
  if (shared) await Deno.remove(await shared, { recursive: true });
});
