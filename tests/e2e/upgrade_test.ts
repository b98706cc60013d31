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
import { releaseSkipReason, skipReason, testbed, testbedReady } from "../harness/mod.ts";
import {
  allowCoreDnsPort53,
  createNode,
  type E2eNode,
  getItemValues,
  getJsonpath,
  initConfig,
  probeCluster,
  tryGetJsonpath,
  waitNodeReady,
  waitPodsReady,
} from "./cluster.ts";
import { cluster, E2E_IGNORE, E2E_WANTED, etcdMemberList, logDir } from "./scenarios.ts";
import { waitFor } from "../harness/mod.ts";
import { runTool, toolError, type ToolName, type ToolRun } from "./tools.ts";

const wanted = E2E_WANTED;
const ignore = E2E_IGNORE;

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
  return await getItemValues(
    node,
    ["pods", "-n", "kube-system", "-l", "tier=control-plane"],
    ".metadata.labels.component",
    ".spec.containers[0].image",
  );
}

export interface UpgradeScenario {
  network: string;
  subnet: number;
  /** Who made the cluster and who upgrades it. */
  init: ToolName;
  upgrade: ToolName;
  from: string;
  to: string;
  /** Check DNS and the Service IP afterwards (default true; the benchmark skips it). */
  probe?: boolean;
  /** Collect what the differential compares (see `upgradeArtifacts`). */
  collect?: boolean;
  /** Before the upgrade, on the same node (bad input: must fail and change nothing). */
  before?: (node: E2eNode) => Promise<void>;
}

/** An API object without what the server or the clock fills in. */
function stripObject(o: Record<string, unknown>): Record<string, unknown> {
  const x = structuredClone(o) as Record<string, Record<string, unknown>>;
  delete x.status;
  for (
    const k of [
      "uid",
      "resourceVersion",
      "creationTimestamp",
      "managedFields",
      "generation",
      "selfLink",
    ]
  ) delete x.metadata?.[k];
  const ann = x.metadata?.annotations as Record<string, string> | undefined;
  if (ann) delete ann["deprecated.daemonset.template.generation"];
  if (ann) delete ann["deployment.kubernetes.io/revision"];
  return x;
}

/**
 * What an upgrade leaves that the differential compares: the static Pod manifests,
 * /var/lib/kubelet/config.yaml, the kubeadm-config and kubelet-config ConfigMaps, and the CoreDNS
 * and kube-proxy objects.
 */
async function upgradeArtifacts(node: E2eNode): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
    out[`manifest ${c}`] = await Deno.readTextFile(
      node.host.path(`/etc/kubernetes/manifests/${c}.yaml`),
    );
  }
  out["/var/lib/kubelet/config.yaml"] = await Deno.readTextFile(
    node.host.path("/var/lib/kubelet/config.yaml"),
  );
  const objects: [string, string, string][] = [
    ["configmap", "kube-system", "kubeadm-config"],
    ["configmap", "kube-system", "kubelet-config"],
    ["configmap", "kube-system", "coredns"],
    ["deployment", "kube-system", "coredns"],
    ["service", "kube-system", "kube-dns"],
    ["configmap", "kube-system", "kube-proxy"],
    ["daemonset", "kube-system", "kube-proxy"],
  ];
  for (const [kind, ns, name] of objects) {
    const r = await node.kubectl(["get", kind, "-n", ns, name, "-o", "json"]);
    out[`${kind} ${ns}/${name}`] = JSON.stringify(stripObject(JSON.parse(r.stdout)), null, 2);
  }
  // Each host's containerd socket lives under its own root: the one host-specific string.
  for (const k of Object.keys(out)) out[k] = out[k].replaceAll(node.host.root, "<host root>");
  return out;
}

