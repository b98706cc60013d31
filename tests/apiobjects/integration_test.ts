// deno-lint-ignore-file no-explicit-any
/**
 * lib/apiobjects + lib/tokens against a real kube-apiserver v1.37.2, cross-checked with the
 * real kubeadm v1.37.2 and kube-controller-manager from the test bed:
 * - kubeadm's own phases write the objects first; kubestrap then applies its objects over
 *   them and the stored objects must not change (same meaning), twice (idempotent);
 * - `kubeadm token list/create` read and write tokens interchangeably with kubestrap;
 * - the kubeadm-certs Secret written by kubeadm is decrypted by kubestrap;
 * - the bootstrapsigner controller's JWS verifies with kubestrap's verifier;
 * - effective RBAC is checked with SubjectAccessReviews (what `kubectl auth can-i` asks).
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { applyCoreDNS, coreDNSImage } from "../../lib/apiobjects/addons/coredns.ts";
import { applyKubeProxy, kubeProxyImage } from "../../lib/apiobjects/addons/kubeproxy.ts";
import {
  applyBootstrapToken,
  ensureAdminClusterRoleBinding,
} from "../../lib/apiobjects/bootstraptoken.ts";
import {
  decodeCertificateKey,
  decodeKubeadmCertsSecret,
  downloadCerts,
  uploadCerts,
} from "../../lib/apiobjects/copycerts.ts";
import { joinCommandOneLine } from "../../lib/apiobjects/joincommand.ts";
import { markControlPlane } from "../../lib/apiobjects/markcontrolplane.ts";
import { applyKubeadmConfig, applyKubeletConfig } from "../../lib/apiobjects/uploadconfig.ts";
import { isForbidden } from "../../lib/kube/errors.ts";
import { deleteToken, listTokens } from "../../lib/tokens/secrets.ts";
import { caCertHashes } from "../../lib/tokens/cahash.ts";
import { detachedTokenIsValid } from "../../lib/tokens/jws.ts";
import { tokenListText } from "../../lib/tokens/output.ts";
import { tokenPrinted } from "../tokens/printed.ts";
import { parseToken } from "../../lib/tokens/token.ts";
import type { BootstrapToken } from "../../lib/tokens/token.ts";
import { run, testbed, waitFor } from "../harness/mod.ts";
import { ready, startTestCluster, why } from "../kube/testcluster.ts";

const TOKEN = "abcdef.0123456789abcdef";

const OBJECTS: [string, string | undefined, string][] = [
  ["configmaps", "kube-system", "kubeadm-config"],
  ["roles", "kube-system", "kubeadm:nodes-kubeadm-config"],
  ["rolebindings", "kube-system", "kubeadm:nodes-kubeadm-config"],
  ["configmaps", "kube-system", "kubelet-config"],
  ["roles", "kube-system", "kubeadm:kubelet-config"],
  ["rolebindings", "kube-system", "kubeadm:kubelet-config"],
  ["secrets", "kube-system", "bootstrap-token-abcdef"],
  ["clusterroles", undefined, "kubeadm:get-nodes"],
  ["clusterrolebindings", undefined, "kubeadm:get-nodes"],
  ["clusterrolebindings", undefined, "kubeadm:kubelet-bootstrap"],
  ["clusterrolebindings", undefined, "kubeadm:node-autoapprove-bootstrap"],
  ["clusterrolebindings", undefined, "kubeadm:node-autoapprove-certificate-rotation"],
  ["clusterrolebindings", undefined, "kubeadm:apiserver-kubelet-client"],
  ["configmaps", "kube-public", "cluster-info"],
  ["roles", "kube-public", "kubeadm:bootstrap-signer-clusterinfo"],
  ["rolebindings", "kube-public", "kubeadm:bootstrap-signer-clusterinfo"],
  ["configmaps", "kube-system", "coredns"],
  ["clusterroles", undefined, "system:coredns"],
  ["clusterrolebindings", undefined, "system:coredns"],
  ["serviceaccounts", "kube-system", "coredns"],
  ["deployments", "kube-system", "coredns"],
  ["services", "kube-system", "kube-dns"],
  ["configmaps", "kube-system", "kube-proxy"],
  ["daemonsets", "kube-system", "kube-proxy"],
  ["serviceaccounts", "kube-system", "kube-proxy"],
  ["clusterrolebindings", undefined, "kubeadm:node-proxier"],
  ["roles", "kube-system", "kube-proxy"],
  ["rolebindings", "kube-system", "kube-proxy"],
];

/** The stored object without server bookkeeping (and the token's time-dependent expiry). */
function normalize(o: any): any {
  const c = structuredClone(o);
  for (const k of ["resourceVersion", "uid", "creationTimestamp", "managedFields", "generation"]) {
    delete c.metadata[k];
  }
  if (c.metadata.annotations) {
    delete c.metadata.annotations["deprecated.daemonset.template.generation"];
    delete c.metadata.annotations["deployment.kubernetes.io/revision"];
    if (Object.keys(c.metadata.annotations).length === 0) delete c.metadata.annotations;
  }
  delete c.status;
  if (c.kind === "Secret" && c.data?.expiration) c.data.expiration = "<masked>";
  return c;
}

