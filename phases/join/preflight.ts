import { examples } from "../../lib/cli.ts";
import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

/** `kubeadm join phase preflight [api-server-endpoint]`. */
export const preflightPhase: Phase<JoinData> = {
  name: "preflight [api-server-endpoint]",
  short: "Run join pre-flight checks",
  long: "Run pre-flight checks for kubeadm join.",
  example: examples(`
    # Run join pre-flight checks using a config file.
    kubeadm join phase preflight --config kubeadm-config.yaml
  `),
  run: runPreflight,
  inheritFlags: [
    "config",
    "ignore-preflight-errors",
    "tls-bootstrap-token",
    "token",
    "control-plane",
    "apiserver-advertise-address",
    "apiserver-bind-port",
    "cri-socket",
    "node-name",
    "discovery-file",
    "discovery-token",
    "discovery-token-ca-cert-hash",
    "discovery-token-unsafe-skip-ca-verification",
    "certificate-key",
    "dry-run",
  ],
};

function runPreflight(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase preflight");
}
