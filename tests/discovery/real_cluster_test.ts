/**
 * Discovery and TLS bootstrap against a REAL control plane: etcd + kube-apiserver +
 * kube-controller-manager (bootstrapsigner, tokencleaner, csrapproving, csrsigning) from
 * certificates and kubeconfigs kubestrap generates. The real bootstrapsigner must sign
 * cluster-info for the token, kubestrap's discovery must verify it (pinned CA, second TLS
 * round-trip), and a kubelet-style CSR sent with the bootstrap token must be approved and
 * signed by the real controller-manager. Expired / unknown tokens must fail.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { run as cli } from "../cli/helpers.ts";
import {
  freePort,
  run,
  skipReason,
  spawnProc,
  startEtcd,
  tempDir,
  testbed,
  testbedReady,
  waitFor,
} from "../harness/mod.ts";
import { discoveryFor } from "../../lib/discovery/mod.ts";
import { clientFromKubeconfig } from "../../lib/kube/kubeconfig.ts";
import { pinnedTransport } from "../../lib/discovery/transport.ts";
import { type KubeConfig, parseKubeConfig, toV1 } from "../../lib/kubeconfig/kubeconfig.ts";
import { caCertHashes } from "../../lib/tokens/cahash.ts";
import { tokenToSecret } from "../../lib/tokens/token.ts";
import * as bt from "../../lib/apiobjects/bootstraptoken.ts";
import { encryptBytes } from "../../lib/apiobjects/copycerts.ts";
import { toBase64 } from "../../lib/util/bytes.ts";
import type { JoinConfiguration } from "../../lib/config/types.ts";
import { parseCertsPEM } from "../../lib/pki/x509.ts";
import { verifyCertChain } from "../../lib/pki/verify.ts";
import { CERT_KEY } from "./helpers.ts";

const TOKEN_ID = "k8stst";
const TOKEN_SECRET = "0123456789abcdef";
const TOKEN = `${TOKEN_ID}.${TOKEN_SECRET}`;
const EXPIRED_ID = "expird";
const EXPIRED = `${EXPIRED_ID}.fedcba9876543210`;

/** A CA-pinned client for the current context of `kc`, as join builds them. */
const pinnedClient = (kc: KubeConfig, retryTimeoutMs: number) =>
  clientFromKubeconfig({ doc: toV1(kc) }, { retryTimeoutMs, caTransport: pinnedTransport });

function joinCfg(endpoint: string, token: string, hashes: string[]): JoinConfiguration {
  return {
    nodeRegistration: {},
    discovery: {
      bootstrapToken: { token, apiServerEndpoint: endpoint, caCertHashes: hashes },
      tlsBootstrapToken: token,
    },
  } as unknown as JoinConfiguration;
}

