/** kubestrap preflight: kubeadm v1.37.2's checks, runner and lists, plus a JSON report. */
export * from "./types.ts";
export * from "./checks.ts";
export * from "./lists.ts";
export * from "./runner.ts";
export * from "./report.ts";
export { CGROUP_V1_MESSAGE, DEFAULT_SYS_SPEC } from "./system.ts";
