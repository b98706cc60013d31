/**
 * Certificate renewal on a real one-node control plane (beyond kubeadm): `kubestrap init` with a
 * short `certificateValidityPeriod` (2h) in the v1beta4 ClusterConfiguration, then
 * `kubestrap certs renew all --if-expiring-within 3h` renews every certificate and restarts
 * etcd, kube-apiserver, kube-controller-manager and kube-scheduler one at a time. Checked: the
 * API server then serves the new certificate over TLS (serial and notAfter of the file on disk,
 * not the old ones); a `kubectl get --watch` started before the renewal sees an object created
 * after it (kubectl ends its watch when the API server restarts: a shell loop starts it again,
 * as a client would reconnect; the gap is logged); every control-plane mirror Pod is ready;
 * `certs check` passes on the node afterwards.
 */
import { assert, assertEquals, assertNotEquals, assertStringIncludes } from "../assert.ts";
import { testbed, waitFor } from "../harness/mod.ts";
import {
  allowCoreDnsPort53,
  createNode,
  initConfig,
  waitNodeReady,
  waitPodsReady,
} from "./cluster.ts";
import { E2E_IGNORE, logDir } from "./scenarios.ts";
import { runTool, toolError } from "./tools.ts";

const ignore = E2E_IGNORE;

const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];

