/** Public surface of kubestrap's kubeconfig library. */
export * from "./kubeconfig.ts";
export * from "./files.ts";
