/**
 * The CoreDNS and kube-proxy addons over a resolved configuration (kubeadm's
 * dnsaddon.EnsureDNSAddon and proxyaddon.EnsureProxyAddon), for init and upgrade apply alike:
 * the manifests rendered from the ClusterConfiguration, `--patches` applied, then printed
 * (`--print-manifest`) or created or updated through the client.
 */
import { parse as parseYaml } from "yaml";
import type { APIEndpoint, ClusterConfiguration } from "../../config/types.ts";
import { imagesFor } from "../../config/images.ts";
import { marshalKubeProxyConfiguration } from "../../config/serialize.ts";
import { objectYAML } from "../../dryrun/client.ts";
import { KubestrapError } from "../../errors.ts";
import type { KubeClient, KubeObject } from "../../kube/client.ts";
import type { PollOptions } from "../../kube/idempotency.ts";
import { getPatchManagerForPath } from "../../patches/patches.ts";
import { marshalGoYAML } from "../../util/goyaml.ts";
import { controlPlaneEndpointURL } from "../network.ts";
import { applyCoreDNS, coreDNSPrintManifest } from "./coredns.ts";
import {
  applyKubeProxy,
  kubeProxyConfigMapTemplate,
  kubeProxyDaemonSetTemplate,
  type KubeProxyInput,
  kubeProxyObjects,
} from "./kubeproxy.ts";

export interface AddonOptions {
  /** The `--patches` directory (targets corednsdeployment and kubeproxydaemonset). */
  patchesDir?: string;
  /** `--print-manifest`: print the manifests instead of applying them (no client is asked). */
  printManifest?: boolean;
  /** Where kubeadm's lines and the manifests go (the text carries its newlines). */
  out(s: string): void;
  /** The appliers' budget (timeouts.kubernetesAPICall). */
  poll: PollOptions;
  /** A klog warning from kubeadm's source position `at` (stderr). */
  warn?: (at: string, msg: string) => void;
}

/** The API client, asked for only when the addon is applied. */
export type ClientOf = () => Promise<KubeClient>;

/**
 * The `--patches` of an addon target, or undefined without a patches directory. kubeadm wraps
 * any failure (reading the directory included) as "could not apply patches to the <what>".
 */
async function addonPatcher(
  o: AddonOptions,
  target: string,
  what: string,
): Promise<((obj: KubeObject) => KubeObject) | undefined> {
  if (!o.patchesDir) return undefined;
  const fail = (e: unknown) =>
    new KubestrapError(`could not apply patches to the ${what}: ${(e as Error).message}`);
  let pm;
  try {
    pm = await getPatchManagerForPath(o.patchesDir, { output: o.out });
  } catch (e) {
    throw fail(e);
  }
  return (obj) => {
    const t = { name: target, data: obj as unknown };
    try {
      pm.applyPatchesToTarget(t);
    } catch (e) {
      throw fail(e);
    }
    return t.data as KubeObject;
  };
}

function logOf(o: AddonOptions): (line: string) => void {
  return (line) => o.out(line.endsWith("\n") ? line : line + "\n");
}

/** EnsureDNSAddon: CoreDNS from the cluster's DNS domain, service subnet and image. */
export async function ensureDNSAddon(
  cluster: ClusterConfiguration,
  client: ClientOf,
  o: AddonOptions,
): Promise<void> {
  const input = {
    dnsDomain: cluster.networking.dnsDomain ?? "cluster.local",
    serviceSubnet: cluster.networking.serviceSubnet ?? "10.96.0.0/12",
    image: imagesFor(cluster).coreDNS,
    patchDeployment: await addonPatcher(o, "corednsdeployment", "CoreDNS Deployment"),
  };
  if (o.printManifest) {
    o.out(coreDNSPrintManifest(input));
    return;
  }
  await applyCoreDNS(await client(), input, logOf(o), { ...o.poll, warn: o.warn });
}

/** What kube-proxy is made from. */
export interface ProxyAddonConfig {
  cluster: ClusterConfiguration;
  /** This node's API endpoint (used without a controlPlaneEndpoint). */
  localAPIEndpoint: APIEndpoint;
  /** The KubeProxyConfiguration component config. */
  kubeProxy: Record<string, unknown>;
  /** Whether the user supplied the KubeProxyConfiguration (its ConfigMap is then not signed). */
  userSupplied: boolean;
}

/** EnsureProxyAddon: kube-proxy's ConfigMap, DaemonSet and RBAC. */
export async function ensureProxyAddon(
  cfg: ProxyAddonConfig,
  client: ClientOf,
  o: AddonOptions,
): Promise<void> {
  const c = cfg.cluster;
  const ep = cfg.localAPIEndpoint;
  const input: KubeProxyInput = {
    controlPlaneEndpointURL: controlPlaneEndpointURL(
      c.controlPlaneEndpoint || undefined,
      ep.advertiseAddress ?? "",
      ep.bindPort ?? 6443,
    ),
    kubeProxyConfigYAML: marshalKubeProxyConfiguration(cfg.kubeProxy),
    userSupplied: cfg.userSupplied,
    image: imagesFor(c).kubeProxy,
    proxyEnv: Deno.env.toObject(),
    patchDaemonSet: await addonPatcher(o, "kubeproxydaemonset", "kube-proxy DaemonSet"),
  };
  if (o.printManifest) {
    // The DaemonSet comes from kubeProxyDaemonSetText (patched once, there).
    const objects = kubeProxyObjects({ ...input, patchDaemonSet: undefined });
    o.out(
      "---\n" + objectYAML(objects.serviceAccount) +
        "---\n" + objectYAML(objects.clusterRoleBinding) +
        "---\n" + objectYAML(objects.role) +
        "---\n" + objectYAML(objects.roleBinding) +
        "---" +
        kubeProxyConfigMapTemplate(input.controlPlaneEndpointURL, input.kubeProxyConfigYAML) +
        "---" + kubeProxyDaemonSetText(input),
    );
    return;
  }
  await applyKubeProxy(await client(), input, logOf(o), o.poll);
}

/** The DaemonSet as `--print-manifest` shows it: the template, or patched as kubeadm renders it. */
function kubeProxyDaemonSetText(input: KubeProxyInput): string {
  const text = kubeProxyDaemonSetTemplate(input.image);
  if (!input.patchDaemonSet) return text;
  return marshalGoYAML(input.patchDaemonSet(parseYaml(text)));
}
