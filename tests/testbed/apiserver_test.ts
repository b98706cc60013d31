import { stringify } from "yaml";
import { assert, assertEquals } from "../assert.ts";
import {
  freePort,
  opensslCA,
  opensslCert,
  opensslKeyPair,
  run,
  runStaticPod,
  skipReason,
  startEtcd,
  tempDir,
  testbed,
  testbedReady,
  WaitAborted,
  waitFor,
} from "../harness/mod.ts";

if (!testbedReady) console.warn(`tests/testbed: skipped: ${skipReason}`);

Deno.test({
  name: "testbed: etcd serves over TLS with openssl certs; etcdctl writes and reads",
  ignore: !testbedReady,
}, async () => {
  await using tmp = await tempDir();
  const pki = `${tmp.path}/pki`;
  const ca = await opensslCA(pki, "etcd-ca");
  const server = await opensslCert(pki, "etcd-server", ca, {
    cn: "127.0.0.1",
    ips: ["127.0.0.1"],
    dns: ["localhost"],
  });
  const client = await opensslCert(pki, "etcd-client", ca, { cn: "client", usage: ["client"] });
  await using etcd = await startEtcd({ tls: { ...server, ca: ca.cert } });
  const ctl = (args: string[]) =>
    run(testbed.path("etcdctl"), [
      `--endpoints=${etcd.endpoint}`,
      `--cacert=${ca.cert}`,
      `--cert=${client.cert}`,
      `--key=${client.key}`,
      ...args,
    ]);
  await ctl(["put", "/kubestrap/smoke", "ok"]);
  const { stdout } = await ctl(["get", "/kubestrap/smoke", "--print-value-only"]);
  assertEquals(stdout.trim(), "ok");
  const status = JSON.parse((await ctl(["endpoint", "status", "-w", "json"])).stdout);
  assertEquals(status[0].Status.version, "3.7.0");
});

Deno.test({
  name:
    "testbed: kube-apiserver (static-pod runner) against etcd with openssl certs answers /livez",
  ignore: !testbedReady,
}, async () => {
  await using tmp = await tempDir();
  const etcKube = `${tmp.path}/etc/kubernetes`;
  const pkiDir = `${etcKube}/pki`;
  // The certificates, made with openssl (not with kubestrap's PKI code).
  const ca = await opensslCA(pkiDir, "ca", "kubernetes");
  const etcdCA = await opensslCA(`${pkiDir}/etcd`, "ca", "etcd-ca");
  const etcdServer = await opensslCert(`${pkiDir}/etcd`, "server", etcdCA, {
    cn: "127.0.0.1",
    ips: ["127.0.0.1"],
    dns: ["localhost"],
  });
  await opensslCert(pkiDir, "apiserver-etcd-client", etcdCA, {
    cn: "kube-apiserver-etcd-client",
    usage: ["client"],
  });
  await opensslCert(pkiDir, "apiserver", ca, {
    cn: "kube-apiserver",
    dns: ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "localhost"],
    ips: ["127.0.0.1", "10.96.0.1"],
    usage: ["server"],
  });
  const admin = await opensslCert(pkiDir, "admin", ca, {
    cn: "kubernetes-admin",
    o: ["kubeadm:cluster-admins", "system:masters"],
    usage: ["client"],
  });
  await opensslKeyPair(pkiDir, "sa");

  await using etcd = await startEtcd({ tls: { ...etcdServer, ca: etcdCA.cert } });

  // A kubeadm-style static pod manifest with the real /etc/kubernetes paths,
  // run with the paths rewritten into the temp root.
  const port = freePort();
  const manifest = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "kube-apiserver", namespace: "kube-system" },
    spec: {
      hostNetwork: true,
      containers: [{
        name: "kube-apiserver",
        image: testbed.imageRef("kube-apiserver"),
        command: [
          "kube-apiserver",
          "--advertise-address=127.0.0.1",
          // Loopback cannot be advertised through the lease endpoint reconciler.
          "--endpoint-reconciler-type=none",
          "--bind-address=127.0.0.1",
          `--secure-port=${port}`,
          "--allow-privileged=true",
          "--authorization-mode=Node,RBAC",
          "--client-ca-file=/etc/kubernetes/pki/ca.crt",
          "--enable-admission-plugins=NodeRestriction",
          "--enable-bootstrap-token-auth=true",
          "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
          "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
          "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
          `--etcd-servers=${etcd.endpoint}`,
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
          "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
          "--service-cluster-ip-range=10.96.0.0/12",
          "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
          "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
          `--cert-dir=/etc/kubernetes/pki/generated`,
        ],
      }],
    },
  };
  await Deno.mkdir(`${etcKube}/manifests`, { recursive: true });
  const manifestPath = `${etcKube}/manifests/kube-apiserver.yaml`;
  await Deno.writeTextFile(manifestPath, stringify(manifest));

  await using pod = runStaticPod(manifestPath, {
    rewritePaths: { "/etc/kubernetes": etcKube },
  });
  assertEquals(pod.argv[0], testbed.path("kube-apiserver"));
  assert(pod.argv.includes(`--client-ca-file=${pkiDir}/ca.crt`), pod.argv.join(" "));

  const curl = (path: string, extra: string[] = []) =>
    run("curl", [
      "-sS",
      "--max-time",
      "5",
      "--cacert",
      ca.cert,
      ...extra,
      `https://127.0.0.1:${port}${path}`,
    ], { allowFailure: true });
  await waitFor("kube-apiserver /livez", async () => {
    if (!pod.proc.running()) throw new WaitAborted("kube-apiserver exited");
    const r = await curl("/livez");
    return r.code === 0 && r.stdout === "ok";
  }, { timeoutMs: 90_000, intervalMs: 500, describe: () => pod.proc.log().slice(-4000) });

  // The serving certificate chains to the openssl CA (curl verified it), and
  // an openssl-made admin client certificate authenticates as system:masters.
  const version = await curl("/version", ["--cert", admin.cert, "--key", admin.key]);
  assertEquals(JSON.parse(version.stdout).gitVersion, "v1.37.2");
  await waitFor("kube-apiserver /readyz", async () => (await curl("/readyz")).stdout === "ok", {
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  const ns = await curl("/api/v1/namespaces/kube-system", [
    "--cert",
    admin.cert,
    "--key",
    admin.key,
  ]);
  assertEquals(JSON.parse(ns.stdout).metadata.name, "kube-system");
});
