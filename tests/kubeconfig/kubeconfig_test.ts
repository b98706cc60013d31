import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertNotMatch,
  assertRejects,
} from "../assert.ts";
import { createCerts } from "../../lib/pki/certs.ts";
import {
  createJoinControlPlaneKubeconfigFiles,
  createKubeconfigFiles,
  type KubeconfigInputs,
  kubeconfigUser,
  validateKubeconfigsForExternalCA,
} from "../../lib/kubeconfig/files.ts";
import {
  createWithCerts,
  createWithToken,
  parseKubeConfig,
  serializeKubeConfig,
} from "../../lib/kubeconfig/kubeconfig.ts";
import { parseCertsPEM } from "../../lib/pki/x509.ts";
import {
  baseInputs,
  findKubeadm,
  mode,
  openssl,
  PKI,
  run,
  snapshot,
  tempRoot,
} from "../pki/helpers.ts";

const KDIR = "/etc/kubernetes";

function kcInputs(over: Partial<KubeconfigInputs> = {}): KubeconfigInputs {
  return {
    kubeconfigDir: KDIR,
    certificatesDir: PKI,
    nodeName: "node1",
    advertiseAddress: "192.168.1.10",
    controlPlaneEndpoint: "cp.example.com",
    ...over,
  };
}

