/**
 * `kubestrap init` against a real control plane. kubestrap's own node-local phases write the
 * PKI, kubeconfigs and manifests into a namespace host; the test bed's etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler run from those manifests (tests/init_api/common.ts);
 * then `kubestrap init --skip-phases=<node-local>` runs the API phases (wait-control-plane,
 * upload-config, upload-certs, mark-control-plane, bootstrap-token, kubelet-finalize, addons,
 * show-join-command) while the Node is registered with kubelet.conf as a kubelet would.
 *
 * Checked with the real kubectl (every object and the fields kubeadm sets), the real
 * controller-manager (bootstrapsigner signs cluster-info for the token), and the real kubeadm
 * v1.37.2 (`token list`, `certs check-expiration` reading kubeadm-config, and
 * `join phase preflight` in a second namespace host, which runs kubeadm's token discovery
 * against kubestrap's cluster-info with the CA pin and reads kubeadm-config and kubelet-config
 * as the bootstrap token user). Then: a rerun is idempotent, an API server restart during a
 * phase is survived, an unreachable API server fails with a clear error after the timeout,
 * `init --dry-run` writes no API object and nothing outside its directory, the token commands
 * (create/list/delete, -o json, --print-join-command, --dry-run), and wait-control-plane's
 * verdict on a component that stays down.
 */
import * as path from "@std/path";
import { createHost, waitFor } from "../harness/mod.ts";
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  ADMIN,
  type Cluster,
  CRI,
  initConfig,
  K8S,
  type KubeObj,
  NODE_LOCAL_SKIP,
  SKIP,
  startCluster,
  TOKEN,
} from "./common.ts";

if (SKIP) console.log(`init_real_test: ignored: ${SKIP}`);

const ADDR = "192.168.91.10";
const WORKER_ADDR = "192.168.91.20";
const NODE = "ks-init-cp";
const TOKEN_ID = TOKEN.split(".")[0];

function lines(s: string): string[] {
  return s.split("\n");
}

async function objectUIDs(c: Cluster): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const kind of ["configmaps", "secrets", "roles", "rolebindings", "serviceaccounts"]) {
    const l = await c.getJSON([kind, "-A"]);
    for (const o of l.items) {
      out.set(`${kind}/${o.metadata.namespace}/${o.metadata.name}`, o.metadata.uid);
    }
  }
  for (const kind of ["clusterroles", "clusterrolebindings"]) {
    const l = await c.getJSON([kind]);
    for (const o of l.items) out.set(`${kind}/${o.metadata.name}`, o.metadata.uid);
  }
  return out;
}

