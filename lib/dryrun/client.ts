/**
 * kubeadm's dry-run API client (util/apiclient/dryrun.go) as a {@link Transport} under the
 * ordinary {@link KubeClient}: every request is printed the way kubeadm's log reactor prints
 * it, nothing is ever sent to the API server except GET/LIST reads (tried against the real
 * server when one is configured, as kubeadm's dynamic-client reactor does), and writes land
 * in an in-memory store (kubeadm's fake client tracker) so later reads see them. Node GETs
 * and PATCHes are answered with a stub Node carrying the `kubernetes.io/hostname` label.
 * Without a real server, kubeadm's fake cluster objects (reactors.ts) answer what join and
 * upgrade read.
 */

import { marshalGoYAML } from "../util/goyaml.ts";
import {
  KubeClient,
  type KubeClientConfig,
  type KubeObject,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import {
  dryRunReactorObject,
  fakeServerVersion,
  upgradeReactorList,
  upgradeReactorObject,
} from "./reactors.ts";

/** One API call the dry-run client intercepted. */
export interface DryRunAction {
  verb: "get" | "list" | "create" | "update" | "patch" | "delete";
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
  /** The object sent (create/update). */
  object?: KubeObject;
}

/** Where the request goes, from its REST path. */
interface Target {
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
  /** The path of the object (without query). */
  key: string;
}

function parsePath(url: string): Target & { query: URLSearchParams } {
  const u = new URL(url);
  const parts = u.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let group = "";
  let version = "";
  let rest: string[];
  if (parts[0] === "api") {
    version = parts[1] ?? "";
    rest = parts.slice(2);
  } else {
    group = parts[1] ?? "";
    version = parts[2] ?? "";
    rest = parts.slice(3);
  }
  let namespace = "";
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest[0] ?? "";
  const name = rest[1] ?? "";
  const key = `${group}/${version}/${namespace}/${resource}/${name}`;
  return { group, version, resource, namespace, name, key, query: u.searchParams };
}

/**
 * A Secret's values replaced by `<redacted N bytes>` (kubeadm prints them; kubestrap never puts
 * token secrets or encrypted certificates in its output). Other objects pass unchanged.
 */
export function redactSecret(obj: unknown): unknown {
  const o = obj as { kind?: string; data?: Record<string, string>; stringData?: unknown };
  if (!o || typeof o !== "object" || o.kind !== "Secret") return obj;
  const red = (m: Record<string, unknown> | undefined) =>
    m && Object.fromEntries(
      Object.entries(m).map(([k, v]) => [k, `<redacted ${String(v ?? "").length} bytes>`]),
    );
  return {
    ...o,
    ...(o.data ? { data: red(o.data) } : {}),
    ...(o.stringData ? { stringData: red(o.stringData as Record<string, unknown>) } : {}),
  };
}

// deno-lint-ignore no-explicit-any
type Loose = any;

function containersOf(podSpec: Loose): Loose[] {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
}

/**
 * An object as kubeadm prints it after it went through its Go type: the fields Go's encoding
 * always writes are there (`resources: {}` of a container, the `status` of a Deployment,
 * DaemonSet or Service, with the DaemonSet counters that have no `omitempty`), and the
 * `readOnly: false` of a volume mount (`omitempty`) is not. Only the kinds kubeadm's init, join
 * and upgrade print are covered; other objects pass unchanged. The input is not modified.
 */
function goTypedView(obj: unknown): unknown {
  const o = obj as Loose;
  if (!o || typeof o !== "object") return obj;
  const podTemplate = o.kind === "Deployment" || o.kind === "DaemonSet" || o.kind === "Job";
  if (!podTemplate && o.kind !== "Service") return obj;
  const v = structuredClone(o);
  if (podTemplate) {
    for (const c of containersOf(v.spec?.template?.spec)) {
      c.resources ??= {};
      for (const m of c.volumeMounts ?? []) if (m.readOnly === false) delete m.readOnly;
    }
  }
  if (o.kind === "Deployment") v.status ??= {};
  if (o.kind === "Job") {
    // The upgrade health check's Job: its template's ObjectMeta and status print as {}.
    if (v.spec?.template) v.spec.template.metadata ??= {};
    v.status ??= {};
  }
  if (o.kind === "DaemonSet") {
    v.status ??= {};
    for (const k of DAEMONSET_STATUS_COUNTERS) v.status[k] ??= 0;
  }
  if (o.kind === "Service") {
    v.status ??= {};
    v.status.loadBalancer ??= {};
  }
  return v;
}

/** DaemonSetStatus fields without `omitempty`. */
const DAEMONSET_STATUS_COUNTERS = [
  "currentNumberScheduled",
  "numberMisscheduled",
  "desiredNumberScheduled",
  "numberReady",
];

/** kubeadmutil.MarshalToYaml: the JSON object through JSONToYAML. */
export function objectYAML(obj: unknown): string {
  return marshalGoYAML(obj);
}

function status(code: number, reason: string, message: string): TransportResponse {
  return {
    status: code,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      message,
      reason,
      code,
    }),
  };
}

