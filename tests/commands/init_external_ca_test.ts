// `kubeadm init` in external-CA mode (ca.crt without ca.key): newInitData checks that the
// kubeconfig files exist and trust ca.crt (kubeconfigphase.ValidateKubeconfigsForExternalCA),
// because they cannot be written without ca.key. Compared with the real kubeadm v1.37.2 on the
// same files when the binary is cached.
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { canUnshare, copyRoot, ks, kubeadmIn, kubeadmPath, makeRoot } from "./helpers.ts";

const differential = kubeadmPath() !== undefined && canUnshare();

/** The error line of a run (kubeadm's "error: ..." without the stack-trace hint). */
function errorLine(err: string): string {
  return err.split("\n").find((l) => l.startsWith("error: ")) ?? "";
}

async function externalCARoot(): Promise<string> {
  const root = await makeRoot("kubestrap-extca-");
  await Deno.remove(`${root}/etc/kubernetes/pki/ca.key`);
  return root;
}

Deno.test("init with an external CA: every kubeconfig must exist and trust ca.crt", async () => {
  const good = await externalCARoot();
  const other = await makeRoot("kubestrap-extca-other-");
  try {
    // A complete tree: init's phases run (nothing is generated for the CA).
    const ok = await ks("init", "phase", "kubeconfig", "all", "--rootfs", good);
    assertEquals(ok.code, 0, ok.err);
    assertStringIncludes(ok.out, "[kubeconfig] External CA mode: Using user provided admin.conf");

    const cases: [string, (root: string) => Promise<void>, string][] = [
      [
        "missing admin.conf",
        (r) => Deno.remove(`${r}/etc/kubernetes/admin.conf`),
        "error: the admin.conf file does not exists or it is not valid: stat /etc/kubernetes/admin.conf: no such file or directory",
      ],
      [
        "scheduler.conf of another CA",
        (r) =>
          Deno.copyFile(
            `${other}/etc/kubernetes/scheduler.conf`,
            `${r}/etc/kubernetes/scheduler.conf`,
          ),
        `error: the scheduler.conf file does not exists or it is not valid: a kubeconfig file "/etc/kubernetes/scheduler.conf" exists but does not contain a trusted CA in its current context's cluster. Total CA certificates found: 1`,
      ],
    ];
    for (const [what, breakIt, want] of cases) {
      const root = await copyRoot(good);
      try {
        await breakIt(root);
        const r = await ks("init", "phase", "certs", "all", "--rootfs", root);
        assertEquals(r.code, 1, what);
        assertEquals(errorLine(r.err), want, what);
        if (differential) {
          const k = await kubeadmIn(root, "init", "phase", "certs", "all");
          assertEquals(k.code, 1, what);
          assertEquals(errorLine(k.err), want, `${what}: kubeadm`);
        }
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    }
  } finally {
    await Deno.remove(good, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});
