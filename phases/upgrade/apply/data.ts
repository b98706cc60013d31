/** The data of the `kubeadm upgrade apply` workflow. Placeholder: the lead defines the fields. */
import type { UpgradeData } from "../data.ts";

export interface UpgradeApplyData extends UpgradeData {}