export async function upgradeOneHost(s: UpgradeScenario): Promise<{
  plan: ToolRun;
  /** kubeadm's `upgrade plan` on the same cluster (when kubestrap upgrades). */
  kubeadmPlan?: ToolRun;
  apply: ToolRun;
  images: Record<string, string>;
  artifacts?: Record<string, string>;
}> {
  const logs = await logDir(`upgrade-${s.init}-${s.upgrade}-${s.from}-${s.to}`);
  const pinned = testbed.kubernetesVersion;
  const node = await createNode("cp", {
    addr: `10.210.${s.subnet}.11/24`,
    network: s.network,
    podCidr: `10.211.${s.subnet}.0/24`,
    extraImageVersions: [s.from, s.to].filter((v) => v !== pinned),
  });
  // The real kubeadm of the release each step belongs to (kubeadm v1.36.3 makes a v1.36.3
  // cluster; the upgrade to v1.37.2 is kubeadm v1.37.2's).
  const kubeadmFor = (v: string) => (v === pinned ? undefined : v);
  try {
    const config = `${node.host.root}/e2e.yaml`;
    await Deno.writeTextFile(config, initConfig(node, { kubernetesVersion: s.from }));
    const kubelet = node.startKubelet(s.from === pinned ? undefined : s.from);
    const init = await runTool(node, s.init, ["init", "--config", config], {
      logTo: `${logs}/init.log`,
      kubeadmVersion: kubeadmFor(s.from),
      pathRelease: s.from,
    });
    if (init.code !== 0) throw toolError(init, `logs in ${logs}`);
    await allowCoreDnsPort53(node);
    const describe = () => kubelet.log().slice(-3000);
    await waitNodeReady(node, "cp", 180_000, describe);
    await waitPodsReady(node, "k8s-app=kube-dns", 2, 180_000);
    await node.kubectl(["apply", "-f", "-"], { stdin: SURVIVOR });
    await waitPodsReady(node, "", 1, 120_000, "default");
    if (s.before) await s.before(node);
    const plan = await runTool(node, s.upgrade, [
      "upgrade",
      "plan",
      s.to,
      "--ignore-preflight-errors=SystemVerification",
    ], {
      logTo: `${logs}/plan.log`,
      kubeadmVersion: kubeadmFor(s.to),
      pathRelease: s.from,
    });
    if (plan.code !== 0) throw toolError(plan, `logs in ${logs}`);
    // The real kubeadm of the target release plans the same cluster: the same stdout.
    const kubeadmPlan = s.upgrade === "kubestrap"
      ? await runTool(node, "kubeadm", [
        "upgrade",
        "plan",
        s.to,
        "--ignore-preflight-errors=SystemVerification",
      ], {
        logTo: `${logs}/kubeadm-plan.log`,
        kubeadmVersion: kubeadmFor(s.to),
        pathRelease: s.from,
      })
      : undefined;
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
      kubeadmVersion: kubeadmFor(s.to),
      pathRelease: s.from,
    });
    if (apply.code !== 0) {
      await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
      throw toolError(apply, `logs in ${logs}`);
    }
    if (s.from !== s.to) {
      // As the operator does after `upgrade apply`: the new kubelet package, then a restart.
      await kubelet.swap(s.to);
      await waitFor(`the kubelet to report ${s.to}`, async () => {
        const r = await tryGetJsonpath(node, ["node", "cp"], "{.status.nodeInfo.kubeletVersion}");
        return r.ok && r.text === s.to;
      }, { timeoutMs: 120_000, intervalMs: 1000, describe });
    }
    await waitNodeReady(node, "cp", 180_000, describe);
    // After the kubelet's restart its mirror Pods come back one by one: wait for all four.
    let images: Record<string, string> = {};
    await waitFor("the four static Pods mirrored again", async () => {
      images = await staticPodImages(node).catch(() => ({}));
      return ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"].every((c) =>
        images[c]
      );
    }, { timeoutMs: 120_000, intervalMs: 1000, describe: () => JSON.stringify(images) });
    // The new kubelet may restart the static Pods (the API server too) a moment later: every
    // check from here on tolerates the API server being away for a while.
    let phase = "";
    await waitFor("the Pod made before the upgrade to be Running", async () => {
      const r = await tryGetJsonpath(node, ["pod", "survivor"], "{.status.phase}");
      phase = r.text;
      return r.ok && phase === "Running";
    }, { timeoutMs: 120_000, intervalMs: 2000, describe: () => phase });
    if (s.upgrade === "kubestrap" && s.from !== s.to) {
      // The real kubeadm reads the cluster kubestrap upgraded: nothing left to upgrade.
      const after = await runTool(node, "kubeadm", [
        "upgrade",
        "plan",
        "--ignore-preflight-errors=SystemVerification",
      ], { logTo: `${logs}/kubeadm-plan-after.log`, pathRelease: s.to });
      if (after.code !== 0) throw toolError(after, `logs in ${logs}`);
      assertEquals(after.stdout.includes("You can now apply the upgrade"), false, after.stdout);
    }
    let artifacts: Record<string, string> | undefined;
    if (s.collect) {
      await waitFor("the upgrade's results to be readable", async () => {
        artifacts = await upgradeArtifacts(node).catch(() => undefined);
        return artifacts !== undefined;
      }, { timeoutMs: 120_000, intervalMs: 2000, describe: () => "" });
    }
    if (artifacts) {
      await Deno.writeTextFile(`${logs}/artifacts.json`, JSON.stringify(artifacts, null, 1));
    }
    if (s.probe !== false) await probeCluster(node);
    await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
    return { plan, kubeadmPlan, apply, images, artifacts };
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
    before: async (node) => {
      const snapshot = async () =>
        await Promise.all(
          ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((c) =>
            Deno.readTextFile(node.host.path(`/etc/kubernetes/manifests/${c}.yaml`))
          ),
        );
      const was = await snapshot();
      const ignoreSV = "--ignore-preflight-errors=SystemVerification";
      // Too new (two minors above the cluster and above kubeadm): kubeadm's fatal errors.
      const tooNew = await runTool(node, "kubestrap", [
        "upgrade",
        "apply",
        "v1.39.0",
        "-y",
        ignoreSV,
      ]);
      assertEquals(tooNew.code, 1);
      assertStringIncludes(
        tooNew.stderr,
        "the version argument is invalid due to these fatal errors:",
      );
      assertStringIncludes(
        tooNew.stderr,
        'Specified version to upgrade to "v1.39.0" is too high; kubeadm can upgrade only 1 minor version at a time',
      );
      // Not a version at all.
      const bad = await runTool(node, "kubestrap", ["upgrade", "apply", "v1.37.x", "-y", ignoreSV]);
      assertEquals(bad.code, 1);
      // No admin.conf.
      const noConf = await runTool(node, "kubestrap", [
        "upgrade",
        "apply",
        v,
        "-y",
        "--kubeconfig",
        "/etc/kubernetes/nope.conf",
      ]);
      assertEquals(noConf.code, 1);
      assertStringIncludes(
        noConf.stderr,
        'couldn\'t create a Kubernetes client from file "/etc/kubernetes/nope.conf": failed to load admin kubeconfig: open /etc/kubernetes/nope.conf: no such file or directory',
      );
      assertEquals(await snapshot(), was, "nothing was modified");
    },
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
  assertEquals(r.plan.stdout, r.kubeadmPlan!.stdout, "upgrade plan prints what kubeadm prints");
});

