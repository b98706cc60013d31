import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertNotMatch,
  assertRejects,
} from "../assert.ts";
import { createCerts, createPKIAssets } from "../../lib/pki/certs.ts";
import { certsPhase } from "../../phases/init/certs.ts";
import { KeyUsage, parseCertsPEM } from "../../lib/pki/x509.ts";
import { baseInputs, findKubeadm, mode, openssl, PKI, run, snapshot, tempRoot } from "./helpers.ts";

const CHAINS: [string, string, string | undefined][] = [
  ["apiserver", "ca", "sslserver"],
  ["apiserver-kubelet-client", "ca", "sslclient"],
  ["front-proxy-client", "front-proxy-ca", "sslclient"],
  ["etcd/server", "etcd/ca", "sslserver"],
  ["etcd/server", "etcd/ca", "sslclient"],
  ["etcd/peer", "etcd/ca", "sslserver"],
  ["etcd/peer", "etcd/ca", "sslclient"],
  ["etcd/healthcheck-client", "etcd/ca", "sslclient"],
  ["apiserver-etcd-client", "etcd/ca", "sslclient"],
];

const EXPECTED_SUBJECTS: Record<string, string> = {
  "ca": "CN=kubernetes",
  "apiserver": "CN=kube-apiserver",
  "apiserver-kubelet-client": "CN=kube-apiserver-kubelet-client",
  "front-proxy-ca": "CN=front-proxy-ca",
  "front-proxy-client": "CN=front-proxy-client",
  "etcd/ca": "CN=etcd-ca",
  "etcd/server": "CN=node1",
  "etcd/peer": "CN=node1",
  "etcd/healthcheck-client": "CN=kube-etcd-healthcheck-client",
  "apiserver-etcd-client": "CN=kube-apiserver-etcd-client",
};

async function certText(path: string): Promise<string> {
  return await openssl(["x509", "-in", path, "-noout", "-text"]);
}

