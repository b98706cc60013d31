/**
 * The node-local steps of an upgrade after the control plane (kubeadm's
 * app/phases/upgrade/postupgrade.go): this node's kubelet configuration written from the
 * cluster's (with a backup), the kubelet.conf server moved to the local API endpoint where
 * kubeadm does that, and whether every control-plane instance already runs the new API server
 * (addons wait for the last one).
 */
import * as path from "@std/path";
import type { InitConfig } from "../config/types.ts";
import { controlPlaneEndpointURL } from "../apiobjects/network.ts";
import { printDryRunFiles } from "../dryrun/files.ts";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import type { KubeClient, KubeList } from "../kube/client.ts";
import { currentCluster, parseKubeConfig, serializeKubeConfig } from "../kubeconfig/kubeconfig.ts";
import {
  KUBELET_CONFIG_FILE_NAME,
  KUBELET_INSTANCE_CONFIG_FILE_NAME,
  writeInstanceConfig,
  writeKubeletConfig,
} from "../kubelet/mod.ts";
import { createTimestampDir } from "./staticpods.ts";

export interface PostUpgradeIO {
  out(line: string): void;
  /** A klog warning from kubeadm's source position `at`. */
  warn(at: string, msg: string): void;
}

/**
 * WriteKubeletConfigFiles: backs config.yaml up to <kubernetesDir>/tmp/kubeadm-kubelet-config-
 * <time>, creates a missing instance-config.yaml, writes config.yaml from the cluster's
 * KubeletConfiguration with the `--patches` and the instance config applied. In dry-run nothing
 * is backed up, and `kubernetesDir` and `kubeletDir` are both the run's temporary directory
 * (kubeadm's KubeConfigDir and KubeletDir), where the files are written and then printed.
 */
export async function writeKubeletConfigFiles(
  host: Host,
  cfg: InitConfig,
  opts: {
    kubeletDir: string;
    kubernetesDir: string;
    patchesDir?: string;
    dryRun: boolean;
    io: PostUpgradeIO;
    /** The real kubelet directory (for the dry-run copy of the instance config). */
    realKubeletDir?: string;
  },
): Promise<void> {
  const { io } = opts;
  const backupDir = await createTimestampDir(host, opts.kubernetesDir, "kubeadm-kubelet-config");
  io.warn(
    "postupgrade.go:105",
    `Using temporary directory ${backupDir} for kubelet config. To override it set the environment variable KUBEADM_UPGRADE_DRYRUN_DIR`,
  );
  const realDir = opts.realKubeletDir ?? opts.kubeletDir;
  const src = path.join(realDir, KUBELET_CONFIG_FILE_NAME);
  const dest = path.join(backupDir, KUBELET_CONFIG_FILE_NAME);
  if (!opts.dryRun) {
    io.out(`[upgrade] Backing up kubelet config file to ${dest}`);
    const data = await host.readFile(src);
    if (data === undefined) {
      throw new KubestrapError(
        `error backing up the kubelet config file: open ${src}: no such file or directory`,
      );
    }
    await host.writeFile(dest, data, { mode: 0o644, dirMode: 0o700 });
  } else {
    io.out(`[dryrun] Would back up kubelet config file to ${dest}`);
  }
  // As kubeadm: the instance config is looked for where the kubelet config goes (in dry-run the
  // temporary directory, where it is then created with the node's CRI socket and printed).
  const instance = path.join(opts.kubeletDir, KUBELET_INSTANCE_CONFIG_FILE_NAME);
  if (!(await host.exists(instance))) {
    io.warn(
      "postupgrade.go:128",
      `The kubelet instance configuration file ${instance} was not found. Creating a new one with defaults. Please verify its contents!`,
    );
    try {
      await writeInstanceConfig(host, cfg.init.nodeRegistration.criSocket ?? "", {
        kubeletDir: opts.kubeletDir,
        output: (s) => io.out(s.replace(/\n$/, "")),
      });
    } catch (e) {
      throw new KubestrapError(
        `error writing kubelet instance configuration: ${(e as Error).message}`,
      );
    }
  }
  const printFile = (name: string) =>
    printDryRunFiles(
      host,
      [{ real: path.join(opts.kubeletDir, name), print: path.join(realDir, name) }],
      (t) => io.out(t.replace(/\n$/, "")),
    ).catch((e) => {
      throw new KubestrapError(
        `error printing kubelet configuration file on dryrun: ${(e as Error).message}`,
      );
    });
  if (opts.dryRun) await printFile(KUBELET_INSTANCE_CONFIG_FILE_NAME);
  try {
    await writeKubeletConfig(host, cfg.componentConfigs.kubelet, {
      kubeletDir: opts.kubeletDir,
      patchesDir: opts.patchesDir,
      output: (s) => io.out(s.replace(/\n$/, "")),
      warn: (s) => io.warn("kubelet.go:0", s.replace(/\n$/, "")),
    });
  } catch (e) {
    throw new KubestrapError(
      `error writing kubelet configuration to file: ${(e as Error).message}`,
    );
  }
  if (opts.dryRun) await printFile(KUBELET_CONFIG_FILE_NAME);
}

