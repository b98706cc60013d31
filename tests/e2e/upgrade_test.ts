/**
 * Upgrades of real clusters in namespace hosts: a control plane made by one tool, `upgrade plan`
 * and `upgrade apply` by another, then the cluster checked (node Ready at the version, the
 * static Pods on the new images, a Pod made before the upgrade still running, DNS and the
 * Service IP answering).
 *
 * The same-version upgrade (v1.37.2 -> v1.37.2) runs on the pinned test bed: every manifest is
 * equal and left alone, the ConfigMaps, kubelet config and addons are applied again. v1.36.3 -> v1.37.2 runs when the test
 * bed has v1.36.3 (KUBESTRAP_EXTRA_VERSIONS).
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { isRoot, skipReason, testbed, testbedReady } from "../harness/mod.ts";
import {
  allowCoreDnsPort53,
  createNode,
  type E2eNode,
  initConfig,
  probeCluster,
  waitNodeReady,
  waitPodsReady,
} from "./cluster.ts";
import { logDir } from "./scenarios.ts";
import { runTool, toolError, type ToolName, type ToolRun } from "./tools.ts";

const wanted = Deno.env.get("KUBESTRAP_E2E") === "1";
if (wanted && !testbedReady) console.warn(`tests/e2e: skipped: ${skipReason}`);
const ignore = !wanted || !testbedReady || !isRoot;

/** A busybox Pod that must survive the upgrade. */
const SURVIVOR = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "survivor", namespace: "default" },
  spec: {
    tolerations: [{ operator: "Exists" }],
    containers: [{
      name: "c",
      image: "kubestrap.local/testbed/busybox:1.35.0",
      imagePullPolicy: "Never",
      command: ["sh", "-c", "sleep 36000"],
    }],
  },
});

async function staticPodImages(node: E2eNode): Promise<Record<string, string>> {
  const r = await node.kubectl([
    "get",
    "pods",
    "-n",
    "kube-system",
    "-l",
    "tier=control-plane",
    "-o",
    'jsonpath={range .items[*]}{.metadata.labels.component}={.spec.containers[0].image}{"\\n"}{end}',
  ]);
  return Object.fromEntries(r.stdout.trim().split("\n").map((l) => l.split("=")));
}

export interface UpgradeScenario {
  network: string;
  subnet: number;
  /** Who made the cluster and who upgrades it. */
  init: ToolName;
  upgrade: ToolName;
  from: string;
  to: string;
}

export async function upgradeOneHost(s: UpgradeScenario): Promise<{
  plan: ToolRun;
  apply: ToolRun;
  images: Record<string, string>;
}> {
  const logs = await logDir(`upgrade-${s.init}-${s.upgrade}-${s.from}-${s.to}`);
  const node = await createNode("cp", {
    addr: `10.210.${s.subnet}.11/24`,
    network: s.network,
    podCidr: `10.211.${s.subnet}.0/24`,
  });
  try {
    const config = `${node.host.root}/e2e.yaml`;
    await Deno.writeTextFile(config, initConfig(node, { kubernetesVersion: s.from }));
    const kubelet = node.startKubelet();
    const init = await runTool(node, s.init, ["init", "--config", config], {
      logTo: `${logs}/init.log`,
    });
    if (init.code !== 0) throw toolError(init, `logs in ${logs}`);
    await allowCoreDnsPort53(node);
    const describe = () => kubelet.log().slice(-3000);
    await waitNodeReady(node, "cp", 180_000, describe);
    await waitPodsReady(node, "k8s-app=kube-dns", 2, 180_000);
    await node.kubectl(["apply", "-f", "-"], { stdin: SURVIVOR });
    await waitPodsReady(node, "", 1, 120_000, "default");
    const plan = await runTool(node, s.upgrade, ["upgrade", "plan", s.to], {
      logTo: `${logs}/plan.log`,
    });
    if (plan.code !== 0) throw toolError(plan, `logs in ${logs}`);
    const apply = await runTool(node, s.upgrade, [
      "upgrade",
      "apply",
      s.to,
      "--yes",
      // This machine's cgroup v1 (init's configuration ignores it too; ignores are node-local).
      "--ignore-preflight-errors=SystemVerification",
      "--v=5",
    ], {
      logTo: `${logs}/apply.log`,
    });
    if (apply.code !== 0) {
      await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
      throw toolError(apply, `logs in ${logs}`);
    }
    await waitNodeReady(node, "cp", 180_000, describe);
    const images = await staticPodImages(node);
    const survivor = await node.kubectl([
      "get",
      "pod",
      "survivor",
      "-o",
      "jsonpath={.status.phase}",
    ]);
    assertEquals(survivor.stdout, "Running", "a Pod made before the upgrade still runs");
    await probeCluster(node);
    await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
    return { plan, apply, images };
  } finally {
    await node.destroy();
  }
}

Deno.test({
  name:
    "e2e upgrade: kubestrap upgrade apply v1.37.2 on a kubestrap v1.37.2 cluster (nothing to swap)",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const v = testbed.kubernetesVersion;
  const r = await upgradeOneHost({
    network: "e2e-up1",
    subnet: 31,
    init: "kubestrap",
    upgrade: "kubestrap",
    from: v,
    to: v,
  });
  // Same version: kubeadm leaves every static Pod alone (equal manifests are skipped, their
  // certificates too); only admin.conf is renewed.
  for (const c of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
    if (c !== "etcd") assertEquals(r.images[c], `registry.k8s.io/${c}:${v}`);
    assertStringIncludes(
      r.apply.stdout,
      `[upgrade/staticpods] Current and new manifests of ${c} are equal, skipping upgrade`,
    );
  }
  assertStringIncludes(
    r.apply.stdout,
    `[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "${v}".`,
  );
  assert(!r.apply.stdout.includes("[upgrade/staticpods] Renewing apiserver certificate"));
});
