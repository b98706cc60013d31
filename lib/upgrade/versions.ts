/**
 * Where an upgrade learns versions (kubeadm's app/phases/upgrade/versiongetter.go): the API
 * server's, kubeadm's own, the kubelets' and the control-plane components' per node, the
 * CoreDNS image tag. Version labels (`stable`, `stable-1.36`, ...) are never looked up on the
 * internet: an explicit target answers every label, as kubeadm's OfflineVersionGetter does;
 * without one a label resolves as kubeadm resolves it when the internet does not answer (the
 * lookup fails with a warning and kubeadm's fallbacks apply).
 */
import { deployedDNSAddon } from "../apiobjects/addons/coredns.ts";
import { KUBEADM_VERSION } from "../config/constants.ts";
import { tagFromImage } from "../config/images.ts";
import type { KubeClient, KubeList } from "../kube/client.ts";
import { parseSemantic, type Version } from "../util/version.ts";

/** A version as kubeadm carries it: the string it prints and its parsed form. */
export interface Versioned {
  str: string;
  version: Version;
}

/** VersionGetter. Maps are version -> node names, in the order the API listed them. */
export interface VersionGetter {
  clusterVersion(): Promise<Versioned>;
  kubeadmVersion(): Versioned;
  /** Resolves a CI label; throws when it cannot (offline without an explicit target). */
  versionFromCILabel(label: string, description: string): Versioned;
  kubeletVersions(): Promise<Map<string, string[]>>;
  componentVersions(component: string): Promise<Map<string, string[]>>;
  /** The deployed CoreDNS image tag, "" when there is none. */
  dnsAddonVersion(): Promise<string>;
}

/** convertImageTagMetadataToSemver: registries spell "+" (build metadata) as "_". */
export function imageTagToSemver(tag: string): string {
  return tag.replace("_", "+");
}

interface PodLike {
  spec?: { nodeName?: string; containers?: { image?: string }[] };
}
interface NodeLike {
  metadata?: { name?: string };
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

function add(m: Map<string, string[]>, key: string, value: string): void {
  const l = m.get(key);
  if (l) l.push(value);
  else m.set(key, [value]);
}

/** An error for a label that kubestrap does not look up (kubeadm: the fetch fails offline). */
export class OfflineLabelError extends Error {}

/**
 * KubeVersionGetter wrapped in OfflineVersionGetter: `target` (the version given on the command
 * line or in the UpgradeConfiguration; "" when none) answers every label.
 */
export class ClusterVersionGetter implements VersionGetter {
  constructor(private client: KubeClient, private target = "") {}

  async clusterVersion(): Promise<Versioned> {
    let info: { gitVersion?: string };
    try {
      info = await this.client.json<{ gitVersion?: string }>("GET", "/version");
    } catch (e) {
      throw new Error(
        `Couldn't fetch cluster version from the API Server: ${(e as Error).message}`,
      );
    }
    const str = info.gitVersion ?? "";
    try {
      return { str, version: parseSemantic(str) };
    } catch (e) {
      throw new Error(`Couldn't parse cluster version: ${(e as Error).message}`);
    }
  }

  kubeadmVersion(): Versioned {
    return { str: KUBEADM_VERSION, version: parseSemantic(KUBEADM_VERSION) };
  }

  versionFromCILabel(label: string, description: string): Versioned {
    if (this.target === "") {
      throw new OfflineLabelError(
        `Couldn't fetch latest ${description} from the internet: kubestrap does not look up ` +
          `version labels such as "${label}"; name the version to upgrade to`,
      );
    }
    try {
      return { str: this.target, version: parseSemantic(this.target) };
    } catch (e) {
      throw new Error(`Couldn't parse version ${description}: ${(e as Error).message}`);
    }
  }

  async kubeletVersions(): Promise<Map<string, string[]>> {
    let nodes: KubeList<NodeLike>;
    try {
      nodes = await this.client.list<NodeLike>("nodes");
    } catch {
      throw new Error("couldn't list all nodes in cluster");
    }
    const m = new Map<string, string[]>();
    for (const n of nodes.items) {
      add(m, n.status?.nodeInfo?.kubeletVersion ?? "", n.metadata?.name ?? "");
    }
    return m;
  }

  async componentVersions(component: string): Promise<Map<string, string[]>> {
    let pods: KubeList<PodLike>;
    try {
      pods = await this.client.list<PodLike>("pods", {
        namespace: "kube-system",
        labelSelector: `component=${component},tier=control-plane`,
      });
    } catch (e) {
      throw new Error(`couldn't list pods in cluster: ${(e as Error).message}`);
    }
    const m = new Map<string, string[]>();
    for (const p of pods.items) {
      const tag = imageTagToSemver(tagFromImage(p.spec?.containers?.[0]?.image ?? ""));
      add(m, tag, p.spec?.nodeName ?? "");
    }
    return m;
  }

  dnsAddonVersion(): Promise<string> {
    return deployedDNSAddon(this.client);
  }
}
