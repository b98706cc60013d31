/**
 * API clients from kubeconfigs (kubeadm's kubeconfigutil.ClientSetFromFile): the one way
 * kubestrap turns a kubeconfig into a {@link KubeClient}. A kubeconfig file, and the files it
 * refers to (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`), are read
 * through a {@link Host}, so `--rootfs` and the dry-run roots hold.
 */
import { parse as parseYaml } from "yaml";
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import { fromBase64 } from "../util/bytes.ts";
import {
  KubeClient,
  type KubeClientConfig,
  type KubeClientOptions,
  type Transport,
} from "./client.ts";

/** A kubeconfig as parsed YAML (only the fields kubestrap reads). */
export interface KubeconfigDoc {
  clusters?: { name: string; cluster: Record<string, unknown> }[] | null;
  users?: { name: string; user: Record<string, unknown> }[] | null;
  contexts?: { name: string; context: { cluster?: string; user?: string } }[] | null;
  "current-context"?: string;
}

/**
 * Where a kubeconfig comes from: a file on `host`, or its text, or its parsed (YAML/JSON)
 * document. The files it refers to are read through `host` (the real host when not given).
 * Relative paths are relative to the working directory, or to "/" on a re-rooted host.
 */
export type KubeconfigSource =
  | { host: Host; path: string }
  | { text: string; host?: Host }
  | { doc: unknown; host?: Host };

/** Options of {@link clientFromKubeconfig}. */
export interface KubeconfigClientOptions extends Omit<KubeClientOptions, "transport"> {
  /**
   * The HTTP layer when the kubeconfig carries a CA, e.g. lib/discovery's `pinnedTransport`
   * (that CA only). By default the client's own transports (`fetchTransport` also trusts the
   * system roots).
   */
  caTransport?: (cfg: KubeClientConfig) => Transport;
}

function b64decode(s: string): string {
  return new TextDecoder().decode(fromBase64(s.replace(/\s+/g, "")));
}

/** Reads a file a kubeconfig refers to. */
async function readReferenced(host: Host, file: string): Promise<string> {
  const text = await host.readText(host.absolute(file));
  if (text === undefined) throw new Error(`open ${file}: no such file or directory`);
  return text;
}

/**
 * The client config of a parsed kubeconfig's current context (cluster + user), with `*-data`
 * fields base64-decoded and file references read through `host`. Without a current context the
 * first cluster is used (kubeadm's GetClusterFromKubeConfig rule) and no user.
 */
async function decode(doc: unknown, host: Host): Promise<KubeClientConfig> {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new Error("the kubeconfig is not a kubeconfig object");
  }
  const d = doc as KubeconfigDoc;
  const clusters = d.clusters ?? [];
  const ctx = (d.contexts ?? []).find((c) => c.name === d["current-context"])?.context;
  const cluster = (ctx ? clusters.find((c) => c.name === ctx.cluster) : clusters[0])?.cluster;
  if (!cluster) throw new Error("the kubeconfig has no cluster for its current context");
  const user = ctx ? (d.users ?? []).find((u) => u.name === ctx.user)?.user : undefined;
  const str = (o: Record<string, unknown> | undefined, k: string) =>
    typeof o?.[k] === "string" ? o[k] as string : undefined;
  const dataOrFile = async (o: Record<string, unknown> | undefined, data: string, file: string) => {
    const v = str(o, data);
    if (v) return b64decode(v);
    const f = str(o, file);
    return f ? await readReferenced(host, f) : undefined;
  };
  const cfg: KubeClientConfig = { server: str(cluster, "server") ?? "" };
  const ca = await dataOrFile(cluster, "certificate-authority-data", "certificate-authority");
  if (ca) cfg.caData = ca;
  if (cluster["insecure-skip-tls-verify"] === true) cfg.insecureSkipTLSVerify = true;
  const cert = await dataOrFile(user, "client-certificate-data", "client-certificate");
  const key = await dataOrFile(user, "client-key-data", "client-key");
  if (cert) cfg.certData = cert;
  if (key) cfg.keyData = key;
  const tokenFile = str(user, "tokenFile");
  const token = str(user, "token") ??
    (tokenFile ? (await readReferenced(host, tokenFile)).trim() : undefined);
  if (token) cfg.token = token;
  return cfg;
}

/**
 * The client config of a kubeconfig's current context. A file that is missing or cannot be
 * used is an error with kubeadm's words (`failed to load admin kubeconfig: open <path>: ...`).
 */
export async function kubeClientConfig(src: KubeconfigSource): Promise<KubeClientConfig> {
  const host = src.host ?? new Host();
  if ("doc" in src) return await decode(src.doc, host);
  if ("text" in src) return await decode(parseYaml(src.text), host);
  let text: string | undefined;
  try {
    text = await host.readText(host.absolute(src.path));
  } catch (e) {
    // Go's errno words: "is a directory", not Deno's "Is a directory (os error 21): ...".
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\(os error \d+\).*$/s, "");
    throw new KubestrapError(
      `failed to load admin kubeconfig: open ${src.path}: ${
        msg.charAt(0).toLowerCase() + msg.slice(1)
      }`,
    );
  }
  if (text === undefined) {
    throw new KubestrapError(
      `failed to load admin kubeconfig: open ${src.path}: no such file or directory`,
    );
  }
  try {
    return await decode(parseYaml(text), host);
  } catch (e) {
    throw new KubestrapError(`failed to load kubeconfig ${src.path}: ${(e as Error).message}`);
  }
}

/** A client for the current context of a kubeconfig (see {@link kubeClientConfig}). */
export async function clientFromKubeconfig(
  src: KubeconfigSource,
  opts: KubeconfigClientOptions = {},
): Promise<KubeClient> {
  const cfg = await kubeClientConfig(src);
  const { caTransport, ...options } = opts;
  return new KubeClient(cfg, {
    ...options,
    transport: cfg.caData && caTransport ? caTransport(cfg) : undefined,
  });
}
