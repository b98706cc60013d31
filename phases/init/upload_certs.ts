/**
 * `kubeadm init phase upload-certs` (cmd/phases/init/uploadcerts.go): the control-plane
 * certificates, encrypted with the certificate key, to the kubeadm-certs Secret.
 */
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase upload-certs`. */
export const uploadCertsPhase: Phase<InitData> = {
  name: "upload-certs",
  writes: "api",
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
  if (!data.uploadCerts) {
    data.out("[upload-certs] Skipping phase. Please see --upload-certs");
    return;
  }
  const client = await data.client();
  const { createCertificateKey, uploadCerts } = await import(
    "../../lib/apiobjects/copycerts.ts"
  );
  const { apiPhaseError } = await import("../../lib/apiobjects/client.ts");
  if (!data.certificateKey) data.certificateKey = createCertificateKey();
  const ext = data.cfg.cluster.etcd.external;
  const input = {
    certificatesDir: data.host.resolve(data.certificatesDir),
    externalEtcd: ext
      ? {
        caFile: ext.caFile ? data.host.resolve(ext.caFile) : "",
        certFile: ext.certFile ? data.host.resolve(ext.certFile) : "",
        keyFile: ext.keyFile ? data.host.resolve(ext.keyFile) : "",
      }
      : undefined,
  };
  const timeoutMs = data.timeouts.kubernetesAPICallMs;
  try {
    await uploadCerts(client, input, data.certificateKey, data.out, { timeoutMs });
  } catch (e) {
    throw apiPhaseError("error uploading certs", e, timeoutMs);
  }
  printCertificateKey(data);
}

/**
 * upload-certs' last lines (`[upload-certs] Using certificate key:` and the key); also printed
 * by `init --resume` when it skips a completed upload-certs, so that the key of the uploaded
 * Secret is shown (the control-plane join command carries it only with a controlPlaneEndpoint).
 */
export function printCertificateKey(data: InitData): void {
  if (!data.uploadCerts || !data.certificateKey || data.skipCertificateKeyPrint) return;
  data.io.stdout(`[upload-certs] Using certificate key:\n${data.certificateKey}\n`);
}