Deno.test({
  name: "apiobjects: kubestrap's objects mean what kubeadm's mean (real apiserver + kubeadm)",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    if (!ready) console.log(why);
    await using tc = await startTestCluster();
    using su = tc.client(tc.superAdmin);
    using admin = tc.client(tc.admin);
    const kubeadm = async (...args: string[]) =>
      (await run(testbed.path("kubeadm"), args, { env: { ...Deno.env.toObject() } })).stdout;
    const cfgPath = `${tc.dir}/kubeadm.yaml`;
    await Deno.writeTextFile(
      cfgPath,
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: ${TOKEN}
localAPIEndpoint:
  advertiseAddress: 10.0.0.1
  bindPort: ${tc.port}
nodeRegistration:
  name: ks-cp
  criSocket: unix:///run/kubestrap-none.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
controlPlaneEndpoint: 127.0.0.1:${tc.port}
certificatesDir: ${tc.pkiDir}
networking:
  serviceSubnet: 10.96.0.0/12
  dnsDomain: cluster.local
`,
    );
    const snapshot = async () => {
      const out: Record<string, any> = {};
      for (const [res, ns, name] of OBJECTS) {
        out[`${res}/${ns ?? ""}/${name}`] = normalize(await su.get(res as any, name, ns));
      }
      return out;
    };

    await t.step(
      "kubeadm:cluster-admins via super-admin when admin.conf is forbidden",
      async () => {
        const before = await admin.list("nodes").catch((e) => e);
        assert(isForbidden(before), `expected Forbidden, got ${before}`);
        const c = await ensureAdminClusterRoleBinding(admin, su, { timeoutMs: 20_000 });
        assert(c === admin);
        await waitFor("admin.conf to be authorized", async () => {
          await admin.list("nodes");
          return true;
        }, { timeoutMs: 10_000 });
        const crb = JSON.parse(
          await tc.kubectl("get", "clusterrolebinding", "kubeadm:cluster-admins", "-o", "json"),
        );
        assertEquals(crb.roleRef, {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "cluster-admin",
        });
        assertEquals(crb.subjects, [{
          apiGroup: "rbac.authorization.k8s.io",
          kind: "Group",
          name: "kubeadm:cluster-admins",
        }]);
        // second run: AlreadyExists with the admin client
        await ensureAdminClusterRoleBinding(admin, undefined, { timeoutMs: 10_000 });
      },
    );

    let kubeadmSnapshot: Record<string, any> = {};
    await t.step("real kubeadm phases write the reference objects", async () => {
      const common = [`--config=${cfgPath}`, `--kubeconfig=${tc.adminKubeconfig}`];
      await kubeadm("init", "phase", "upload-config", "kubeadm", ...common);
      await kubeadm("init", "phase", "upload-config", "kubelet", ...common);
      await kubeadm("init", "phase", "bootstrap-token", ...common);
      await kubeadm("init", "phase", "addon", "coredns", ...common);
      await kubeadm("init", "phase", "addon", "kube-proxy", ...common);
      kubeadmSnapshot = await snapshot();
    });

    const lines: string[] = [];
    const applyAll = async () => {
      const cm = (name: string) => su.get("configmaps", name, "kube-system");
      await applyKubeadmConfig(
        admin,
        (await cm("kubeadm-config")).data.ClusterConfiguration,
        (l) => lines.push(l),
      );
      await applyKubeletConfig(
        admin,
        (await cm("kubelet-config")).data.kubelet,
        false,
        (l) => lines.push(l),
      );
      const token: BootstrapToken = {
        token: parseToken(TOKEN),
        ttlMs: 24 * 3600_000,
        usages: ["signing", "authentication"],
        groups: ["system:bootstrappers:kubeadm:default-node-token"],
      };
      await applyBootstrapToken(admin, {
        tokens: [token],
        clusterInfo: { server: tc.server, caData: tc.caPem },
      }, (l) => lines.push(l));
      await applyCoreDNS(admin, {
        dnsDomain: "cluster.local",
        serviceSubnet: "10.96.0.0/12",
        image: coreDNSImage({ imageRepository: "registry.k8s.io" }),
      }, (l) => lines.push(l));
      await applyKubeProxy(admin, {
        controlPlaneEndpointURL: tc.server,
        kubeProxyConfigYAML: (await cm("kube-proxy")).data["config.conf"] + "\n",
        image: kubeProxyImage("registry.k8s.io", "v1.37.2"),
        proxyEnv: Deno.env.toObject(),
      }, (l) => lines.push(l));
    };

    await t.step("kubestrap applies the same objects: nothing changes, twice", async () => {
      await applyAll();
      const ours = await snapshot();
      for (const k of Object.keys(kubeadmSnapshot)) {
        assertEquals(ours[k], kubeadmSnapshot[k], `object ${k} differs from kubeadm's`);
      }
      await applyAll();
      assertEquals(await snapshot(), ours);
      assertEquals(lines.slice(0, 14), [
        `[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace`,
        `[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster`,
        `[bootstrap-token] Using token: ${TOKEN}`,
        "[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles",
        "[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes",
        "[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials",
        "[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token",
        "[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster",
        "[bootstrap-token] Configured RBAC rules to allow the API server kubelet client certificate to access the kubelet API",
        `[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace`,
        "[addons] Applied essential addon: CoreDNS",
        "[addons] Applied essential addon: kube-proxy",
        `[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace`,
        `[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster`,
      ]);
    });

    await t.step("effective RBAC (SubjectAccessReview)", async () => {
      // SubjectAccessReviews (what `kubectl auth can-i --as` asks, without kubectl's discovery)
      const canI = async (
        user: string,
        groups: string[],
        verb: string,
        resource: string,
        namespace?: string,
        name?: string,
        subresource?: string,
      ) => {
        const r: any = await su.json("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SubjectAccessReview",
            spec: {
              user,
              groups,
              resourceAttributes: {
                verb,
                resource: resource.split(".")[0],
                group: resource.split(".").slice(1).join("."),
                namespace,
                name,
                subresource,
              },
            },
          },
        });
        return r.status.allowed === true ? "yes" : "no";
      };
      const boot = [
        "system:bootstrap:abcdef",
        ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token"],
      ] as const;
      const node = ["system:node:n1", ["system:nodes"]] as const;
      const anon = ["system:anonymous", ["system:unauthenticated"]] as const;
      const ask = (who: readonly [string, readonly string[]], ...rest: (string | undefined)[]) =>
        canI(who[0], [...who[1]], rest[0]!, rest[1]!, rest[2], rest[3], rest[4]);
      assertEquals(await ask(anon, "get", "configmaps", "kube-public", "cluster-info"), "yes");
      assertEquals(await ask(anon, "get", "configmaps", "kube-system", "kubeadm-config"), "no");
      assertEquals(await ask(boot, "get", "configmaps", "kube-system", "kubeadm-config"), "yes");
      assertEquals(await ask(boot, "get", "configmaps", "kube-system", "kubelet-config"), "yes");
      assertEquals(await ask(boot, "get", "configmaps", "kube-system", "kube-proxy"), "yes");
      assertEquals(await ask(boot, "get", "nodes", undefined, "n1"), "yes");
      assertEquals(
        await ask(boot, "create", "certificatesigningrequests.certificates.k8s.io"),
        "yes",
      );
      assertEquals(await ask(boot, "get", "secrets", "kube-system", "other"), "no");
      assertEquals(await ask(node, "get", "configmaps", "kube-system", "kubelet-config"), "yes");
      assertEquals(await ask(node, "get", "configmaps", "kube-system", "kubeadm-config"), "yes");
      assertEquals(
        await ask(["kube-apiserver-kubelet-client", []], "get", "nodes", undefined, "n1", "proxy"),
        "yes",
      );
      // kubectl reads back the same bindings
      const out = await tc.kubectl(
        "get",
        "clusterrolebinding",
        "kubeadm:apiserver-kubelet-client",
        "-o",
        "jsonpath={.roleRef.name} {.subjects[0].kind} {.subjects[0].name}",
      );
      assertEquals(out, "system:kubelet-api-admin User kube-apiserver-kubelet-client");
    });

    await t.step("kubeadm token list / create / delete interoperate", async () => {
      // kubeadm lists the token kubestrap wrote; its text/json/yaml match ours
      const listed = await listTokens(admin);
      assertEquals(listed.length, 1);
      const ours = (listed[0] as { token: BootstrapToken }).token;
      const now = new Date();
      const text = await kubeadm("token", "list", `--kubeconfig=${tc.adminKubeconfig}`);
      assertEquals(text, tokenListText([ours], now));
      assertEquals(
        await kubeadm("token", "list", "-o", "json", `--kubeconfig=${tc.adminKubeconfig}`),
        await tokenPrinted("json", ours),
      );
      assertEquals(
        await kubeadm("token", "list", "-o", "yaml", `--kubeconfig=${tc.adminKubeconfig}`),
        await tokenPrinted("yaml", ours),
      );
      // kubeadm creates a token; kubestrap parses it and prints the same join command
      const joinLine = (await kubeadm(
        "token",
        "create",
        "--print-join-command",
        "--description=made by kubeadm",
        `--kubeconfig=${tc.adminKubeconfig}`,
      )).trim();
      const m = /--token (\S+)/.exec(joinLine)!;
      const created = parseToken(m[1]);
      const all = await listTokens(admin);
      const kt = all.map((x) => (x as { token: BootstrapToken }).token).find((x) =>
        x.token.id === created.id
      )!;
      assertEquals(kt.description, "made by kubeadm");
      assertEquals(kt.usages, ["authentication", "signing"]);
      assertEquals(kt.groups, ["system:bootstrappers:kubeadm:default-node-token"]);
      assertEquals(
        joinLine,
        joinCommandOneLine({
          controlPlaneHostPort: tc.server.replace("https://", ""),
          token: m[1],
          caCertHashes: caCertHashes(tc.caPem),
        }).trim(),
      );
      assertEquals(await deleteToken(admin, created.id), `bootstrap token "${created.id}" deleted`);
      const after = await kubeadm("token", "list", `--kubeconfig=${tc.adminKubeconfig}`);
      assert(!after.includes(created.id));
    });

    await t.step(
      "kubeadm-certs: kubeadm uploads, kubestrap decrypts; kubestrap uploads",
      async () => {
        const key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        const cfg2 = `${tc.dir}/kubeadm-certs.yaml`;
        await Deno.writeTextFile(
          cfg2,
          (await Deno.readTextFile(cfgPath)).replace(
            "kind: InitConfiguration\n",
            `kind: InitConfiguration\ncertificateKey: ${key}\n`,
          ),
        );
        await kubeadm(
          "init",
          "phase",
          "upload-certs",
          "--upload-certs",
          "--skip-certificate-key-print",
          `--config=${cfg2}`,
          `--kubeconfig=${tc.adminKubeconfig}`,
        );
        const files = await downloadCerts(admin, { certificatesDir: tc.pkiDir }, key);
        assertEquals(files.map((f) => f.name).sort(), [
          "ca.crt",
          "ca.key",
          "etcd/ca.crt",
          "etcd/ca.key",
          "front-proxy-ca.crt",
          "front-proxy-ca.key",
          "sa.key",
          "sa.pub",
        ]);
        for (const f of files) {
          assertEquals(f.data, await Deno.readFile(f.path), `${f.name} decrypted differently`);
          assertEquals(f.mode, f.name.endsWith(".key") ? 0o600 : 0o644);
        }
        const kubeadmSecret: any = await su.get("secrets", "kubeadm-certs", "kube-system");
        // kubestrap's upload over it, with another key
        const key2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
        await uploadCerts(admin, { certificatesDir: tc.pkiDir }, key2);
        const s: any = await su.get("secrets", "kubeadm-certs", "kube-system");
        assertEquals(s.type, kubeadmSecret.type);
        assertEquals(Object.keys(s.data).sort(), Object.keys(kubeadmSecret.data).sort());
        const dec = decodeKubeadmCertsSecret(s as any, decodeCertificateKey(key2));
        assertEquals(dec["etcd-ca.key"], await Deno.readFile(`${tc.pkiDir}/etcd/ca.key`));
        const owner = s.metadata.ownerReferences[0];
        const ownerSecret: any = await su.get("secrets", owner.name, "kube-system");
        assertEquals(owner.uid, ownerSecret.metadata.uid);
        assertEquals([owner.kind, owner.controller, owner.blockOwnerDeletion], [
          "Secret",
          true,
          true,
        ]);
        const helper = (await listTokens(admin)).map((x: any) => x.token).find((x: any) =>
          `bootstrap-token-${x.token.id}` === owner.name
        );
        assertEquals(helper.description, "Proxy for managing TTL for the kubeadm-certs secret");
        assertEquals(helper.usages, undefined);
        assertEquals(helper.groups, undefined);
        const ttl = helper.expires.getTime() - Date.now();
        assert(ttl > 7_100_000 && ttl <= 7_200_000, `helper TTL ${ttl}`);
        const kubeadmOwner = kubeadmSecret.metadata.ownerReferences[0];
        assertEquals(
          Object.keys(kubeadmOwner).sort(),
          Object.keys(owner).sort(),
        );
        const roles = JSON.parse(
          await tc.kubectl(
            "get",
            "role",
            "kubeadm:kubeadm-certs",
            "-n",
            "kube-system",
            "-o",
            "json",
          ),
        );
        assertEquals(roles.rules, [{
          apiGroups: [""],
          resourceNames: ["kubeadm-certs"],
          resources: ["secrets"],
          verbs: ["get"],
        }]);
      },
    );

    await t.step("bootstrapsigner's JWS in cluster-info verifies with kubestrap", async () => {
      await tc.startControllerManager("bootstrapsigner,tokencleaner");
      let cm: any;
      await waitFor("jws-kubeconfig-abcdef in cluster-info", async () => {
        cm = await su.get("configmaps", "cluster-info", "kube-public");
        return !!cm.data["jws-kubeconfig-abcdef"];
      }, { timeoutMs: 60_000 });
      const { id, secret } = parseToken(TOKEN);
      assert(
        detachedTokenIsValid(cm.data["jws-kubeconfig-abcdef"], cm.data.kubeconfig, id, secret),
      );
      assert(
        !detachedTokenIsValid(
          cm.data["jws-kubeconfig-abcdef"],
          cm.data.kubeconfig + "x",
          id,
          secret,
        ),
      );
      // the anonymous discovery read works, skip-verify, as kubeadm join does
      const { KubeClient } = await import("../../lib/kube/client.ts");
      using anon = new KubeClient({ server: tc.server, insecureSkipTLSVerify: true });
      const pub = await anon.get("configmaps", "cluster-info", "kube-public");
      assertEquals(pub.data.kubeconfig, cm.data.kubeconfig);
    });

    await t.step("mark-control-plane: labels and taints on a Node, twice", async () => {
      await su.create("nodes", {
        metadata: { name: "ks-cp", labels: { "kubernetes.io/hostname": "ks-cp" } },
        spec: { taints: [{ key: "example.com/x", effect: "NoExecute" }] },
      });
      const log: string[] = [];
      await markControlPlane(admin, "ks-cp", undefined, (l) => log.push(l));
      await markControlPlane(admin, "ks-cp");
      const n = JSON.parse(await tc.kubectl("get", "node", "ks-cp", "-o", "json"));
      assertEquals(n.metadata.labels["node-role.kubernetes.io/control-plane"], "");
      assertEquals(
        n.metadata.labels["node.kubernetes.io/exclude-from-external-load-balancers"],
        "",
      );
      assertEquals(n.spec.taints, [
        { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
        { key: "example.com/x", effect: "NoExecute" },
        // added by the TaintNodesByCondition admission plugin at creation, kept as is
        { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
      ]);
      assertStringIncludes(
        log[1],
        "adding the taints [node-role.kubernetes.io/control-plane:NoSchedule]",
      );
    });
  },
});
