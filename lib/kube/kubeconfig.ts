/**
 * API clients from kubeconfigs (kubeadm's kubeconfigutil.ClientSetFromFile): the one way
 * kubestrap turns a kubeconfig into a {@link KubeClient}. A kubeconfig file, and the files it
 * refers to (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`), are read
 * through a {@link Host}, so `--rootfs` and the dry-run roots hold. Also kubestrap's one kubeconfig
 * reader: the model as client-go has it (clientcmdapi.Config) and `clientcmd.Load`
 * ({@link parseKubeConfig}); lib/kubeconfig writes kubeconfigs from that model.
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

/** A cluster entry. Known fields are typed; others are kept as parsed (JSON values). */
export interface Cluster {
  server: string;
  "certificate-authority-data"?: Uint8Array;
  "certificate-authority"?: string;
  "tls-server-name"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "proxy-url"?: string;
  "disable-compression"?: boolean;
  extensions?: unknown[];
}

export interface AuthInfo {
  "client-certificate-data"?: Uint8Array;
  "client-key-data"?: Uint8Array;
  "client-certificate"?: string;
  "client-key"?: string;
  token?: string;
  tokenFile?: string;
  [k: string]: unknown;
}

export interface Context {
  cluster: string;
  user: string;
  namespace?: string;
  extensions?: unknown[];
}

export interface KubeConfig {
  clusters: Record<string, Cluster>;
  users: Record<string, AuthInfo>;
  contexts: Record<string, Context>;
  currentContext: string;
  preferences?: Record<string, unknown>;
  extensions?: unknown[];
}

const BYTES_FIELDS_CLUSTER = ["certificate-authority-data"];
const BYTES_FIELDS_USER = ["client-certificate-data", "client-key-data"];

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
   * (that CA only). By default the client's own (the one main.ts installed with
   * setCATransport: the same pinned transport).
   */
  caTransport?: (cfg: KubeClientConfig) => Transport;
}

/** Reads a file a kubeconfig refers to. */
async function readReferenced(host: Host, file: string): Promise<string> {
  const text = await host.readText(host.absolute(file));
  if (text === undefined) throw new Error(`open ${file}: no such file or directory`);
  return text;
}

/**
 * The client config of a parsed kubeconfig's current context (cluster + user), with `*-data`
 * fields decoded and file references read through `host`. Without a current context the first
 * cluster is used (kubeadm's GetClusterFromKubeConfig rule) and no user.
 */
async function decode(doc: unknown, host: Host): Promise<KubeClientConfig> {
  const kc = kubeConfigOf(doc);
  const ctx = kc.contexts[kc.currentContext];
  const cluster = ctx ? kc.clusters[ctx.cluster] : Object.values(kc.clusters)[0];
  if (!cluster) throw new Error("the kubeconfig has no cluster for its current context");
  const user = ctx ? kc.users[ctx.user] : undefined;
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const str = (v: unknown) => typeof v === "string" && v ? v : undefined;
  const dataOrFile = async (data: Uint8Array | undefined, file: unknown) => {
    if (data?.length) return text(data);
    const f = str(file);
    return f ? await readReferenced(host, f) : undefined;
  };
  const cfg: KubeClientConfig = { server: str(cluster.server) ?? "" };
  const ca = await dataOrFile(
    cluster["certificate-authority-data"],
    cluster["certificate-authority"],
  );
  if (ca) cfg.caData = ca;
  if (cluster["insecure-skip-tls-verify"] === true) cfg.insecureSkipTLSVerify = true;
  const cert = await dataOrFile(user?.["client-certificate-data"], user?.["client-certificate"]);
  const key = await dataOrFile(user?.["client-key-data"], user?.["client-key"]);
  if (cert) cfg.certData = cert;
  if (key) cfg.keyData = key;
  const tokenFile = str(user?.tokenFile);
  const token = str(user?.token) ??
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

/** clientcmd.Load: parses YAML or JSON kubeconfig data. */
export function parseKubeConfig(data: string | Uint8Array): KubeConfig {
  const text = typeof data === "string" ? data : new TextDecoder().decode(data);
  let raw: unknown;
  try {
    raw = text.trim() === "" ? {} : parseYaml(text);
  } catch (e) {
    throw new KubestrapError(`error loading config: ${(e as Error).message}`);
  }
  return kubeConfigOf(raw);
}

/** A parsed (YAML or JSON) kubeconfig document as a {@link KubeConfig}. */
function kubeConfigOf(raw: unknown): KubeConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new KubestrapError("error loading config: not a kubeconfig object");
  }
  const r = raw as Record<string, unknown>;
  const list = (v: unknown, key: string): [string, Record<string, unknown>][] => {
    if (v == null) return [];
    if (!Array.isArray(v)) throw new KubestrapError(`error loading config: ${key} is not a list`);
    return v.map((e) => {
      const item = (e ?? {}) as Record<string, unknown>;
      return [String(item.name ?? ""), (item[key] ?? {}) as Record<string, unknown>];
    });
  };
  const decodeBytes = (o: Record<string, unknown>, fields: string[]) => {
    const out: Record<string, unknown> = { ...o };
    for (const f of fields) {
      if (typeof o[f] === "string") {
        try {
          out[f] = fromBase64((o[f] as string).replace(/\s+/g, ""));
        } catch {
          throw new KubestrapError(`error loading config: illegal base64 data in ${f}`);
        }
      }
    }
    return out;
  };
  const c: KubeConfig = {
    clusters: {},
    users: {},
    contexts: {},
    currentContext: String(r["current-context"] ?? ""),
  };
  for (const [n, v] of list(r.clusters, "cluster")) {
    c.clusters[n] = decodeBytes(v, BYTES_FIELDS_CLUSTER) as unknown as Cluster;
  }
  for (const [n, v] of list(r.users, "user")) {
    c.users[n] = decodeBytes(v, BYTES_FIELDS_USER) as AuthInfo;
  }
  for (const [n, v] of list(r.contexts, "context")) c.contexts[n] = v as unknown as Context;
  if (r.preferences && typeof r.preferences === "object") {
    c.preferences = r.preferences as Record<string, unknown>;
  }
  if (Array.isArray(r.extensions)) c.extensions = r.extensions;
  return c;
}

/** GetClusterFromKubeConfig: the current context's cluster (or the unnamed one). */
export function currentCluster(c: KubeConfig): { name: string; cluster: Cluster } {
  if (c.clusters[""]) return { name: "", cluster: c.clusters[""] };
  const ctx = c.contexts[c.currentContext];
  if (ctx) {
    const cl = c.clusters[ctx.cluster];
    if (cl) return { name: ctx.cluster, cluster: cl };
    throw new KubestrapError(`no matching cluster for the current context: ${c.currentContext}`);
  }
  throw new KubestrapError(`the current context is invalid: ${c.currentContext}`);
}

/** The current context's user entry, if any. */
export function currentAuthInfo(c: KubeConfig): { name: string; user: AuthInfo } | undefined {
  const ctx = c.contexts[c.currentContext];
  if (!ctx || !ctx.user || !c.users[ctx.user]) return undefined;
  return { name: ctx.user, user: c.users[ctx.user] };
}
