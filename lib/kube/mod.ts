/** kubestrap's Kubernetes REST client: client, errors, idempotency helpers, health probes. */
export * from "./client.ts";
export * from "./errors.ts";
export * from "./health.ts";
export * from "./idempotency.ts";
export * from "./resources.ts";
