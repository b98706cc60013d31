import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

/** `kubeadm join phase kubelet-start [api-server-endpoint]`. */
export const kubeletStartPhase: Phase<JoinData> = {
  name: "kubelet-start [api-server-endpoint]",
  short: "Write kubelet settings, certificates and (re)start the kubelet",
  long: "Write a file with KubeletConfiguration and an environment file with node specific " +
    "kubelet settings, and then (re)start kubelet.",
  run: runKubeletStart,
  inheritFlags: [
    "config",
    "cri-socket",
    "node-name",
    "discovery-file",
    "discovery-token",
    "discovery-token-ca-cert-hash",
    "discovery-token-unsafe-skip-ca-verification",
    "tls-bootstrap-token",
    "token",
    "patches",
    "dry-run",
  ],
};

function runKubeletStart(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase kubelet-start");
}
