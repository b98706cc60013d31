import { assert, assertEquals, assertMatch, assertNotEquals, assertRejects } from "../assert.ts";
import { createCerts } from "../../lib/pki/certs.ts";
import {
  certificateKey,
  fetchCertificateExpirationInfo,
  generateCSRs,
  renewCertificate,
} from "../../lib/renewal/renewal.ts";
import { createKubeconfigFiles } from "../../lib/kubeconfig/files.ts";
import { parseKubeConfig } from "../../lib/kubeconfig/kubeconfig.ts";
import { parseCertsPEM } from "../../lib/pki/x509.ts";
import { caCertHashes } from "../../lib/tokens/cahash.ts";
import { baseInputs, openssl, PKI, run, tempRoot } from "./helpers.ts";

Deno.test("certificateKey: 64 lowercase hex chars, random", () => {
  const a = certificateKey();
  assertMatch(a, /^[0-9a-f]{64}$/);
  assertNotEquals(a, certificateKey());
});

Deno.test("caCertHashes (tokens/cahash.ts) equals openssl's SPKI sha256", async () => {
  for (const alg of ["RSA-2048", "ECDSA-P256"] as const) {
    const { host, fs } = await tempRoot();
    await createCerts(baseInputs({ encryptionAlgorithm: alg }), fs, { only: ["ca"] });
    const pem = await Deno.readTextFile(host(`${PKI}/ca.crt`));
    const pub = await openssl(["x509", "-pubkey", "-noout", "-in", host(`${PKI}/ca.crt`)]);
    const derPub = (await run("openssl", ["pkey", "-pubin", "-outform", "der"], pub)).raw;
    const dg = await openssl(["dgst", "-sha256", "-r"], derPub);
    assertEquals(caCertHashes(pem), [`sha256:${dg.split(" ")[0]}`]);
  }
});

Deno.test("generate-csr: keys and CSRs that openssl verifies, partial kubeconfigs", async () => {
  const { host, fs } = await tempRoot();
  const res = await generateCSRs(
    { ...baseInputs({ controlPlaneEndpoint: "cp.example.com" }), kubeconfigDir: "/etc/kubernetes" },
    fs,
  );
  assertEquals(res.lines[0], `generating keys and CSRs in ${PKI}`);
  assert(res.lines.includes("  etcd/server"));
  const v = await run("openssl", [
    "req",
    "-verify",
    "-noout",
    "-text",
    "-in",
    host(`${PKI}/apiserver.csr`),
  ]);
  assertEquals(v.code, 0, v.stderr);
  assertMatch(v.stdout + v.stderr, /verify OK|Certificate request self-signature verify OK/);
  assertMatch(v.stdout, /Subject: CN ?= ?kube-apiserver/);
  assertMatch(
    v.stdout,
    /DNS:cp.example.com, DNS:kubernetes,.*IP Address:10.96.0.1, IP Address:192.168.1.10/,
  );
  const admin = await run("openssl", [
    "req",
    "-noout",
    "-subject",
    "-nameopt",
    "RFC2253",
    "-in",
    host("/etc/kubernetes/admin.conf.csr"),
  ]);
  assertEquals(admin.stdout.trim(), "subject=CN=kubernetes-admin,O=kubeadm:cluster-admins");
  const kc = parseKubeConfig(await Deno.readTextFile(host("/etc/kubernetes/admin.conf")));
  assertEquals(kc.clusters.kubernetes["certificate-authority-data"], undefined);
  assertMatch(
    new TextDecoder().decode(kc.users["kubernetes-admin"]["client-key-data"]!),
    /RSA PRIVATE KEY/,
  );
  assertEquals(kc.users["kubernetes-admin"]["client-certificate-data"], undefined);
  await assertRejects(
    () => generateCSRs({ ...baseInputs(), kubeconfigDir: "/etc/kubernetes" }, fs),
    Error,
    /file already exists: key or CSR/,
  );
});

