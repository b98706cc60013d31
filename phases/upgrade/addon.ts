/**
 * The `addon` phase of `upgrade apply` and `upgrade node` (kubeadm's cmd/phases/upgrade/
 * addons.go): CoreDNS and kube-proxy for the new version, on a control-plane node, once every
 * control-plane instance runs the new API server (lib/apiobjects/addons/ensure.ts, shared
 * with init).
 */
import { KubestrapError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { UpgradeData } from "./data.ts";

function addonPhaseFlags(name: string): string[] {
  const flags = ["config", "kubeconfig", "dry-run"];
  if (name === "all" || name === "coredns" || name === "kube-proxy") flags.push("patches");
  return flags;
}

/** The `addon` phase shared by `upgrade node` and `upgrade apply`. */
export function addonPhase<D extends UpgradeData>(_workflow: string): Phase<D> {
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
        run: runCoreDNSAddon,
      },
      {
        name: "kube-proxy",
        short: "Upgrade the kube-proxy addon",
        inheritFlags: addonPhaseFlags("kube-proxy"),
        run: runKubeProxyAddon,
      },
    ],
  };
}

/** shouldUpgradeAddons: false (with kubeadm's line) while other instances run the old one. */
async function shouldUpgradeAddons(d: UpgradeData): Promise<boolean> {
  const { unupgradedControlPlaneInstances } = await import("../../lib/upgrade/postupgrade.ts");
  let left: string[];
  try {
    left = await unupgradedControlPlaneInstances(d.client, d.init.init.nodeRegistration.name ?? "");
  } catch (e) {
    throw new KubestrapError(
      `failed to determine whether all the control plane instances have been upgraded: ${
        (e as Error).message
      }`,
    );
  }
  if (left.length > 0) {
    d.out(
      `[upgrade/addon] Skipping upgrade of addons because control plane instances [${
        left.join(" ")
      }] have not been upgraded`,
    );
    return false;
  }
  return true;
}

/** In dry-run kubeadm prints the addons' manifests (EnsureDNSAddon's printManifest = dryRun). */
function addonOptions(d: UpgradeData) {
  return {
    patchesDir: d.patchesDir,
    printManifest: d.dryRun,
    out: (s: string) => d.write(s),
    poll: { timeoutMs: d.apiCallTimeoutMs },
    warn: (at: string, msg: string) => d.warn(at, msg),
  };
}

async function runCoreDNSAddon(d: UpgradeData): Promise<void> {
  const { ensureDNSAddon } = await import("../../lib/apiobjects/addons/ensure.ts");
  const skip = "[upgrade/addon] Skipping the addon/coredns phase.";
  if (!d.isControlPlaneNode) return d.out(`${skip} Not a control plane node.`);
  if (d.init.cluster.dns?.disabled) return d.out(`${skip} The addon is disabled.`);
  if (!(await shouldUpgradeAddons(d))) return;
  await ensureDNSAddon(d.init.cluster, () => Promise.resolve(d.client), addonOptions(d));
}

async function runKubeProxyAddon(d: UpgradeData): Promise<void> {
  const { ensureProxyAddon } = await import("../../lib/apiobjects/addons/ensure.ts");
  const skip = "[upgrade/addon] Skipping the addon/kube-proxy phase.";
  if (!d.isControlPlaneNode) return d.out(`${skip} Not a control plane node.`);
  if (d.init.cluster.proxy?.disabled) return d.out(`${skip} The addon is disabled.`);
  if (!(await shouldUpgradeAddons(d))) return;
  await ensureProxyAddon(
    {
      cluster: d.init.cluster,
      localAPIEndpoint: d.init.init.localAPIEndpoint,
      kubeProxy: d.init.componentConfigs.kubeProxy,
      userSupplied: d.init.userSupplied?.kubeProxy ?? false,
    },
    () => Promise.resolve(d.client),
    addonOptions(d),
  );
}
