/**
 * join and reset end to end, on namespace hosts (tests/harness createHost):
 *
 * - host A: a control plane made by kubestrap's own `init phase certs all | kubeconfig all |
 *   etcd local | control-plane all` (run inside A's mount namespace with the real paths), its
 *   four static pods started from the written manifests by runStaticPod; the API objects of
 *   init's upload-config / bootstrap-token / upload-certs phases created with lib/apiobjects
 *   (those phases are not implemented yet) by tests/join_e2e/seed_cluster.ts inside A.
 * - host B: `kubestrap join A:6443 --token --discovery-token-ca-cert-hash` (worker); the
 *   kubelet's TLS bootstrap is played by tests/join_e2e/fake_kubelet.ts; the CSR must be
 *   approved and signed by A's real kube-controller-manager.
 * - host C: a wrong --certificate-key first (nothing written), then the whole `kubestrap join
 *   --control-plane --certificate-key K` workflow: when etcd-join writes etcd.yaml (after the
 *   member add, while it retries the promotion) the test starts C's etcd, apiserver,
 *   controller-manager and scheduler from C's manifests as the kubelet would; the fake kubelet
 *   bootstraps against C's own apiserver and registers Node cp-c for mark-control-plane. Then
 *   `kubestrap reset -f` removes the member and cleans the node; C joins again and resets again.
 *   No kubelet runs the mirror pods, so etcd's endpoint comes from KUBESTRAP_ETCD_ENDPOINTS
 *   (lib/etcdclient/cluster.ts). Set KUBESTRAP_E2E_DUMP=<file> to keep every captured output.
 * - no output of any of these runs contains the token secret or a certificate key.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { run as cli } from "../cli/helpers.ts";
import {
  createHost,
  type Host,
  runStaticPod,
  skipReason,
  type StaticPodHandle,
  tempDir,
  testbed,
  testbedReady,
  waitFor,
} from "../harness/mod.ts";
import { caCertHashes } from "../../lib/tokens/cahash.ts";
import { createCertificateKey } from "../../lib/apiobjects/copycerts.ts";
import { parseCertsPEM } from "../../lib/pki/x509.ts";
import { verifyCertChain } from "../../lib/pki/verify.ts";
import {
  clusterConfigurationYAML,
  denoArgv,
  etcdctl,
  initConfigYAML,
  kubestrap,
  listTree,
  memberList,
  tail,
} from "./helpers.ts";

const NET = "10.77.0";
const A_IP = `${NET}.1`;
const B_IP = `${NET}.2`;
const C_IP = `${NET}.3`;
const ENDPOINT = `${A_IP}:6443`;
const TOKEN_ID = "e2ejn1";
const TOKEN_SECRET = "e2esecret0123456";
const TOKEN = `${TOKEN_ID}.${TOKEN_SECRET}`;
const CRI = "unix:///run/containerd/containerd.sock";
/** Per-host private dirs: the defaults plus kubestrap's own kubelet pid file directory. */
const PRIVATE_DIRS = [
  "/etc/kubernetes",
  "/var/lib/kubelet",
  "/var/lib/etcd",
  "/var/log/pods",
  "/var/log/containers",
  "/run/kubestrap",
];

