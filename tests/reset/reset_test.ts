/** `kubestrap reset` on a temporary root: kubeadm's files go, other files stay, leftovers named. */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { run } from "../cli/helpers.ts";

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.lstat(p);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "reset removes kubeadm's files and directories' contents, keeps the rest, reports leftovers",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "kubestrap-reset-root-" });
    try {
      const files = [
        "etc/kubernetes/admin.conf",
        "etc/kubernetes/super-admin.conf",
        "etc/kubernetes/kubelet.conf",
        "etc/kubernetes/bootstrap-kubelet.conf",
        "etc/kubernetes/controller-manager.conf",
        "etc/kubernetes/scheduler.conf",
        "etc/kubernetes/manifests/kube-apiserver.yaml",
        "etc/kubernetes/pki/ca.crt",
        "etc/kubernetes/pki/etcd/ca.key",
        "var/lib/kubelet/config.yaml",
        "var/lib/kubelet/pki/kubelet-client-current.pem",
        "var/lib/etcd/member/snap/db",
        // Beyond kubeadm: init and join --resume's records (lib/resume.ts), and a temporary
        // file of an atomic write that a killed run left (swept once reset holds the run lock).
        "etc/kubernetes/kubestrap-init-state.json",
        "etc/kubernetes/kubestrap-join-state.json",
        "etc/kubernetes/.admin.conf.tmp-0a1b2c3d",
        "etc/cni/net.d/10-bridge.conflist",
        "etc/kubernetes/tmp/keep-me",
        "etc/kubernetes/other.txt",
      ];
      for (const f of files) {
        await Deno.mkdir(`${root}/${f.replace(/\/[^/]+$/, "")}`, { recursive: true });
        await Deno.writeTextFile(`${root}/${f}`, "x");
      }
      const r = await run(
        "reset",
        "--force",
        "--rootfs",
        root,
        "--cri-socket",
        "unix:///nonexistent.sock",
      );
      assertEquals(r.code, 0, r.out + r.err);
      for (const f of files.slice(0, 15)) assert(!(await exists(`${root}/${f}`)), `${f} remains`);
      // The directories themselves stay, only their contents go.
      for (const d of ["etc/kubernetes/manifests", "etc/kubernetes/pki", "var/lib/kubelet"]) {
        assert(await exists(`${root}/${d}`), `${d} was removed`);
      }
      // Not kubeadm's: kept (no --cleanup-tmp-dir, no --cleanup-network).
      for (const f of files.slice(15)) assert(await exists(`${root}/${f}`), `${f} was removed`);
      assert(!(await exists(`${root}/etc/kubernetes/kubestrap.lock`)), "the run lock is released");
      assertStringIncludes(r.out, "[preflight] Running pre-flight checks");
      assertStringIncludes(
        r.out,
        "[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]",
      );
      assertStringIncludes(
        r.out,
        "[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf]",
      );
      assertStringIncludes(
        r.out,
        "[reset] Deleted contents of the etcd data directory: /var/lib/etcd",
      );
      assertStringIncludes(r.out, "CNI configuration in /etc/cni/net.d: [10-bridge.conflist]");
      assertStringIncludes(
        r.out,
        "The reset process does not perform cleanup of CNI plugin configuration",
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "reset without --cri-socket uses the node's kubelet instance config runtime endpoint",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "kubestrap-reset-cri-" });
    try {
      await Deno.mkdir(`${root}/var/lib/kubelet`, { recursive: true });
      await Deno.writeTextFile(
        `${root}/var/lib/kubelet/instance-config.yaml`,
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n" +
          "containerRuntimeEndpoint: unix:///run/custom/containerd.sock\n",
      );
      // Nothing answers on that socket: its containers are reported as left behind.
      const r = await run("reset", "--force", "--rootfs", root);
      assertEquals(r.code, 0, r.out + r.err);
      assertStringIncludes(
        r.out,
        "[reset]   - Kubernetes-managed containers of unix:///run/custom/containerd.sock\n",
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
