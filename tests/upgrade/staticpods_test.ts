/**
 * The static-Pod upgrade engine on a node's filesystem (a Host rooted in a temporary
 * directory) with a scripted kubelet (the mirror-Pod waiter): backups, the order of the swaps,
 * certificate renewal per component, skipping equal manifests, and the rollback of every
 * swapped manifest when a component does not come up, with its last log lines in the error.
 * The real kubelet and API server run in the end-to-end upgrade scenarios.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import { Host } from "../../lib/host.ts";
import type { InitConfig } from "../../lib/config/types.ts";
import {
  manifestsEqual,
  pathManagerForUpgrade,
  type StaticPodUpgradeDeps,
  upgradeStaticPodControlPlane,
} from "../../lib/upgrade/staticpods.ts";
import type { PodWaiter } from "../../lib/upgrade/waiter.ts";

const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];

function pod(component: string, version: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${component}
  namespace: kube-system
spec:
  containers:
  - image: registry.k8s.io/${component}:${version}
    name: ${component}
`;
}

/** A kubelet that runs whatever manifest is on disk, except the ones told to crash. */
class ScriptedKubelet implements PodWaiter {
  events: string[] = [];
  constructor(private host: Host, private crash: Set<string> = new Set()) {}
  async hash(component: string): Promise<string> {
    return (await this.host.readText(`/etc/kubernetes/manifests/${component}.yaml`)) ?? "";
  }
  singleHash(_node: string, c: string) {
    return this.hash(c);
  }
  async controlPlaneHashes(_node: string, cs: readonly string[]) {
    return new Map(
      await Promise.all(cs.map(async (c) => [c, await this.hash(c)] as [string, string])),
    );
  }
  async hashChange(_node: string, c: string, before: string) {
    this.events.push(`hash ${c}`);
    if (this.crash.has(c)) {
      throw new Error(
        `static Pod hash for component ${c} on Node node-1 did not change after 5m0s`,
      );
    }
    assert((await this.hash(c)) !== before, `${c}: the manifest did not change`);
  }
  podsWithLabel(label: string) {
    this.events.push(`running ${label}`);
    return Promise.resolve();
  }
}

async function node(versions: Record<string, string>) {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-upgrade-" });
  const host = new Host(root);
  for (const c of COMPONENTS) {
    await host.writeFile(`/etc/kubernetes/manifests/${c}.yaml`, pod(c, versions[c]), {
      mode: 0o600,
    });
  }
  await host.writeFile("/var/lib/etcd/member/snap/db", "etcd data", { mode: 0o600 });
  return { root, host };
}

function deps(
  host: Host,
  waiter: PodWaiter,
  target: Record<string, string>,
  renewed: string[],
  out: string[],
): StaticPodUpgradeDeps {
  const init = {
    cluster: {
      kubernetesVersion: "v1.37.2",
      etcd: { local: { dataDir: "/var/lib/etcd", imageTag: "3.7.0-0" } },
    },
  } as unknown as InitConfig;
  return {
    host,
    waiter,
    init,
    nodeName: "node-1",
    etcdUpgrade: true,
    renew: (name) => {
      renewed.push(name);
      return Promise.resolve(true);
    },
    writeControlPlaneManifests: async (dir) => {
      for (const c of COMPONENTS.slice(1)) {
        await host.writeFile(`${dir}/${c}.yaml`, pod(c, target[c]), { mode: 0o600 });
      }
    },
    writeEtcdManifest: (dir) =>
      host.writeFile(`${dir}/etcd.yaml`, pod("etcd", target.etcd), { mode: 0o600 }),
    etcd: { checkHealth: () => Promise.resolve(), waitAvailable: () => Promise.resolve() },
    timeoutMs: 300_000,
    out: (l) => out.push(l),
  };
}

const OLD = {
  etcd: "3.6.8-0",
  "kube-apiserver": "v1.36.3",
  "kube-controller-manager": "v1.36.3",
  "kube-scheduler": "v1.36.3",
};
const NEW = {
  etcd: "3.7.0-0",
  "kube-apiserver": "v1.37.2",
  "kube-controller-manager": "v1.37.2",
  "kube-scheduler": "v1.37.2",
};

