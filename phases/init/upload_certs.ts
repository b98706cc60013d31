import { NotImplementedError } from "../../lib/errors.ts";
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

function runUploadCerts(_data: InitData): Promise<void> {
  throw new NotImplementedError("kubeadm init phase upload-certs");
}