/**
 * UpdateKubeletKubeconfigServer: when kubelet.conf points at the control-plane endpoint and that
 * is not the local API endpoint, point it at the local one (kubeadm's "kubelet local mode").
 * Returns true when the file changed (the kubelet then needs a restart).
 */
export async function updateKubeletKubeconfigServer(
  host: Host,
  cfg: InitConfig,
  kubernetesDir: string,
  dryRun: boolean,
  out: (line: string) => void,
): Promise<boolean> {
  const file = path.join(kubernetesDir, "kubelet.conf");
  const text = await host.readFile(file);
  if (text === undefined) return false;
  const kc = parseKubeConfig(text);
  const ctx = kc.contexts[kc.currentContext];
  if (!ctx) {
    throw new KubestrapError(`cannot find cluster for active context in kubeconfig "${file}"`);
  }
  const ep = cfg.init.localAPIEndpoint;
  const adv = ep.advertiseAddress ?? "";
  const port = ep.bindPort ?? 6443;
  const local = controlPlaneEndpointURL(undefined, adv, port);
  const controlPlane = controlPlaneEndpointURL(cfg.cluster.controlPlaneEndpoint, adv, port);
  const { cluster } = currentCluster(kc);
  if (cluster.server !== controlPlane || controlPlane === local) return false;
  if (dryRun) {
    out(
      `[dryrun] Would change the Server URL from "${cluster.server}" to "${local}" in ${file} and try to restart kubelet`,
    );
    return false;
  }
  kc.clusters[ctx.cluster].server = local;
  await host.writeFile(file, serializeKubeConfig(kc), { mode: 0o600 });
  return true;
}

interface PodLike {
  spec?: { nodeName?: string; containers?: { name?: string; image?: string }[] };
  metadata?: { name?: string; namespace?: string };
}

/**
 * UnupgradedControlPlaneInstances: the nodes whose kube-apiserver runs another image than this
 * node's (sorted), empty when every instance is upgraded.
 */
export async function unupgradedControlPlaneInstances(
  client: KubeClient,
  nodeName: string,
): Promise<string[]> {
  let pods: KubeList<PodLike>;
  try {
    pods = await client.list<PodLike>("pods", {
      namespace: "kube-system",
      labelSelector: "component=kube-apiserver",
    });
  } catch (e) {
    throw new KubestrapError(
      `failed to list kube-apiserver Pod from cluster: ${(e as Error).message}`,
    );
  }
  if (pods.items.length === 0) {
    throw new KubestrapError(
      "cannot find kube-apiserver Pod by label selector: component=kube-apiserver",
    );
  }
  const images = new Map<string, string>();
  for (const p of pods.items) {
    const c = p.spec?.containers?.find((c) => c.name === "kube-apiserver");
    if (!c) {
      throw new KubestrapError(
        `cannot find container by name "kube-apiserver" for Pod ${p.metadata?.namespace}/${p.metadata?.name}`,
      );
    }
    images.set(p.spec?.nodeName ?? "", c.image ?? "");
  }
  const mine = images.get(nodeName);
  if (mine === undefined) {
    throw new KubestrapError(
      `cannot find kube-apiserver image for current control plane instance ${nodeName}`,
    );
  }
  return [...images].filter(([, img]) => img !== mine).map(([n]) => n).sort();
}
