/**
 * The data shared by the phases of the `kubeadm join` workflow. Placeholder: the lead defines
 * the fields and the `newJoinData` factory.
 */
// deno-lint-ignore no-empty-interface
export interface JoinData {}
