import { KubestrapError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { ResetData } from "./data.ts";
import { INIT_STATE_PATH, JOIN_STATE_PATH } from "../../lib/config/constants.ts";

/** `kubeadm reset phase cleanup-node`. */
export const cleanupNodePhase: Phase<ResetData> = {
  name: "cleanup-node",
  aliases: ["cleanupnode"],
  short: "Run cleanup node.",
  run: runCleanupNode,
  inheritFlags: ["cert-dir", "cri-socket", "cleanup-tmp-dir", "dry-run", "cleanup-network"],
};

const KUBERNETES_DIR = "/etc/kubernetes";
const KUBELET_DIR = "/var/lib/kubelet";
const DEFAULT_CERT_DIR = "/etc/kubernetes/pki";
const CNI_CONF_DIR = "/etc/cni/net.d";

/** CleanDir: removes everything in `dir`, not `dir` itself. False when it failed. */
export async function cleanDir(
  data: { host: ResetData["host"]; warn(s: string): void },
  dir: string,
) {
  try {
    for (const e of await data.host.readDir(dir)) {
      await data.host.remove(`${dir.replace(/\/+$/, "")}/${e}`, { recursive: true });
    }
    return true;
  } catch (e) {
    data.warn(`[reset] Failed to delete contents of "${dir}" directory: ${(e as Error).message}`);
    return false;
  }
}

/** Go's %v of a []string: [a b c]. */
const goList = (l: string[]) => `[${l.join(" ")}]`;

/** unmountKubeletDirectory with umount(8) (flags: MNT_FORCE → -f, MNT_DETACH → -l). */
async function unmountKubeletDirectory(data: ResetData, realDir: string): Promise<void> {
  const mounts = (await data.host.readKernelFile("/proc/mounts")) ?? "";
  const prefix = realDir.endsWith("/") ? realDir : realDir + "/";
  const targets = mounts.split("\n").map((l) => l.split(" ")[1]).filter((m) =>
    m && m.startsWith(prefix)
  ).map((m) => m.replace(/\\040/g, " ")).sort((a, b) => b.length - a.length);
  const args: string[] = [];
  if (data.unmountFlags.includes("MNT_FORCE")) args.push("-f");
  if (data.unmountFlags.includes("MNT_DETACH")) args.push("-l");
  const errs: string[] = [];
  for (const t of targets) {
    const r = await data.host.run("umount", [...args, t], { timeoutMs: 30_000 });
    if (r.code !== 0) {
      if (/invalid argument|not mounted/i.test(r.stderr)) {
        data.warn(`[reset] Ignoring EINVAL error while unmounting "${t}"`);
        continue;
      }
      errs.push(`failed to unmount "${t}": ${r.stderr.trim() || `exit status ${r.code}`}`);
    }
  }
  if (errs.length > 0) {
    throw new KubestrapError(
      `encountered the following errors while unmounting directories in "${prefix}": [${
        errs.join(", ")
      }]`,
    );
  }
}

/** removeContainers through crictl (kubelet-created pods: stop, then remove). */
/** kubeadm's constants.RemoveContainerRetry: attempts to stop and remove one pod sandbox. */
const REMOVE_CONTAINER_RETRY = 5;
/**
 * Beyond kubeadm, a pause between two attempts: kubeadm retries at once, and a container the
 * runtime is still starting ("container is in starting state, can't be removed", seen right after
 * the kubelet stopped) is not removable for a moment.
 */
const REMOVE_CONTAINER_PAUSE_MS = 500;

/**
 * kubeadm's CRIRuntime.RemoveContainers: each pod sandbox is stopped and removed, up to 5
 * attempts each; a pod that cannot be removed does not stop the others, the errors are joined
 * (kubestrap stopped at the first pod that failed once, leaving it and every pod after it).
 */
async function removeContainers(data: ResetData): Promise<void> {
  const ep = ["--runtime-endpoint", data.criSocket];
  const crictl = await data.host.lookPath("crictl");
  if (!crictl) throw new Error(`exec: "crictl": executable file not found in $PATH`);
  const list = await data.host.run(crictl, [...ep, "pods", "-q"], { timeoutMs: 30_000 });
  if (list.code !== 0) throw new Error(list.stderr.trim() || `exit status ${list.code}`);
  const errors: string[] = [];
  for (const id of list.stdout.split("\n").map((s) => s.trim()).filter((s) => s)) {
    let last = "";
    for (let attempt = 0; attempt < REMOVE_CONTAINER_RETRY; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, REMOVE_CONTAINER_PAUSE_MS));
      // A failed stop shows in the removal (crictl's rmp of a pod already gone succeeds).
      await data.host.run(crictl, [...ep, "stopp", id], { timeoutMs: 60_000 });
      const r = await data.host.run(crictl, [...ep, "rmp", id], { timeoutMs: 60_000 });
      if (r.code !== 0) {
        last = `failed to remove pod sandbox ${id}: ${r.stderr.trim()}`;
        continue;
      }
      last = "";
      break;
    }
    if (last) errors.push(last);
  }
  if (errors.length === 1) throw new Error(errors[0]);
  if (errors.length > 1) throw new Error(`[${errors.join(", ")}]`);
}