Deno.test({
  name: "kubestrap init API phases against a real control plane, read back by kubectl and kubeadm",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using c = await startCluster("initapi", ADDR, { node: NODE, start: false });
    const shortTimeout = path.join(c.dir, "short.yaml");
    await Deno.writeTextFile(shortTimeout, initConfig(ADDR, NODE, { apiTimeout: "6s" }));

    await t.step(
      "an unreachable API server: a clear error after timeouts.kubernetesAPICall",
      async () => {
        const started = Date.now();
        const r = await c.kubestrap([
          "init",
          "phase",
          "upload-config",
          "kubeadm",
          "--config",
          shortTimeout,
        ]);
        const secs = (Date.now() - started) / 1000;
        assertEquals(r.code, 1, r.stdout + r.stderr);
        assertStringIncludes(r.stderr, "error execution phase upload-config/kubeadm");
        assertStringIncludes(r.stderr, "could not bootstrap the admin user in file admin.conf");
        assertStringIncludes(r.stderr, `https://${ADDR}:6443`);
        assertStringIncludes(
          r.stderr,
          "could not be reached within the 6s timeouts.kubernetesAPICall",
        );
        assert(secs >= 5 && secs < 40, `gave up after ${secs}s`);
        assert(!r.stderr.includes("BEGIN"), "no key material in errors");
      },
    );

    c.start("etcd");
    c.start("kube-apiserver");
    await c.waitReady();
    c.start("kube-controller-manager");
    c.start("kube-scheduler");

    let initOut = "";
    await t.step("kubestrap init (API phases) with --upload-certs", async () => {
      // The kubelet registers the Node a little later; mark-control-plane waits for it.
      const register = (async () => {
        await new Promise((r) => setTimeout(r, 4000));
        await c.registerNode();
      })();
      const r = await c.kubestrap([
        "init",
        `--skip-phases=${NODE_LOCAL_SKIP}`,
        "--config",
        c.config,
        "--upload-certs",
      ]);
      await register;
      initOut = r.stdout;
      assertEquals(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      const out = lines(r.stdout);
      const want = [
        "[init] Using Kubernetes version: v1.37.2",
        `[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"`,
        "[control-plane-check] Waiting for healthy control plane components. This can take up to 2m0s",
        `[control-plane-check] Checking kube-apiserver at https://${ADDR}:6443/livez`,
        "[control-plane-check] Checking kube-controller-manager at https://127.0.0.1:10257/healthz",
        "[control-plane-check] Checking kube-scheduler at https://127.0.0.1:10259/livez",
        `[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace`,
        `[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster`,
        `[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace`,
        "[upload-certs] Using certificate key:",
        `[mark-control-plane] Marking the node ${NODE} as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]`,
        `[mark-control-plane] Marking the node ${NODE} as control-plane by adding the taints [node-role.kubernetes.io/control-plane:NoSchedule]`,
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
        "Your Kubernetes control-plane has initialized successfully!",
      ];
      let at = -1;
      for (const w of want) {
        const i = out.indexOf(w, at + 1);
        assert(i > at, `missing or out of order: ${w}\n--- stdout\n${r.stdout}`);
        at = i;
      }
      for (const comp of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
        assert(
          out.some((l) =>
            new RegExp(`^\\[control-plane-check\\] ${comp} is healthy after \\S+s$`).test(l)
          ),
          `${comp} healthy line`,
        );
      }
      const keyLine = out[out.indexOf("[upload-certs] Using certificate key:") + 1];
      assert(/^[0-9a-f]{64}$/.test(keyLine), `certificate key line ${keyLine}`);
      assertStringIncludes(
        r.stdout,
        `kubestrap join ${ADDR}:6443 --token ${TOKEN} \\\n\t--discovery-token-ca-cert-hash sha256:`,
      );
      assert(!r.stderr.includes(keyLine), "the certificate key is not in stderr");
    });

    await t.step("kubeadm-config and kubelet-config ConfigMaps and their RBAC", async () => {
      const cm = await c.getJSON(["-n", "kube-system", "configmap", "kubeadm-config"]);
      const cc = cm.data.ClusterConfiguration as string;
      assertStringIncludes(cc, "apiVersion: kubeadm.k8s.io/v1beta4\n");
      assertStringIncludes(cc, "kind: ClusterConfiguration\n");
      assertStringIncludes(cc, "kubernetesVersion: v1.37.2\n");
      assertStringIncludes(cc, "podSubnet: 10.244.0.0/16");
      assert(!cc.includes("bootstrapTokens") && !cc.includes(TOKEN), "no InitConfiguration");
      const kc = await c.getJSON(["-n", "kube-system", "configmap", "kubelet-config"]);
      assertStringIncludes(kc.data.kubelet, "kind: KubeletConfiguration");
      assert(
        /^sha256:[0-9a-f]{64}$/.test(
          kc.metadata.annotations["kubeadm.kubernetes.io/component-config.hash"],
        ),
        "component-config hash",
      );
      for (
        const [name, cmName, groups] of [
          ["kubeadm:nodes-kubeadm-config", "kubeadm-config", [
            "system:bootstrappers:kubeadm:default-node-token",
            "system:nodes",
          ]],
          ["kubeadm:kubelet-config", "kubelet-config", [
            "system:nodes",
            "system:bootstrappers:kubeadm:default-node-token",
          ]],
        ] as const
      ) {
        const role = await c.getJSON(["-n", "kube-system", "role", name]);
        assertEquals(role.rules, [{
          apiGroups: [""],
          resources: ["configmaps"],
          resourceNames: [cmName],
          verbs: ["get"],
        }]);
        const rb = await c.getJSON(["-n", "kube-system", "rolebinding", name]);
        assertEquals(rb.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name });
        assertEquals(rb.subjects.map((s: KubeObj) => s.name), [...groups]);
      }
    });

    await t.step("kubeadm-certs Secret owned by a 2h helper token, and its RBAC", async () => {
      const s = await c.getJSON(["-n", "kube-system", "secret", "kubeadm-certs"]);
      assertEquals(s.type, "Opaque");
      assertEquals(Object.keys(s.data).sort(), [
        "ca.crt",
        "ca.key",
        "etcd-ca.crt",
        "etcd-ca.key",
        "front-proxy-ca.crt",
        "front-proxy-ca.key",
        "sa.key",
        "sa.pub",
      ]);
      const owner = s.metadata.ownerReferences[0];
      assertEquals([owner.kind, owner.controller, owner.blockOwnerDeletion], [
        "Secret",
        true,
        true,
      ]);
      const helper = await c.getJSON(["-n", "kube-system", "secret", owner.name]);
      assertEquals(helper.metadata.uid, owner.uid);
      assertEquals(
        atob(helper.data.description),
        "Proxy for managing TTL for the kubeadm-certs secret",
      );
      assert(!helper.data["usage-bootstrap-signing"] && !helper.data["auth-extra-groups"]);
      const exp = Date.parse(atob(helper.data.expiration)) - Date.now();
      assert(exp > 110 * 60_000 && exp <= 120 * 60_000, `helper token expires in ${exp}ms`);
      const rb = await c.getJSON(["-n", "kube-system", "rolebinding", "kubeadm:kubeadm-certs"]);
      assertEquals(rb.subjects[0].name, "system:bootstrappers:kubeadm:default-node-token");
    });

    await t.step("the Node carries the control-plane labels and taint", async () => {
      const n = await c.getJSON(["node", NODE]);
      assertEquals(n.metadata.labels["node-role.kubernetes.io/control-plane"], "");
      assertEquals(
        n.metadata.labels["node.kubernetes.io/exclude-from-external-load-balancers"],
        "",
      );
      // (the real node lifecycle controller adds node.kubernetes.io/not-ready: no kubelet here)
      assertEquals(
        n.spec.taints.filter((t: KubeObj) => t.key !== "node.kubernetes.io/not-ready"),
        [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
      );
    });

    await t.step(
      "bootstrap token Secret, RBAC and cluster-info (signed by the real KCM)",
      async () => {
        const s = await c.getJSON(["-n", "kube-system", "secret", `bootstrap-token-${TOKEN_ID}`]);
        assertEquals(s.type, "bootstrap.kubernetes.io/token");
        const d = Object.fromEntries(
          Object.entries(s.data).map(([k, v]) => [k, atob(v as string)]),
        );
        assertEquals(d["token-id"], TOKEN_ID);
        assertEquals(d["usage-bootstrap-signing"], "true");
        assertEquals(d["usage-bootstrap-authentication"], "true");
        assertEquals(d["auth-extra-groups"], "system:bootstrappers:kubeadm:default-node-token");
        const crbs: Record<string, [string, string, string]> = {
          "kubeadm:get-nodes": [
            "kubeadm:get-nodes",
            "Group",
            "system:bootstrappers:kubeadm:default-node-token",
          ],
          "kubeadm:kubelet-bootstrap": [
            "system:node-bootstrapper",
            "Group",
            "system:bootstrappers:kubeadm:default-node-token",
          ],
          "kubeadm:node-autoapprove-bootstrap": [
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
            "Group",
            "system:bootstrappers:kubeadm:default-node-token",
          ],
          "kubeadm:node-autoapprove-certificate-rotation": [
            "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
            "Group",
            "system:nodes",
          ],
          "kubeadm:apiserver-kubelet-client": [
            "system:kubelet-api-admin",
            "User",
            "kube-apiserver-kubelet-client",
          ],
          "kubeadm:cluster-admins": ["cluster-admin", "Group", "kubeadm:cluster-admins"],
          "kubeadm:node-proxier": ["system:node-proxier", "ServiceAccount", "kube-proxy"],
          "system:coredns": ["system:coredns", "ServiceAccount", "coredns"],
        };
        for (const [name, [role, kind, subject]] of Object.entries(crbs)) {
          const crb = await c.getJSON(["clusterrolebinding", name]);
          assertEquals([crb.roleRef.name, crb.subjects[0].kind, crb.subjects[0].name], [
            role,
            kind,
            subject,
          ], name);
        }
        const gn = await c.getJSON(["clusterrole", "kubeadm:get-nodes"]);
        assertEquals(gn.rules, [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }]);
        const ci = await c.getJSON(["-n", "kube-public", "configmap", "cluster-info"]);
        assertStringIncludes(ci.data.kubeconfig, `server: https://${ADDR}:6443\n`);
        assertStringIncludes(
          ci.data.kubeconfig,
          '  name: ""\ncontexts: null\ncurrent-context: ""\nkind: Config\nusers: null\n',
        );
        const rb = await c.getJSON([
          "-n",
          "kube-public",
          "rolebinding",
          "kubeadm:bootstrap-signer-clusterinfo",
        ]);
        assertEquals(rb.subjects, [{
          apiGroup: "rbac.authorization.k8s.io",
          kind: "User",
          name: "system:anonymous",
        }]);
        // The real kube-controller-manager's bootstrapsigner signs cluster-info for the token.
        await waitFor("jws-kubeconfig signature in cluster-info", async () => {
          const ci = await c.getJSON(["-n", "kube-public", "configmap", "cluster-info"]);
          return typeof ci.data[`jws-kubeconfig-${TOKEN_ID}`] === "string";
        }, { timeoutMs: 90_000, intervalMs: 1000 });
      },
    );

    await t.step("CoreDNS and kube-proxy objects", async () => {
      const dep = await c.getJSON(["-n", "kube-system", "deployment", "coredns"]);
      assertEquals(dep.spec.replicas, 2);
      assertEquals(
        dep.spec.template.spec.containers[0].image,
        "registry.k8s.io/coredns/coredns:v1.14.6",
      );
      const svc = await c.getJSON(["-n", "kube-system", "service", "kube-dns"]);
      assertEquals(svc.spec.clusterIP, "10.96.0.10");
      const cm = await c.getJSON(["-n", "kube-system", "configmap", "coredns"]);
      assertStringIncludes(cm.data.Corefile, "kubernetes cluster.local in-addr.arpa ip6.arpa");
      const ds = await c.getJSON(["-n", "kube-system", "daemonset", "kube-proxy"]);
      assertEquals(ds.spec.template.spec.containers[0].image, "registry.k8s.io/kube-proxy:v1.37.2");
      const kp = await c.getJSON(["-n", "kube-system", "configmap", "kube-proxy"]);
      assertStringIncludes(kp.data["kubeconfig.conf"], `server: https://${ADDR}:6443`);
      assertStringIncludes(kp.data["config.conf"], "clusterCIDR: 10.244.0.0/16");
      assert(kp.metadata.annotations["kubeadm.kubernetes.io/component-config.hash"]);
    });

    await t.step("the real kubeadm reads it: token list, certs check-expiration", async () => {
      const l = await c.kubeadm(["token", "list", "--kubeconfig", ADMIN]);
      assertEquals(l.code, 0, l.stderr);
      assertStringIncludes(l.stdout, TOKEN);
      assertStringIncludes(l.stdout, "authentication,signing");
      const ce = await c.kubeadm(["certs", "check-expiration"]);
      assertEquals(ce.code, 0, ce.stdout + ce.stderr);
      assertStringIncludes(
        ce.stdout,
        '[check-expiration] Reading configuration from the "kubeadm-config" ConfigMap',
      );
      assertStringIncludes(ce.stdout, "apiserver-kubelet-client");
    });

    await t.step(
      "the real kubeadm's token discovery accepts kubestrap's cluster-info",
      async () => {
        const hash = /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(initOut)![1];
        await using worker = await createHost("initapi-w", {
          addr: `${WORKER_ADDR}/24`,
          network: "initapi",
        });
        const r = await worker.exec([
          (await import("../harness/mod.ts")).testbed.path("kubeadm"),
          "join",
          "phase",
          "preflight",
          `${ADDR}:6443`,
          "--token",
          TOKEN,
          "--discovery-token-ca-cert-hash",
          hash,
          "--node-name",
          "ks-init-worker",
          "--cri-socket",
          CRI,
          "--ignore-preflight-errors=all",
          "--v=1",
        ], { allowFailure: true });
        const all = r.stdout + r.stderr;
        assertEquals(r.code, 0, all);
        assertStringIncludes(
          all,
          "Cluster info signature and contents are valid and TLS certificate validates against pinned roots",
        );
        assertStringIncludes(all, 'Reading configuration from the "kubeadm-config" ConfigMap');
        // A wrong pin is refused.
        const bad = await worker.exec([
          (await import("../harness/mod.ts")).testbed.path("kubeadm"),
          "join",
          "phase",
          "preflight",
          `${ADDR}:6443`,
          "--token",
          TOKEN,
          "--discovery-token-ca-cert-hash",
          "sha256:" + "0".repeat(64),
          "--node-name",
          "ks-init-worker",
          "--cri-socket",
          CRI,
          "--ignore-preflight-errors=all",
        ], { allowFailure: true });
        assert(bad.code !== 0, "a wrong CA pin must be refused");
      },
    );

    await t.step("a rerun is idempotent (same objects, same UIDs)", async () => {
      const before = await objectUIDs(c);
      const r = await c.kubestrap([
        "init",
        `--skip-phases=${NODE_LOCAL_SKIP}`,
        "--config",
        c.config,
      ]);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const after = await objectUIDs(c);
      for (const [k, uid] of before) {
        if (
          k.startsWith("secrets/kube-system/bootstrap-token-") &&
          k !== `secrets/kube-system/bootstrap-token-${TOKEN_ID}`
        ) continue;
        if (after.get(k) !== uid) {
          // Only objects kubestrap manages matter; controllers may recreate their own.
          if (!/kubeadm|coredns|kube-proxy|cluster-info|kubelet-config|bootstrap-token/.test(k)) {
            continue;
          }
          throw new Error(`${k} was recreated (uid ${uid} -> ${after.get(k)})`);
        }
      }
      const n = await c.getJSON(["node", NODE]);
      assertEquals(
        n.spec.taints.filter((t: KubeObj) => t.key === "node-role.kubernetes.io/control-plane")
          .length,
        1,
        "no duplicated taint",
      );
    });

    await t.step(
      "an API server restart during a phase: the phase retries and succeeds",
      async () => {
        // The controller-manager and scheduler exit when they lose their leases: restart them too.
        await c.pods["kube-scheduler"].stop();
        await c.pods["kube-controller-manager"].stop();
        await c.pods["kube-apiserver"].stop();
        const phase = c.kubestrap(["init", "phase", "upload-config", "all", "--config", c.config]);
        await new Promise((r) => setTimeout(r, 3000));
        c.start("kube-apiserver");
        const r = await phase;
        assertEquals(r.code, 0, r.stdout + r.stderr);
        assertStringIncludes(r.stdout, "[upload-config] Storing the configuration");
        await c.waitReady();
      },
    );

    await t.step(
      "token commands: create, list -o json, kubeadm sees it, join command, delete, dry-run",
      async () => {
        const cr = await c.kubestrap([
          "token",
          "create",
          "--kubeconfig",
          ADMIN,
          "--ttl",
          "2h",
          "--description",
          "from kubestrap",
          "--groups",
          "system:bootstrappers:extra",
        ]);
        assertEquals(cr.code, 0, cr.stderr);
        const tok = cr.stdout.trim();
        assert(/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(tok), tok);
        const lj = await c.kubestrap(["token", "list", "--kubeconfig", ADMIN, "-o", "json"]);
        assertEquals(lj.code, 0, lj.stderr);
        const objs = lj.stdout.split(/\n(?=\{)/).map((s) => JSON.parse(s));
        const mine = objs.find((o) => o.token === tok);
        assert(mine, lj.stdout);
        assertEquals(mine.kind, "BootstrapToken");
        assertEquals(mine.apiVersion, "output.kubeadm.k8s.io/v1alpha3");
        assertEquals(mine.description, "from kubestrap");
        assertEquals(mine.groups, ["system:bootstrappers:extra"]);
        const kl = await c.kubeadm(["token", "list", "--kubeconfig", ADMIN]);
        assertStringIncludes(kl.stdout, tok);
        assertStringIncludes(kl.stdout, "from kubestrap");
        const pj = await c.kubestrap([
          "token",
          "create",
          "--kubeconfig",
          ADMIN,
          "--print-join-command",
        ]);
        assertEquals(pj.code, 0, pj.stderr);
        assert(
          /^kubestrap join 192\.168\.91\.10:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \n$/
            .test(pj.stdout),
          JSON.stringify(pj.stdout),
        );
        const key = "a".repeat(64);
        const cp = await c.kubestrap([
          "token",
          "create",
          "--kubeconfig",
          ADMIN,
          "--print-join-command",
          "--certificate-key",
          key,
        ]);
        assertStringIncludes(cp.stdout, `--control-plane --certificate-key ${key}`);
        const nokey = await c.kubestrap([
          "token",
          "create",
          "--kubeconfig",
          ADMIN,
          "--certificate-key",
          key,
        ]);
        assertEquals(nokey.code, 1);
        assertStringIncludes(
          nokey.stderr,
          "cannot use --certificate-key without --print-join-command",
        );
        const dry = await c.kubestrap([
          "token",
          "create",
          "zzzzzz.0123456789abcdef",
          "--kubeconfig",
          ADMIN,
          "--dry-run",
        ]);
        assertEquals(dry.code, 0, dry.stderr);
        assertStringIncludes(
          dry.stdout,
          `[dryrun] Would perform action CREATE on resource "secrets" in API group "core/v1"`,
        );
        const gone = await c.kubectl([
          "-n",
          "kube-system",
          "get",
          "secret",
          "bootstrap-token-zzzzzz",
        ]);
        assert(gone.code !== 0, "dry-run created the token");
        const del = await c.kubestrap([
          "token",
          "delete",
          tok.split(".")[0],
          "--kubeconfig",
          ADMIN,
        ]);
        assertEquals(del.stdout, `bootstrap token "${tok.split(".")[0]}" deleted\n`);
        const kl2 = await c.kubeadm(["token", "list", "--kubeconfig", ADMIN]);
        assert(!kl2.stdout.includes(tok), "deleted token still listed");
      },
    );

    await t.step(
      "init --dry-run: no API object written, nothing outside the dry-run dir",
      async () => {
        const before = await objectUIDs(c);
        const snap = async () =>
          (await c.host.exec([
            "sh",
            "-c",
            "find /etc/kubernetes /var/lib/kubelet -printf '%p %s %T@\\n' | sort",
          ])).stdout;
        const files = await snap();
        const dryDir = "/tmp/kubestrap-dryrun-initapi";
        const r = await c.kubestrap(
          [
            "init",
            "--dry-run",
            "--config",
            c.config,
            "--ignore-preflight-errors=all",
            "--upload-certs",
          ],
          { KUBEADM_INIT_DRYRUN_DIR: dryDir },
        );
        assertEquals(r.code, 0, r.stdout + r.stderr);
        assertStringIncludes(
          r.stdout,
          `[dryrun] Would perform action CREATE on resource "configmaps" in API group "core/v1"`,
        );
        assertStringIncludes(
          r.stdout,
          "[dryrun] API writes that would have been made (none was sent to an API server)",
        );
        assertStringIncludes(
          r.stdout,
          "[dryrun]   CREATE secrets (core/v1) kube-system/kubeadm-certs",
        );
        assertEquals(await snap(), files, "files outside the dry-run dir changed");
        const after = await objectUIDs(c);
        assertEquals(
          [...after.keys()].filter((k) => !before.has(k)),
          [],
          "objects created by a dry run",
        );
        await Deno.remove(dryDir, { recursive: true }).catch(() => {});
      },
    );

    /** Restarts the controller-manager or scheduler if it exited (leases lost on restarts). */
    const ensureControllers = () => {
      for (const comp of ["kube-controller-manager", "kube-scheduler"]) {
        const p = c.pods[comp];
        if (!p.proc.running()) {
          console.log(`${comp} had exited:\n${p.proc.log().slice(-1500)}`);
          c.start(comp);
        }
      }
    };

    await t.step("init -o json: the result instead of the banner", async () => {
      ensureControllers();
      const r = await c.kubestrap([
        "init",
        `--skip-phases=${NODE_LOCAL_SKIP}`,
        "--config",
        c.config,
        "-o",
        "json",
      ]);
      assertEquals(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assertEquals(j.token, TOKEN);
      assertEquals(j.controlPlaneEndpoint, `${ADDR}:6443`);
      assert(/^sha256:[0-9a-f]{64}$/.test(j.caCertHashes[0]));
      assertStringIncludes(
        j.joinCommand,
        `kubestrap join ${ADDR}:6443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:`,
      );
      assertStringIncludes(r.stderr, "[bootstrap-token] Using token");
      assert(!r.stdout.includes("initialized successfully"));
    });

    await t.step(
      "wait-control-plane: a component that stays down gets a verdict with its log",
      async () => {
        ensureControllers();
        const sched = c.pods["kube-scheduler"];
        const log = sched.proc.log();
        await sched.stop();
        await Deno.mkdir(c.host.path("/var/log/containers"), { recursive: true });
        await Deno.writeTextFile(
          c.host.path("/var/log/containers/kube-scheduler-ks_kube-system_kube-scheduler-0123.log"),
          log + "\nkubestrap-test: last line of the scheduler log\n",
        );
        const quick = path.join(c.dir, "quick.yaml");
        await Deno.writeTextFile(
          quick,
          initConfig(ADDR, NODE).replace(
            "controlPlaneComponentHealthCheck: 2m0s",
            "controlPlaneComponentHealthCheck: 5s",
          ),
        );
        // wait-control-plane is a hidden phase without flags (as in kubeadm): run init with
        // every other phase skipped.
        const r = await c.kubestrap([
          "init",
          "--config",
          quick,
          `--skip-phases=${NODE_LOCAL_SKIP},upload-config,upload-certs,mark-control-plane,` +
          "bootstrap-token,kubelet-finalize,addon,show-join-command",
        ]);
        assertEquals(r.code, 1, r.stdout + r.stderr);
        assertStringIncludes(r.stdout, "[control-plane-check] kube-scheduler is not healthy after");
        assertStringIncludes(r.stderr, "failed while waiting for the control plane to start: ");
        assertStringIncludes(r.stdout, "[control-plane-check] kube-apiserver is healthy after");
        assertStringIncludes(
          r.stderr,
          "[control-plane-check] Verdict: kube-scheduler did not become healthy within 5s",
        );
        assertStringIncludes(r.stderr, "kubestrap-test: last line of the scheduler log");
        assertStringIncludes(
          r.stderr,
          "kube-scheduler check failed at https://127.0.0.1:10259/livez",
        );
        c.start("kube-scheduler");
      },
    );
    void K8S;
  },
});
