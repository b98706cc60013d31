/**
 * Differential test: the real kubeadm v1.37.2's API phases and kubestrap's, each against its
 * own fresh control plane (etcd + kube-apiserver of the test bed, from kubestrap's node-local
 * phases, in two namespace hosts), with the same configuration and the same Node registered
 * the way a kubelet would. Every object the phases create or change (ConfigMaps, Secrets,
 * ServiceAccounts, Services, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings,
 * Deployments, DaemonSets, the Node) is read back with kubectl and compared after normalising
 * what is generated or cluster-specific: uids, resourceVersions, timestamps, managedFields,
 * the helper token of upload-certs, expirations, the advertise address, the CA and the
 * encrypted kubeadm-certs values (compared by key).
 */
import * as path from "@std/path";
import { createHash } from "node:crypto";
import { assertEquals } from "../assert.ts";
import { type Cluster, initConfig, type KubeObj, SKIP, startCluster, TOKEN } from "./common.ts";

if (SKIP) console.log(`diff_kubeadm_test: ignored: ${SKIP}`);

const NODE = "diff-cp";
const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const KINDS_NS = [
  "configmaps",
  "secrets",
  "serviceaccounts",
  "services",
  "roles",
  "rolebindings",
  "deployments",
  "daemonsets",
];
const KINDS_CLUSTER = ["clusterroles", "clusterrolebindings", "nodes"];

async function snapshot(c: Cluster): Promise<Map<string, KubeObj>> {
  const out = new Map<string, KubeObj>();
  for (const kind of KINDS_NS) {
    const l = await c.getJSON([kind, "-A"]);
    for (const o of l.items) out.set(`${kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
  }
  for (const kind of KINDS_CLUSTER) {
    const l = await c.getJSON([kind]);
    for (const o of l.items) out.set(`${kind}/${o.metadata.name}`, o);
  }
  return out;
}

function normalise(c: Cluster, key: string, obj: KubeObj): [string, KubeObj] {
  const o = structuredClone(obj);
  const md = o.metadata;
  for (const f of ["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"]) {
    delete md[f];
  }
  delete o.status;
  for (const r of md.ownerReferences ?? []) r.uid = "UID";
  const tokenId = TOKEN.split(".")[0];
  const helper = (s: string) =>
    s.replace(
      /bootstrap-token-([a-z0-9]{6})/g,
      (m, id) => id === tokenId ? m : "bootstrap-token-HELPER",
    );
  let k = helper(key);
  if (o.kind === "Secret" && o.type === "bootstrap.kubernetes.io/token") {
    const d: Record<string, string> = {};
    for (const [dk, v] of Object.entries(o.data as Record<string, string>)) d[dk] = atob(v);
    if (d["token-id"] !== tokenId) {
      d["token-id"] = "HELPER";
      d["token-secret"] = "HELPER";
    }
    if (d.expiration) d.expiration = "EXPIRATION";
    o.data = d;
  }
  if (o.kind === "Secret" && md.name === "kubeadm-certs") {
    for (const dk of Object.keys(o.data)) o.data[dk] = "ENCRYPTED";
  }
  if (o.kind === "Node") {
    // What mark-control-plane manages; the rest is the kubelet's / the API server's.
    delete md.annotations;
    o.spec = { taints: o.spec?.taints };
  }
  if (o.kind === "ConfigMap" && md.name === "cluster-info") {
    o.data.kubeconfig = o.data.kubeconfig.replace(
      /certificate-authority-data: \S+/,
      "certificate-authority-data: CA",
    );
  }
  // The component-config hash covers cluster-specific data (the server address): check it
  // against kubeadm's ChecksumForConfigMap on each side, then compare the verdict.
  const hash = md.annotations?.["kubeadm.kubernetes.io/component-config.hash"];
  if (hash) {
    const h = createHash("sha256");
    for (const dk of Object.keys(o.data ?? {}).sort()) h.update(o.data[dk]);
    md.annotations["kubeadm.kubernetes.io/component-config.hash"] =
      hash === `sha256:${h.digest("hex")}` ? "sha256:<valid>" : `${hash} (WRONG)`;
  }
  if (o.kind === "Service") {
    delete o.spec.clusterIPs; // same as clusterIP
  }
  const text = helper(JSON.stringify(o)).replaceAll(c.addr, "ADDR");
  k = k.replaceAll(c.addr, "ADDR");
  return [k, JSON.parse(text)];
}

/** The objects the phases created or changed. */
function changed(
  c: Cluster,
  before: Map<string, KubeObj>,
  after: Map<string, KubeObj>,
): Map<string, KubeObj> {
  const out = new Map<string, KubeObj>();
  for (const [k, o] of after) {
    const b = before.get(k);
    if (b && b.metadata.resourceVersion === o.metadata.resourceVersion) continue;
    const [nk, no] = normalise(c, k, o);
    out.set(nk, no);
  }
  return out;
}

async function run(c: Cluster, argv: string[], kubeadm: boolean): Promise<string> {
  const r = kubeadm ? await c.kubeadm(argv) : await c.kubestrap(argv);
  if (r.code !== 0) {
    throw new Error(
      `${kubeadm ? "kubeadm" : "kubestrap"} ${
        argv.join(" ")
      } exited ${r.code}\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r.stdout;
}

async function phases(c: Cluster, kubeadm: boolean): Promise<Map<string, KubeObj>> {
  const cfg = path.join(c.dir, "diff.yaml");
  await Deno.writeTextFile(
    cfg,
    initConfig(c.addr, NODE).replace(
      "kind: InitConfiguration\n",
      `kind: InitConfiguration\ncertificateKey: ${KEY}\n`,
    ),
  );
  await c.registerNode();
  const before = await snapshot(c);
  const outs: string[] = [];
  for (
    const p of [
      ["upload-config", "all"],
      ["upload-certs", "--upload-certs"],
      ["mark-control-plane"],
      ["bootstrap-token"],
      ["addon", "all"],
    ]
  ) {
    outs.push(await run(c, ["init", "phase", ...p, "--config", cfg], kubeadm));
  }
  const after = await snapshot(c);
  const objs = changed(c, before, after);
  objs.set("stdout", { text: outs.join("").replaceAll(c.addr, "ADDR").split("\n") });
  return objs;
}

Deno.test({
  name: "differential: kubeadm's and kubestrap's API phases create the same objects",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const [ka, ks] = await Promise.all([
      startCluster("diffka", "192.168.93.10", { node: NODE, start: false }),
      startCluster("diffks", "192.168.94.10", { node: NODE, start: false }),
    ]);
    await using _a = ka;
    await using _s = ks;
    for (const c of [ka, ks]) {
      c.start("etcd");
      c.start("kube-apiserver");
    }
    await Promise.all([ka.waitReady(), ks.waitReady()]);
    const [theirs, ours] = await Promise.all([phases(ka, true), phases(ks, false)]);
    const keys = [...new Set([...theirs.keys(), ...ours.keys()])].sort();
    const diffs: string[] = [];
    for (const k of keys) {
      const a = JSON.stringify(theirs.get(k) ?? null, null, 1);
      const b = JSON.stringify(ours.get(k) ?? null, null, 1);
      if (a !== b) {
        diffs.push(`--- ${k}\nkubeadm:   ${a}\nkubestrap: ${b}`);
      }
    }
    console.log(`compared ${keys.length} objects, ${diffs.length} differ`);
    if (diffs.length) console.log(diffs.join("\n"));
    assertEquals(diffs, []);
  },
});