Deno.test({
  name:
    "e2e: cert renewal: short-lived certificates renewed with --if-expiring-within, components restarted one at a time, the watch goes on",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const logs = await logDir("cert-renewal");
  const node = await createNode("cp", {
    addr: "10.210.31.11/24",
    network: "e2e-renew",
    podCidr: "10.211.31.0/24",
  });
  try {
    const config = `${node.host.root}/e2e.yaml`;
    await Deno.writeTextFile(config, initConfig(node, { certificateValidityPeriod: "2h0m0s" }));
    await Deno.copyFile(config, `${logs}/e2e.yaml`);
    const kubelet = node.startKubelet();
    const init = await runTool(node, "kubestrap", ["init", "--config", config], {
      logTo: `${logs}/init.log`,
    });
    if (init.code !== 0) {
      await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
      throw toolError(init, `logs in ${logs}`);
    }
    await allowCoreDnsPort53(node);
    await waitNodeReady(node, "cp", 180_000);
    for (const c of COMPONENTS) await waitPodsReady(node, `component=${c}`, 1, 180_000);

    /** The API server's certificate as it serves it: serial and notAfter (openssl). */
    const served = async () => {
      const r = await node.host.exec(
        `openssl s_client -connect ${node.ip}:6443 -servername kubernetes </dev/null 2>/dev/null` +
          " | openssl x509 -noout -serial -enddate",
        { allowFailure: true },
      );
      return r.stdout.trim();
    };
    const onDisk = async () =>
      (await node.host.exec(
        "openssl x509 -noout -serial -enddate -in /etc/kubernetes/pki/apiserver.crt",
      )).stdout.trim();
    const before = await served();
    assertEquals(before, await onDisk());
    // Two hours (check-expiration prints "119m"): the certificate ends within the 3h window.
    const check0 = await runTool(node, "kubestrap", [
      "certs",
      "check-expiration",
      "--config",
      config,
    ], { logTo: `${logs}/check-expiration.log` });
    assertEquals(check0.code, 0, check0.stdout + check0.stderr);
    assertStringIncludes(check0.stdout, "apiserver ");
    assert(
      /apiserver\s+\S+ \d\d, \d{4} \d\d:\d\d UTC\s+1[01]\dm\s/.test(check0.stdout),
      check0.stdout,
    );

    // kubespray's renewal check (roles/kubernetes/control-plane: certs check-expiration with a
    // jsonpath filter on residualTime, renewing when it selects anything) on this cluster, whose
    // certificates expire soon: both tools select the same certificates, the 2h ones, no CA.
    const kubespray = [
      "certs",
      "check-expiration",
      "-o",
      `jsonpath={.certificates[?(@.residualTime<${30 * 24 * 3600}.0)]}`,
    ];
    const names = (out: string) => [...out.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]).sort();
    const ksSel = await runTool(node, "kubestrap", kubespray, {
      logTo: `${logs}/kubespray-check-kubestrap.log`,
    });
    const kaSel = await runTool(node, "kubeadm", kubespray, {
      logTo: `${logs}/kubespray-check-kubeadm.log`,
    });
    assertEquals([ksSel.code, kaSel.code], [0, 0], ksSel.stderr + kaSel.stderr);
    assertEquals(names(ksSel.stdout), names(kaSel.stdout));
    assert(names(ksSel.stdout).includes("apiserver"), ksSel.stdout);
    assert(!names(ksSel.stdout).some((n) => n.endsWith("ca")), ksSel.stdout);

    // A watch started before the renewal, restarted by a shell loop when kubectl ends it.
    const watch = node.host.spawn("kubectl-watch", [
      "sh",
      "-c",
      `n=0; while :; do n=$((n+1)); echo "WATCH-START $n $(date +%s.%N)"; ` +
      `${testbed.path("kubectl")} --kubeconfig=/etc/kubernetes/admin.conf get configmaps ` +
      `-n default --watch -o name; echo "WATCH-END $n $? $(date +%s.%N)"; sleep 0.2; done`,
    ]);
    try {
      await node.kubectl(["create", "configmap", "before-renewal", "-n", "default"]);
      await waitFor(
        "the watch sees before-renewal",
        () => watch.log().includes("configmap/before-renewal"),
        { timeoutMs: 60_000 },
      );

      const renew = await runTool(node, "kubestrap", [
        "certs",
        "renew",
        "all",
        "--config",
        config,
        "--if-expiring-within",
        "3h",
        "--v=5",
      ], { logTo: `${logs}/renew.log` });
      if (renew.code !== 0) {
        await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
        throw toolError(renew, `logs in ${logs}`);
      }
      const out = renew.stdout.split("\n");
      assert(out.includes("certificate for serving the Kubernetes API renewed"), renew.stdout);
      assert(out.includes("[renew] Renewed 11, left 0 (valid beyond the window)"), renew.stdout);
      // One at a time, in order, each healthy before the next.
      const order = out.filter((l) => /^\[renew\] (Restarting|.* is healthy again)/.test(l));
      assertEquals(
        order,
        COMPONENTS.flatMap((c) => [
          `[renew] Restarting ${c} to load its renewed certificates`,
          `[renew] ${c} is healthy again`,
        ]),
      );

      // The API server serves the renewed certificate.
      const after = await served();
      assertEquals(after, await onDisk());
      assertNotEquals(after.split("\n")[0], before.split("\n")[0], "serial");
      assertNotEquals(after.split("\n")[1], before.split("\n")[1], "notAfter");

      // The watch goes on (or was started again by the loop) and sees what comes after.
      await waitFor(
        "the API server answers",
        async () =>
          (await node.kubectl(["create", "configmap", "after-renewal", "-n", "default"], {
            allowFailure: true,
          })).code === 0,
        { timeoutMs: 60_000 },
      );
      await waitFor(
        "the watch sees after-renewal",
        () => watch.log().includes("configmap/after-renewal"),
        { timeoutMs: 60_000 },
      );
      const starts = watch.log().split("\n").filter((l) => l.startsWith("WATCH-"));
      console.log(`watch: ${starts.join(" | ")}`);
      await Deno.writeTextFile(`${logs}/watch.log`, watch.log());
    } finally {
      await watch.stop(2_000);
    }

    for (const c of COMPONENTS) await waitPodsReady(node, `component=${c}`, 1, 60_000);
    const check = await runTool(node, "kubestrap", ["certs", "check", "--config", config], {
      logTo: `${logs}/check.log`,
    });
    assertEquals(check.code, 0, check.stdout + check.stderr);
    await Deno.writeTextFile(`${logs}/kubelet.log`, kubelet.log());
  } finally {
    await node.destroy();
  }
});
