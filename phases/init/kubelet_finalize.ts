import { examples } from "../../lib/cli.ts";
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

async function runEnableClientCertRotation(data: InitData): Promise<void> {
  const { enableClientCertRotation } = await import("./api_phases.ts");
  await enableClientCertRotation(data);
}
