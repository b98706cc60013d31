/**
 * `kubeadm init phase addon` (cmd/phases/init/addons.go): CoreDNS and kube-proxy, unless
 * disabled, through lib/apiobjects/addons/ensure.ts (which upgrade apply shares).
 */
import { type FlagSpec, longDesc } from "../../lib/cli.ts";
import { klogLine } from "../../lib/util/klog.ts";
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
const printManifestFlag: FlagSpec = {
  name: "print-manifest",
  type: "bool",
  default: false,
  usage: "Print the addon manifests to STDOUT instead of installing them",
};

/** `kubeadm init phase addon` (no run of its own) and its sub-phases. */
export const addonPhase: Phase<InitData> = {
  name: "addon",
  writes: "api",
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

/** The addons' options: `--patches`, `--print-manifest`, the output and the API budget. */
function addonOptions(data: InitData) {
  return {
    patchesDir: data.patchesDir,
    printManifest: data.printManifest,
    out: (s: string) => data.io.stdout(s),
    poll: { timeoutMs: data.timeouts.kubernetesAPICallMs },
    warn: (at: string, msg: string) => data.io.stderr(klogLine("W", at, msg) + "\n"),
  };
}

async function runCoreDNSAddon(data: InitData): Promise<void> {
  if (data.cfg.cluster.dns?.disabled) return; // kubeadm skips the phase
  const { ensureDNSAddon } = await import("../../lib/apiobjects/addons/ensure.ts");
  const { apiPhaseError } = await import("../../lib/apiobjects/client.ts");
  try {
    await ensureDNSAddon(data.cfg.cluster, () => data.client(), addonOptions(data));
  } catch (e) {
    throw apiPhaseError("", e, data.timeouts.kubernetesAPICallMs);
  }
}

async function runKubeProxyAddon(data: InitData): Promise<void> {
  if (data.cfg.cluster.proxy?.disabled) return; // kubeadm skips the phase
  const { ensureProxyAddon } = await import("../../lib/apiobjects/addons/ensure.ts");
  const { apiPhaseError } = await import("../../lib/apiobjects/client.ts");
  const config = {
    cluster: data.cfg.cluster,
    localAPIEndpoint: data.cfg.init.localAPIEndpoint,
    kubeProxy: (data.cfg.componentConfigs.kubeProxy ?? {}) as Record<string, unknown>,
    userSupplied: await data.userSupplied("kubeproxy.config.k8s.io"),
  };
  try {
    await ensureProxyAddon(config, () => data.client(), addonOptions(data));
  } catch (e) {
    throw apiPhaseError("", e, data.timeouts.kubernetesAPICallMs);
  }
}
