import { KubestrapError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

/** The hidden `check-etcd` phase: no subcommand, still run by `kubeadm join`. */
export const checkEtcdPhase: Phase<JoinData> = {
  name: "check-etcd",
  short: "",
  run: runCheckEtcd,
  hidden: true,
};

async function runCheckEtcd(data: JoinData): Promise<void> {
  if (!data.controlPlane) return;
  const cfg = await data.initCfg();
  if (cfg.cluster.etcd.external) {
    data.out("[check-etcd] Skipping etcd check in external mode");
    return;
  }
  if (data.dryRun) {
    data.out("[dryrun] Would check that the etcd cluster is healthy");
    return;
  }
  data.out("[check-etcd] Checking that the etcd cluster is healthy");
  const etcd = await data.etcdClient();
  try {
    for (const ep of etcd.endpoints) {
      try {
        await etcd.status(ep);
      } catch (e) {
        throw new KubestrapError(
          `etcd cluster is not healthy: failed to dial endpoint ${ep}: ${(e as Error).message}`,
        );
      }
    }
  } finally {
    etcd.close();
  }
}
