import { NotImplementedError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { UpgradeData } from "./data.ts";

/** The `post-upgrade` phase shared by `upgrade node` and `upgrade apply`. */
export function postUpgradePhase<D extends UpgradeData>(workflow: string): Phase<D> {
  return {
    name: "post-upgrade",
    short: "Run post upgrade tasks",
    run: (data) => runPostUpgrade(data, workflow),
    inheritFlags: ["config", "kubeconfig", "dry-run"],
  };
}

function runPostUpgrade(_data: UpgradeData, workflow: string): Promise<void> {
  throw new NotImplementedError(`${workflow} phase post-upgrade`);
}
