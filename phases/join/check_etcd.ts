import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

/** The hidden `check-etcd` phase: no subcommand, still run by `kubeadm join`. */
export const checkEtcdPhase: Phase<JoinData> = {
  name: "check-etcd",
  short: "",
  run: runCheckEtcd,
  hidden: true,
};

function runCheckEtcd(_data: JoinData): Promise<void> {
  throw new NotImplementedError("kubeadm join phase check-etcd");
}