/**
 * Beyond kubeadm (--cleanup-network): the CNI configuration files and the iptables chains
 * kube-proxy and CNI plugins create (KUBE-*, CNI-*), rule references first, then the chains.
 */
async function cleanupNetwork(data: ResetData): Promise<void> {
  const files = await data.host.readDir(CNI_CONF_DIR);
  if (data.dryRun) {
    data.out(`[dryrun] Would delete CNI configuration in "${CNI_CONF_DIR}": ${goList(files)}`);
    data.out("[dryrun] Would delete the KUBE-* and CNI-* iptables chains");
    return;
  }
  if (files.length > 0) {
    data.out(`[reset] Deleting CNI configuration in "${CNI_CONF_DIR}": ${goList(files)}`);
    await cleanDir(data, CNI_CONF_DIR);
  }
  for (const bin of ["iptables", "ip6tables"]) {
    const save = await data.host.run(`${bin}-save`, [], { timeoutMs: 30_000 });
    if (save.code !== 0) {
      data.leftBehind.push(`${bin} rules (${bin}-save failed: ${save.stderr.trim() || save.code})`);
      continue;
    }
    let table = "";
    const rules: { table: string; rule: string }[] = [];
    const chains: { table: string; chain: string }[] = [];
    const ours = (c: string) => /^(KUBE-|CNI-)/.test(c);
    for (const line of save.stdout.split("\n")) {
      if (line.startsWith("*")) table = line.slice(1).trim();
      else if (line.startsWith(":")) {
        const c = line.slice(1).split(" ")[0];
        if (ours(c)) chains.push({ table, chain: c });
      } else if (line.startsWith("-A ")) {
        const parts = line.split(" ");
        const chain = parts[1];
        const jump = parts[parts.indexOf("-j") + 1] ?? "";
        if (!ours(chain) && (ours(jump) || /--comment "?kubernetes/.test(line))) {
          rules.push({ table, rule: line.slice(3) });
        }
      }
    }
    let removed = 0;
    for (const r of rules) {
      const args = ["-t", r.table, "-D", ...splitRule(r.rule)];
      if ((await data.host.run(bin, args, { timeoutMs: 30_000 })).code === 0) removed++;
    }
    for (const c of chains) {
      await data.host.run(bin, ["-t", c.table, "-F", c.chain], { timeoutMs: 30_000 });
    }
    for (const c of chains) {
      if (
        (await data.host.run(bin, ["-t", c.table, "-X", c.chain], { timeoutMs: 30_000 })).code === 0
      ) {
        removed++;
      } else data.leftBehind.push(`${bin} chain ${c.table}/${c.chain} (still referenced)`);
    }
    if (chains.length > 0 || rules.length > 0) {
      data.out(
        `[reset] Deleted ${chains.length} ${bin} chains (KUBE-*, CNI-*) and ${rules.length} rules jumping to them`,
      );
    }
  }
}

/** Splits an iptables-save rule into argv (double-quoted words kept together). */
function splitRule(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of rule.matchAll(re)) {
    out.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]);
  }
  return out;
}

