/**
 * join's etcd endpoint lookup (lib/etcdclient/cluster.ts etcdEndpointsFromPods, kubeadm's
 * getRawEtcdEndpointsFromPodAnnotation) against the test bed's real etcd and kube-apiserver in a
 * namespace host: it waits until every etcd pod carries the advertise-client-urls annotation (a
 * control plane's kubelet mirrors its static pods a moment after the API server is up: a join
 * that came sooner failed at once), and gives up after its timeout with kubestrap's explanation.
 */
import * as path from "@std/path";
import { assertEquals } from "../assert.ts";
import { SKIP, startCluster, SUPER_ADMIN } from "../init_api/common.ts";
import { REPO } from "../integration/common.ts";

if (SKIP) console.log(`etcd_endpoints_test: ignored: ${SKIP}`);

const ADDR = "192.168.96.10";
const ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls";

Deno.test({
  name: "join looks for the etcd endpoints until every etcd pod has its annotation, then gives up",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  await using c = await startCluster("etcdep", ADDR, { node: "ks-etcdep", start: false });
  c.start("etcd");
  c.start("kube-apiserver");
  await c.waitReady();
  const lookup = (timeoutMs: number) => {
    const script = `
      import { clientFromKubeconfig } from "${REPO}/lib/kube/kubeconfig.ts";
      import { Host } from "${REPO}/lib/host.ts";
      import { etcdEndpointsFromPods } from "${REPO}/lib/etcdclient/cluster.ts";
      using client = await clientFromKubeconfig({ host: new Host(), path: "${SUPER_ADMIN}" });
      try {
        console.log(JSON.stringify(await etcdEndpointsFromPods(client, ${timeoutMs})));
      } catch (e) {
        console.log(JSON.stringify({ error: e.message }));
      }`;
    return c.host.exec(
      ["sh", "-c", `cd "${REPO}" && exec "$@"`, "sh", Deno.execPath(), "eval", script],
      { allowFailure: true, env: { HOME: "/nonexistent", NO_COLOR: "1" } },
    );
  };
  const pod = (name: string, annotated: boolean) =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: "kube-system",
        labels: { component: "etcd", tier: "control-plane" },
        ...(annotated ? { annotations: { [ANNOTATION]: `https://${ADDR}:2379` } } : {}),
      },
      spec: { containers: [{ name: "etcd", image: "registry.k8s.io/etcd:3.6.6-0" }] },
    });
  const create = async (name: string, annotated: boolean) => {
    const file = path.join(c.host.path("/etc/kubernetes"), `${name}.json`);
    await Deno.writeTextFile(file, pod(name, annotated));
    const r = await c.kubectl(["create", "-f", `/etc/kubernetes/${name}.json`]);
    assertEquals(r.code, 0, r.stderr);
  };

  // No etcd pod at all: the explanation, after the timeout.
  let r = await lookup(1500);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout), {
    error:
      `could not retrieve the list of etcd endpoints: etcd pods are not available or don't have the annotation ${ANNOTATION}`,
  });

  // One annotated, one not (yet): waited for until both are. (No controller-manager runs here:
  // the ServiceAccount admission wants kube-system's default ServiceAccount.)
  const sa = await c.kubectl(["-n", "kube-system", "create", "serviceaccount", "default"]);
  assertEquals(sa.code, 0, sa.stderr);
  await create("etcd-a", true);
  await create("etcd-b", false);
  const waiting = lookup(60_000);
  await new Promise((res) => setTimeout(res, 1500));
  const annotate = await c.kubectl([
    "-n",
    "kube-system",
    "annotate",
    "pod",
    "etcd-b",
    `${ANNOTATION}=https://192.168.96.11:2379`,
  ]);
  assertEquals(annotate.code, 0, annotate.stderr);
  r = await waiting;
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout).sort(), [`https://${ADDR}:2379`, "https://192.168.96.11:2379"]);
});