const OLD = "v1.36.3";
const oldMissing = testbedReady ? releaseSkipReason(OLD) : skipReason;
if (wanted && testbedReady && oldMissing) {
  console.warn(`tests/e2e upgrade ${OLD}: skipped: ${oldMissing}`);
}

function assertUpgradedTo(r: { images: Record<string, string>; apply: ToolRun }, v: string) {
  for (const c of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
    assertEquals(r.images[c], `registry.k8s.io/${c}:${v}`);
  }
}

Deno.test({
  name: `e2e upgrade: a kubestrap ${OLD} cluster upgraded by kubestrap to v1.37.2`,
  ignore: ignore || oldMissing !== "",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const r = await upgradeOneHost({
    network: "e2e-up2",
    subnet: 32,
    init: "kubestrap",
    upgrade: "kubestrap",
    from: OLD,
    to: testbed.kubernetesVersion,
  });
  assertUpgradedTo(r, testbed.kubernetesVersion);
  for (const c of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
    assertStringIncludes(
      r.apply.stdout,
      `[upgrade/staticpods] Component "${c}" upgraded successfully!`,
    );
  }
  assertEquals(r.plan.stdout, r.kubeadmPlan!.stdout, "upgrade plan prints what kubeadm prints");
});

Deno.test({
  name: `e2e upgrade: a kubeadm ${OLD} cluster upgraded by kubestrap to v1.37.2`,
  ignore: ignore || oldMissing !== "",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const r = await upgradeOneHost({
    network: "e2e-up3",
    subnet: 33,
    init: "kubeadm",
    upgrade: "kubestrap",
    from: OLD,
    to: testbed.kubernetesVersion,
  });
  assertUpgradedTo(r, testbed.kubernetesVersion);
});

Deno.test({
  name: `e2e upgrade: a kubestrap ${OLD} cluster upgraded by kubeadm v1.37.2`,
  ignore: ignore || oldMissing !== "",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const r = await upgradeOneHost({
    network: "e2e-up4",
    subnet: 34,
    init: "kubestrap",
    upgrade: "kubeadm",
    from: OLD,
    to: testbed.kubernetesVersion,
  });
  assertUpgradedTo(r, testbed.kubernetesVersion);
});

/**
 * The kubelet package upgraded on `node`: the supervised kubelet restarted on the new binary, or
 * the kubelet kubestrap started itself (no init system) stopped and a supervised one started.
 */
async function swapKubelet(node: E2eNode, version: string): Promise<void> {
  if (node.kubelet) return await node.kubelet.swap(version);
  await node.host.exec([
    "sh",
    "-c",
    "test -f /var/run/kubestrap/kubelet.pid && kill $(cat /var/run/kubestrap/kubelet.pid); rm -f /var/run/kubestrap/kubelet.pid",
  ], { allowFailure: true });
  node.startKubelet(version);
}

async function kubeletVersions(cp: E2eNode): Promise<string> {
  return (await getJsonpath(
    cp,
    ["nodes"],
    '{range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion}{"\\n"}{end}',
  )).trim();
}