async function runCleanupNode(data: ResetData): Promise<void> {
  const kubelet = await import("../../lib/kubelet/mod.ts");
  // a. the kubelet
  const { initSystem } = await kubelet.detectInitSystem(data.host);
  if (!initSystem) {
    if (!data.dryRun && await kubelet.stopOwnKubelet(data.host)) {
      data.out("[reset] Stopped the kubelet started by kubestrap (no init system)");
    } else {
      data.warn(
        "[reset] The kubelet service could not be stopped by kubeadm. Unable to detect a supported init system!",
      );
      data.warn("[reset] Please ensure kubelet is stopped manually");
    }
  } else if (!data.dryRun) {
    data.out("[reset] Stopping the kubelet service");
    try {
      await initSystem.serviceStop("kubelet");
    } catch (e) {
      data.warn(
        `[reset] The kubelet service could not be stopped by kubeadm: [${(e as Error).message}]`,
      );
      data.warn("[reset] Please ensure kubelet is stopped manually");
    }
  } else data.out("[dryrun] Would stop the kubelet service");

  // b. mounts under /var/lib/kubelet
  const dirsToClean = [`${KUBERNETES_DIR}/manifests`];
  if (!data.dryRun) {
    let real: string | undefined;
    try {
      real = await data.host.realPath(KUBELET_DIR);
    } catch (e) {
      data.warn(
        `[reset] Skipping unmount of directories in "${KUBELET_DIR}": ${(e as Error).message}`,
      );
      data.leftBehind.push(`${KUBELET_DIR} (could not be resolved, not cleaned)`);
    }
    if (real !== undefined) {
      data.out(`[reset] Unmounting mounted directories in "${KUBELET_DIR}"`);
      await unmountKubeletDirectory(data, real);
      dirsToClean.push(KUBELET_DIR);
    }
  } else data.out(`[dryrun] Would unmount mounted directories in "${KUBELET_DIR}"`);

  // c. containers
  if (!data.dryRun) {
    try {
      await removeContainers(data);
    } catch (e) {
      data.warn(`[reset] Failed to remove containers: ${(e as Error).message}`);
      data.leftBehind.push(`Kubernetes-managed containers of ${data.criSocket}`);
    }
  } else data.out("[dryrun] Would remove Kubernetes-managed containers");

  // d/e/f. directories and files
  if (data.certificatesDir !== DEFAULT_CERT_DIR) {
    data.warn(
      `[reset] WARNING: Cleaning a non-default certificates directory: "${data.certificatesDir}"`,
    );
  }
  dirsToClean.push(data.certificatesDir);
  if (data.cleanupTmpDir) dirsToClean.push(`${KUBERNETES_DIR}/tmp`);
  const files = [
    "admin.conf",
    "super-admin.conf",
    "kubelet.conf",
    "bootstrap-kubelet.conf",
    "controller-manager.conf",
    "scheduler.conf",
  ].map((f) => `${KUBERNETES_DIR}/${f}`);
  if (!data.dryRun) {
    data.out(`[reset] Deleting contents of directories: ${goList(dirsToClean)}`);
    for (const d of dirsToClean) await cleanDir(data, d);
    data.out(`[reset] Deleting files: ${goList(files)}`);
    for (const f of files) {
      try {
        await data.host.remove(f, { recursive: true });
      } catch (e) {
        data.warn(`[reset] Failed to remove file: "${f}" [${(e as Error).message}]`);
      }
    }
    // Beyond kubeadm: nothing is left for `init|join --resume` to continue (lib/resume.ts).
    for (const f of [INIT_STATE_PATH, JOIN_STATE_PATH]) await data.host.remove(f).catch(() => {});
  } else {
    data.out(`[dryrun] Would delete contents of directories: ${goList(dirsToClean)}`);
    data.out(`[dryrun] Would delete files: ${goList(files)}`);
  }

  // Beyond kubeadm.
  if (data.cleanupNetwork) await cleanupNetwork(data);
  else {
    const cni = await data.host.readDir(CNI_CONF_DIR);
    if (cni.length > 0) {
      data.leftBehind.push(`CNI configuration in ${CNI_CONF_DIR}: ${goList(cni)}`);
    }
    data.leftBehind.push("iptables/nftables/IPVS rules of kube-proxy and the CNI plugin");
  }
  data.leftBehind.push("$HOME/.kube/config of the users of this node");
  const { printResetLeftovers } = await import("./data.ts");
  printResetLeftovers(data);
}
