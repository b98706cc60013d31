import { examples } from "../../lib/cli.ts";
import { KubestrapError } from "../../lib/errors.ts";
import { MANIFEST_DIR } from "./data.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";
import { controlPlaneJoinPhaseFlags } from "./control_plane_join.ts";

/** `kubeadm join phase etcd-join`. */
export const etcdJoinPhase: Phase<JoinData> = {
  name: "etcd-join",
  short: "Join etcd for control plane nodes",
  run: runEtcdJoin,
  example: examples(`
    # Joins etcd for a control plane instance
    kubeadm join phase control-plane-join-etcd all
  `),
  inheritFlags: controlPlaneJoinPhaseFlags("etcd"),
  args: { kind: "none" },
};

const ETCD_HEALTHY_CHECK_RETRIES = 8;
const ETCD_HEALTHY_CHECK_INTERVAL_MS = 5_000;
const ETCD_HEALTHY_PROBE_PAUSE_MS = 500;
const ETCD_STATUS_TIMEOUT_MS = 2_000;

async function runEtcdJoin(data: JoinData): Promise<void> {
  if (!data.controlPlane) return;
  const cfg = await data.initCfg();
  if (cfg.cluster.etcd.external) {
    data.out("[control-plane-join] Using external etcd - no local stacked instance added");
    return;
  }
  const dataDir = cfg.cluster.etcd.local?.dataDir ?? "/var/lib/etcd";
  if (!data.dryRun) await data.host.mkdirAll(dataDir, 0o700);
  else data.out(`[control-plane-join] Would ensure that "${dataDir}" directory is present`);
  const { etcdPeerURL } = await import("../../lib/etcdclient/cluster.ts");
  const { componentImages } = await import("../../lib/manifests/images.ts");
  const { memberIDHex } = await import("../../lib/etcdclient/mod.ts");
  const { createLocalEtcdManifest } = await import("../../lib/manifests/mod.ts");
  const nodeName = data.nodeName();
  const peerURL = etcdPeerURL(cfg.init.localAPIEndpoint);
  const writeManifest = (initialCluster: { name: string; peerURL: string }[]) => {
    data.out(`[etcd] Creating static Pod manifest for "etcd"`);
    return createLocalEtcdManifest(data.host, cfg as never, {
      images: componentImages(cfg.cluster),
      manifestDir: MANIFEST_DIR,
      patchesDir: data.patchesDir,
      output: (line) => data.out(line.replace(/\n$/, "")),
      announce: false,
      dryRun: data.dryRun,
      nodeName,
      initialCluster,
    });
  };
  if (data.dryRun) {
    data.out(`[etcd] Would add etcd member: ${peerURL}`);
    // kubeadm adds no member in dry-run and renders the manifest with an empty member list.
    await writeManifest([]);
    data.out("[etcd] Would wait for the new etcd member to join the cluster");
    return;
  }
  let etcd;
  try {
    etcd = await data.etcdClient();
  } catch (e) {
    throw new KubestrapError(
      `error creating local etcd static pod manifest file: ${(e as Error).message}`,
    );
  }
  try {
    data.debug(`[etcd] Adding etcd member: ${peerURL}`);
    const members = await etcd.addMemberAsLearner(nodeName, peerURL);
    data.out("[etcd] Announced new etcd member joining to the existing etcd cluster");
    const initialCluster = members.map((m) => ({
      name: m.peerURLs.includes(peerURL) ? nodeName : (m.name || memberIDHex(m.ID)),
      peerURL: m.peerURLs[0] ?? "",
    }));
    await writeManifest(initialCluster);
    const me = await etcd.memberIDByPeerURL(peerURL);
    if (!me) throw new KubestrapError(`could not find etcd member with peer URL ${peerURL}`);
    await etcd.promoteLearner(me.ID);
    data.etcdJoined = true;
    data.out(
      `[etcd] Waiting for the new etcd member to join the cluster. This can take up to ${
        ETCD_HEALTHY_CHECK_RETRIES * ETCD_HEALTHY_CHECK_INTERVAL_MS / 1000
      }s`,
    );
    // kubeadm tries 8 times 5 s apart; the same 40 s budget, probed every half second with
    // kubeadm's 2 s dial timeout, ends as soon as the new member answers.
    const deadline = Date.now() + ETCD_HEALTHY_CHECK_RETRIES * ETCD_HEALTHY_CHECK_INTERVAL_MS;
    let last: unknown;
    while (true) {
      try {
        for (const ep of etcd.endpoints) await etcd.status(ep, ETCD_STATUS_TIMEOUT_MS);
        return;
      } catch (e) {
        last = e;
      }
      if (Date.now() + ETCD_HEALTHY_PROBE_PAUSE_MS >= deadline) break;
      await new Promise((r) => setTimeout(r, ETCD_HEALTHY_PROBE_PAUSE_MS));
    }
    throw new KubestrapError(`timeout waiting for etcd cluster to be available: ${last}`);
  } finally {
    etcd.close();
  }
}
