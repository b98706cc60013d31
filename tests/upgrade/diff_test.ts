/**
 * lib/upgrade/diff.ts without the test bed: a node's filesystem in a temporary `--rootfs` and a
 * scripted API (kubeadm-config, the Node, the kube-apiserver Pod). The version and context
 * rules, kubeadm's errors and their order, the exact diff of a version change, and manifests
 * that are no UTF-8 text. `diff_kubeadm_test.ts` compares the whole command with the real
 * kubeadm against a real API server.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import type { UpgradeConfiguration } from "../../lib/config/types.ts";
import { defaultUpgradeConfiguration } from "../../lib/config/defaults.ts";
import { Host } from "../../lib/host.ts";
import { KubeClient, type TransportRequest } from "../../lib/kube/client.ts";
import { marshalPod } from "../../lib/manifests/mod.ts";
import { fetchInitConfigurationFromCluster } from "../../lib/apiobjects/clusterconfig.ts";
import {
  DIFF_COMPONENTS,
  diffVersion,
  staticPodSpecs,
  upgradeDiff,
  type UpgradeDiffOptions,
} from "../../lib/upgrade/diff.ts";

const CLUSTER_CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
networking:
  podSubnet: 10.244.0.0/16
`;

/** A client whose API answers what `upgrade diff` asks, and records the paths asked for. */
function scriptedClient(seen: string[] = []): KubeClient {
  const json = (status: number, o: unknown) => ({
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(o),
  });
  return new KubeClient({ server: "https://10.0.0.5:6443" }, {
    transport: {
      send(req: TransportRequest) {
        const u = new URL(req.url);
        seen.push(u.pathname);
        if (u.pathname === "/api/v1/namespaces/kube-system/configmaps/kubeadm-config") {
          return Promise.resolve(json(200, {
            kind: "ConfigMap",
            apiVersion: "v1",
            metadata: { name: "kubeadm-config", namespace: "kube-system" },
            data: { ClusterConfiguration: CLUSTER_CONFIG },
          }));
        }
        if (u.pathname.startsWith("/api/v1/nodes/")) {
          return Promise.resolve(json(200, {
            kind: "Node",
            apiVersion: "v1",
            metadata: { name: u.pathname.slice("/api/v1/nodes/".length) },
            spec: {},
          }));
        }
        if (u.pathname === "/api/v1/namespaces/kube-system/pods") {
          return Promise.resolve(json(200, {
            kind: "PodList",
            apiVersion: "v1",
            items: [{
              metadata: {
                annotations: {
                  "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint":
                    "10.0.0.5:6443",
                },
              },
            }],
          }));
        }
        return Promise.resolve(json(404, { kind: "Status", reason: "NotFound", code: 404 }));
      },
      close() {},
    },
  });
}

const MANIFESTS = "/etc/kubernetes/manifests";

/** A node root whose manifests are what kubeadm writes for v1.37.2 from CLUSTER_CONFIG. */
async function node(): Promise<{ root: string; host: Host; texts: Record<string, string> }> {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-upgrade-diff-" });
  const host = new Host(root);
  await host.writeFile(
    "/var/lib/kubelet/instance-config.yaml",
    "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n",
  );
  // The kube-apiserver manifest must exist for the API endpoint to be read back.
  await host.writeFile(`${MANIFESTS}/kube-apiserver.yaml`, "placeholder\n");
  const init = await fetchInitConfigurationFromCluster({
    client: scriptedClient(),
    host,
    logPrefix: "test",
    out: () => {},
    warn: () => {},
    getNodeRegistration: true,
    getAPIEndpoint: true,
    getComponentConfigs: false,
  });
  const pods = await staticPodSpecs(host, init, defaultUpgradeConfiguration({}), {
    environment: {},
  });
  const texts: Record<string, string> = {};
  for (const c of DIFF_COMPONENTS) {
    texts[c] = marshalPod(pods[c]);
    await host.writeFile(`${MANIFESTS}/${c}.yaml`, texts[c], { mode: 0o600 });
  }
  return { root, host, texts };
}

interface Run {
  out: string;
  err: string;
  bytes: Uint8Array[];
}

