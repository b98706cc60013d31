import { examples } from "../../lib/cli.ts";
import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

const discoveryFlags = [
  "discovery-file",
  "discovery-token",
  "discovery-token-ca-cert-hash",
  "discovery-token-unsafe-skip-ca-verification",
  "tls-bootstrap-token",
  "token",
];

function controlPlanePreparePhaseFlags(name: string): string[] {
  switch (name) {
    case "all":
      return [
        "apiserver-advertise-address",
        "apiserver-bind-port",
        "config",
        "control-plane",
        "node-name",
        ...discoveryFlags,
        "certificate-key",
        "patches",
        "dry-run",
      ];
    case "download-certs":
    case "kubeconfig":
      return ["config", "control-plane", ...discoveryFlags, "certificate-key", "dry-run"];
    case "certs":
      return [
        "apiserver-advertise-address",
        "config",
        "control-plane",
        "node-name",
        ...discoveryFlags,
        "dry-run",
      ];
    case "control-plane":
      return [
        "apiserver-advertise-address",
        "apiserver-bind-port",
        "config",
        "control-plane",
        "patches",
        "dry-run",
      ];
    default:
      return [];
  }
}

/** `kubeadm join phase control-plane-prepare` (no run of its own) and its sub-phases. */
export const controlPlanePreparePhase: Phase<JoinData> = {
  name: "control-plane-prepare",
  short: "Prepare the machine for serving a control plane",
  example: examples(`
    # Prepares the machine for serving a control plane
    kubeadm join phase control-plane-prepare all
  `),
  phases: [
    {
      name: "all [api-server-endpoint]",
      short: "Prepare the machine for serving a control plane",
      inheritFlags: controlPlanePreparePhaseFlags("all"),
      runAllSiblings: true,
    },
    {
      name: "download-certs [api-server-endpoint]",
      short: "Download certificates shared among control-plane nodes from the kubeadm-certs Secret",
      run: runDownloadCerts,
      inheritFlags: controlPlanePreparePhaseFlags("download-certs"),
    },
    {
      name: "certs [api-server-endpoint]",
      short: "Generate the certificates for the new control plane components",
      run: runCerts,
      inheritFlags: controlPlanePreparePhaseFlags("certs"),
    },
    {
      name: "kubeconfig [api-server-endpoint]",
      short: "Generate the kubeconfig for the new control plane components",
      run: runKubeconfig,
      inheritFlags: controlPlanePreparePhaseFlags("kubeconfig"),
    },
    {
      name: "control-plane",
      short: "Generate the manifests for the new control plane components",
      run: runControlPlane,
      inheritFlags: controlPlanePreparePhaseFlags("control-plane"),
      args: { kind: "none" },
    },
  ],
};

function runDownloadCerts(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase control-plane-prepare download-certs");
}

function runCerts(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase control-plane-prepare certs");
}

function runKubeconfig(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase control-plane-prepare kubeconfig");
}

function runControlPlane(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase control-plane-prepare control-plane");
}
