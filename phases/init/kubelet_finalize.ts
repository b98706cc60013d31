/**
 * `kubeadm init phase kubelet-finalize` (cmd/phases/init/kubeletfinalize.go): after the TLS
 * bootstrap, kubelet.conf uses the rotating client certificate.
 */
import { examples } from "../../lib/cli.ts";
import { KubestrapError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

const kubeletFinalizeExample = examples(`
  # Updates settings relevant to the kubelet after TLS bootstrap
  kubeadm init phase kubelet-finalize all --config
`);

/** `kubeadm init phase kubelet-finalize` (no run of its own) and its sub-phases. */
export const kubeletFinalizePhase: Phase<InitData> = {
  name: "kubelet-finalize",
  short: "Updates settings relevant to the kubelet after TLS bootstrap",
  example: kubeletFinalizeExample,
  phases: [
    {
      name: "all",
      short: "Run all kubelet-finalize phases",
      inheritFlags: ["config", "cert-dir", "dry-run"],
      example: kubeletFinalizeExample,
      runAllSiblings: true,
    },
    {
      name: "enable-client-cert-rotation",
      short: "Enable kubelet client certificate rotation",
      inheritFlags: ["config", "cert-dir", "dry-run"],
      run: runEnableClientCertRotation,
    },
  ],
};

/**
 * Points kubelet.conf at the rotating client certificate the kubelet wrote
 * (kubelet-client-current.pem) and restarts the kubelet.
 */
async function runEnableClientCertRotation(data: InitData): Promise<void> {
  let pkiPath = `${data.kubeletDir}/pki`;
  const arg = [...(data.cfg.init.nodeRegistration.kubeletExtraArgs ?? [])].reverse()
    .find((a) => a.name === "cert-dir");
  if (arg) pkiPath = arg.value;
  const pemPath = `${pkiPath.replace(/\/+$/, "")}/kubelet-client-current.pem`;
  if (!(await data.host.exists(pemPath))) return; // kubeadm: V(1) log only
  const kubeconfigPath = "/etc/kubernetes/kubelet.conf";
  data.out(
    `[kubelet-finalize] Updating "${kubeconfigPath}" to point to a rotatable kubelet client certificate and key`,
  );
  if (data.dryRun) return;
  const { parseKubeConfig, serializeKubeConfig } = await import(
    "../../lib/kubeconfig/kubeconfig.ts"
  );
  const text = await data.host.readText(kubeconfigPath);
  if (text === undefined) {
    throw new KubestrapError(
      `could not load "${kubeconfigPath}": open ${kubeconfigPath}: no such file or directory`,
    );
  }
  const kc = parseKubeConfig(text);
  if (!kc.currentContext) {
    throw new KubestrapError(`the file "${kubeconfigPath}" does not have current context set`);
  }
  const ctx = kc.contexts[kc.currentContext];
  if (!ctx) {
    throw new KubestrapError(
      `the file "${kubeconfigPath}" is not a valid kubeconfig: "${kc.currentContext}" set as current-context, but not found in context list`,
    );
  }
  if (!ctx.user) {
    throw new KubestrapError(
      `the file "${kubeconfigPath}" is not a valid kubeconfig: empty username for current context`,
    );
  }
  const user = kc.users[ctx.user];
  if (!user) {
    throw new KubestrapError(
      `the file "${kubeconfigPath}" does not contain authentication for user "${data.cfg.init.nodeRegistration.name}"`,
    );
  }
  delete user["client-certificate-data"];
  delete user["client-key-data"];
  user["client-certificate"] = pemPath;
  user["client-key"] = pemPath;
  await data.host.writeFile(kubeconfigPath, serializeKubeConfig(kc), { mode: 0o600 });
  // TryRestartKubelet: warnings only.
  const { detectInitSystem } = await import("../../lib/kubelet/mod.ts");
  const { initSystem } = await detectInitSystem(data.systemHost);
  if (!initSystem) {
    data.out(
      "[kubelet-start] No supported init system detected, won't make sure the kubelet not running for a short period of time while setting up configuration for it.",
    );
    return;
  }
  if (!(await initSystem.serviceExists("kubelet"))) {
    data.out(
      "[kubelet-start] Couldn't detect a kubelet service, can't make sure the kubelet not running for a short period of time while setting up configuration for it.",
    );
  }
  try {
    await initSystem.serviceRestart("kubelet");
  } catch (e) {
    data.warn(
      `[kubelet-start] WARNING: unable to restart the kubelet service momentarily: [${
        (e as Error).message
      }]`,
    );
  }
}
