/**
 * kubestrap's Kubernetes REST client: client, clients from kubeconfigs, errors, idempotency
 * helpers, health probes.
 */
export * from "./client.ts";
export * from "./errors.ts";
export * from "./health.ts";
export * from "./idempotency.ts";
export * from "./kubeconfig.ts";
export * from "./resources.ts";
