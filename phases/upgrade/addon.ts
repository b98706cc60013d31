import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { UpgradeData } from "./data.ts";

function addonPhaseFlags(name: string): string[] {
  const flags = ["config", "kubeconfig", "dry-run"];
  if (name === "all" || name === "coredns" || name === "kube-proxy") flags.push("patches");
  return flags;
}

/** The `addon` phase shared by `upgrade node` and `upgrade apply`. */
export function addonPhase<D extends UpgradeData>(workflow: string): Phase<D> {
  return {
    name: "addon",
    short: "Upgrade the default kubeadm addons",
    phases: [
      {
        name: "all",
        short: "Upgrade all the addons",
        inheritFlags: addonPhaseFlags("all"),
        runAllSiblings: true,
      },
      {
        name: "coredns",
        short: "Upgrade the CoreDNS addon",
        inheritFlags: addonPhaseFlags("coredns"),
        run: (data) => runCoreDNSAddon(data, workflow),
      },
      {
        name: "kube-proxy",
        short: "Upgrade the kube-proxy addon",
        inheritFlags: addonPhaseFlags("kube-proxy"),
        run: (data) => runKubeProxyAddon(data, workflow),
      },
    ],
  };
}

function runCoreDNSAddon(_data: UpgradeData, workflow: string): Promise<void> {
  throw new NotImplementedError(`${workflow} phase addon coredns`);
}

function runKubeProxyAddon(_data: UpgradeData, workflow: string): Promise<void> {
  throw new NotImplementedError(`${workflow} phase addon kube-proxy`);
}