function ok(obj: unknown, code = 200): TransportResponse {
  return {
    status: code,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(obj),
  };
}

function kindOf(t: Target): string {
  const k = t.resource.replace(/s$/, "");
  return k.charAt(0).toUpperCase() + k.slice(1);
}

function notFound(t: Target): TransportResponse {
  const res = t.group ? `${t.resource}.${t.group}` : t.resource;
  return status(404, "NotFound", `${res} "${t.name}" not found`);
}

/** A JSON merge patch (RFC 7386); strategic-merge patches are applied the same way here. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function matchesLabels(obj: KubeObject, q: URLSearchParams): boolean {
  const labels = obj.metadata?.labels ?? {};
  for (const term of (q.get("labelSelector") ?? "").split(",").filter((s) => s)) {
    const [k, v] = term.split("=");
    if (labels[k] !== v) return false;
  }
  return true;
}

/** A list with only the items its label selector matches. */
function withLabelSelector(list: KubeObject, q: URLSearchParams): KubeObject {
  const items = (list as { items?: KubeObject[] }).items ?? [];
  return { ...list, items: items.filter((it) => matchesLabels(it, q)) } as KubeObject;
}

function matchesSelectors(obj: KubeObject, q: URLSearchParams): boolean {
  if (!matchesLabels(obj, q)) return false;
  for (const term of (q.get("fieldSelector") ?? "").split(",").filter((s) => s)) {
    const [k, v] = term.split("=");
    // deno-lint-ignore no-explicit-any
    const got = k.split(".").reduce((o: any, p) => o?.[p], obj);
    if (String(got ?? "") !== v) return false;
  }
  return true;
}

/**
 * A list read as kubeadm's dynamic client reads it: UnstructuredList gives every item the
 * list's apiVersion and its kind without "List" (the API server's JSON leaves them out).
 */
function withItemTypes(o: KubeObject): KubeObject {
  const items = (o as { items?: unknown }).items;
  if (!Array.isArray(items) || typeof o.kind !== "string" || !o.kind.endsWith("List")) return o;
  const kind = o.kind.slice(0, -"List".length);
  for (const it of items as KubeObject[]) {
    if (it && typeof it === "object") {
      it.apiVersion ??= o.apiVersion;
      it.kind ??= kind;
    }
  }
  return o;
}

/** Options of {@link DryRunTransport}. */
export interface DryRunOptions {
  /** Where kubeadm's `[dryrun]` lines go (stdout). */
  out: (s: string) => void;
  /** The real server to try GET/LIST against first (kubeadm's dynamic client), if any. */
  real?: KubeClientConfig;
  /** Timeout of one real read (default 2 s). */
  realTimeoutMs?: number;
  /**
   * Answer Node GET and PATCH with a stub Node (kubeadm's GetNodeReactor and PatchNodeReactor;
   * the default), only PATCH ("patch": upgrade's client with a real server reads the real Node),
   * or neither (false).
   */
  nodeReactors?: boolean | "patch";
  /** Deleting `kube-system/bootstrap-token-*` succeeds (kubeadm's DeleteBootstrapTokenReactor). */
  bootstrapTokenDeleteReactor?: boolean;
  /**
   * GET `kube-system/upgrade-health-check*` Jobs answers a completed Job (kubeadm's
   * HealthCheckJobReactor, which upgrade's dry-run client has: the CreateJob check's Job is
   * never created, so it would otherwise never complete).
   */
  healthCheckJobReactor?: boolean;
  /**
   * join's dry-run client (cmd/join.go Client()): GETs the real server could not answer are
   * answered by kubeadm's fake cluster-info, kubeadm-config, kubeadm-certs, kube-proxy,
   * kubelet-config and Node objects (lib/dryrun/reactors.ts), after the real read, as kubeadm's
   * appended reactors are.
   */
  joinReactors?: boolean;
  /**
   * upgrade's dry-run client without a kubeconfig (cmd/upgrade/common.go getClient when the
   * file does not exist): before any real read, kubeadm's fake kubeadm-config, kubelet-config,
   * kube-proxy and coredns ConfigMaps, the `nodeName` node's control-plane Pods and the CoreDNS
   * Deployment answer (lib/dryrun/reactors.ts; kubeadm's prepended reactors), and `/version`
   * answers kubeadm's CurrentKubernetesVersion (its fake discovery). Nodes: `nodeReactors`.
   */
  upgradeFakeCluster?: { nodeName: string };
}

