import { type FlagSpec, longDesc } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

function addonPhaseFlags(name: string): string[] {
  const flags = ["config", "kubeconfig", "kubernetes-version", "image-repository", "dry-run"];
  if (name === "all" || name === "kube-proxy") {
    flags.push(
      "apiserver-advertise-address",
      "control-plane-endpoint",
      "apiserver-bind-port",
      "pod-network-cidr",
    );
  }
  if (name === "all" || name === "coredns") {
    flags.push("feature-gates", "service-dns-domain", "service-cidr");
  }
  return flags;
}

/** `--print-manifest`, local to the coredns and kube-proxy sub-phases. */
export const printManifestFlag: FlagSpec = {
  name: "print-manifest",
  type: "bool",
  default: false,
  usage: "Print the addon manifests to STDOUT instead of installing them",
};

/** `kubeadm init phase addon` (no run of its own) and its sub-phases. */
export const addonPhase: Phase<InitData> = {
  name: "addon",
  short: "Install required addons for passing conformance tests",
  phases: [
    {
      name: "all",
      short: "Install all the addons",
      inheritFlags: addonPhaseFlags("all"),
      runAllSiblings: true,
    },
    {
      name: "coredns",
      short: "Install the CoreDNS addon to a Kubernetes cluster",
      long: longDesc(`
        Install the CoreDNS addon components via the API server.
        Please note that although the DNS server is deployed, it will not be scheduled until CNI is installed.
      `),
      inheritFlags: addonPhaseFlags("coredns"),
      run: runCoreDNSAddon,
      localFlags: [printManifestFlag],
    },
    {
      name: "kube-proxy",
      short: "Install the kube-proxy addon to a Kubernetes cluster",
      long: longDesc(`
        Install the kube-proxy addon components via the API server.
      `),
      inheritFlags: addonPhaseFlags("kube-proxy"),
      run: runKubeProxyAddon,
      localFlags: [printManifestFlag],
    },
  ],
};

async function runCoreDNSAddon(data: InitData): Promise<void> {
  const { coreDNSAddon } = await import("./api_phases.ts");
  await coreDNSAddon(data);
}

async function runKubeProxyAddon(data: InitData): Promise<void> {
  const { kubeProxyAddon } = await import("./api_phases.ts");
  await kubeProxyAddon(data);
}