Deno.test({
  name: "join e2e: worker and control-plane join of a kubestrap control plane, reset",
  ignore: !testbedReady,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    if (!testbedReady) throw new Error(skipReason);
    const started = Date.now();
    await using tmp = await tempDir("kubestrap-join-e2e-");
    const certKey = createCertificateKey();
    const wrongKey = createCertificateKey();
    /** Every output of kubestrap (and the helpers) in these runs, checked for secrets at the end. */
    const outputs: { what: string; text: string }[] = [];
    const record = (what: string, r: { stdout: string; stderr: string }) => {
      outputs.push({ what, text: r.stdout + r.stderr });
      return r.stdout + r.stderr;
    };
    const pods: StaticPodHandle[] = [];
    const hosts: Host[] = [];
    const startPod = (host: Host, component: string): StaticPodHandle => {
      const p = runStaticPod(host.path(`/etc/kubernetes/manifests/${component}.yaml`), {
        wrap: host.wrap,
        logFile: `${tmp.path}/${host.name}-${component}.log`,
      });
      pods.push(p);
      return p;
    };
    const podLog = (host: Host, component: string, n = 25) => {
      try {
        return tail(Deno.readTextFileSync(`${tmp.path}/${host.name}-${component}.log`), n);
      } catch {
        return "(no log)";
      }
    };
    try {
      const a = await createHost("a", { addr: `${A_IP}/24`, privateDirs: PRIVATE_DIRS });
      hosts.push(a);
      const b = await createHost("b", { addr: `${B_IP}/24`, privateDirs: PRIVATE_DIRS });
      hosts.push(b);
      const c = await createHost("c", { addr: `${C_IP}/24`, privateDirs: PRIVATE_DIRS });
      hosts.push(c);
      let caHash = "";

      await t.step("host A: control plane from kubestrap's init phases + API objects", async () => {
        const cfg = `${tmp.path}/init-a.yaml`;
        await Deno.writeTextFile(
          cfg,
          initConfigYAML({
            nodeName: "cp-a",
            advertiseAddress: A_IP,
            controlPlaneEndpoint: ENDPOINT,
          }),
        );
        for (
          const phase of [["certs", "all"], ["kubeconfig", "all"], ["etcd", "local"], [
            "control-plane",
            "all",
          ]]
        ) {
          const r = await kubestrap(a, ["init", "phase", ...phase, "--config", cfg]);
          assertEquals(r.code, 0, `init phase ${phase.join(" ")}: ${r.stdout}${r.stderr}`);
        }
        caHash = caCertHashes(Deno.readTextFileSync(a.path("/etc/kubernetes/pki/ca.crt")))[0];
        startPod(a, "etcd");
        await waitFor("etcd on host A", async () => {
          return (await etcdctl(a, `https://${A_IP}:2379`, ["endpoint", "health"])).code === 0;
        }, { timeoutMs: 60_000, intervalMs: 500, describe: () => podLog(a, "etcd") });
        startPod(a, "kube-apiserver");
        const kubectl = testbed.path("kubectl");
        await waitFor("kube-apiserver on host A", async () => {
          const r = await a.exec([
            kubectl,
            "--kubeconfig=/etc/kubernetes/super-admin.conf",
            "get",
            "--raw=/readyz",
          ], { allowFailure: true });
          return r.code === 0;
        }, { timeoutMs: 120_000, intervalMs: 1000, describe: () => podLog(a, "kube-apiserver") });
        startPod(a, "kube-controller-manager");
        startPod(a, "kube-scheduler");

        // The kubelet configuration kubestrap generates by default (cgroupfs on this machine).
        const printed = await cli(
          "config",
          "print",
          "init-defaults",
          "--component-configs",
          "KubeletConfiguration,KubeProxyConfiguration",
        );
        assertEquals(printed.code, 0, printed.err);
        const doc = (kind: string) =>
          printed.out.split(/^---$/m).find((d) => d.includes(`kind: ${kind}`))!.trim() + "\n";
        const kubeletYAML = doc("KubeletConfiguration").replace(
          "cgroupDriver: systemd",
          "cgroupDriver: cgroupfs",
        );
        const input = `${tmp.path}/seed.json`;
        await Deno.writeTextFile(
          input,
          JSON.stringify({
            token: TOKEN,
            certificateKey: certKey,
            server: `https://${ENDPOINT}`,
            clusterConfiguration: clusterConfigurationYAML(ENDPOINT),
            kubeletConfiguration: kubeletYAML,
            kubeProxyConfiguration: doc("KubeProxyConfiguration"),
          }),
        );
        const seed = await a.exec(denoArgv("tests/join_e2e/seed_cluster.ts", [input]), {
          allowFailure: true,
        });
        const seedOut = record("seed (lib/apiobjects)", seed);
        assertEquals(seed.code, 0, seedOut);
        assertStringIncludes(seedOut, "SEEDED");
        // The bootstrapsigner of the real controller-manager signs cluster-info for the token.
        await waitFor("jws-kubeconfig-" + TOKEN_ID, async () => {
          const r = await a.exec([
            kubectl,
            "--kubeconfig=/etc/kubernetes/admin.conf",
            "-n",
            "kube-public",
            "get",
            "configmap",
            "cluster-info",
            "-o",
            "jsonpath={.data}",
          ], { allowFailure: true });
          return r.stdout.includes(`jws-kubeconfig-${TOKEN_ID}`);
        }, {
          timeoutMs: 90_000,
          intervalMs: 1000,
          describe: () => podLog(a, "kube-controller-manager"),
        });
      });

      await t.step(
        "host B: worker join, the CSR is approved and signed by the real KCM",
        async () => {
          const kubelet = b.spawn(
            "fake-kubelet",
            denoArgv("tests/join_e2e/fake_kubelet.ts", ["node-b"]),
          );
          const r = await kubestrap(b, [
            "join",
            ENDPOINT,
            "--token",
            TOKEN,
            "--discovery-token-ca-cert-hash",
            caHash,
            "--node-name",
            "node-b",
            "--cri-socket",
            CRI,
            "--ignore-preflight-errors=all",
          ]);
          const out = record("join (worker) on B", r);
          assertEquals(r.code, 0, `${out}\n--- fake kubelet\n${kubelet.log()}`);
          assertStringIncludes(out, "This node has joined the cluster");
          await waitFor("the fake kubelet's result", () => kubelet.log().includes("RESULT "), {
            timeoutMs: 30_000,
            describe: () => kubelet.log(),
          });
          const res = JSON.parse(kubelet.log().split("RESULT ")[1].split("\n")[0]) as {
            conditions: { type: string; reason?: string }[];
            certPem: string;
          };
          assert(
            res.conditions.some((x) => x.type === "Approved" && x.reason === "AutoApproved"),
            `CSR conditions: ${JSON.stringify(res.conditions)}`,
          );
          const cert = parseCertsPEM(res.certPem)[0];
          assertEquals(cert.subject.commonName, "system:node:node-b");
          verifyCertChain(
            cert,
            [],
            parseCertsPEM(Deno.readTextFileSync(a.path("/etc/kubernetes/pki/ca.crt")))[0],
          );
          // What join wrote on B (kubelet-start); the bootstrap kubeconfig was removed after use.
          for (
            const f of ["/var/lib/kubelet/config.yaml", "/var/lib/kubelet/kubeadm-flags.env"]
          ) assert(listTree(b.path("/var/lib/kubelet")).includes(f.slice(17)), f);
          assert(
            !listTree(b.path("/etc/kubernetes")).includes("bootstrap-kubelet.conf"),
            "bootstrap-kubelet.conf must be removed after the TLS bootstrap",
          );
          assert(listTree(b.path("/etc/kubernetes")).includes("pki/ca.crt"));
          await kubelet.stop();
          outputs.push({ what: "fake kubelet on B", text: kubelet.log() });
        },
      );

      await t.step(
        "host C: a wrong certificate key writes nothing and is not printed",
        async () => {
          const r = await kubestrap(c, [
            "join",
            "phase",
            "control-plane-prepare",
            "download-certs",
            ENDPOINT,
            "--control-plane",
            "--certificate-key",
            wrongKey,
            "--token",
            TOKEN,
            "--discovery-token-ca-cert-hash",
            caHash,
          ]);
          const out = record("download-certs with a wrong key on C", r);
          assert(r.code !== 0, out);
          assertStringIncludes(out, "error downloading certs");
          assertStringIncludes(out, "error decoding secret data with provided key");
          assertEquals(listTree(c.path("/etc/kubernetes")), [], "nothing written on C");
          assertEquals(listTree(c.path("/var/lib/kubelet")), []);
        },
      );

      let cPods: StaticPodHandle[] = [];
      const joinC = async (round: string) => {
        cPods = [];
        const kubelet = c.spawn(
          `fake-kubelet-${round}`,
          denoArgv("tests/join_e2e/fake_kubelet.ts", ["cp-c"]),
        );
        const join = kubestrap(c, [
          "join",
          ENDPOINT,
          "--control-plane",
          "--certificate-key",
          certKey,
          "--apiserver-advertise-address",
          C_IP,
          "--token",
          TOKEN,
          "--discovery-token-ca-cert-hash",
          caHash,
          "--node-name",
          "cp-c",
          "--cri-socket",
          CRI,
          "--ignore-preflight-errors=all",
          "--v=1",
        ], {
          // No kubelet runs etcd's mirror pod on A: the etcd endpoint comes from here.
          KUBESTRAP_ETCD_ENDPOINTS: `https://${A_IP}:2379`,
        });
        let joinDone = false;
        join.finally(() => joinDone = true);
        // Play the kubelet: start etcd from the manifest etcd-join writes.
        const manifest = c.path("/etc/kubernetes/manifests/etcd.yaml");
        await waitFor("etcd.yaml on host C", () => {
          if (joinDone) return true;
          try {
            Deno.statSync(manifest);
            return true;
          } catch {
            return false;
          }
        }, { timeoutMs: 180_000, intervalMs: 200 });
        let learnerSeen = false;
        if (!joinDone) {
          // Between member add and promote: C is a learner that has not started yet.
          const before = await memberList(a, `https://${A_IP}:2379`);
          const me = before.find((m) => m.peerURLs?.includes(`https://${C_IP}:2380`));
          learnerSeen = me?.isLearner === true;
          cPods.push(startPod(c, "etcd"));
          for (const comp of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
            cPods.push(startPod(c, comp));
          }
        }
        const r = await join;
        const out = record(`join --control-plane on C (${round})`, r);
        assertEquals(
          r.code,
          0,
          `${out}\n--- etcd on C\n${podLog(c, "etcd")}\n--- fake kubelet\n${kubelet.log()}`,
        );
        assert(learnerSeen, "C must have been added as a learner before its etcd started");
        assertStringIncludes(out, "[etcd] Announced new etcd member joining");
        assertStringIncludes(out, "a new control plane instance was created");
        // The shared certificates came from kubeadm-certs, identical to A's.
        for (
          const f of ["ca.crt", "ca.key", "sa.key", "front-proxy-ca.key", "etcd/ca.key"]
        ) {
          assertEquals(
            Deno.readFileSync(c.path(`/etc/kubernetes/pki/${f}`)),
            Deno.readFileSync(a.path(`/etc/kubernetes/pki/${f}`)),
            f,
          );
        }
        const members = await memberList(a, `https://${A_IP}:2379`);
        assertEquals(members.length, 2, JSON.stringify(members));
        for (const m of members) {
          assert(!m.isLearner, `learner left: ${JSON.stringify(m)}`);
          assert(m.name && (m.clientURLs ?? []).length > 0, `not started: ${JSON.stringify(m)}`);
        }
        assertEquals(members.map((m) => m.name).sort(), ["cp-a", "cp-c"]);
        // mark-control-plane against A's API.
        const node = await a.exec([
          testbed.path("kubectl"),
          "--kubeconfig=/etc/kubernetes/admin.conf",
          "get",
          "node",
          "cp-c",
          "-o",
          "json",
        ]);
        const n = JSON.parse(node.stdout);
        assert("node-role.kubernetes.io/control-plane" in (n.metadata.labels ?? {}));
        assertEquals(
          (n.spec.taints ?? []).map((x: { key: string }) => x.key),
          ["node-role.kubernetes.io/control-plane"],
        );
        await kubelet.stop();
        outputs.push({ what: `fake kubelet on C (${round})`, text: kubelet.log() });
      };

      const resetC = async (round: string) => {
        const r = await kubestrap(c, ["reset", "-f"]);
        const out = record(`reset -f on C (${round})`, r);
        assertEquals(r.code, 0, out);
        const members = await memberList(a, `https://${A_IP}:2379`);
        assertEquals(members.map((m) => m.name), ["cp-a"], JSON.stringify(members));
        // The kubelet would stop the static pods whose manifests are gone.
        for (const p of cPods) await p.stop();
        const etc = listTree(c.path("/etc/kubernetes"));
        assertEquals(
          etc.filter((f) => f.startsWith("manifests/") || f.startsWith("pki/")),
          [],
          etc.join("\n"),
        );
        assertEquals(etc.filter((f) => f.endsWith(".conf")), [], etc.join("\n"));
        assertEquals(listTree(c.path("/var/lib/etcd")), []);
        assertEquals(listTree(c.path("/var/lib/kubelet")), []);
        assertStringIncludes(out, "[reset] Deleted contents of the etcd data directory");
        assertStringIncludes(out, "Left behind");
        assertStringIncludes(out, "iptables");
        // A still works with one member.
        assertEquals(
          (await etcdctl(a, `https://${A_IP}:2379`, ["endpoint", "health"])).code,
          0,
        );
      };

      await t.step(
        "host C: control-plane join, etcd learner promoted, node marked",
        () => joinC("first"),
      );
      await t.step(
        "host C: reset -f removes its etcd member and cleans the node",
        () => resetC("first"),
      );
      await t.step("host C: joins again after the reset, and resets again", async () => {
        await joinC("second");
        await resetC("second");
      });

      const dump = Deno.env.get("KUBESTRAP_E2E_DUMP");
      if (dump) {
        Deno.writeTextFileSync(dump, outputs.map((o) => `==== ${o.what}\n${o.text}`).join("\n"));
      }
      await t.step("no output prints the token secret or a certificate key", () => {
        assert(outputs.length >= 9, outputs.map((o) => o.what).join(", "));
        for (const o of outputs) {
          for (const s of [TOKEN_SECRET, certKey, wrongKey]) {
            assert(!o.text.includes(s), `${o.what} printed a secret`);
          }
        }
      });
      console.log(`join e2e: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    } finally {
      for (const p of pods.reverse()) await p.stop().catch(() => {});
      for (const h of hosts.reverse()) await h.destroy().catch(() => {});
    }
  },
});
