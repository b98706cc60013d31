/**
 * Differential test against the real kubeadm v1.37.2 binary (built by scripts/k8s/build.sh):
 * kubeadm runs `init phase control-plane all`, `etcd local` and `kubelet-start` for each case in
 * a private mount namespace (tmpfs on /etc/kubernetes and /var/lib/kubelet) and every file must
 * equal ours byte for byte. Needs root and unshare; ignored otherwise.
 */
import * as path from "@std/path";
import { Host } from "../../lib/host.ts";
import { runKubeletStart } from "../../lib/kubelet/mod.ts";
import {
  createControlPlaneManifest,
  createLocalEtcdManifest,
  detectCACertsExtraPaths,
} from "../../lib/manifests/mod.ts";
import { resetPatchManagerCache } from "../../lib/patches/patches.ts";
import { assert } from "../assert.ts";
import { CASES, lineDiff, loadCase } from "./cases.ts";
import { kubeadmBinary } from "../harness/testbed.ts";

const KUBEADM = kubeadmBinary();

function available(): boolean {
  try {
    Deno.statSync(KUBEADM);
    return Deno.uid() === 0 && Deno.statSync("/usr/bin/unshare").isFile;
  } catch {
    return false;
  }
}

const SCRIPT = `
set -e
mkdir -p /etc/kubernetes /var/lib/kubelet
mount -t tmpfs tmpfs /etc/kubernetes
mount -t tmpfs tmpfs /var/lib/kubelet
PATH=/nonexistent "$1" init phase control-plane all --config "$2"
PATH=/nonexistent "$1" init phase etcd local --config "$2"
PATH=/nonexistent "$1" init phase kubelet-start --config "$2"
cp /etc/kubernetes/manifests/* /var/lib/kubelet/* "$3/"
`;

for (const name of CASES) {
  Deno.test({
    name: `differential: kubeadm v1.37.2 vs kubestrap, case ${name}`,
    ignore: !available(),
    async fn() {
      resetPatchManagerCache();
      const c = loadCase(name);
      const tmp = await Deno.makeTempDir();
      try {
        const cfgFile = path.join(tmp, "config.yaml");
        await Deno.writeTextFile(cfgFile, c.configText);
        const theirs = path.join(tmp, "kubeadm");
        await Deno.mkdir(theirs);
        const env: Record<string, string> = {
          PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
          HOME: "/root",
        };
        const r = await new Deno.Command("/usr/bin/unshare", {
          args: ["-m", "/bin/sh", "-c", SCRIPT, "sh", KUBEADM, cfgFile, theirs],
          env,
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert(r.code === 0, `kubeadm failed: ${new TextDecoder().decode(r.stderr)}`);
        const host = new Host(path.join(tmp, "ours"));
        // kubestrap with the same environment: no proxies, no init system
        host.lookPath = () => Promise.resolve(undefined);
        const opts = {
          images: c.images,
          proxyEnvs: [],
          caCertsExtraPaths: await detectCACertsExtraPaths(new Host("/")),
          output: () => {},
        };
        for (
          const comp of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const
        ) {
          await createControlPlaneManifest(host, c, comp, opts);
        }
        await createLocalEtcdManifest(host, c, opts);
        await runKubeletStart(host, { init: c.init, kubeletConfig: c.kubeletConfig }, {
          output: () => {},
          warn: () => {},
          hostname: Deno.hostname(),
          systemdResolvedActive: false,
        });
        const files = [...Deno.readDirSync(theirs)].map((e) => e.name).sort();
        assert(files.length >= 6, `kubeadm wrote ${files}`);
        for (const f of files) {
          const dir = f.endsWith(".yaml") && !f.includes("config")
            ? "/etc/kubernetes/manifests"
            : "/var/lib/kubelet";
          const ours = await host.readText(`${dir}/${f}`);
          const exp = await Deno.readTextFile(path.join(theirs, f));
          assert(ours !== undefined, `kubestrap did not write ${dir}/${f}`);
          assert(ours === exp, `${name}: ${f} differs:\n${lineDiff(ours!, exp)}`);
        }
      } finally {
        resetPatchManagerCache();
        await Deno.remove(tmp, { recursive: true });
      }
    },
  });
}
