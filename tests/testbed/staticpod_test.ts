import { assertEquals } from "../assert.ts";
import { rewrite } from "../harness/staticpod.ts";

Deno.test("testbed harness: static-pod path rewriting is prefix- and boundary-aware", () => {
  const rw = { "/etc/kubernetes": "/tmp/r/etc/kubernetes", "/etc/kubernetes/pki": "/x/pki" };
  assertEquals(
    rewrite("--client-ca-file=/etc/kubernetes/pki/ca.crt", rw),
    "--client-ca-file=/x/pki/ca.crt",
  );
  assertEquals(
    rewrite("--kubeconfig=/etc/kubernetes/scheduler.conf", rw),
    "--kubeconfig=/tmp/r/etc/kubernetes/scheduler.conf",
  );
  assertEquals(rewrite("/etc/kubernetes", rw), "/tmp/r/etc/kubernetes");
  // Not a path boundary: untouched.
  assertEquals(rewrite("--x=/etc/kubernetesfoo/a", rw), "--x=/etc/kubernetesfoo/a");
  assertEquals(rewrite("--y=/var/etc/kubernetes/a", rw), "--y=/var/etc/kubernetes/a");
  // Lists.
  assertEquals(
    rewrite("--files=/etc/kubernetes/a,/etc/kubernetes/b", rw),
    "--files=/tmp/r/etc/kubernetes/a,/tmp/r/etc/kubernetes/b",
  );
});