async function kubectlView(path: string): Promise<Record<string, unknown>> {
  const r = await run("kubectl", ["--kubeconfig", path, "config", "view", "--raw", "-o", "json"]);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// Output of client-go v0.37.2 clientcmd.Write for the same objects (captured with a Go program).
const GO_GOLDEN = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://10.0.0.1:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
`;

const GO_GOLDEN_TOKEN = `apiVersion: v1
clusters:
- cluster:
    server: https://10.0.0.1:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
users:
- name: kubernetes-admin
  user:
    token: abc.def
`;

Deno.test("serialization is byte-identical to client-go clientcmd.Write", () => {
  assertEquals(
    serializeKubeConfig(
      createWithCerts(
        "https://10.0.0.1:6443",
        "kubernetes",
        "kubernetes-admin",
        "CA",
        "key",
        "cert",
      ),
    ),
    GO_GOLDEN,
  );
  assertEquals(
    serializeKubeConfig(
      createWithToken(
        "https://10.0.0.1:6443",
        "kubernetes",
        "kubernetes-admin",
        undefined,
        "abc.def",
      ),
    ),
    GO_GOLDEN_TOKEN,
  );
  const long = "x".repeat(3000);
  const s = serializeKubeConfig(
    createWithCerts("https://h:6443", "kubernetes", "u", long, "k", "c"),
  );
  assert(s.split("\n").some((l) => l.length > 3000), "base64 must stay on one line");
  const back = parseKubeConfig(s);
  assertEquals(
    new TextDecoder().decode(back.clusters.kubernetes["certificate-authority-data"]),
    long,
  );
  assertEquals(serializeKubeConfig(back), s);
});

Deno.test("kubeconfig all: files, servers, users, client certs, modes, kubectl reads them", async () => {
  const { host, fs } = await tempRoot();
  await createCerts(baseInputs(), fs, { only: ["ca"] });
  const res = await createKubeconfigFiles(kcInputs(), fs);
  assertEquals(res.lines, [
    `[kubeconfig] Using kubeconfig folder "${KDIR}"`,
    `[kubeconfig] Writing "admin.conf" kubeconfig file`,
    `[kubeconfig] Writing "super-admin.conf" kubeconfig file`,
    `[kubeconfig] Writing "kubelet.conf" kubeconfig file`,
    `[kubeconfig] Writing "controller-manager.conf" kubeconfig file`,
    `[kubeconfig] Writing "scheduler.conf" kubeconfig file`,
  ]);
  const expect: Record<string, [string, string, string]> = {
    "admin.conf": [
      "kubernetes-admin",
      "https://cp.example.com:6443",
      "CN=kubernetes-admin,O=kubeadm:cluster-admins",
    ],
    "super-admin.conf": [
      "kubernetes-super-admin",
      "https://cp.example.com:6443",
      "CN=kubernetes-super-admin,O=system:masters",
    ],
    "kubelet.conf": [
      "system:node:node1",
      "https://192.168.1.10:6443",
      "CN=system:node:node1,O=system:nodes",
    ],
    "controller-manager.conf": [
      "system:kube-controller-manager",
      "https://192.168.1.10:6443",
      "CN=system:kube-controller-manager",
    ],
    "scheduler.conf": [
      "system:kube-scheduler",
      "https://192.168.1.10:6443",
      "CN=system:kube-scheduler",
    ],
  };
  const ca = parseCertsPEM(await Deno.readTextFile(host(`${PKI}/ca.crt`)))[0];
  for (const [file, [user, server, subject]] of Object.entries(expect)) {
    const p = host(`${KDIR}/${file}`);
    assertEquals(await mode(p), 0o600, file);
    const v = await kubectlView(p) as {
      clusters: {
        name: string;
        cluster: { server: string; "certificate-authority-data": string };
      }[];
      users: { name: string; user: Record<string, string> }[];
      contexts: { name: string; context: { cluster: string; user: string } }[];
      "current-context": string;
    };
    assertEquals(v.clusters[0].name, "kubernetes");
    assertEquals(v.clusters[0].cluster.server, server, file);
    assertEquals(
      atob(v.clusters[0].cluster["certificate-authority-data"]),
      await Deno.readTextFile(host(`${PKI}/ca.crt`)),
    );
    assertEquals(v.users[0].name, user);
    assertEquals(v["current-context"], `${user}@kubernetes`);
    assertEquals(v.contexts[0].context, { cluster: "kubernetes", user });
    const certPem = atob(v.users[0].user["client-certificate-data"]);
    const keyPem = atob(v.users[0].user["client-key-data"]);
    assertMatch(keyPem, /^-----BEGIN RSA PRIVATE KEY-----/);
    const certFile = host(`/tmp-${user.replaceAll(":", "_")}.crt`);
    await Deno.writeTextFile(certFile, certPem);
    assertEquals(
      (await openssl(["x509", "-in", certFile, "-noout", "-subject", "-nameopt", "RFC2253"]))
        .trim(),
      `subject=${subject}`,
    );
    assertMatch(
      await openssl([
        "verify",
        "-purpose",
        "sslclient",
        "-CAfile",
        host(`${PKI}/ca.crt`),
        certFile,
      ]),
      /OK/,
    );
    const bad = await run("openssl", [
      "verify",
      "-purpose",
      "sslserver",
      "-CAfile",
      host(`${PKI}/ca.crt`),
      certFile,
    ]);
    assertNotEquals(bad.code, 0);
    const c = parseCertsPEM(certPem)[0];
    assertEquals(
      c.notBefore.getTime(),
      ca.notBefore.getTime(),
      "client cert NotBefore = CA NotBefore",
    );
    assertEquals(c.extKeyUsage, ["clientAuth"]);
    assertEquals(
      await openssl(["x509", "-in", certFile, "-noout", "-pubkey"]),
      await openssl(["pkey", "-pubout"], keyPem),
    );
  }
});

Deno.test("kubeconfig: reuse, CA mismatch error (nothing written), server mismatch warning", async () => {
  const { root, host, fs } = await tempRoot();
  await createCerts(baseInputs(), fs, { only: ["ca"] });
  await createKubeconfigFiles(kcInputs(), fs);
  const before = await snapshot(root);
  const again = await createKubeconfigFiles(
    kcInputs({ controlPlaneEndpoint: "other.example.com" }),
    fs,
  );
  assertEquals(again.written, []);
  assertEquals(again.lines[1], `[kubeconfig] Using existing kubeconfig file: "${KDIR}/admin.conf"`);
  assert(
    again.warnings.some((w) =>
      w.includes(
        `"${KDIR}/admin.conf" exists already but has an unexpected API Server URL: expected: https://other.example.com:6443, got: https://cp.example.com:6443`,
      )
    ),
  );
  assertEquals(await snapshot(root), before);

  // another CA in the pki dir: existing files no longer trusted
  const other = await tempRoot();
  await createCerts(baseInputs(), other.fs, { only: ["ca"] });
  await Deno.copyFile(other.host(`${PKI}/ca.crt`), host(`${PKI}/ca.crt`));
  await Deno.copyFile(other.host(`${PKI}/ca.key`), host(`${PKI}/ca.key`));
  const before2 = await snapshot(root);
  await assertRejects(
    () => createKubeconfigFiles(kcInputs(), fs),
    Error,
    /a kubeconfig file "\/etc\/kubernetes\/admin.conf" exists but does not contain a trusted CA in its current context's cluster. Total CA certificates found: 1/,
  );
  assertEquals(await snapshot(root), before2);
});

