/**
 * The data shared by the phases of the `kubeadm reset` workflow. Placeholder: the lead defines
 * the fields and the `newResetData` factory.
 */
// deno-lint-ignore no-empty-interface
export interface ResetData {}