Deno.test("static-Pod upgrade: etcd, then the API server, then the rest; backups and renewals", async () => {
  const { root, host } = await node(OLD);
  try {
    const kubelet = new ScriptedKubelet(host);
    const renewed: string[] = [];
    const out: string[] = [];
    const pm = await pathManagerForUpgrade(host, "/etc/kubernetes", true, false);
    await upgradeStaticPodControlPlane(deps(host, kubelet, NEW, renewed, out), pm);
    for (const c of COMPONENTS) {
      assertEquals(
        await host.readText(`/etc/kubernetes/manifests/${c}.yaml`),
        pod(c, (NEW as Record<string, string>)[c]),
      );
      assertEquals(
        await host.readText(`${pm.backupManifestDir}/${c}.yaml`),
        pod(c, (OLD as Record<string, string>)[c]),
      );
    }
    assertEquals(await host.readText(`${pm.backupEtcdDir}/etcd/member/snap/db`), "etcd data");
    assertEquals(await host.exists(pm.tempManifestDir), false, "the temporary manifests are gone");
    assertEquals(kubelet.events.slice(0, 4), [
      "hash etcd",
      "running component=etcd",
      "hash kube-apiserver",
      "running component=kube-apiserver",
    ]);
    assertEquals(kubelet.events.length, 8);
    assertEquals(renewed.slice(0, 7), [
      "etcd-server",
      "etcd-peer",
      "etcd-healthcheck-client",
      "apiserver",
      "apiserver-kubelet-client",
      "front-proxy-client",
      "apiserver-etcd-client",
    ]);
    assertEquals(
      new Set(renewed.slice(7, 9)),
      new Set(["controller-manager.conf", "scheduler.conf"]),
    );
    assertEquals(renewed.slice(9), ["admin.conf"]);
    assert(out.includes('[upgrade/staticpods] Component "kube-apiserver" upgraded successfully!'));
    assertStringIncludes(
      out[0],
      '[upgrade/staticpods] Writing new Static Pod manifests to "/etc/kubernetes/tmp/kubeadm-upgraded-manifests',
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("static-Pod upgrade: equal manifests are skipped (a rerun after a completed upgrade)", async () => {
  const { root, host } = await node(NEW);
  try {
    const kubelet = new ScriptedKubelet(host);
    const out: string[] = [];
    const pm = await pathManagerForUpgrade(host, "/etc/kubernetes", true, false);
    const d = deps(host, kubelet, NEW, [], out);
    d.renew = undefined;
    await upgradeStaticPodControlPlane(d, pm);
    assertEquals(kubelet.events, []);
    for (const c of COMPONENTS) {
      assert(
        out.includes(
          `[upgrade/staticpods] Current and new manifests of ${c} are equal, skipping upgrade`,
        ),
        c,
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("static-Pod upgrade: an API server that does not come up is rolled back, named, with its log", async () => {
  const { root, host } = await node(OLD);
  try {
    await host.writeFile(
      "/var/log/pods/kube-system_kube-apiserver-node-1_0123/kube-apiserver/1.log",
      "2026-12-07T10:00:00.000000000Z stderr F E1207 10:00:00 run.go:72] error: unknown flag: --bogus\n",
    );
    const kubelet = new ScriptedKubelet(host, new Set(["kube-apiserver"]));
    const pm = await pathManagerForUpgrade(host, "/etc/kubernetes", true, false);
    const e = await assertRejects(() =>
      upgradeStaticPodControlPlane(deps(host, kubelet, NEW, [], []), pm)
    );
    const msg = (e as Error).message;
    assertStringIncludes(
      msg,
      "couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. Errors faced: static Pod hash for component kube-apiserver on Node node-1 did not change after 5m0s",
    );
    assertStringIncludes(
      msg,
      "The last lines of the kube-apiserver log:\n\tE1207 10:00:00 run.go:72] error: unknown flag: --bogus",
    );
    assertEquals(
      await host.readText("/etc/kubernetes/manifests/kube-apiserver.yaml"),
      pod("kube-apiserver", "v1.36.3"),
    );
    // etcd is not rolled back for a failure of another component (kubeadm's rule).
    assertEquals(
      await host.readText("/etc/kubernetes/manifests/etcd.yaml"),
      pod("etcd", "3.7.0-0"),
    );
    for (const c of ["kube-controller-manager", "kube-scheduler"]) {
      assertEquals(await host.readText(`/etc/kubernetes/manifests/${c}.yaml`), pod(c, "v1.36.3"));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("static-Pod upgrade: manifests compare as objects (key order and quoting do not matter)", async () => {
  const root = await Deno.makeTempDir();
  try {
    const host = new Host(root);
    await host.writeFile("/a.yaml", "kind: Pod\napiVersion: v1\nspec: {containers: [{name: x}]}\n");
    await host.writeFile(
      "/b.yaml",
      'apiVersion: "v1"\nkind: Pod\nspec:\n  containers:\n  - name: x\n',
    );
    await host.writeFile(
      "/c.yaml",
      "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: y\n",
    );
    assertEquals(await manifestsEqual(host, "/a.yaml", "/b.yaml"), true);
    assertEquals(await manifestsEqual(host, "/a.yaml", "/c.yaml"), false);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
