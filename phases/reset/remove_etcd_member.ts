import { cleanDir } from "./cleanup_node.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { ResetData } from "./data.ts";

/** `kubeadm reset phase remove-etcd-member`. */
export const removeEtcdMemberPhase: Phase<ResetData> = {
  name: "remove-etcd-member",
  short: "Remove a local etcd member.",
  long: "Remove a local etcd member for a control plane node.",
  run: runRemoveEtcdMember,
  inheritFlags: ["kubeconfig", "dry-run"],
};

const ETCD_MANIFEST = "/etc/kubernetes/manifests/etcd.yaml";

/** getEtcdDataDir: the cluster's etcd.local.dataDir, else the manifest's etcd-data volume. */
async function etcdDataDir(data: ResetData): Promise<string | undefined> {
  const local = data.clusterCfg?.cluster.etcd.local;
  if (data.clusterCfg && local) return local.dataDir;
  if (data.clusterCfg?.cluster.etcd.external) return undefined;
  data.warn("[reset] No kubeadm config, using etcd pod spec to get data directory");
  const text = await data.host.readText(ETCD_MANIFEST);
  if (text === undefined) return "/var/lib/etcd";
  const { parse } = await import("yaml");
  const pod = parse(text) as {
    spec?: { volumes?: { name: string; hostPath?: { path?: string } }[] };
  };
  const v = (pod?.spec?.volumes ?? []).find((x) => x.name === "etcd-data");
  return v?.hostPath?.path || undefined;
}

/** This member's peer URL, from the local etcd manifest. */
async function localPeerURL(data: ResetData): Promise<string | undefined> {
  const text = await data.host.readText(ETCD_MANIFEST);
  return /--initial-advertise-peer-urls=(\S+)/.exec(text ?? "")?.[1]?.split(",")[0];
}

/** etcdphase.RemoveStackedEtcdMemberFromCluster through the v3 gateway. */
async function removeMember(data: ResetData): Promise<void> {
  const { EtcdClient, healthcheckClientTLS } = await import("../../lib/etcdclient/mod.ts");
  const peerURL = await localPeerURL(data);
  if (!peerURL) throw new Error(`could not find this node's etcd peer URL in ${ETCD_MANIFEST}`);
  const certDir = data.certificatesDir;
  const tls = await healthcheckClientTLS(data.host, certDir);
  const text = (await data.host.readText(ETCD_MANIFEST)) ?? "";
  const own = /--advertise-client-urls=(\S+)/.exec(text)?.[1]?.split(",") ?? [];
  const extra = (Deno.env.get("KUBESTRAP_ETCD_ENDPOINTS") ?? "").split(",").filter((s) => s);
  const seed = [...extra, ...own];
  if (seed.length === 0) throw new Error("no etcd endpoint known");
  using etcd = new EtcdClient(seed, tls, { retryTimeoutMs: data.etcdTimeoutMs });
  const members = await etcd.memberList();
  const me = members.find((m) => m.peerURLs.includes(peerURL));
  if (!me) return; // already removed
  if (members.length === 1) {
    // The only member: removing it would break the cluster; kubeadm skips it too.
    return;
  }
  const others = members.filter((m) => m.ID !== me.ID).flatMap((m) => m.clientURLs);
  using rest = new EtcdClient(others, tls, { retryTimeoutMs: data.etcdTimeoutMs });
  await rest.removeMember(me.ID);
}

async function runRemoveEtcdMember(data: ResetData): Promise<void> {
  const dir = await etcdDataDir(data).catch(() => undefined);
  if (!dir) {
    data.out("[reset] No etcd config found. Assuming external etcd");
    data.out("[reset] Please, manually reset etcd to prevent further issues");
    data.leftBehind.push("external etcd data (not managed by this node)");
    return;
  }
  if (data.clusterCfg) {
    if (!data.dryRun) {
      try {
        await removeMember(data);
        if (await cleanDir(data, dir)) {
          data.out(`[reset] Deleted contents of the etcd data directory: ${dir}`);
        }
      } catch (e) {
        data.warn(
          `[reset] Failed to remove etcd member: ${
            (e as Error).message
          }, please manually remove this etcd member using etcdctl`,
        );
        data.leftBehind.push(`etcd member of this node (remove it with etcdctl member remove)`);
      }
    } else {
      data.out("[dryrun] Would remove the etcd member on this node from the etcd cluster");
      data.out(`[dryrun] Would delete contents of the etcd data directory: ${dir}`);
    }
  }
  const empty = (await data.host.readDir(dir)).length === 0;
  if (!empty && !data.dryRun) {
    if (await cleanDir(data, dir)) {
      data.out(`[reset] Deleted contents of the etcd data directory: ${dir}`);
    }
  }
}
