/** The data of the `kubeadm upgrade node` workflow. Placeholder: the lead defines the fields. */
import type { UpgradeData } from "../data.ts";

export interface UpgradeNodeData extends UpgradeData {}