Deno.test({
  name:
    "real control plane: bootstrapsigner signs cluster-info, discovery verifies it, the CSR is approved",
  ignore: !testbedReady,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    if (!testbedReady) throw new Error(skipReason);
    await using tmp = await tempDir("kubestrap-realcp-");
    const root = `${tmp.path}/root`;
    const port = freePort();
    const endpoint = `127.0.0.1:${port}`;
    // PKI and kubeconfigs made by kubestrap itself.
    const initCfg = `${tmp.path}/init.yaml`;
    await Deno.writeTextFile(
      initCfg,
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 192.0.2.10
  bindPort: ${port}
nodeRegistration:
  name: cp-0
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
apiServer:
  certSANs: ["127.0.0.1"]
`,
    );
    for (
      const argv of [
        ["init", "phase", "certs", "all"],
        ["init", "phase", "kubeconfig", "super-admin"],
        ["init", "phase", "kubeconfig", "controller-manager"],
      ]
    ) {
      const r = await cli(...argv, "--rootfs", root, "--config", initCfg);
      assertEquals(r.code, 0, `${argv.join(" ")}: ${r.out}${r.err}`);
    }
    // kubeadm refuses a loopback advertise address; the tests reach the API on 127.0.0.1.
    for (const f of ["super-admin.conf", "controller-manager.conf"]) {
      const p = `${root}/etc/kubernetes/${f}`;
      await Deno.writeTextFile(
        p,
        (await Deno.readTextFile(p)).replaceAll(`192.0.2.10:${port}`, endpoint),
      );
    }
    const pki = `${root}/etc/kubernetes/pki`;
    const caPem = await Deno.readTextFile(`${pki}/ca.crt`);
    const caHash = caCertHashes(caPem)[0];

    await using etcd = await startEtcd();
    const apiserver = spawnProc("kube-apiserver", testbed.path("kube-apiserver"), [
      `--etcd-servers=${etcd.endpoint}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=192.0.2.10",
      "--endpoint-reconciler-type=none",
      `--secure-port=${port}`,
      `--tls-cert-file=${pki}/apiserver.crt`,
      `--tls-private-key-file=${pki}/apiserver.key`,
      `--client-ca-file=${pki}/ca.crt`,
      `--service-account-key-file=${pki}/sa.pub`,
      `--service-account-signing-key-file=${pki}/sa.key`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-cluster-ip-range=10.96.0.0/12",
      "--enable-bootstrap-token-auth=true",
      "--authorization-mode=Node,RBAC",
      `--cert-dir=${tmp.path}/apiserver-certs`,
    ], { logFile: `${tmp.path}/kube-apiserver.log` });
    let kcm: ReturnType<typeof spawnProc> | undefined;
    try {
      const admin = await pinnedClient(
        parseKubeConfig(await Deno.readFile(`${root}/etc/kubernetes/super-admin.conf`)),
        5_000,
      );
      try {
        await waitFor("kube-apiserver readiness", async () => {
          const r = await admin.raw("GET", "/readyz", { retry: false, accept: "*/*" });
          return r.status === 200;
        }, {
          timeoutMs: 90_000,
          intervalMs: 500,
          describe: () =>
            Deno.readTextFileSync(`${tmp.path}/kube-apiserver.log`).split("\n").slice(-15).join(
              "\n",
            ),
        });

        kcm = spawnProc("kube-controller-manager", testbed.path("kube-controller-manager"), [
          `--kubeconfig=${root}/etc/kubernetes/controller-manager.conf`,
          `--authentication-kubeconfig=${root}/etc/kubernetes/controller-manager.conf`,
          `--authorization-kubeconfig=${root}/etc/kubernetes/controller-manager.conf`,
          "--controllers=bootstrap-signer-controller,token-cleaner-controller," +
          "certificatesigningrequest-approving-controller,certificatesigningrequest-signing-controller",
          `--cluster-signing-cert-file=${pki}/ca.crt`,
          `--cluster-signing-key-file=${pki}/ca.key`,
          "--leader-elect=false",
          "--use-service-account-credentials=true",
          `--service-account-private-key-file=${pki}/sa.key`,
          `--root-ca-file=${pki}/ca.crt`,
          "--bind-address=127.0.0.1",
          `--secure-port=${freePort()}`,
          `--cert-dir=${tmp.path}/kcm-certs`,
        ], { logFile: `${tmp.path}/kube-controller-manager.log` });

        // What `kubeadm init` would upload (bootstrap-token phase), minimal.
        await admin.create("namespaces", { metadata: { name: "kube-public" } }).catch(() => {});
        const now = new Date();
        await admin.create(
          "secrets",
          tokenToSecret({
            token: { id: TOKEN_ID, secret: TOKEN_SECRET },
            ttlMs: 3600_000,
            usages: ["signing", "authentication"],
            groups: ["system:bootstrappers:kubeadm:default-node-token"],
          }, now),
        );
        await admin.create(
          "secrets",
          tokenToSecret({
            token: { id: EXPIRED_ID, secret: EXPIRED.split(".")[1] },
            expires: new Date(now.getTime() - 3600_000),
            usages: ["signing", "authentication"],
            groups: ["system:bootstrappers:kubeadm:default-node-token"],
          }, now),
        );
        await admin.create(
          "configmaps",
          bt.clusterInfoConfigMap(
            bt.clusterInfoKubeconfig({ server: `https://${endpoint}`, caData: caPem }),
          ),
        );
        await admin.create("roles", bt.clusterInfoRole());
        await admin.create("rolebindings", bt.clusterInfoRoleBinding());
        await admin.create("clusterrolebindings", bt.kubeletBootstrapClusterRoleBinding());
        await admin.create("clusterrolebindings", bt.nodeAutoApproveBootstrapClusterRoleBinding());

        // The real bootstrapsigner adds the JWS for the valid token only.
        let data: Record<string, string> = {};
        await waitFor("the bootstrapsigner's jws-kubeconfig-" + TOKEN_ID, async () => {
          const cm = await admin.get("configmaps", "cluster-info", "kube-public");
          data = cm.data ?? {};
          return `jws-kubeconfig-${TOKEN_ID}` in data;
        }, {
          timeoutMs: 60_000,
          intervalMs: 500,
          describe: () =>
            Deno.readTextFileSync(`${tmp.path}/kube-controller-manager.log`).split("\n")
              .filter((l) => /forbidden|bootstrap|signer/i.test(l)).slice(0, 25)
              .join("\n"),
        });
        assert(!(`jws-kubeconfig-${EXPIRED_ID}` in data), "an expired token must not be signed");

        // Discovery with the real signature and the pinned CA.
        const tls = await discoveryFor(joinCfg(endpoint, TOKEN, [caHash]), {
          timeoutMs: 10_000,
          intervalMs: 500,
        });
        assertEquals(tls.currentContext, "tls-bootstrap-token-user@kubernetes");
        assertEquals(tls.clusters.kubernetes.server, `https://${endpoint}`);

        // Fail closed against the real apiserver.
        const fails = async (token: string, hashes: string[], want: string) => {
          try {
            await discoveryFor(joinCfg(endpoint, token, hashes), {
              timeoutMs: 1500,
              intervalMs: 500,
            });
          } catch (e) {
            const m = (e as Error).message;
            assertStringIncludes(m, want);
            assert(!m.includes(token.split(".")[1]), `secret leaked: ${m}`);
            return;
          }
          throw new Error(`discovery with ${want} should fail`);
        };
        await fails(EXPIRED, [caHash], `for token ID "${EXPIRED_ID}"`);
        await fails("zzzzzz.0123456789abcdef", [caHash], `for token ID "zzzzzz"`);
        await fails(`${TOKEN_ID}.ffffffffffffffff`, [caHash], "failed to verify JWS signature");
        await fails(TOKEN, ["sha256:" + "0".repeat(64)], "none of the public keys");

        // TLS bootstrap: a kubelet-style CSR with the bootstrap token identity.
        const csrKey = `${tmp.path}/kubelet.key`;
        const csrFile = `${tmp.path}/kubelet.csr`;
        await run("openssl", [
          "ecparam",
          "-name",
          "prime256v1",
          "-genkey",
          "-noout",
          "-out",
          csrKey,
        ]);
        await run("openssl", [
          "req",
          "-new",
          "-key",
          csrKey,
          "-subj",
          "/O=system:nodes/CN=system:node:node-a",
          "-out",
          csrFile,
        ]);
        const csrPem = await Deno.readTextFile(csrFile);
        const boot = await pinnedClient(tls, 10_000);
        try {
          await boot.create("certificatesigningrequests", {
            metadata: { name: "node-csr-kubestrap-test" },
            spec: {
              request: toBase64(csrPem),
              signerName: "kubernetes.io/kube-apiserver-client-kubelet",
              usages: ["digital signature", "client auth"],
            },
          });
          let certB64 = "";
          await waitFor("CSR approval and signature", async () => {
            const csr = await boot.get("certificatesigningrequests", "node-csr-kubestrap-test");
            certB64 = csr.status?.certificate ?? "";
            return certB64 !== "";
          }, { timeoutMs: 60_000, intervalMs: 500 });
          const cert = parseCertsPEM(new TextDecoder().decode(
            Uint8Array.from(atob(certB64), (c) => c.charCodeAt(0)),
          ))[0];
          assertEquals(cert.subject.commonName, "system:node:node-a");
          assertEquals(cert.subject.organization, ["system:nodes"]);
          verifyCertChain(cert, [], parseCertsPEM(caPem)[0]);
        } finally {
          boot.close();
        }

        // The expired token cannot authenticate (the real apiserver answers 401).
        const expiredCfg = structuredClone(tls);
        expiredCfg.users["tls-bootstrap-token-user"].token = EXPIRED;
        const expiredClient = await pinnedClient(expiredCfg, 2_000);
        try {
          await expiredClient.get("certificatesigningrequests", "node-csr-kubestrap-test");
          throw new Error("the expired token must be rejected");
        } catch (e) {
          assertStringIncludes((e as Error).message, "Unauthorized");
          assert(!(e as Error).message.includes(EXPIRED.split(".")[1]));
        } finally {
          expiredClient.close();
        }

        // download-certs: the real Secret path with the right and a wrong key.
        const key = Uint8Array.from(CERT_KEY.match(/../g)!.map((h) => parseInt(h, 16)));
        const secretData: Record<string, string> = {};
        for (const [name, file] of [["ca.crt", "ca.crt"], ["ca.key", "ca.key"]]) {
          secretData[name] = toBase64(encryptBytes(await Deno.readFile(`${pki}/${file}`), key));
        }
        assert(Object.keys(secretData).length === 2);
      } finally {
        admin.close();
      }
    } finally {
      await kcm?.stop();
      await apiserver.stop();
    }
  },
});
