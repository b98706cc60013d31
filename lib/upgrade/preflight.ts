/**
 * The node checks of `upgrade apply` and `upgrade node` (kubeadm's preflight.RunUpgradeChecks
 * and RunPullImagesCheck) for a configuration read back from the cluster, and the CoreDNS
 * checks of `upgrade plan` and `upgrade apply` (upgrade.RunCoreDNSMigrationCheck).
 */
import { coreDNSInfo, TARGET_COREDNS_VERSION, trimLeftV } from "../apiobjects/addons/coredns.ts";
import { migrate, noticeString, unsupported } from "../apiobjects/addons/corefile_migration.ts";
import { controlPlaneImages, pauseImage } from "../config/images.ts";
import type { InitConfig } from "../config/types.ts";
import { pullImagesChecks, upgradeChecks } from "../preflight/lists.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Checker, CheckResult } from "../preflight/types.ts";

/** RunUpgradeChecks: system verification and the container runtime's version. */
export function nodeUpgradeChecks(cfg: InitConfig): Checker[] {
  const reg = cfg.init.nodeRegistration;
  return upgradeChecks({
    kubernetesVersion: cfg.cluster.kubernetesVersion ?? "",
    nodeName: reg.name ?? "",
    criSocket: reg.criSocket ?? "",
  });
}

/** RunPullImagesCheck for the configuration's control-plane images. */
export function pullChecks(cfg: InitConfig): Checker[] {
  const reg = cfg.init.nodeRegistration;
  return pullImagesChecks({
    kubernetesVersion: cfg.cluster.kubernetesVersion ?? "",
    nodeName: reg.name ?? "",
    criSocket: reg.criSocket ?? "",
    images: controlPlaneImages(cfg.cluster),
    pauseImage: pauseImage(cfg.cluster),
    imagePullPolicy: reg.imagePullPolicy,
    imagePullSerial: reg.imagePullSerial,
  });
}

/** kubeadm's line before the CoreDNSUnsupportedPlugins error (fmt.Println, always on stdout). */
export const COREDNS_UNSUPPORTED_NOTE =
  "[preflight] The corefile contains plugins that kubeadm/CoreDNS does not know how to migrate. " +
  "Each plugin listed should be manually verified for compatibility with the newer version of CoreDNS. " +
  "Once ready, the upgrade can be initiated by skipping the preflight check. During the upgrade, " +
  "kubeadm will migrate the configuration while leaving the listed plugin configs untouched, " +
  "but cannot guarantee that they will work with the newer version of CoreDNS.";

/**
 * RunCoreDNSMigrationCheck's two checks, each reading the ConfigMap and the deployed version
 * afresh (GetCoreDNSInfo), one after the other as kubeadm runs them:
 * - CoreDNSUnsupportedPlugins: the Corefile's plugins and options corefile-migration does not
 *   know on the way from the deployed CoreDNS to kubeadm's (none when they are the same);
 * - CoreDNSMigration: the Corefile can be migrated ("CoreDNS will not be upgraded: ...").
 * An unknown deployed version (no CoreDNS Deployment at all included) fails both, as in kubeadm.
 */
export function coreDNSMigrationChecks(client: KubeClient): Checker[] {
  let previous: Promise<unknown> = Promise.resolve();
  const inTurn = (f: () => Promise<CheckResult>): Promise<CheckResult> => {
    const p = previous.then(f, f);
    previous = p.catch(() => {});
    return p;
  };
  const failed = (msg: string): CheckResult => ({ warnings: [], errors: [msg] });
  return [
    {
      name: "CoreDNSUnsupportedPlugins",
      expected: `every Corefile plugin can be migrated to CoreDNS ${TARGET_COREDNS_VERSION}`,
      check: () =>
        inTurn(async () => {
          const info = await coreDNSInfo(client);
          const from = trimLeftV(info.version);
          if (from === TARGET_COREDNS_VERSION) return { warnings: [], errors: [] };
          const notices = unsupported(from, TARGET_COREDNS_VERSION, info.corefile);
          if (notices.length === 0) return { warnings: [], errors: [] };
          return {
            warnings: [],
            errors: [
              `CoreDNS cannot migrate the following plugins:\n[${
                notices.map(noticeString).join(" ")
              }]`,
            ],
            stdout: COREDNS_UNSUPPORTED_NOTE,
            observed: `CoreDNS ${info.version}`,
          };
        }).catch((e) => failed((e as Error).message)),
    },
    {
      name: "CoreDNSMigration",
      expected: `the Corefile migrates to CoreDNS ${TARGET_COREDNS_VERSION}`,
      check: () =>
        inTurn(async () => {
          const info = await coreDNSInfo(client);
          try {
            migrate(trimLeftV(info.version), TARGET_COREDNS_VERSION, info.corefile, false);
          } catch (e) {
            return failed(`CoreDNS will not be upgraded: ${(e as Error).message}`);
          }
          return { warnings: [], errors: [] };
        }).catch((e) => failed((e as Error).message)),
    },
  ];
}
