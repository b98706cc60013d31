/** Flags of the air-gapped install path (kubestrap only; cheap to import). */
import type { FlagSpec } from "../cli.ts";

export function offlineFlag(): FlagSpec {
  return {
    name: "offline",
    type: "bool",
    usage: "kubestrap only: no network use beyond the cluster's own endpoints (no version " +
      "look-ups, no image pulls); images must already be in the container runtime (see " +
      "'kubestrap bundle import') and missing ones are listed before anything is written",
  };
}
