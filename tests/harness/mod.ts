/**
 * The kubestrap test bed harness: the real Kubernetes binaries, etcd,
 * containerd and namespace hosts, each with cleanup registered.
 *
 * ```ts
 * import { startEtcd, testbed, testbedReady, skipReason } from "../harness/mod.ts";
 * Deno.test({ name: "x", ignore: !testbedReady }, async () => {
 *   await using etcd = await startEtcd();
 * });
 * ```
 */
export * from "./testbed.ts";
export * from "./process.ts";
export * from "./etcd.ts";
export * from "./staticpod.ts";
export * from "./containerd.ts";
export * from "./hosts.ts";
export * from "./pki.ts";