async function diff(
  host: Host,
  o: Partial<UpgradeDiffOptions> = {},
): Promise<Run> {
  const r: Run = { out: "", err: "", bytes: [] };
  await upgradeDiff({
    host,
    args: [],
    client: scriptedClient(),
    environment: {},
    out: (t) => (r.out += t),
    outBytes: (b) => r.bytes.push(b),
    err: (t) => (r.err += t),
    ...o,
  });
  return r;
}

const HEAD =
  `[upgrade/diff] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...
[upgrade/diff] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.
`;

/** The one-line hunk of an image change in `text` (context 0). */
function imageHunk(component: string, text: string, from: string, to: string): string {
  const n = text.split("\n").findIndex((l) => l.startsWith("    image: ")) + 1;
  assert(n > 0);
  return `--- ${MANIFESTS}/${component}.yaml\n+++ new manifest\n@@ -${n} +${n} @@\n` +
    `-    image: registry.k8s.io/${component}:${from}\n` +
    `+    image: registry.k8s.io/${component}:${to}\n`;
}

Deno.test("upgrade diff: nothing to show for the cluster's own version", async () => {
  const { root, host } = await node();
  try {
    const r = await diff(host);
    assertEquals(r, { out: HEAD, err: "", bytes: [] });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("upgrade diff: a new version: the image lines of kube-apiserver, kube-controller-manager, kube-scheduler", async () => {
  const { root, host, texts } = await node();
  try {
    const r = await diff(host, { args: ["v1.38.0"] });
    assertEquals(
      r.out,
      HEAD + DIFF_COMPONENTS.map((c) => imageHunk(c, texts[c], "v1.37.2", "v1.38.0")).join(""),
    );
    // With context: the hunk grows by the lines around it.
    const r3 = await diff(host, { args: ["v1.38.0"], contextLines: 3 });
    assert(r3.out.includes("@@ -15,7 +15,7 @@\n     - --bind-address=127.0.0.1\n"), r3.out);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("upgrade diff: the context is --context-lines, else diff.contextLines, else 0", async () => {
  const { root, host } = await node();
  const cfg = `${root}.yaml`;
  try {
    await Deno.writeTextFile(
      cfg,
      "apiVersion: kubeadm.k8s.io/v1beta4\nkind: UpgradeConfiguration\ndiff:\n" +
        "  kubernetesVersion: v1.38.1\n  contextLines: 1\n",
    );
    const hunks = (r: Run) => r.out.split("\n").filter((l) => l.startsWith("@@")).slice(0, 1);
    assertEquals(hunks(await diff(host, { args: ["v1.38.0"] })), ["@@ -42 +42 @@"]);
    assertEquals(hunks(await diff(host, { configPath: cfg })), ["@@ -41,3 +41,3 @@"]);
    assertEquals(hunks(await diff(host, { configPath: cfg, contextLines: 2 })), [
      "@@ -40,5 +40,5 @@",
    ]);
    // A negative context is go-difflib's 3.
    assertEquals(hunks(await diff(host, { args: ["v1.38.0"], contextLines: -4 })), [
      "@@ -39,7 +39,7 @@",
    ]);
    // diff.kubernetesVersion over the cluster's.
    assert((await diff(host, { configPath: cfg })).out.includes("kube-apiserver:v1.38.1\n"));
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cfg);
  }
});

Deno.test("upgrade diff: the version is the cluster's, then the configuration's, then the argument", () => {
  const u = (v?: string): UpgradeConfiguration =>
    defaultUpgradeConfiguration(v ? { diff: { kubernetesVersion: v } } : {});
  assertEquals(diffVersion("v1.37.2", u(), []), "v1.37.2");
  assertEquals(diffVersion("v1.37.2", u("v1.37.3"), []), "v1.37.3");
  assertEquals(diffVersion("v1.37.2", u("v1.37.3"), ["1.38.0"]), "1.38.0");
  // Two arguments: none of them (kubeadm takes an argument only when there is one).
  assertEquals(diffVersion("v1.37.2", u(), ["v1.38.0", "v1.39.0"]), "v1.37.2");
  assertThrows(
    () => diffVersion("", u(), []),
    Error,
    "missing one or more required arguments. Required arguments: [version]",
  );
  assertThrows(
    () => diffVersion("", u(), ["", ""]),
    Error,
    "missing one or more required arguments. Required arguments: [version]",
  );
  assertThrows(
    () => diffVersion("", u(), ["v1.38.0", "v1.39.0"]),
    Error,
    "too many arguments. Required arguments: [version]",
  );
  assertThrows(() => diffVersion("v1.37.2", u(), ["v1.x"]), Error, 'illegal version string "v1.x"');
  assertThrows(() => diffVersion("v1.37.2", u(), [""]), Error, 'could not parse "" as version');
});

Deno.test("upgrade diff: the manifests are checked first, then the flags, then the rest", async () => {
  const { root, host } = await node();
  try {
    let validated = 0;
    const validateFlags = () => {
      validated++;
      throw new Error("can not mix '--config' with arguments [context-lines]");
    };
    await host.remove(`${MANIFESTS}/kube-scheduler.yaml`);
    await assertRejects(
      () => diff(host, { validateFlags }),
      Error,
      `the manifest file "${MANIFESTS}/kube-scheduler.yaml" does not exist: stat ${MANIFESTS}/kube-scheduler.yaml: no such file or directory`,
    );
    assertEquals(validated, 0);
    await host.mkdirAll(`${MANIFESTS}/kube-scheduler.yaml`);
    await assertRejects(
      () => diff(host, { validateFlags }),
      Error,
      `"${MANIFESTS}/kube-scheduler.yaml" is a directory`,
    );
    await host.remove(`${MANIFESTS}/kube-scheduler.yaml`, { recursive: true });
    await host.writeFile(`${MANIFESTS}/kube-scheduler.yaml`, "x\n");
    await assertRejects(() => diff(host, { validateFlags }), Error, "can not mix");
    assertEquals(validated, 1);
    await assertRejects(
      () => diff(host, { client: undefined, kubeconfigPath: "/nope.conf" }),
      Error,
      `couldn't create a Kubernetes client from file "/nope.conf": failed to load admin kubeconfig: open /nope.conf: no such file or directory`,
    );
    await assertRejects(
      () => diff(host, { configPath: `${root}/missing.yaml` }),
      Error,
      `unable to load config from file "${root}/missing.yaml": open ${root}/missing.yaml: no such file or directory`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("upgrade diff: a manifest that is no UTF-8 text is diffed and written as bytes", async () => {
  const { root, host, texts } = await node();
  try {
    const text = texts["kube-scheduler"];
    const bytes = new TextEncoder().encode(text.replace("kind: Pod\n", "kind: Pod\n#\n"));
    const hash = bytes.indexOf(0x23); // "#"
    const raw = new Uint8Array([...bytes.slice(0, hash + 1), 0xff, 0xfe, ...bytes.slice(hash + 1)]);
    await host.writeFile(`${MANIFESTS}/kube-scheduler.yaml`, raw);
    const r = await diff(host);
    assertEquals(r.out, HEAD);
    assertEquals(r.bytes.length, 1);
    assertEquals([...r.bytes[0]], [
      ...new TextEncoder().encode(
        `--- ${MANIFESTS}/kube-scheduler.yaml\n+++ new manifest\n@@ -3 +2,0 @@\n-#`,
      ),
      0xff,
      0xfe,
      0x0a,
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("upgrade diff: proxy variables of the environment and the UpgradeConfiguration's timeouts", async () => {
  const { root, host } = await node();
  const cfg = `${root}.yaml`;
  try {
    await Deno.writeTextFile(
      cfg,
      "apiVersion: kubeadm.k8s.io/v1beta4\nkind: UpgradeConfiguration\n" +
        "timeouts:\n  controlPlaneComponentHealthCheck: 2m0s\n",
    );
    const r = await diff(host, {
      configPath: cfg,
      environment: { https_proxy: "http://p:3128", NO_PROXY: "", PATH: "/bin" },
    });
    const sched = r.out.slice(r.out.indexOf(`--- ${MANIFESTS}/kube-scheduler.yaml`));
    assertEquals(
      sched,
      `--- ${MANIFESTS}/kube-scheduler.yaml\n+++ new manifest\n@@ -17,0 +18,3 @@\n` +
        "+    env:\n+    - name: https_proxy\n+      value: http://p:3128\n" +
        "@@ -48 +51 @@\n-      failureThreshold: 24\n+      failureThreshold: 12\n",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cfg);
  }
});