Deno.test("certs all (RSA-2048): chains, subjects, SANs, usages, validity, keys, modes", async () => {
  const { host, fs } = await tempRoot();
  const start = new Date(Date.UTC(2026, 0, 10, 12, 0, 0));
  const res = await createCerts(
    baseInputs({
      clock: () => start,
      controlPlaneEndpoint: "cp.example.com:6443",
      apiServerCertSANs: ["1.2.3.4", "extra.example.com"],
    }),
    fs,
  );
  assertEquals(res.lines.slice(0, 4), [
    `[certs] Using certificateDir folder "${PKI}"`,
    `[certs] Generating "ca" certificate and key`,
    `[certs] Generating "apiserver" certificate and key`,
    "[certs] apiserver serving cert is signed for DNS names [cp.example.com extra.example.com kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local node1] and IPs [10.96.0.1 192.168.1.10 1.2.3.4]",
  ]);
  assert(res.lines.includes(
    "[certs] etcd/server serving cert is signed for DNS names [localhost node1] and IPs [192.168.1.10 127.0.0.1 ::1]",
  ));
  assertEquals(res.lines.at(-1), `[certs] Generating "sa" key and public key`);

  // chains with the real openssl, including purpose checks; a wrong CA must fail
  for (const [leaf, ca, purpose] of CHAINS) {
    const args = [
      "verify",
      "-attime",
      String(start.getTime() / 1000 + 3600),
      "-CAfile",
      host(`${PKI}/${ca}.crt`),
    ];
    if (purpose) args.push("-purpose", purpose);
    assertMatch(
      await openssl([...args, host(`${PKI}/${leaf}.crt`)]),
      /: OK/,
      `${leaf} ${purpose}`,
    );
  }
  const wrong = await run("openssl", [
    "verify",
    "-CAfile",
    host(`${PKI}/front-proxy-ca.crt`),
    host(`${PKI}/apiserver.crt`),
  ]);
  assertNotEquals(wrong.code, 0);
  // client-only certs must not pass as servers
  const bad = await run("openssl", [
    "verify",
    "-attime",
    String(start.getTime() / 1000 + 3600),
    "-purpose",
    "sslserver",
    "-CAfile",
    host(`${PKI}/ca.crt`),
    host(`${PKI}/apiserver-kubelet-client.crt`),
  ]);
  assertNotEquals(bad.code, 0);

  for (const [base, subject] of Object.entries(EXPECTED_SUBJECTS)) {
    const s = await openssl([
      "x509",
      "-in",
      host(`${PKI}/${base}.crt`),
      "-noout",
      "-subject",
      "-nameopt",
      "RFC2253",
    ]);
    assertEquals(s.trim(), `subject=${subject}`, base);
    const c = parseCertsPEM(await Deno.readTextFile(host(`${PKI}/${base}.crt`)))[0];
    const isCA = !base.includes("-") || base.endsWith("ca") ? base.endsWith("ca") : false;
    assertEquals(c.isCA, isCA, base);
    // validity: NotBefore = start - 5m, NotAfter = start + 1y (10y for CAs)
    assertEquals(c.notBefore.getTime(), start.getTime() - 5 * 60_000, base);
    const years = isCA ? 87600 : 8760;
    assertEquals(c.notAfter.getTime(), start.getTime() + years * 3600_000, base);
    const text = await certText(host(`${PKI}/${base}.crt`));
    if (isCA) {
      assertMatch(
        text,
        /Key Usage: critical\n\s+Digital Signature, Key Encipherment, Certificate Sign\n/,
      );
      assertMatch(text, /CA:TRUE/);
      assertNotMatch(text, /Extended Key Usage/);
      assertMatch(text, /Subject Key Identifier/);
      assertNotMatch(text, /Authority Key Identifier/);
      assertEquals(
        c.keyUsage,
        KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment | KeyUsage.CertSign,
      );
      assertEquals(c.dnsNames, [c.subject.commonName]);
    } else {
      assertMatch(text, /Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
      assertMatch(text, /CA:FALSE/);
      assertMatch(text, /Authority Key Identifier/);
      assertNotMatch(text, /Subject Key Identifier/);
    }
  }
  const api = await certText(host(`${PKI}/apiserver.crt`));
  assertMatch(api, /Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
  assertMatch(
    api,
    /DNS:cp.example.com, DNS:extra.example.com, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, DNS:node1, IP Address:10.96.0.1, IP Address:192.168.1.10, IP Address:1.2.3.4\n/,
  );
  const peer = await certText(host(`${PKI}/etcd/peer.crt`));
  assertMatch(peer, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assertMatch(
    peer,
    /DNS:localhost, DNS:node1, IP Address:192.168.1.10, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1\n/,
  );
  assertMatch(
    await certText(host(`${PKI}/front-proxy-client.crt`)),
    /TLS Web Client Authentication/,
  );
  assertMatch(
    await openssl(["x509", "-in", host(`${PKI}/apiserver.crt`), "-noout", "-serial"]),
    /^serial=[0-9A-F]+\n$/,
  );

  // keys: PKCS#1, openssl rsa -check, modes
  for (const base of [...Object.keys(EXPECTED_SUBJECTS), "sa"]) {
    const keyPath = host(`${PKI}/${base}.key`);
    assertMatch(await Deno.readTextFile(keyPath), /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assertMatch(await openssl(["rsa", "-check", "-noout", "-in", keyPath]), /RSA key ok/);
    assertEquals(await mode(keyPath), 0o600, base);
    if (base !== "sa") assertEquals(await mode(host(`${PKI}/${base}.crt`)), 0o644, base);
  }
  assertEquals(await mode(host(`${PKI}/sa.pub`)), 0o600);
  assertEquals(await mode(host(PKI)), 0o755);
  assertEquals(await mode(host(`${PKI}/etcd`)), 0o755);
  const pub = await Deno.readTextFile(host(`${PKI}/sa.pub`));
  assertMatch(pub, /^-----BEGIN PUBLIC KEY-----\n/);
  assertEquals(await openssl(["pkey", "-in", host(`${PKI}/sa.key`), "-pubout"]), pub);
  // each certificate has its own key
  const mods = new Set<string>();
  for (const base of Object.keys(EXPECTED_SUBJECTS)) {
    mods.add(await openssl(["x509", "-in", host(`${PKI}/${base}.crt`), "-noout", "-modulus"]));
    assertEquals(
      await openssl(["x509", "-in", host(`${PKI}/${base}.crt`), "-noout", "-modulus"]),
      await openssl(["rsa", "-in", host(`${PKI}/${base}.key`), "-noout", "-modulus"]),
    );
  }
  assertEquals(mods.size, Object.keys(EXPECTED_SUBJECTS).length);
});

Deno.test("certs: second run reuses everything byte-identically", async () => {
  const { root, fs } = await tempRoot();
  await createCerts(baseInputs(), fs);
  const before = await snapshot(root);
  const res = await createCerts(baseInputs(), fs);
  assertEquals(res.written, []);
  assertEquals(res.lines, [
    `[certs] Using certificateDir folder "${PKI}"`,
    "[certs] Using existing ca certificate authority",
    "[certs] Using existing apiserver certificate and key on disk",
    "[certs] Using existing apiserver-kubelet-client certificate and key on disk",
    "[certs] Using existing front-proxy-ca certificate authority",
    "[certs] Using existing front-proxy-client certificate and key on disk",
    "[certs] Using existing etcd/ca certificate authority",
    "[certs] Using existing etcd/server certificate and key on disk",
    "[certs] Using existing etcd/peer certificate and key on disk",
    "[certs] Using existing etcd/healthcheck-client certificate and key on disk",
    "[certs] Using existing apiserver-etcd-client certificate and key on disk",
    `[certs] Using the existing "sa" key`,
  ]);
  assertEquals(await snapshot(root), before);
});

Deno.test("certs: an existing cert signed by another CA is an error naming it, nothing written", async () => {
  const a = await tempRoot();
  await createCerts(baseInputs(), a.fs, { only: ["ca", "apiserver"] });
  const b = await tempRoot();
  await createCerts(baseInputs(), b.fs, { only: ["ca"] });
  // b gets a's apiserver cert+key, signed by a's CA
  await Deno.copyFile(a.host(`${PKI}/apiserver.crt`), b.host(`${PKI}/apiserver.crt`));
  await Deno.copyFile(a.host(`${PKI}/apiserver.key`), b.host(`${PKI}/apiserver.key`));
  const before = await snapshot(b.root);
  await assertRejects(
    () => createCerts(baseInputs(), b.fs),
    Error,
    /certificate apiserver not signed by CA certificate ca: x509: certificate signed by unknown authority.*apiserver\.crt/,
  );
  assertEquals(await snapshot(b.root), before, "nothing may be written on error");
  // with no CA at all the leaf cannot be valid for the CA this run would create
  const c = await tempRoot();
  await Deno.mkdir(c.host(PKI), { recursive: true });
  await Deno.copyFile(a.host(`${PKI}/apiserver.crt`), c.host(`${PKI}/apiserver.crt`));
  await assertRejects(
    () => createCerts(baseInputs(), c.fs),
    Error,
    /certificate apiserver not signed by CA certificate ca/,
  );
  assertEquals([...(await snapshot(c.root)).keys()], [c.host(`${PKI}/apiserver.crt`)]);
});

Deno.test("certs: SAN changes: kubeadm init reuses, strictSANs and join (CreatePKIAssets) reject", async () => {
  const { root, fs } = await tempRoot();
  await createCerts(baseInputs(), fs);
  const changed = baseInputs({ apiServerCertSANs: ["new.example.com"] });
  const reuse = await createCerts(changed, fs);
  assert(reuse.lines.includes("[certs] Using existing apiserver certificate and key on disk"));
  const before = await snapshot(root);
  await assertRejects(
    () => createCerts(changed, fs, { strictSANs: true }),
    Error,
    /certificate apiserver is invalid: x509: certificate is valid for .*kubernetes.*, not new\.example\.com/,
  );
  await assertRejects(
    () => createPKIAssets(changed, fs),
    Error,
    /error creating PKI assets: failed to write or validate certificate "apiserver": certificate apiserver is invalid: x509: certificate is valid for/,
  );
  assertEquals(await snapshot(root), before);
  const ok = await createPKIAssets(baseInputs(), fs);
  assert(ok.lines.includes(`[certs] Using the existing "apiserver" certificate and key`));
  assert(ok.lines.includes(`[certs] Valid certificates and keys now exist in "${PKI}"`));
  assertEquals(ok.lines.at(-1), `[certs] Using the existing "sa" key`);
});

Deno.test("certs: ECDSA-P256 keys (SEC1) and ecdsa-with-SHA256 signatures", async () => {
  const { host, fs } = await tempRoot();
  await createCerts(baseInputs({ encryptionAlgorithm: "ECDSA-P256" }), fs);
  for (const base of ["ca", "apiserver", "etcd/peer", "sa"]) {
    const k = host(`${PKI}/${base}.key`);
    assertMatch(await Deno.readTextFile(k), /^-----BEGIN EC PRIVATE KEY-----\n/);
    assertMatch(
      (await run("openssl", ["ec", "-check", "-noout", "-in", k])).stderr,
      /EC Key valid|read EC key/,
    );
    assertMatch(await openssl(["ec", "-in", k, "-noout", "-text"]), /ASN1 OID: prime256v1/);
  }
  const t = await certText(host(`${PKI}/apiserver.crt`));
  assertMatch(t, /Signature Algorithm: ecdsa-with-SHA256/);
  assertMatch(t, /Digital Signature, Key Encipherment/);
  assertMatch(
    await openssl([
      "verify",
      "-purpose",
      "sslserver",
      "-CAfile",
      host(`${PKI}/ca.crt`),
      host(`${PKI}/apiserver.crt`),
    ]),
    /OK/,
  );
  assertMatch(await Deno.readTextFile(host(`${PKI}/sa.pub`)), /^-----BEGIN PUBLIC KEY-----/);
});

Deno.test("certs: RSA-4096 and ECDSA-P384 only for the selected phases", async () => {
  const { host, fs } = await tempRoot();
  const res = await createCerts(baseInputs({ encryptionAlgorithm: "RSA-4096" }), fs, {
    only: ["ca", "apiserver"],
  });
  assertEquals(res.lines.slice(0, 2), [
    `[certs] Generating "ca" certificate and key`,
    `[certs] Generating "apiserver" certificate and key`,
  ]);
  assertMatch(
    await openssl(["rsa", "-in", host(`${PKI}/apiserver.key`), "-noout", "-text"]),
    /Private-Key: \(4096 bit/,
  );
  assertMatch(
    await openssl(["rsa", "-check", "-noout", "-in", host(`${PKI}/ca.key`)]),
    /RSA key ok/,
  );
  assertMatch(
    await certText(host(`${PKI}/apiserver.crt`)),
    /Signature Algorithm: sha256WithRSAEncryption/,
  );
  assertEquals(
    await Deno.stat(host(`${PKI}/front-proxy-ca.crt`)).catch(() => undefined),
    undefined,
  );
  const p384 = await tempRoot();
  await createCerts(baseInputs({ encryptionAlgorithm: "ECDSA-P384" }), p384.fs, {
    only: ["etcd-ca", "etcd-server"],
  });
  assertMatch(await certText(p384.host(`${PKI}/etcd/server.crt`)), /ecdsa-with-SHA384/);
  assertMatch(
    await openssl([
      "verify",
      "-CAfile",
      p384.host(`${PKI}/etcd/ca.crt`),
      p384.host(`${PKI}/etcd/server.crt`),
    ]),
    /OK/,
  );
});

Deno.test("certs: dual-stack and IPv6 SANs", async () => {
  const { host, fs } = await tempRoot();
  const res = await createCerts(
    baseInputs({
      advertiseAddress: "fd00:10::5",
      serviceSubnet: "fd00:96::/108,10.96.0.0/12",
      controlPlaneEndpoint: "[fd00:1::1]:6443",
      apiServerCertSANs: ["2001:db8:0:0::7", "10.0.0.9"],
      etcdServerCertSANs: ["etcd.example.com", "*.etcd.example.com"],
    }),
    fs,
    { only: ["ca", "apiserver", "etcd-ca", "etcd-server"] },
  );
  assert(res.lines.includes(
    "[certs] apiserver serving cert is signed for DNS names [kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local node1] and IPs [fd00:96::1 fd00:10::5 fd00:1::1 2001:db8::7 10.0.0.9]",
  ));
  assert(res.lines.includes(
    "[certs] etcd/server serving cert is signed for DNS names [*.etcd.example.com etcd.example.com localhost node1] and IPs [fd00:10::5 127.0.0.1 ::1]",
  ));
  const t = await certText(host(`${PKI}/apiserver.crt`));
  assertMatch(
    t,
    /IP Address:FD00:96:0:0:0:0:0:1, IP Address:FD00:10:0:0:0:0:0:5, IP Address:FD00:1:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:0:7, IP Address:10.0.0.9/,
  );
  assertMatch(
    await openssl([
      "verify",
      "-purpose",
      "sslserver",
      "-CAfile",
      host(`${PKI}/ca.crt`),
      "-verify_ip",
      "fd00:96::1",
      host(`${PKI}/apiserver.crt`),
    ]),
    /OK/,
  );
});

Deno.test("certs: external etcd skips etcd CA and certs", async () => {
  const { host, fs } = await tempRoot();
  const res = await createCerts(baseInputs({ externalEtcd: true }), fs);
  assert(
    res.lines.includes(
      "[certs] External etcd mode: Skipping etcd/ca certificate authority generation",
    ),
  );
  assert(
    res.lines.includes("[certs] External etcd mode: Skipping etcd/server certificate generation"),
  );
  assert(
    res.lines.includes(
      "[certs] External etcd mode: Skipping apiserver-etcd-client certificate generation",
    ),
  );
  assertEquals(await Deno.stat(host(`${PKI}/etcd`)).catch(() => undefined), undefined);
  assertEquals(
    await Deno.stat(host(`${PKI}/apiserver-etcd-client.crt`)).catch(() => undefined),
    undefined,
  );
});

Deno.test("certs: external CA mode (ca.crt without ca.key)", async () => {
  const { host, fs } = await tempRoot();
  await createCerts(baseInputs(), fs);
  await Deno.remove(host(`${PKI}/ca.key`));
  const res = await createCerts(baseInputs(), fs);
  assert(res.lines.includes("[certs] Using existing ca keyless certificate authority"));
  assert(res.lines.includes("[certs] Using existing sa keys"));
  await Deno.remove(host(`${PKI}/apiserver.key`));
  await assertRejects(
    () => createCerts(baseInputs(), fs),
    Error,
    /invalid or incomplete external CA: failure loading key for apiserver: couldn't load the private key file .*apiserver\.key/,
  );
  // a leaf missing under a keyless CA cannot be generated
  await Deno.remove(host(`${PKI}/apiserver.crt`));
  await assertRejects(
    () => createCerts(baseInputs(), fs, { only: ["apiserver"] }),
    Error,
    /invalid or incomplete external CA/,
  );
});

Deno.test("certs: phase help texts are kubeadm's", () => {
  const phases = certsPhase.phases!;
  assertEquals(phases.map((p) => p.name), [
    "all",
    "ca",
    "apiserver",
    "apiserver-kubelet-client",
    "front-proxy-ca",
    "front-proxy-client",
    "etcd-ca",
    "etcd-server",
    "etcd-peer",
    "etcd-healthcheck-client",
    "apiserver-etcd-client",
    "sa",
  ]);
  const server = phases.find((p) => p.name === "etcd-server")!;
  assertEquals(server.short, "Generate the certificate for serving etcd");
  assertEquals(
    server.long,
    "Generate the certificate for serving etcd, and save them into etcd/server.crt and etcd/server.key files.\n\nDefault SANs are localhost, 127.0.0.1, 127.0.0.1, ::1\n\nIf both files already exist, kubeadm skips the generation step and existing files will be used.",
  );
});

const kubeadm = findKubeadm();
Deno.test({
  name: "certs: real kubeadm v1.37.2 accepts the generated PKI as its own",
  ignore: !kubeadm,
  async fn() {
    const { host, fs } = await tempRoot();
    await createCerts(
      baseInputs({
        controlPlaneEndpoint: "cp.example.com",
        apiServerCertSANs: ["1.2.3.4"],
        clock: undefined,
      }),
      fs,
    );
    const cfg = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 192.168.1.10}
nodeRegistration: {name: node1}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
certificatesDir: ${host(PKI)}
controlPlaneEndpoint: cp.example.com
apiServer: {certSANs: ["1.2.3.4"]}
`;
    const cfgPath = host("/kubeadm.yaml");
    await Deno.writeTextFile(cfgPath, cfg);
    const r = await run(kubeadm!, ["init", "phase", "certs", "all", "--config", cfgPath]);
    assertEquals(r.code, 0, r.stderr);
    assertNotMatch(r.stdout, /Generating/);
    assertMatch(r.stdout, /Using existing apiserver certificate and key on disk/);
    const chk = await run(kubeadm!, ["certs", "check-expiration", "--config", cfgPath]);
    assertMatch(chk.stdout, /apiserver\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+364d\s+ca\s+no/);
  },
});
