/** Builders and appliers of every API object kubeadm v1.37.2's init creates. */
export * from "./constants.ts";
export * from "./rbac.ts";
export * from "./util.ts";
export * from "./network.ts";
export * from "./uploadconfig.ts";
export * from "./copycerts.ts";
export * from "./markcontrolplane.ts";
export * from "./bootstraptoken.ts";
export * from "./joincommand.ts";
export * from "./addons/coredns.ts";
export * from "./addons/kubeproxy.ts";
