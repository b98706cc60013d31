/**
 * Kubeconfig objects as client-go models them (clientcmdapi.Config: maps keyed by name) and
 * their serialization as `clientcmd.Write` (v0.37) produces it: the v1 JSON form converted to
 * YAML with sorted keys, named lists sorted by name, `[]byte` fields base64-encoded, empty
 * `preferences` omitted (omitzero since client-go v0.37), empty lists as `null`.
 */
import { parse as parseYaml } from "yaml";
import { marshalGoYAML } from "../util/goyaml.ts";
import { fromBase64, toBase64 } from "../util/bytes.ts";
import { KubestrapError } from "../errors.ts";

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

/** kubeconfigutil.CreateBasic */
export function createBasic(
  serverURL: string,
  clusterName: string,
  userName: string,
  caCert: Uint8Array | string | undefined,
): KubeConfig {
  const contextName = `${userName}@${clusterName}`;
  const ca = typeof caCert === "string" ? new TextEncoder().encode(caCert) : caCert;
  return {
    clusters: {
      [clusterName]: {
        server: serverURL,
        ...(ca && ca.length ? { "certificate-authority-data": ca } : {}),
      },
    },
    contexts: { [contextName]: { cluster: clusterName, user: userName } },
    users: {},
    currentContext: contextName,
  };
}

const enc = (x: Uint8Array | string) => typeof x === "string" ? new TextEncoder().encode(x) : x;

/** kubeconfigutil.CreateWithCerts (empty cert/key data is omitted, like Go's omitempty). */
export function createWithCerts(
  serverURL: string,
  clusterName: string,
  userName: string,
  caCert: Uint8Array | string | undefined,
  clientKey: Uint8Array | string,
  clientCert: Uint8Array | string | undefined,
): KubeConfig {
  const c = createBasic(serverURL, clusterName, userName, caCert);
  const user: AuthInfo = {};
  const cert = clientCert === undefined ? undefined : enc(clientCert);
  if (cert && cert.length) user["client-certificate-data"] = cert;
  const key = enc(clientKey);
  if (key.length) user["client-key-data"] = key;
  c.users[userName] = user;
  return c;
}

/** kubeconfigutil.CreateWithToken */
export function createWithToken(
  serverURL: string,
  clusterName: string,
  userName: string,
  caCert: Uint8Array | string | undefined,
  token: string,
): KubeConfig {
  const c = createBasic(serverURL, clusterName, userName, caCert);
  c.users[userName] = { token };
  return c;
}

function dropEmpty(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === "" || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (v instanceof Uint8Array) {
      if (v.length) out[k] = toBase64(v);
      continue;
    }
    out[k] = v;
  }
  return out;
}

function byName<T>(m: Record<string, T>, key: string, f: (v: T) => unknown): unknown {
  const names = Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) return null;
  return names.map((name) => ({ name, [key]: f(m[name]) }));
}

/** The v1 JSON object clientcmd would encode. */
export function toV1(c: KubeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    apiVersion: "v1",
    clusters: byName(c.clusters, "cluster", (cl) => {
      const o = dropEmpty(cl as unknown as Record<string, unknown>);
      o.server = cl.server ?? "";
      return o;
    }),
    contexts: byName(c.contexts, "context", (cx) => {
      const o = dropEmpty(cx as unknown as Record<string, unknown>);
      o.cluster = cx.cluster ?? "";
      o.user = cx.user ?? "";
      return o;
    }),
    "current-context": c.currentContext ?? "",
    kind: "Config",
    users: byName(c.users, "user", (u) => dropEmpty(u)),
  };
  if (c.preferences && Object.keys(dropEmpty(c.preferences)).length > 0) {
    out.preferences = dropEmpty(c.preferences);
  }
  if (c.extensions && c.extensions.length) out.extensions = c.extensions;
  return out;
}

/** clientcmd.Write: YAML bytes of the kubeconfig (JSONToYAML of its JSON). */
export function serializeKubeConfig(c: KubeConfig): string {
  return marshalGoYAML(toV1(c));
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
