/**
 * The node-local `init` phases, for real: kubestrap writes the PKI, the kubeconfigs and the
 * static Pod manifests (`init phase certs all`, `kubeconfig all`, `etcd local`,
 * `control-plane all`, run as a user would with `--rootfs`), and the real etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler of the test bed start from those manifests' command
 * lines and use those files.
 *
 * Everything runs inside one namespace host (tests/harness/hosts.ts): `--rootfs` is the host's
 * root directory, whose etc/kubernetes and var/lib/etcd the host's mount namespace shows at
 * /etc/kubernetes and /var/lib/etcd. So the manifests run verbatim, with no path rewriting, and
 * their fixed ports (2379, 2380, 2381, 6443, 10257, 10259) live in the host's own network
 * namespace, reachable at the advertise address as in a cluster. The readiness of each component
 * is checked with the probes of its own manifest (as the kubelet would), then:
 *
 * - etcd: `etcdctl endpoint health` with the healthcheck-client certificate on both client
 *   URLs; refused without a client certificate, with one of another CA, and with a kubestrap
 *   certificate of the cluster CA (not the etcd CA); the peer port accepts the peer certificate.
 * - kube-apiserver (against that etcd, with apiserver-etcd-client): `/livez` with admin.conf;
 *   `kubectl auth whoami` is kubernetes-admin in kubeadm:cluster-admins for admin.conf,
 *   kubernetes-super-admin in system:masters (allowed everything) for super-admin.conf,
 *   system:node:<name> in system:nodes for kubelet.conf, and the controller-manager and scheduler
 *   identities for their kubeconfigs; a service account token (signed with sa.key, checked with
 *   sa.pub) authenticates; the front-proxy client certificate is accepted as a request-header
 *   authenticator.
 * - kube-controller-manager and kube-scheduler: `/healthz` on 10257 and `/livez` on 10259 over
 *   HTTPS, and each one holds its leader-election lease (its kubeconfig works and is authorized).
 */
import { parse as parseYaml } from "yaml";
import * as path from "@std/path";
import {
  createHost,
  type Host,
  isRoot,
  opensslCA,
  opensslCert,
  runStaticPod,
  skipReason,
  type StaticPodHandle,
  tempDir,
  testbed,
  testbedReady,
  WaitAborted,
  waitFor,
} from "../harness/mod.ts";
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { isFile, kubestrapPhases } from "./common.ts";

const SKIP = !testbedReady
  ? skipReason
  : !isRoot
  ? "needs root (network and mount namespaces)"
  : !isFile("/usr/bin/nsenter") || !isFile("/usr/bin/curl")
  ? "needs nsenter and curl"
  : "";
if (SKIP) console.log(`node_local_real_test: ignored: ${SKIP}`);

const NODE = "kubestrap-cp";
const ADDR = "192.168.77.10";
const K8S = "/etc/kubernetes";
const PKI = `${K8S}/pki`;

const CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${ADDR}
  bindPort: 6443
nodeRegistration:
  name: ${NODE}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
`;

interface HttpGetProbe {
  host?: string;
  port: number | string;
  path?: string;
  scheme?: string;
}

interface ProbedContainer {
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: { httpGet?: HttpGetProbe };
  readinessProbe?: { httpGet?: HttpGetProbe };
  livenessProbe?: { httpGet?: HttpGetProbe };
}

/** The URL the kubelet would probe (named ports resolved through the container's ports). */
function probeURL(manifest: string, kind: keyof ProbedContainer): string {
  const pod = parseYaml(Deno.readTextFileSync(manifest)) as {
    spec: { containers: ProbedContainer[] };
  };
  const c = pod.spec.containers[0];
  const get = (c[kind] as { httpGet?: HttpGetProbe } | undefined)?.httpGet;
  assert(get, `${manifest}: no ${kind} httpGet`);
  const port = typeof get.port === "number"
    ? get.port
    : c.ports?.find((p) => p.name === get.port)?.containerPort;
  assert(port, `${manifest}: ${kind} port ${get.port} is not a container port`);
  const host = get.host?.includes(":") ? `[${get.host}]` : get.host;
  return `${(get.scheme ?? "HTTP").toLowerCase()}://${host}:${port}${get.path ?? "/"}`;
}

