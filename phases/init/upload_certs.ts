import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase upload-certs`. */
export const uploadCertsPhase: Phase<InitData> = {
  name: "upload-certs",
  short: "Upload certificates to kubeadm-certs",
  long: "Upload control plane certificates to the kubeadm-certs Secret",
  run: runUploadCerts,
  inheritFlags: [
    "config",
    "kubeconfig",
    "upload-certs",
    "certificate-key",
    "skip-certificate-key-print",
    "dry-run",
  ],
};

async function runUploadCerts(data: InitData): Promise<void> {
  const { uploadCertsPhaseRun } = await import("./api_phases.ts");
  await uploadCertsPhaseRun(data);
}
