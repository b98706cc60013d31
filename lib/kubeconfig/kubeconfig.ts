/**
 * Kubeconfig objects as client-go models them (clientcmdapi.Config: maps keyed by name) and
 * their serialization as `clientcmd.Write` (v0.37) produces it: the v1 JSON form converted to
 * YAML with sorted keys, named lists sorted by name, `[]byte` fields base64-encoded, empty
 * `preferences` omitted (omitzero since client-go v0.37), empty lists as `null`.
 */
import { marshalGoYAML } from "../util/goyaml.ts";
import { toBase64 } from "../util/bytes.ts";
import type { AuthInfo, KubeConfig } from "../kube/kubeconfig.ts";

// The model and its parser live with the API client (lib/kube), which reads kubeconfigs too.
export type { AuthInfo, Cluster, Context, KubeConfig } from "../kube/kubeconfig.ts";
export { currentAuthInfo, currentCluster, parseKubeConfig } from "../kube/kubeconfig.ts";

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

/**
 * The kubeconfig kube-proxy runs with: the Pod's ServiceAccount CA and token against `server`
 * (the `kubeconfig.conf` of kubeadm's KubeProxyConfigMap19 template, which its dry-run reactor
 * answers too). Template text in the template's field order, not {@link serializeKubeConfig}'s.
 */
export function kubeProxyKubeconfig(server: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: ${server}
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
`;
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
