/**
 * The cluster entry of the `cluster-info` ConfigMap, from the admin kubeconfig (kubeadm's
 * CreateBootstrapConfigMapIfNotExists: the current context's cluster of admin.conf, flattened).
 */
import { parse as parseYaml } from "yaml";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import { kubeClientConfig } from "../kube/kubeconfig.ts";
import type { ClusterInfoInput } from "./bootstraptoken.ts";

/** The server, CA and connection settings of the kubeconfig at `path` on `host`. */
export async function clusterInfoFromKubeconfig(
  host: Host,
  path: string,
): Promise<ClusterInfoInput> {
  const cfg = await kubeClientConfig({ host, path });
  const text = (await host.readText(path)) ?? "";
  // deno-lint-ignore no-explicit-any
  const doc = parseYaml(text) as any;
  const ctx = (doc?.contexts ?? []).find((c: { name: string }) =>
    c.name === doc?.["current-context"]
  )?.context;
  if (!ctx) throw new KubestrapError("invalid kubeconfig");
  const raw = (doc?.clusters ?? []).find((c: { name: string }) => c.name === ctx.cluster)
    ?.cluster ?? {};
  return {
    server: cfg.server,
    caData: cfg.caData ?? "",
    tlsServerName: raw["tls-server-name"] as string | undefined,
    proxyURL: raw["proxy-url"] as string | undefined,
    insecureSkipTLSVerify: raw["insecure-skip-tls-verify"] === true,
    disableCompression: raw["disable-compression"] === true,
  };
}
