/**
 * A real etcd + kube-apiserver (+ optional kube-controller-manager) on loopback ports,
 * with openssl-made certificates, for the integration tests of lib/kube, lib/tokens and
 * lib/apiobjects. Needs the test bed (`deno task testbed`).
 */

import {
  type CertFiles,
  freePort,
  opensslCA,
  opensslCert,
  opensslKeyPair,
  type Proc,
  run,
  skipReason,
  spawnProc,
  startEtcd,
  testbed,
  testbedReady,
} from "../harness/mod.ts";
import { KubeClient, type KubeClientConfig } from "../../lib/kube/client.ts";
import { waitForHealthy } from "../../lib/kube/health.ts";

export const ready = testbedReady;
export const why = skipReason;

export interface TestCluster extends AsyncDisposable {
  dir: string;
  server: string;
  port: number;
  caPem: string;
  ca: CertFiles;
  /** system:masters client (super-admin). */
  superAdmin: KubeClientConfig;
  /** kubeadm:cluster-admins client (admin.conf as kubeadm ≥1.29 makes it). */
  admin: KubeClientConfig;
  /** kubeconfig files for kubectl / kubeadm. */
  superAdminKubeconfig: string;
  adminKubeconfig: string;
  /** The PKI dir (ca, front-proxy-ca, sa, etcd/ca) for upload-certs. */
  pkiDir: string;
  client(cfg?: KubeClientConfig): KubeClient;
  kubectl(...args: string[]): Promise<string>;
  stopAPIServer(): Promise<void>;
  startAPIServer(): Promise<void>;
  startControllerManager(controllers: string): Promise<void>;
  stop(): Promise<void>;
}

function b64(s: string): string {
  return btoa(s);
}

async function kubeconfigFile(
  path: string,
  server: string,
  caPem: string,
  cert: CertFiles,
): Promise<void> {
  const crt = await Deno.readTextFile(cert.cert);
  const key = await Deno.readTextFile(cert.key);
  await Deno.writeTextFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${b64(caPem)}
    server: ${server}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: u
  name: u@kubernetes
current-context: u@kubernetes
users:
- name: u
  user:
    client-certificate-data: ${b64(crt)}
    client-key-data: ${b64(key)}
`,
    { mode: 0o600 },
  );
}

/** Start etcd and kube-apiserver; wait for /readyz. */
export async function startTestCluster(): Promise<TestCluster> {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-kube-" });
  const pki = `${dir}/pki`;
  const ca = await opensslCA(pki, "ca", "kubernetes");
  await opensslCA(pki, "front-proxy-ca", "front-proxy-ca");
  await opensslCA(`${pki}/etcd`, "ca", "etcd-ca");
  const sa = await opensslKeyPair(pki, "sa");
  const serving = await opensslCert(pki, "apiserver", ca, {
    cn: "kube-apiserver",
    ips: ["127.0.0.1", "10.96.0.1"],
    dns: ["localhost", "kubernetes", "kubernetes.default"],
    usage: ["server"],
  });
  const su = await opensslCert(`${dir}/clients`, "super-admin", ca, {
    cn: "kubernetes-super-admin",
    o: ["system:masters"],
    usage: ["client"],
  });
  const ad = await opensslCert(`${dir}/clients`, "admin", ca, {
    cn: "kubernetes-admin",
    o: ["kubeadm:cluster-admins"],
    usage: ["client"],
  });
  const caPem = await Deno.readTextFile(ca.cert);
  await Deno.mkdir(`${dir}/etcd`, { recursive: true });
  const etcd = await startEtcd({ dataDir: `${dir}/etcd` });
  const port = freePort();
  const server = `https://127.0.0.1:${port}`;
  const cfg = (c: CertFiles): KubeClientConfig => ({
    server,
    caData: caPem,
    certData: Deno.readTextFileSync(c.cert),
    keyData: Deno.readTextFileSync(c.key),
  });
  const superAdminKubeconfig = `${dir}/super-admin.conf`;
  const adminKubeconfig = `${dir}/admin.conf`;
  await kubeconfigFile(superAdminKubeconfig, server, caPem, su);
  await kubeconfigFile(adminKubeconfig, server, caPem, ad);
  let apiserver: Proc | undefined;
  let controllerManager: Proc | undefined;
  const superAdmin = cfg(su);

  const startAPIServer = async () => {
    apiserver = spawnProc("kube-apiserver", testbed.path("kube-apiserver"), [
      `--etcd-servers=${etcd.endpoint}`,
      `--secure-port=${port}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      "--endpoint-reconciler-type=none",
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${ca.cert}`,
      `--service-account-key-file=${sa.pub}`,
      `--service-account-signing-key-file=${sa.key}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--authorization-mode=Node,RBAC",
      "--enable-bootstrap-token-auth=true",
      "--service-cluster-ip-range=10.96.0.0/12",
      "--allow-privileged=true",
      `--cert-dir=${dir}/apiserver-certs`,
      "--enable-admission-plugins=NodeRestriction",
      "--v=1",
    ], { logFile: `${dir}/kube-apiserver.log` });
    const proc = apiserver;
    await Promise.race([
      waitForHealthy(`${server}/readyz`, { ...superAdmin, timeoutMs: 90_000, intervalMs: 300 }),
      proc.status.then((s) => {
        throw new Error(`kube-apiserver exited with ${s.code}`);
      }),
    ]).catch((e) => {
      throw new Error(
        `kube-apiserver did not become ready: ${e.message}\n${proc.log().slice(-3000)}`,
      );
    });
  };
  await startAPIServer();

  const tc: TestCluster = {
    dir,
    server,
    port,
    caPem,
    ca,
    superAdmin,
    admin: cfg(ad),
    superAdminKubeconfig,
    adminKubeconfig,
    pkiDir: pki,
    client: (c = superAdmin) => new KubeClient(c, { retryTimeoutMs: 30_000 }),
    kubectl: async (...args: string[]) => {
      const r = await run(testbed.path("kubectl"), [
        `--kubeconfig=${superAdminKubeconfig}`,
        ...args,
      ]);
      return r.stdout;
    },
    stopAPIServer: async () => {
      await apiserver?.stop();
      apiserver = undefined;
    },
    startAPIServer,
    startControllerManager: async (controllers: string) => {
      const kcmPort = freePort();
      controllerManager = spawnProc(
        "kube-controller-manager",
        testbed.path("kube-controller-manager"),
        [
          `--kubeconfig=${superAdminKubeconfig}`,
          `--controllers=${controllers}`,
          "--leader-elect=false",
          "--bind-address=127.0.0.1",
          `--secure-port=${kcmPort}`,
          "--use-service-account-credentials=false",
          `--cert-dir=${dir}/kcm-certs`,
        ],
        { logFile: `${dir}/kcm.log` },
      );
      await waitForHealthy(`https://127.0.0.1:${kcmPort}/healthz`, {
        insecureSkipTLSVerify: true,
        timeoutMs: 60_000,
        intervalMs: 300,
        name: "kube-controller-manager",
      });
    },
    stop: async () => {
      await controllerManager?.stop();
      await apiserver?.stop();
      await etcd.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]: () => tc.stop(),
  };
  return tc;
}