/**
 * kubeadm's getJob as its HealthCheckJobReactor calls it: with name and namespace swapped
 * (`getJob(a.GetName(), a.GetNamespace())` for `getJob(namespace, name)`), printed with the Go
 * type's zero values.
 */
function completedJob(name: string, namespace: string): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: namespace, namespace: name },
    spec: { template: { metadata: {}, spec: { containers: null } } },
    status: {
      conditions: [{
        lastProbeTime: null,
        lastTransitionTime: null,
        status: "",
        type: "Complete",
      }],
    },
  } as unknown as KubeObject;
}

/** NodeSystemInfo's string fields (no `omitempty`). */
const NODE_INFO_FIELDS = [
  "machineID",
  "systemUUID",
  "bootID",
  "kernelVersion",
  "osImage",
  "containerRuntimeVersion",
  "kubeletVersion",
  "kubeProxyVersion",
  "operatingSystem",
  "architecture",
];

/** The dry-run transport: prints, records, answers; never writes to a server. */
export class DryRunTransport implements Transport {
  readonly actions: DryRunAction[] = [];
  private readonly store = new Map<string, KubeObject>();
  private real?: KubeClient;
  private realBroken = false;

  constructor(private readonly opts: DryRunOptions) {
    if (opts.real?.server) {
      this.real = new KubeClient(opts.real, {
        requestTimeoutMs: opts.realTimeoutMs ?? 2_000,
        retryTimeoutMs: 0,
      });
    }
  }

  private line(s: string): void {
    this.opts.out(s + "\n");
  }

  private logObject(obj: unknown): void {
    this.line("[dryrun] Attached object:");
    this.line(objectYAML(redactSecret(goTypedView(obj))));
  }

  private logAction(verb: DryRunAction["verb"], t: Target, object?: KubeObject): void {
    this.actions.push({
      verb,
      group: t.group,
      version: t.version,
      resource: t.resource,
      namespace: t.namespace,
      name: t.name,
      object,
    });
    this.line(
      `[dryrun] Would perform action ${verb.toUpperCase()} on resource "${t.resource}" in API group "${
        t.group || "core"
      }/${t.version}"`,
    );
    // Actions with a name (get, patch, delete) print it; create/update/list do not.
    if (verb === "get" || verb === "patch" || verb === "delete") {
      this.line(`[dryrun] Resource name "${t.name}", namespace "${t.namespace}"`);
    }
    if (object) this.logObject(object);
  }