Deno.test("kubeconfig: missing CA, external CA, join files", async () => {
  const { host, fs } = await tempRoot();
  await assertRejects(
    () => createKubeconfigFiles(kcInputs(), fs),
    Error,
    /the CA files do not exist, please run `kubeadm init phase certs ca`/,
  );
  await createCerts(baseInputs(), fs, { only: ["ca"] });
  const join = await createJoinControlPlaneKubeconfigFiles(kcInputs(), fs);
  assertEquals(join.lines, [
    `[kubeconfig] Writing "admin.conf" kubeconfig file`,
    `[kubeconfig] Writing "controller-manager.conf" kubeconfig file`,
    `[kubeconfig] Writing "scheduler.conf" kubeconfig file`,
  ]);
  await assertRejects(
    () => validateKubeconfigsForExternalCA(kcInputs(), fs),
    Error,
    /the super-admin.conf file does not exists or it is not valid/,
  );
  await createKubeconfigFiles(kcInputs(), fs, { only: ["super-admin", "kubelet"] });
  assertEquals(await validateKubeconfigsForExternalCA(kcInputs(), fs), [
    `a kubeconfig file "${KDIR}/kubelet.conf" exists already but has an unexpected API Server URL: expected: https://cp.example.com:6443, got: https://192.168.1.10:6443`,
  ]);
  await Deno.remove(host(`${PKI}/ca.key`));
  const ext = await createKubeconfigFiles(kcInputs(), fs, { externalCA: true, only: ["admin"] });
  assertEquals(ext.lines, ["[kubeconfig] External CA mode: Using user provided admin.conf"]);
  const jext = await createJoinControlPlaneKubeconfigFiles(kcInputs(), fs);
  assertEquals(jext.lines[0], "[kubeconfig] External CA mode: Using user provided admin.conf");
});

Deno.test("kubeconfig user: client cert (ECDSA, org, validity) and token", async () => {
  const { host, fs } = await tempRoot();
  await createCerts(baseInputs(), fs, { only: ["ca"] });
  const now = new Date();
  const u = await kubeconfigUser(
    kcInputs({
      controlPlaneEndpoint: undefined,
      encryptionAlgorithm: "ECDSA-P256",
      clock: () => now,
    }),
    fs,
    {
      clientName: "jane",
      organizations: ["devs", "ops"],
      validityPeriod: 48 * 3600_000,
    },
  );
  const p = host("/jane.conf");
  await Deno.writeTextFile(p, u.yaml);
  const v = await kubectlView(p) as {
    users: { name: string; user: Record<string, string> }[];
    clusters: { cluster: { server: string } }[];
  };
  assertEquals(v.clusters[0].cluster.server, "https://192.168.1.10:6443");
  assertEquals(v.users[0].name, "jane");
  const cert = parseCertsPEM(atob(v.users[0].user["client-certificate-data"]))[0];
  assertEquals(cert.subject.commonName, "jane");
  assertEquals(cert.subject.organization.sort(), ["devs", "ops"]);
  assertEquals(cert.notAfter.getTime(), Math.floor((now.getTime() + 48 * 3600_000) / 1000) * 1000);
  assertMatch(atob(v.users[0].user["client-key-data"]), /EC PRIVATE KEY/);
  const t = await kubeconfigUser(kcInputs(), fs, {
    clientName: "bot",
    token: "abcdef.0123456789abcdef",
  });
  const kc = parseKubeConfig(t.yaml);
  assertEquals(kc.users.bot.token, "abcdef.0123456789abcdef");
  assertEquals(kc.currentContext, "bot@kubernetes");
  assertEquals(kc.clusters.kubernetes.server, "https://cp.example.com:6443");
});

const kubeadm = findKubeadm();
Deno.test({
  name: "kubeconfig: real kubeadm v1.37.2 reuses our kubeconfig files",
  ignore: !kubeadm,
  async fn() {
    const { host, fs } = await tempRoot();
    await createCerts(baseInputs(), fs);
    await createKubeconfigFiles(kcInputs(), fs);
    const cfgPath = host("/kubeadm.yaml");
    await Deno.writeTextFile(
      cfgPath,
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 192.168.1.10}
nodeRegistration: {name: node1}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
certificatesDir: ${host(PKI)}
controlPlaneEndpoint: cp.example.com
`,
    );
    const r = await run(kubeadm!, [
      "init",
      "phase",
      "kubeconfig",
      "all",
      "--config",
      cfgPath,
      "--kubeconfig-dir",
      host(KDIR),
    ]);
    assertEquals(r.code, 0, r.stderr);
    assertNotMatch(r.stdout, /Writing/);
    assertEquals((r.stdout.match(/Using existing kubeconfig file/g) ?? []).length, 5);
    assertNotMatch(r.stderr, /unexpected API Server URL/);
  },
});
