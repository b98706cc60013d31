/** Public surface of kubestrap's PKI library. */
export * from "./keys.ts";
export * from "./x509.ts";
export * from "./ip.ts";
export * from "./fs.ts";
export * from "./certlist.ts";
export * from "./store.ts";
export * from "./certs.ts";
