/**
 * The data shared by the phases of the `kubeadm init` workflow. Placeholder: the lead defines
 * the fields and the `newInitData` factory.
 */
// deno-lint-ignore no-empty-interface
export interface InitData {}