Deno.test("renew and check-expiration", async () => {
  const { host, fs } = await tempRoot();
  const t0 = new Date(Date.now() - 100 * 24 * 3600_000);
  await createCerts(baseInputs({ clock: () => t0, apiServerCertSANs: ["x.example.com"] }), fs);
  await createKubeconfigFiles(
    {
      kubeconfigDir: "/etc/kubernetes",
      certificatesDir: PKI,
      nodeName: "node1",
      advertiseAddress: "192.168.1.10",
      clock: () => t0,
    },
    fs,
  );
  const inputs = {
    certificatesDir: PKI,
    kubeconfigDir: "/etc/kubernetes",
    encryptionAlgorithm: "ECDSA-P384" as const,
  };
  const exp = await fetchCertificateExpirationInfo(inputs, fs);
  assertEquals(exp.certificates.map((c) => c.name), [
    "admin.conf",
    "apiserver",
    "apiserver-etcd-client",
    "apiserver-kubelet-client",
    "controller-manager.conf",
    "etcd-healthcheck-client",
    "etcd-peer",
    "etcd-server",
    "front-proxy-client",
    "scheduler.conf",
    "super-admin.conf",
  ]);
  assertEquals(exp.certificateAuthorities.map((c) => c.name), [
    "ca",
    "etcd-ca",
    "front-proxy-ca",
  ]);
  const api = exp.certificates.find((c) => c.name === "apiserver")!;
  assertEquals(api.caName, "ca");
  assertEquals(api.missing, false);
  assert(Math.abs(api.residualTime! - 265 * 86400) < 120, String(api.residualTime));

  const oldPem = await Deno.readTextFile(host(`${PKI}/apiserver.crt`));
  const oldKey = await Deno.readTextFile(host(`${PKI}/apiserver.key`));
  const r = await renewCertificate(inputs, fs, "apiserver");
  assertEquals(r.line, "certificate for serving the Kubernetes API renewed");
  const newPem = await Deno.readTextFile(host(`${PKI}/apiserver.crt`));
  assertNotEquals(newPem, oldPem);
  assertNotEquals(await Deno.readTextFile(host(`${PKI}/apiserver.key`)), oldKey);
  assertMatch(await Deno.readTextFile(host(`${PKI}/apiserver.key`)), /EC PRIVATE KEY/);
  const o = parseCertsPEM(oldPem)[0], n = parseCertsPEM(newPem)[0];
  assertEquals(n.dnsNames, o.dnsNames);
  assertEquals(n.ipAddresses, o.ipAddresses);
  assertEquals(n.subject, o.subject);
  assert(n.notAfter.getTime() > Date.now() + 364 * 86400_000);
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

  const before = await Deno.readTextFile(host("/etc/kubernetes/admin.conf"));
  const ra = await renewCertificate(inputs, fs, "admin.conf");
  assertEquals(ra.status, "renewed");
  const kc = parseKubeConfig(await Deno.readTextFile(host("/etc/kubernetes/admin.conf")));
  const cert = parseCertsPEM(kc.users["kubernetes-admin"]["client-certificate-data"]!)[0];
  assertEquals(cert.subject.text, "CN=kubernetes-admin,O=kubeadm:cluster-admins");
  assertNotEquals(await Deno.readTextFile(host("/etc/kubernetes/admin.conf")), before);
  assertEquals(kc.clusters.kubernetes.server, "https://192.168.1.10:6443");

  await Deno.remove(host("/etc/kubernetes/super-admin.conf"));
  assertEquals(
    (await renewCertificate(inputs, fs, "super-admin.conf")).line,
    "MISSING! certificate embedded in the kubeconfig file for the super-admin",
  );
  const exp2 = await fetchCertificateExpirationInfo(inputs, fs);
  assertEquals(exp2.certificates.find((c) => c.name === "super-admin.conf")!.missing, true);

  await Deno.remove(host(`${PKI}/front-proxy-ca.key`));
  const rf = await renewCertificate(inputs, fs, "front-proxy-client");
  assertEquals(
    rf.line,
    "Detected external front-proxy-ca, certificate for the front proxy client can't be renewed",
  );
  const exp3 = await fetchCertificateExpirationInfo(inputs, fs);
  assertEquals(
    exp3.certificates.find((c) => c.name === "front-proxy-client")!.externallyManaged,
    true,
  );
  assertEquals(
    exp3.certificateAuthorities.find((c) => c.name === "front-proxy-ca")!.externallyManaged,
    true,
  );
  assertEquals(exp3.certificates.find((c) => c.name === "apiserver")!.externallyManaged, false);
});
