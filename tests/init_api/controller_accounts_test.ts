/**
 * wait-control-plane creates kube-controller-manager's controller ServiceAccounts as soon as the
 * API server is healthy (beyond kubeadm, lib/apiobjects/controlleraccounts.ts), against the test
 * bed's real etcd, kube-apiserver and then kube-controller-manager, run from kubestrap's own
 * manifests in a namespace host:
 * - with only etcd and the API server up, the phase creates exactly the 40 ServiceAccounts, with
 *   nothing but a name and a namespace (what the controller-manager itself creates);
 * - then the real controller-manager starts, finds them, creates no other (only the "default"
 *   ServiceAccount its serviceaccount controller makes in every namespace) and replaces none:
 *   the list is exactly what kube-controller-manager v1.37 uses with kubeadm's flags;
 * - a rerun of the phase creates nothing and says nothing about them;
 * - when the API server refuses them (a ValidatingAdmissionPolicy), the phase warns and succeeds.
 */
import { waitFor } from "../harness/mod.ts";
import { assert, assertEquals } from "../assert.ts";
import { CONTROLLER_ACCOUNTS_V1_37 } from "../../lib/apiobjects/controlleraccounts.ts";
import { type KubeObj, NODE_LOCAL_SKIP, SKIP, startCluster } from "./common.ts";

if (SKIP) console.log(`controller_accounts_test: ignored: ${SKIP}`);

const ADDR = "192.168.93.10";
/** Everything but wait-control-plane. */
const SKIP_PHASES = [
  NODE_LOCAL_SKIP,
  "upload-config,upload-certs,mark-control-plane,bootstrap-token,kubelet-finalize,addon",
  "show-join-command",
].join(",");
const CREATED_LINE =
  `[control-plane-check] Created the ServiceAccounts of kube-controller-manager's controllers (40 in "kube-system") so that it starts them sooner`;

Deno.test({
  name: "wait-control-plane creates the controller-manager's ServiceAccounts, which it then uses",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using c = await startCluster("ctlsa", ADDR, { node: "ks-ctlsa", start: false });
    c.start("etcd");
    c.start("kube-apiserver");
    await c.waitReady();

    const accounts = async (): Promise<KubeObj[]> =>
      (await c.getJSON(["-n", "kube-system", "serviceaccounts", "--show-managed-fields"])).items;
    const phase = c.kubestrap(["init", `--skip-phases=${SKIP_PHASES}`, "--config", c.config]);
    // The phase waits for the controller-manager and the scheduler, which are not running yet.
    await waitFor("the controller ServiceAccounts", async () => {
      return (await accounts()).length >= CONTROLLER_ACCOUNTS_V1_37.length;
    }, {
      timeoutMs: 60_000,
      intervalMs: 250,
      describe: () => "(the phase is still waiting, or failed: see its output below)",
    }).catch(async (e) => {
      const r = await phase;
      throw new Error(`${e.message}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    });
    const before = await accounts();
    assertEquals(before.map((o) => o.metadata.name), [...CONTROLLER_ACCOUNTS_V1_37]);
    for (const o of before) {
      const { uid, resourceVersion, creationTimestamp, ...rest } = o.metadata;
      assert(uid && resourceVersion && creationTimestamp, JSON.stringify(o));
      assertEquals(
        { ...o, metadata: rest },
        {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: o.metadata.name, namespace: "kube-system" },
        },
      );
    }

    c.start("kube-controller-manager");
    c.start("kube-scheduler");
    const r = await phase;
    assertEquals(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    const out = r.stdout.split("\n");
    const healthy = out.findIndex((l) =>
      l.startsWith("[control-plane-check] kube-apiserver is healthy after ")
    );
    assert(healthy >= 0 && out.indexOf(CREATED_LINE) > healthy, r.stdout);
    assert(!r.stderr.includes("could not create"), r.stderr);

    // The controllers run (root-ca-cert-publisher publishes the CA into kube-system) only after
    // the controller-manager has made the clients of them all; then every ServiceAccount it
    // wanted exists, and the serviceaccount controller adds "default".
    await waitFor("the controller-manager's controllers", async () => {
      const cm = await c.kubectl(["-n", "kube-system", "get", "configmap", "kube-root-ca.crt"]);
      const sa = await c.kubectl(["-n", "kube-system", "get", "serviceaccount", "default"]);
      return cm.code === 0 && sa.code === 0;
    }, {
      timeoutMs: 120_000,
      intervalMs: 500,
      describe: () => c.pods["kube-controller-manager"]?.proc.log().slice(-3000) ?? "",
    });
    const after = await accounts();
    assertEquals(
      after.map((o) => o.metadata.name),
      [...CONTROLLER_ACCOUNTS_V1_37, "default"].sort(),
    );
    const uids = new Map(before.map((o) => [o.metadata.name, o.metadata.uid]));
    for (const o of after) {
      if (o.metadata.name !== "default") assertEquals(o.metadata.uid, uids.get(o.metadata.name));
    }

    const again = await c.kubestrap(["init", `--skip-phases=${SKIP_PHASES}`, "--config", c.config]);
    assertEquals(again.code, 0, again.stderr);
    assert(!again.stdout.includes("ServiceAccounts"), again.stdout);

    // Refused by the API server: a warning, and the phase still succeeds.
    const policy = `${c.dir}/deny-sa.yaml`;
    await Deno.writeTextFile(policy, DENY_SERVICEACCOUNTS);
    await c.host.exec(["mkdir", "-p", "/etc/kubernetes/tmp"]);
    await Deno.copyFile(policy, c.host.path("/etc/kubernetes/tmp/deny-sa.yaml"));
    const applied = await c.kubectl(["apply", "-f", "/etc/kubernetes/tmp/deny-sa.yaml"]);
    assertEquals(applied.code, 0, applied.stderr);
    await waitFor("the policy to deny ServiceAccounts", async () => {
      const r = await c.kubectl([
        "-n",
        "default",
        "create",
        "serviceaccount",
        "policy-probe",
        "--dry-run=server",
      ]);
      return r.code !== 0 && r.stderr.includes("no ServiceAccounts here");
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const denied = await c.kubestrap([
      "init",
      `--skip-phases=${SKIP_PHASES}`,
      "--config",
      c.config,
    ]);
    assertEquals(denied.code, 0, denied.stdout + denied.stderr);
    assert(!denied.stdout.includes("Created the ServiceAccounts"), denied.stdout);
    const warning = denied.stderr.split("\n").find((l) =>
      l.startsWith(
        "W [control-plane-check] could not create the ServiceAccounts of kube-controller-manager's controllers ahead of it (it creates them itself): ",
      )
    );
    assert(warning?.includes("no ServiceAccounts here"), denied.stderr);
  },
});

/** Refuses every ServiceAccount creation (a fault the real API server can be told to make). */
const DENY_SERVICEACCOUNTS = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: deny-serviceaccounts
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["serviceaccounts"]
  validations:
  - expression: "false"
    message: no ServiceAccounts here
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: deny-serviceaccounts
spec:
  policyName: deny-serviceaccounts
  validationActions: [Deny]
`;