  /** kubeadm's reactor Node, with the zero values its Go type prints. */
  private stubNode(name: string): KubeObject {
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name } },
      spec: {},
      status: {
        daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
        nodeInfo: Object.fromEntries(NODE_INFO_FIELDS.map((k) => [k, ""])),
      },
    };
  }

  /** Try the real server once; undefined when that fails (kubeadm then uses the tracker). */
  private async realRead(path: string): Promise<KubeObject | undefined> {
    if (!this.real || this.realBroken) return undefined;
    try {
      const res = await this.real.raw("GET", path, { retry: false });
      return withItemTypes(JSON.parse(res.body));
    } catch (e) {
      // A server that is not there will not appear during this run: stop asking.
      if (!(e instanceof KubeApiError)) this.realBroken = true;
      return undefined;
    }
  }

  send(req: TransportRequest): Promise<TransportResponse> {
    return Promise.resolve(this.handle(req));
  }

  private async handle(req: TransportRequest): Promise<TransportResponse> {
    const t = parsePath(req.url);
    const u = new URL(req.url);
    const body = req.body ? JSON.parse(req.body) as KubeObject : undefined;
    if (req.method === "GET" && u.pathname === "/version" && this.real) {
      // kubeadm's dry-run client answers ServerVersion from its fake discovery (which holds the
      // real server's version) without printing anything.
      const v = await this.realRead("/version");
      if (v) return ok(v);
    }
    if (req.method === "GET" && u.pathname === "/version" && this.opts.upgradeFakeCluster) {
      return ok(fakeServerVersion());
    }
    switch (req.method) {
      case "GET": {
        const verb = t.name ? "get" : "list";
        this.logAction(verb, t);
        if (
          verb === "get" && t.resource === "nodes" && (this.opts.nodeReactors ?? true) === true &&
          !this.opts.joinReactors
        ) {
          const node = this.stubNode(t.name);
          this.logObject(node);
          return ok(node);
        }
        const fake = this.opts.upgradeFakeCluster;
        if (fake) {
          const obj = verb === "get"
            ? upgradeReactorObject(t.resource, t.namespace, t.name)
            : upgradeReactorList(t.resource, t.namespace, fake.nodeName);
          if (obj) {
            this.logObject(obj);
            // client-go's fake clientset filters a list by its label selector (only).
            return ok(verb === "list" ? withLabelSelector(obj, t.query) : obj);
          }
        }
        if (
          verb === "get" && this.opts.healthCheckJobReactor && t.resource === "jobs" &&
          t.name.startsWith("upgrade-health-check") && t.namespace === "kube-system"
        ) {
          const job = completedJob(t.name, t.namespace);
          this.logObject(job);
          return ok(job);
        }
        const real = await this.realRead(u.pathname + u.search);
        if (real) {
          this.logObject(real);
          return ok(real);
        }
        this.line(
          `[dryrun] Real object does not exist. Attempting to ${verb.toUpperCase()} from followup reactors or from the fake client tracker`,
        );
        if (this.opts.joinReactors && verb === "get") {
          const obj = t.resource === "nodes" && t.namespace === ""
            ? this.stubNode(t.name)
            : dryRunReactorObject(t.resource, t.namespace, t.name);
          if (obj) {
            this.logObject(obj);
            return ok(obj);
          }
        }
        if (verb === "get") {
          const o = this.store.get(t.key);
          return o ? ok(o) : notFound(t);
        }
        const items = [...this.store.entries()]
          .filter(([k, o]) => {
            const [g, v, ns, r] = k.split("/");
            return g === t.group && v === t.version && r === t.resource &&
              (!t.namespace || ns === t.namespace) && matchesSelectors(o, t.query);
          })
          .map(([, o]) => o);
        return ok({ kind: `${kindOf(t)}List`, apiVersion: "v1", metadata: {}, items });
      }
      case "POST": {
        const obj = structuredClone(body ?? {}) as KubeObject;
        obj.metadata ??= {};
        if (t.namespace) obj.metadata.namespace ??= t.namespace;
        const name = obj.metadata.name ?? "";
        const target = {
          ...t,
          name,
          key: `${t.group}/${t.version}/${t.namespace}/${t.resource}/${name}`,
        };
        this.logAction("create", target, obj);
        if (this.store.has(target.key)) {
          const res = t.group ? `${t.resource}.${t.group}` : t.resource;
          return status(409, "AlreadyExists", `${res} "${name}" already exists`);
        }
        this.store.set(target.key, obj);
        return ok(obj, 201);
      }
      case "PUT": {
        const obj = structuredClone(body ?? {}) as KubeObject;
        this.logAction("update", t, obj);
        if (!this.store.has(t.key)) return notFound(t);
        this.store.set(t.key, obj);
        return ok(obj);
      }
      case "PATCH": {
        this.logAction("patch", t);
        if (t.resource === "nodes" && this.opts.nodeReactors !== false) {
          const node = this.stubNode(t.name);
          this.logObject(node);
          return ok(node);
        }
        const cur = this.store.get(t.key);
        if (!cur) return notFound(t);
        const next = mergePatch(cur, body) as KubeObject;
        this.store.set(t.key, next);
        return ok(next);
      }
      case "DELETE": {
        this.logAction("delete", t);
        if (
          this.opts.bootstrapTokenDeleteReactor && t.resource === "secrets" &&
          t.namespace === "kube-system" && t.name.startsWith("bootstrap-token-")
        ) {
          this.store.delete(t.key);
          const obj = {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: t.name, namespace: t.namespace },
          };
          this.logObject(obj);
          return ok(obj);
        }
        if (!this.store.delete(t.key)) return notFound(t);
        return ok({ kind: "Status", apiVersion: "v1", status: "Success" });
      }
    }
    return status(405, "MethodNotAllowed", `${req.method} is not supported in dry-run`);
  }

  close(): void {
    this.real?.close();
  }
}

/** A dry-run {@link KubeClient} and its transport (to read the recorded actions). */
export function dryRunClient(
  opts: DryRunOptions,
): { client: KubeClient; transport: DryRunTransport } {
  const transport = new DryRunTransport(opts);
  const client = new KubeClient({ server: opts.real?.server || "https://dry-run.invalid" }, {
    transport,
    retryTimeoutMs: 0,
  });
  return { client, transport };
}

/** The objects a dry run would have created or updated, one line each (kubestrap's account). */
export function dryRunAccount(actions: DryRunAction[]): string[] {
  const lines: string[] = [];
  for (const a of actions) {
    if (a.verb === "get" || a.verb === "list") continue;
    const gv = `${a.group || "core"}/${a.version}`;
    const name = a.verb === "create" || a.verb === "update"
      ? a.object?.metadata?.name ?? a.name
      : a.name;
    const ns = a.namespace || a.object?.metadata?.namespace || "";
    lines.push(`${a.verb.toUpperCase()} ${a.resource} (${gv}) ${ns ? `${ns}/` : ""}${name}`);
  }
  return lines;
}