Deno.test({
  name:
    `e2e upgrade: a kubestrap ${OLD} cluster (2 control planes, 1 worker) upgraded by kubestrap: apply, node, node`,
  ignore: ignore || oldMissing !== "",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const to = testbed.kubernetesVersion;
  const logs = await logDir(`upgrade-multi-${OLD}-${to}`);
  const ignoreSV = "--ignore-preflight-errors=SystemVerification";
  await cluster({
    network: "e2e-up5",
    subnet: 35,
    cpTool: "kubestrap",
    joins: [
      { name: "w1", tool: "kubestrap" },
      { name: "cp2", tool: "kubestrap", controlPlane: true },
    ],
    release: OLD,
    logs,
    after: async (cp, _extra, nodes) => {
      const byName = Object.fromEntries(nodes.map((n) => [n.name, n]));
      await cp.kubectl(["apply", "-f", "-"], { stdin: SURVIVOR });
      await waitPodsReady(cp, "", 1, 120_000, "default");
      const run = async (node: E2eNode, name: string, args: string[]) => {
        const r = await runTool(node, "kubestrap", args, {
          logTo: `${logs}/${name}.log`,
          pathRelease: OLD,
        });
        if (r.code !== 0) throw toolError(r, `logs in ${logs}`);
        return r;
      };
      const plan = await run(cp, "cp1-plan", ["upgrade", "plan", to, ignoreSV]);
      assertStringIncludes(plan.stdout, `\tkubeadm upgrade apply ${to}`);
      const apply = await run(cp, "cp1-apply", ["upgrade", "apply", to, "--yes", ignoreSV]);
      // The addons wait for the second control plane.
      assertStringIncludes(
        apply.stdout,
        "[upgrade/addon] Skipping upgrade of addons because control plane instances [cp2] have not been upgraded",
      );
      await swapKubelet(cp, to);
      const cp2 = await run(byName.cp2, "cp2-upgrade-node", ["upgrade", "node", ignoreSV]);
      assertStringIncludes(
        cp2.stdout,
        `[upgrade/control-plane] Upgrading your Static Pod-hosted control plane instance to version "${to}"...`,
      );
      assertStringIncludes(cp2.stdout, "[addons] Applied essential addon: CoreDNS");
      await swapKubelet(byName.cp2, to);
      const w1 = await run(byName.w1, "w1-upgrade-node", ["upgrade", "node", ignoreSV]);
      assertStringIncludes(
        w1.stdout,
        "[upgrade/control-plane] Skipping phase. Not a control plane node.",
      );
      await swapKubelet(byName.w1, to);
      await waitFor("every kubelet to report the new version", async () => {
        return (await kubeletVersions(cp)) ===
          ["cp1", "cp2", "w1"].map((n) => `${n}=${to}`).join("\n");
      }, { timeoutMs: 180_000, intervalMs: 2000, describe: () => "" });
      for (const n of ["cp1", "cp2", "w1"]) await waitNodeReady(cp, n, 180_000, () => "");
      let images: Record<string, string> = {};
      await waitFor("cp1's API server mirrored at the new version", async () => {
        images = await staticPodImages(cp).catch(() => ({}));
        return images["kube-apiserver"] === `registry.k8s.io/kube-apiserver:${to}`;
      }, { timeoutMs: 120_000, intervalMs: 2000, describe: () => JSON.stringify(images) });
      // Both etcd members are started (healthy and voting).
      let members = "";
      // After the kubelet swap the mirror Pods (etcd-cp1 too) come back one by one.
      await waitFor("both etcd members started", async () => {
        members = await etcdMemberList(cp, "cp1").catch((e) => String(e));
        return members.trim().split("\n").filter((l) => l.includes(", started, ")).length === 2;
      }, { timeoutMs: 120_000, intervalMs: 2000, describe: () => members });
      assert(!members.includes("true"), `no learner is left: ${members}`);
      const survivor = await getJsonpath(cp, ["pod", "survivor"], "{.status.phase}");
      assertEquals(survivor, "Running");
      await probeCluster(cp);
    },
  });
});

Deno.test({
  name:
    `e2e upgrade: differential, the same kubeadm ${OLD} cluster upgraded by kubestrap and by kubeadm`,
  ignore: ignore || oldMissing !== "",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  // One after the other on the same address, so that the results can be compared as they are.
  const same = { network: "e2e-up6", subnet: 36, init: "kubeadm" as const, from: OLD };
  const to = testbed.kubernetesVersion;
  const ks = await upgradeOneHost({
    ...same,
    upgrade: "kubestrap",
    to,
    collect: true,
    probe: false,
  });
  const ka = await upgradeOneHost({ ...same, upgrade: "kubeadm", to, collect: true, probe: false });
  for (const k of Object.keys(ka.artifacts!)) {
    assertEquals(ks.artifacts![k], ka.artifacts![k], `${k} after kubestrap's upgrade vs kubeadm's`);
  }
});
