/**
 * The data shared by the phases common to `kubeadm upgrade node` and `kubeadm upgrade apply`
 * (kubelet-config, addon, post-upgrade). Placeholder: the lead defines the fields.
 */
// deno-lint-ignore no-empty-interface
export interface UpgradeData {}
