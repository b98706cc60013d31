/**
 * lib/upgrade/interrupted.ts: a run that finds the temporary manifest directory of an upgrade
 * that did not finish waits for this node's control-plane Pods to be Ready before it reads the
 * cluster, says so only when it has to wait, and goes on when the wait runs out. The pods come
 * from a scripted client (the API server restarting cannot be timed in a unit test; the real one
 * is killed mid-restart in tests/e2e/upgrade_faults_test.ts).
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { Host } from "../../lib/host.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import {
  settleAfterUnfinishedUpgrade,
  unfinishedUpgradeDirs,
} from "../../lib/upgrade/interrupted.ts";

type Answer = Error | { name: string; ready: boolean }[];

/** A client whose `list` answers one scripted answer per call (the last one repeats). */
function scripted(answers: Answer[]): { client: KubeClient; calls: () => number } {
  let n = 0;
  const client = {
    list(resource: string, o: { labelSelector?: string }) {
      assertEquals([resource, o.labelSelector], ["pods", "tier=control-plane"]);
      const a = answers[Math.min(n++, answers.length - 1)];
      if (a instanceof Error) return Promise.reject(a);
      return Promise.resolve({
        items: a.map((p) => ({
          metadata: { name: p.name },
          spec: { nodeName: "cp" },
          status: { conditions: [{ type: "Ready", status: p.ready ? "True" : "False" }] },
        })),
      });
    },
  } as unknown as KubeClient;
  return { client, calls: () => n };
}

async function nodeWith(dirs: string[]): Promise<Host> {
  const host = new Host(await Deno.makeTempDir({ prefix: "kubestrap-interrupted-" }));
  await host.mkdirAll("/etc/kubernetes/tmp/kubeadm-backup-manifests-2026-12-07-10-00-00", 0o700);
  for (const d of dirs) await host.mkdirAll(`/etc/kubernetes/tmp/${d}`, 0o700);
  return host;
}

const ready = [{ name: "etcd-cp", ready: true }, { name: "kube-apiserver-cp", ready: true }];
const apiserverDown = [{ name: "etcd-cp", ready: true }, {
  name: "kube-apiserver-cp",
  ready: false,
}];

Deno.test("interrupted: only the temporary manifest directories of unfinished runs count", async () => {
  const host = await nodeWith(["kubeadm-upgraded-manifests-2", "kubeadm-upgraded-manifests-1"]);
  assertEquals(await unfinishedUpgradeDirs(host, "/etc/kubernetes"), [
    "/etc/kubernetes/tmp/kubeadm-upgraded-manifests-1",
    "/etc/kubernetes/tmp/kubeadm-upgraded-manifests-2",
  ]);
  // Backups are kept after a finished run too (kubeadm keeps them): they don't count.
  assertEquals(await unfinishedUpgradeDirs(await nodeWith([]), "/etc/kubernetes"), []);
  assertEquals(await unfinishedUpgradeDirs(new Host("/nonexistent-root"), "/etc/kubernetes"), []);
});

Deno.test("interrupted: no unfinished run, no API call and nothing printed", async () => {
  const s = scripted([new Error("must not be called")]);
  const out: string[] = [];
  await settleAfterUnfinishedUpgrade({
    host: await nodeWith([]),
    client: s.client,
    kubernetesDir: "/etc/kubernetes",
    timeoutMs: 5000,
    out: (l) => out.push(l),
  });
  assertEquals([s.calls(), out], [0, []]);
});

Deno.test("interrupted: a control plane that is Ready is not waited for", async () => {
  const s = scripted([ready]);
  const out: string[] = [];
  await settleAfterUnfinishedUpgrade({
    host: await nodeWith(["kubeadm-upgraded-manifests-1"]),
    client: s.client,
    kubernetesDir: "/etc/kubernetes",
    timeoutMs: 5000,
    out: (l) => out.push(l),
  });
  assertEquals([s.calls(), out], [1, []]);
});

Deno.test("interrupted: waits through an API server that is away until the Pods are Ready", async () => {
  const s = scripted([
    new Error('Get "https://10.0.0.1:6443/api/v1/...": connection refused'),
    apiserverDown,
    ready,
  ]);
  const out: string[] = [];
  await settleAfterUnfinishedUpgrade({
    host: await nodeWith(["kubeadm-upgraded-manifests-1"]),
    client: s.client,
    kubernetesDir: "/etc/kubernetes",
    timeoutMs: 60_000,
    out: (l) => out.push(l),
  });
  assertEquals(s.calls(), 3);
  assertEquals(out.length, 2);
  assertEquals(
    out[0],
    "[upgrade] An earlier upgrade did not finish (kubeadm-upgraded-manifests-1 is left); " +
      "waiting up to 1m0s for the control-plane Pods of this node to be Ready",
  );
  assertMatch(out[1], /^\[upgrade\] The control-plane Pods of this node are Ready after \d+\.\ds$/);
});

Deno.test("interrupted: when the wait runs out it goes on and says what is not Ready", async () => {
  const s = scripted([apiserverDown]);
  const out: string[] = [];
  await settleAfterUnfinishedUpgrade({
    host: await nodeWith(["kubeadm-upgraded-manifests-1", "kubeadm-upgraded-manifests-2"]),
    client: s.client,
    kubernetesDir: "/etc/kubernetes",
    timeoutMs: 2500,
    out: (l) => out.push(l),
  });
  assertEquals(out.length, 2);
  assertMatch(
    out[0],
    /^\[upgrade\] An earlier upgrade did not finish \(kubeadm-upgraded-manifests-1, kubeadm-upgraded-manifests-2 are left\); waiting up to 2\.5s /,
  );
  assertMatch(
    out[1],
    /^\[upgrade\] The control-plane Pods of this node are still not Ready after \d+\.\ds \(not Ready: kube-apiserver-cp\); going on$/,
  );
});
