/**
 * One namespace host, the whole way: `init --config` (kubelet supervised as systemd would),
 * static pods under containerd, node Ready, kube-proxy and CoreDNS running, a busybox pod
 * resolving kubernetes.default and an in-cluster client reaching the API server through the
 * Service IP, then `reset` and a check of what is left. The real kubeadm is the control case.
 */
import { assert, assertEquals } from "../assert.ts";
import { assertKubeletChecked, describeResult, E2E_IGNORE, oneHost } from "./scenarios.ts";

// Whole clusters: run by scripts/e2e.ts (KUBESTRAP_E2E=1), not by the unit/integration run.
const ignore = E2E_IGNORE;

/** What both tools leave on purpose: kubeadm empties these directories but keeps them. */
const KEPT_DIRS = ["file /etc/kubernetes/manifests", "file /etc/kubernetes/pki"];
/** The bridge plugin's bridge and host-local's (empty) bookkeeping: the CNI plugin's, not ours. */
const CNI_PLUGIN_STATE =
  /^(link cni0|file \/var\/lib\/cni\/(networks|results)(\/e2e(\/(lock|last_reserved_ip\.0))?)?)$/;

Deno.test({
  name: "e2e: kubeadm v1.37.2 on one host (control case): init, DNS, Service IP, reset",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const r = await oneHost("kubeadm", { network: "e2e-ka1", subnet: 1 });
  console.log(describeResult(r));
  // kubeadm leaves kube-proxy's rules and the CNI plugin's state by design.
  const unexpected = r.leftovers.filter((l) =>
    !KEPT_DIRS.includes(l) && !CNI_PLUGIN_STATE.test(l) && !l.startsWith("iptables chain ")
  );
  assertEquals(unexpected, []);
});

Deno.test({
  name: "e2e: kubestrap (bundle) on one host: init, DNS, Service IP, reset --cleanup-network",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const r = await oneHost("kubestrap", { network: "e2e-ks1", subnet: 2 });
  console.log(describeResult(r));
  assert(r.init.stdout.includes("Your Kubernetes control-plane has initialized successfully"));
  // The supervisor starts the kubelet a moment after kubelet-start: waited for as kubeadm does.
  assertKubeletChecked(r.init.stdout);
  // 40 in all; the controller-manager may have made some itself first (on a loaded machine).
  const sa =
    /^\[control-plane-check\] Created the ServiceAccounts of kube-controller-manager's controllers \((\d+) in "kube-system"(?:, (\d+) existed)?\) so that it starts them sooner$/m
      .exec(r.init.stdout);
  assert(sa && Number(sa[1]) + Number(sa[2] ?? 0) === 40, r.init.stdout);
  // No files, mounts, containers, pods, pod network namespaces or iptables chains are left.
  const unexpected = r.leftovers.filter((l) => !KEPT_DIRS.includes(l) && !CNI_PLUGIN_STATE.test(l));
  assertEquals(unexpected, []);
});
