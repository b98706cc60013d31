/**
 * Byte-for-byte comparison with files the real kubeadm v1.37.2 wrote for the same configs
 * (testdata/<case>/golden, produced by testdata/regen.sh), including --patches.
 */
import { Host } from "../../lib/host.ts";
import {
  apiServerPod,
  controllerManagerPod,
  createControlPlaneManifest,
  createLocalEtcdManifest,
  etcdPod,
  marshalPod,
  type Pod,
  schedulerPod,
} from "../../lib/manifests/mod.ts";
import { resetPatchManagerCache } from "../../lib/patches/patches.ts";
import { assert, assertEquals } from "../assert.ts";
import { CASES, golden, GOLDEN_CA_PATHS, lineDiff, loadCase } from "./cases.ts";

function check(name: string, file: string, ours: string) {
  const exp = golden(name, file);
  assert(exp !== undefined, `missing golden ${name}/${file}`);
  assert(ours === exp, `${name}/${file} differs from kubeadm:\n${lineDiff(ours, exp!)}`);
}

for (const name of CASES.filter((c) => c !== "patched")) {
  Deno.test(`manifests: ${name} matches kubeadm v1.37.2 byte for byte`, () => {
    const c = loadCase(name);
    const opts = { images: c.images, proxyEnvs: [], caCertsExtraPaths: GOLDEN_CA_PATHS };
    const pods: Record<string, Pod> = {
      "kube-apiserver": apiServerPod(c, opts),
      "kube-controller-manager": controllerManagerPod(c, opts),
      "kube-scheduler": schedulerPod(c, opts),
    };
    if (!c.cluster.etcd.external) pods.etcd = etcdPod(c, opts);
    else assertEquals(golden(name, "etcd.yaml"), undefined);
    for (const [component, pod] of Object.entries(pods)) {
      check(name, `${component}.yaml`, marshalPod(pod));
    }
  });
}

Deno.test("manifests: patched case (--patches, all patch types) matches kubeadm, files and output", async () => {
  resetPatchManagerCache();
  const c = loadCase("patched");
  const root = await Deno.makeTempDir();
  try {
    const host = new Host(root);
    const lines: string[] = [];
    const opts = {
      images: c.images,
      proxyEnvs: [],
      caCertsExtraPaths: GOLDEN_CA_PATHS,
      output: (l: string) => lines.push(l),
    };
    for (const comp of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const) {
      await createControlPlaneManifest(host, c, comp, opts);
    }
    resetPatchManagerCache(); // kubeadm ran the etcd phase as a separate process
    await createLocalEtcdManifest(host, c, opts);
    for (const f of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"]) {
      const text = await host.readText(`/etc/kubernetes/manifests/${f}.yaml`);
      check("patched", `${f}.yaml`, text!);
      const st = await host.stat(`/etc/kubernetes/manifests/${f}.yaml`);
      assertEquals((st!.mode ?? 0) & 0o777, 0o600);
    }
    assertEquals(((await host.stat("/etc/kubernetes/manifests"))!.mode ?? 0) & 0o777, 0o700);
    assertEquals(((await host.stat("/var/lib/etcd"))!.mode ?? 0) & 0o777, 0o700);
    const stdout = golden("patched", "stdout")!.split("\n");
    const expected = stdout
      .slice(0, stdout.findIndex((l) => l.startsWith("[kubelet-start]")))
      .filter((l) => !l.startsWith("[control-plane] Using"));
    const ours = lines.join("").replaceAll(c.patchesDir!, "PATCHDIR").split("\n").slice(0, -1);
    assertEquals(ours, expected);
  } finally {
    resetPatchManagerCache();
    await Deno.remove(root, { recursive: true });
  }
});