/** curl inside the host; like the kubelet's HTTPS probes, the serving certificate is not checked. */
async function curl(
  host: Host,
  url: string,
  args: string[] = [],
): Promise<{ code: number; body: string; err: string }> {
  const r = await host.exec(["curl", "-sS", "--max-time", "10", ...args, url], {
    allowFailure: true,
  });
  return { code: r.code, body: r.stdout, err: r.stderr };
}

/** Waits until a probe of the pod's manifest answers 2xx, failing at once if the pod exits. */
async function waitProbe(
  host: Host,
  pod: StaticPodHandle,
  manifest: string,
  kind: keyof ProbedContainer,
  timeoutMs = 120_000,
): Promise<string> {
  const url = probeURL(manifest, kind);
  let body = "";
  await waitFor(`${pod.name} ${kind} ${url}`, async () => {
    if (!pod.proc.running()) throw new WaitAborted(`${pod.name} exited`);
    const r = await curl(host, url, ["-k", "-f"]);
    body = r.body;
    return r.code === 0;
  }, { timeoutMs, intervalMs: 500, describe: () => pod.proc.log().slice(-4000) });
  return body;
}

function kubectl(host: Host, kubeconfig: string | null, args: string[], allowFailure = false) {
  const argv = [testbed.path("kubectl")];
  if (kubeconfig) argv.push("--kubeconfig", kubeconfig);
  return host.exec([...argv, ...args], {
    allowFailure,
    env: { HOME: "/nonexistent", KUBECONFIG: "", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
}

async function whoami(host: Host, kubeconfig: string): Promise<{ user: string; groups: string[] }> {
  const r = await kubectl(host, kubeconfig, ["auth", "whoami", "-o", "json"]);
  const info = JSON.parse(r.stdout).status.userInfo as { username: string; groups?: string[] };
  return { user: info.username, groups: info.groups ?? [] };
}

/** `etcdctl endpoint health`; refusals are expected to be quick (short timeouts). */
function etcdctl(host: Host, endpoint: string, tls: string[], timeout = "10s") {
  return host.exec(
    [
      testbed.path("etcdctl"),
      "--endpoints",
      endpoint,
      "--dial-timeout",
      timeout,
      "--command-timeout",
      timeout,
      ...tls,
      "endpoint",
      "health",
    ],
    { allowFailure: true, env: { ETCDCTL_API: "3" } },
  );
}

Deno.test({
  name: "node-local init phases: real etcd, kube-apiserver, controller-manager and scheduler " +
    "run from kubestrap's manifests, certificates and kubeconfigs",
  ignore: SKIP !== "",
  async fn(t) {
    await using host = await createHost("cp", { addr: `${ADDR}/24`, network: "nodelocal" });
    await using scratch = await tempDir("kubestrap-nodelocal-");
    const cfg = path.join(scratch.path, "config.yaml");
    await Deno.writeTextFile(cfg, CONFIG);
    await kubestrapPhases(cfg, host.root, {
      phases: ["certs all", "kubeconfig all", "etcd local", "control-plane all"],
    });
    const manifest = (name: string) => host.path(`${K8S}/manifests/${name}.yaml`);
    const logs = (name: string) => path.join(scratch.path, `${name}.log`);
    const start = (name: string) =>
      runStaticPod(manifest(name), { wrap: host.wrap, logFile: logs(name) });

    // ---- etcd
    await using etcd = start("etcd");
    assert(etcd.argv.includes(`--listen-client-urls=https://127.0.0.1:2379,https://${ADDR}:2379`));
    await waitProbe(host, etcd, manifest("etcd"), "startupProbe");
    await waitProbe(host, etcd, manifest("etcd"), "livenessProbe");

    await t.step("etcd: health over mTLS with the healthcheck-client certificate", async () => {
      const good = [
        "--cacert",
        `${PKI}/etcd/ca.crt`,
        "--cert",
        `${PKI}/etcd/healthcheck-client.crt`,
        "--key",
        `${PKI}/etcd/healthcheck-client.key`,
      ];
      for (const endpoint of ["https://127.0.0.1:2379", `https://${ADDR}:2379`]) {
        const r = await etcdctl(host, endpoint, good);
        assertEquals(r.code, 0, `etcdctl ${endpoint}: ${r.stdout}${r.stderr}`);
        assertStringIncludes(r.stdout + r.stderr, "is healthy");
      }
    });

    await t.step("etcd: client certificates are required and must chain to etcd/ca", async () => {
      const other = await opensslCA(path.join(scratch.path, "other"), "other-ca");
      const stranger = await opensslCert(path.join(scratch.path, "other"), "client", other, {
        cn: "kube-etcd-healthcheck-client",
        usage: ["client"],
      });
      const bad: Record<string, string[]> = {
        "no client certificate": ["--cacert", `${PKI}/etcd/ca.crt`],
        "a certificate of another CA": [
          "--cacert",
          `${PKI}/etcd/ca.crt`,
          "--cert",
          stranger.cert,
          "--key",
          stranger.key,
        ],
        "a client certificate of the cluster CA (not etcd's)": [
          "--cacert",
          `${PKI}/etcd/ca.crt`,
          "--cert",
          `${PKI}/apiserver-kubelet-client.crt`,
          "--key",
          `${PKI}/apiserver-kubelet-client.key`,
        ],
      };
      for (const [what, tls] of Object.entries(bad)) {
        const before = etcd.proc.log().length;
        const r = await etcdctl(host, "https://127.0.0.1:2379", tls, "2s");
        assert(r.code !== 0, `etcd accepted ${what}: ${r.stdout}`);
        assertStringIncludes(r.stdout + r.stderr, "is unhealthy", what);
        // Refused by etcd's TLS, not merely timed out.
        const rejected = etcd.proc.log().slice(before).split("\n").filter((l) =>
          l.includes("rejected connection")
        );
        assert(rejected.length > 0, `${what}: etcd logged no rejected connection`);
        console.log(`  ${what}: ${/"error":"([^"]*)"/.exec(rejected[0])?.[1] ?? rejected[0]}`);
      }
      // And etcd's serving certificate is checked by the client: another CA does not trust it.
      const r = await etcdctl(host, "https://127.0.0.1:2379", [
        "--cacert",
        other.cert,
        "--cert",
        `${PKI}/etcd/healthcheck-client.crt`,
        "--key",
        `${PKI}/etcd/healthcheck-client.key`,
      ], "2s");
      assert(r.code !== 0, `etcdctl trusted etcd's server certificate with another CA`);
    });

    await t.step(
      "etcd: the peer port takes the peer certificate, and nothing without a client certificate",
      async () => {
        const url = `https://${ADDR}:2380/members`;
        // etcd's peer listener speaks HTTP/1.1 only (curl would offer h2 over ALPN).
        const ok = await curl(host, url, [
          "-f",
          "--http1.1",
          "--cacert",
          `${PKI}/etcd/ca.crt`,
          "--cert",
          `${PKI}/etcd/peer.crt`,
          "--key",
          `${PKI}/etcd/peer.key`,
        ]);
        assertEquals(ok.code, 0, `peer ${url}: ${ok.err}`);
        const members = JSON.parse(ok.body) as { name: string; peerURLs: string[] }[];
        assertEquals(members.map((m) => [m.name, m.peerURLs]), [[NODE, [`https://${ADDR}:2380`]]]);
        const anon = await curl(host, url, ["-f", "--http1.1", "--cacert", `${PKI}/etcd/ca.crt`]);
        assert(anon.code !== 0, `peer port answered without a client certificate: ${anon.body}`);
      },
    );

    // ---- kube-apiserver
    await using apiserver = start("kube-apiserver");
    await waitProbe(host, apiserver, manifest("kube-apiserver"), "startupProbe", 180_000);
    await waitProbe(host, apiserver, manifest("kube-apiserver"), "readinessProbe");

    await t.step("kube-apiserver: /livez with admin.conf", async () => {
      const r = await kubectl(host, `${K8S}/admin.conf`, ["get", "--raw", "/livez"]);
      assertEquals(r.stdout.trim(), "ok");
    });

    await t.step("kube-apiserver: the kubeconfigs' identities", async () => {
      const admin = await whoami(host, `${K8S}/admin.conf`);
      assertEquals(admin.user, "kubernetes-admin");
      assert(admin.groups.includes("kubeadm:cluster-admins"), `admin groups ${admin.groups}`);
      assert(!admin.groups.includes("system:masters"), `admin groups ${admin.groups}`);
      const superAdmin = await whoami(host, `${K8S}/super-admin.conf`);
      assertEquals(superAdmin.user, "kubernetes-super-admin");
      assert(superAdmin.groups.includes("system:masters"), `super-admin ${superAdmin.groups}`);
      const can = await kubectl(host, `${K8S}/super-admin.conf`, ["auth", "can-i", "*", "*"]);
      assertEquals(can.stdout.trim(), "yes");
      const kubelet = await whoami(host, `${K8S}/kubelet.conf`);
      assertEquals(kubelet.user, `system:node:${NODE}`);
      assert(kubelet.groups.includes("system:nodes"), `kubelet groups ${kubelet.groups}`);
      assertEquals(
        (await whoami(host, `${K8S}/controller-manager.conf`)).user,
        "system:kube-controller-manager",
      );
      assertEquals((await whoami(host, `${K8S}/scheduler.conf`)).user, "system:kube-scheduler");
    });

    await t.step("kube-apiserver: service account tokens (sa.key / sa.pub)", async () => {
      const sa = `${K8S}/super-admin.conf`;
      await kubectl(host, sa, ["create", "serviceaccount", "probe", "-n", "default"]);
      const token = (await kubectl(host, sa, ["create", "token", "probe", "-n", "default"]))
        .stdout.trim();
      const r = await kubectl(host, null, [
        "--server",
        `https://${ADDR}:6443`,
        "--certificate-authority",
        `${PKI}/ca.crt`,
        "--token",
        token,
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
      ]);
      assertEquals(r.stdout, "system:serviceaccount:default:probe");
    });

    await t.step(
      "kube-apiserver: front-proxy client certificate as request-header auth",
      async () => {
        const r = await curl(
          host,
          `https://${ADDR}:6443/apis/authentication.k8s.io/v1/selfsubjectreviews`,
          [
            "-f",
            "--cacert",
            `${PKI}/ca.crt`,
            "--cert",
            `${PKI}/front-proxy-client.crt`,
            "--key",
            `${PKI}/front-proxy-client.key`,
            "-H",
            "X-Remote-User: alice",
            "-H",
            "X-Remote-Group: devs",
            "-H",
            "Content-Type: application/json",
            "-d",
            '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
          ],
        );
        assertEquals(r.code, 0, r.err);
        const info = JSON.parse(r.body).status.userInfo as { username: string; groups: string[] };
        assertEquals(info.username, "alice");
        assert(info.groups.includes("devs"), `groups ${info.groups}`);
      },
    );

    // ---- kube-controller-manager and kube-scheduler
    await using kcm = start("kube-controller-manager");
    await using scheduler = start("kube-scheduler");

    await t.step(
      "kube-controller-manager /healthz (10257) and kube-scheduler /livez (10259)",
      async () => {
        const kcmURL = probeURL(manifest("kube-controller-manager"), "livenessProbe");
        const schedURL = probeURL(manifest("kube-scheduler"), "livenessProbe");
        assertEquals(kcmURL, "https://127.0.0.1:10257/healthz");
        assertEquals(schedURL, "https://127.0.0.1:10259/livez");
        assertEquals(
          (await waitProbe(host, kcm, manifest("kube-controller-manager"), "livenessProbe")).trim(),
          "ok",
        );
        assertEquals(
          (await waitProbe(host, scheduler, manifest("kube-scheduler"), "livenessProbe")).trim(),
          "ok",
        );
        await waitProbe(host, scheduler, manifest("kube-scheduler"), "readinessProbe");
      },
    );

    await t.step("kube-controller-manager and kube-scheduler hold their leases", async () => {
      for (
        const [pod, lease] of [[kcm, "kube-controller-manager"], [
          scheduler,
          "kube-scheduler",
        ]] as const
      ) {
        let holder = "";
        await waitFor(`lease ${lease}`, async () => {
          if (!pod.proc.running()) throw new WaitAborted(`${pod.name} exited`);
          const r = await kubectl(host, `${K8S}/super-admin.conf`, [
            "-n",
            "kube-system",
            "get",
            "lease",
            lease,
            "-o",
            "jsonpath={.spec.holderIdentity}",
          ], true);
          holder = r.stdout;
          return r.code === 0 && holder !== "";
        }, { timeoutMs: 90_000, intervalMs: 1000, describe: () => pod.proc.log().slice(-4000) });
        // <hostname>_<uuid>: the host shares the machine's UTS namespace.
        assert(/^.+_[0-9a-f-]{36}$/.test(holder), `${lease} holder ${holder}`);
      }
    });
  },
});
