/**
 * Where kubestrap may touch the host without lib/host.ts, each with its reason. Everything else
 * in main.ts, lib/ and phases/ reaches files, commands, processes, sockets and /proc through a
 * Host, so that `--rootfs` and dry-run hold. tests/architecture_test.ts checks it: the calls
 * meant are Deno's host effects (`Deno.readTextFile`, `Deno.Command`, `Deno.connect`,
 * `Deno.createHttpClient`, `Deno.dlopen`, ... with their *Sync forms; its DENO_EFFECTS lists
 * them), the global `fetch`, and imports of the effectful node: modules (`node:fs`, `node:net`,
 * `node:tls`, `node:http`, `node:https`, ...).
 *
 * A key is a file, or a directory ending in "/" that covers everything under it. `calls` names
 * what the file may do (Deno's member without "Sync", "fetch", or the node: module), or "any".
 * For main.ts, lib/ and phases/ the test also fails on an entry that is no longer needed.
 *
 * The network clients below talk to the cluster's own endpoints (API server, etcd, the
 * discovery URL): a network address is not re-rooted by `--rootfs`, and dry-run replaces the
 * Kubernetes client with lib/dryrun's instead of going through a Host.
 */
export interface HostEffectAllowance {
  calls: "any" | readonly string[];
  reason: string;
}

export const HOST_EFFECT_ALLOWLIST: Readonly<Record<string, HostEffectAllowance>> = {
  "lib/host.ts": {
    calls: "any",
    reason: "the one module that touches the host: every other module goes through it",
  },
  "lib/pki/libcrypto.ts": {
    calls: ["dlopen"],
    reason: "Deno.dlopen of the host's OpenSSL libcrypto (FFI) for certificate verification " +
      "and RSA key generation: loading a shared library into this process, not a file " +
      "kubestrap reads or writes",
  },
  "lib/kube/client.ts": {
    calls: ["createHttpClient", "fetch", "node:http", "node:https"],
    reason: "the Kubernetes API client: fetch over a Deno.createHttpClient with the " +
      "kubeconfig's CA and client certificate, node:http(s) for kubeadm's skip-verify probes",
  },
  "lib/etcdclient/mod.ts": {
    calls: ["createHttpClient", "fetch"],
    reason: "the etcd v3 JSON gateway client: fetch with the etcd client certificate (mTLS)",
  },
  "lib/discovery/tlsget.ts": {
    calls: ["node:tls", "node:net"],
    reason: "join discovery's one HTTPS GET over node:tls, its chain verified by OpenSSL " +
      "against the pinned roots before any request is written; node:net only for isIP (SNI)",
  },
  "lib/discovery/transport.ts": {
    calls: ["node:tls", "node:net"],
    reason: "the API client's transport for a kubeconfig with a CA: one kept-alive node:tls " +
      "connection whose chain OpenSSL verified against that CA only before any request is " +
      "written; node:net only for isIP (SNI)",
  },
  "lib/discovery/clusterinfo.ts": {
    calls: ["createHttpClient", "fetch"],
    reason: "cluster-info through the system roots when no CA is pinned (fetch, with the " +
      "kubeconfig's client certificate in a Deno.createHttpClient)",
  },
  "lib/discovery/file.ts": {
    calls: ["fetch"],
    reason: "discovery from an HTTPS URL (kubeadm's discovery/https): one fetch verified by " +
      "the host's trust store",
  },
  "lib/preflight/checks.ts": {
    calls: ["createHttpClient", "fetch"],
    reason: "ExternalEtcdVersion: GET /version of each external etcd endpoint with the " +
      "configured CA and client certificate, as kubeadm's check does",
  },
  "tests/": {
    calls: "any",
    reason: "test-only code: the harness builds temporary hosts, starts the real components " +
      "and inspects what kubestrap wrote from outside, as an operator would",
  },
  "scripts/": {
    calls: "any",
    reason: "build, test-bed and benchmark tooling run by developers and CI, not part of the " +
      "kubestrap program",
  },
};
