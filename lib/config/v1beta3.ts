/**
 * `kubeadm.k8s.io/v1beta3` → v1beta4 conversion for `kubestrap config migrate`, reproducing what
 * kubeadm v1.36.3 did (apis/kubeadm/v1beta3/{defaults,conversion}.go, apis/kubeadm/v1beta4/
 * conversion.go, util/config/common.go MigrateOldConfig and its "migrate mutators").
 * kubeadm v1.37 no longer reads v1beta3; every other kubestrap command keeps rejecting it.
 *
 * How it works: each v1beta3 document is decoded strictly with the v1beta3 schema (errors carry
 * FILE:LINE:COLUMN and the field), given the v1beta3 defaults that differ from v1beta4's, converted
 * to a v1beta4 document, and then loaded by the ordinary v1beta4 path (defaults, dynamic defaults,
 * validation). The v1.36 timeout rules are applied afterwards by `applyV1beta3Timeouts*`:
 *
 *  - extraArgs (apiServer, controllerManager, scheduler, etcd.local) and
 *    nodeRegistration.kubeletExtraArgs: map → `[]{name,value}` sorted by name, then value;
 *  - nodeRegistration.imagePullSerial: true; etcd.external.httpEndpoints = endpoints;
 *    encryptionAlgorithm / certificate validity periods: the v1beta4 defaults;
 *  - InitConfiguration.timeouts.controlPlaneComponentHealthCheck = the v1beta3
 *    ClusterConfiguration's apiServer.timeoutForControlPlane (defaulted to 4m0s when absent). When
 *    no v1beta3 ClusterConfiguration is given, kubeadm v1.36's migrate mutator copies the *zero*
 *    internal value: the result is `0s` (kubeadm's behaviour, reproduced, with a warning);
 *  - a non-zero v1beta3 timeoutForControlPlane also becomes JoinConfiguration.timeouts.
 *    controlPlaneComponentHealthCheck (kubeadm keeps it in a process-wide variable);
 *  - JoinConfiguration.discovery.timeout (default 5m0s) → timeouts.discovery; other timeouts get
 *    their defaults;
 *  - v1beta3 has no ResetConfiguration/UpgradeConfiguration: such v1beta3 documents are unknown
 *    configuration APIs. Everything else (skipPhases, patches, certificateKey, tokens, taints…) is
 *    copied as is; `dns.type` (removed in v1beta3) is an unknown field.
 */
import { KubestrapError } from "../errors.ts";
import { programName } from "../host.ts";
import * as C from "./constants.ts";
import {
  ConfigDecodeError,
  decodeDocument,
  gvkGoSyntax,
  type JNode,
  type Pos,
  type RawDocument,
} from "./decode.ts";
import type { Arg, InitConfiguration, JoinConfiguration } from "./types.ts";
import { V1BETA3_SCHEMAS } from "./v1beta3_schema.ts";

export const V1BETA3 = "kubeadm.k8s.io/v1beta3";
const V1BETA4 = "kubeadm.k8s.io/v1beta4";

/** The line `config migrate` prints on stderr when it converts v1beta3. */
export const V1BETA3_MIGRATE_NOTICE =
  `[config] kubestrap converts "${V1BETA3}" as kubeadm v1.36 did (kubeadm v1.37 no longer ` +
  `reads it); review the new "${V1BETA4}" configuration before use`;

/** The hint appended to kubeadm's "old API spec" error for v1beta3 (all commands but migrate). */
export function v1beta3Hint(file: string): string {
  return ` (kubestrap can convert it: ${programName()} config migrate --old-config ${file} ` +
    `--new-config <new-file>)`;
}

/** Whether a document is a kubeadm v1beta3 one. */
export function isV1beta3(doc: RawDocument): boolean {
  return doc.gvk.group === "kubeadm.k8s.io" && doc.gvk.version === "v1beta3";
}

/** convertToArgs: map → []Arg sorted by name, then value (nil map → nil). */
export function convertToArgs(m: Record<string, string> | undefined): Arg[] | undefined {
  if (m === undefined) return undefined;
  const args = Object.entries(m).map(([name, value]) => ({ name, value }));
  args.sort((x, y) => x.name === y.name ? cmp(x.value, y.value) : cmp(x.name, y.name));
  return args;
}

/** Go string comparison (bytewise on UTF-8). */
function cmp(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    if (ea[i] !== eb[i]) return ea[i] - eb[i];
  }
  return ea.length - eb.length;
}

type Obj = Record<string, unknown>;

function convertComponent(c: unknown): Obj | undefined {
  if (c === undefined) return undefined;
  const out = { ...(c as Obj) };
  const args = convertToArgs(out.extraArgs as Record<string, string> | undefined);
  if (args === undefined) delete out.extraArgs;
  else out.extraArgs = args;
  return out;
}

function convertNodeRegistration(n: unknown): Obj {
  const out = { ...((n ?? {}) as Obj) };
  const args = convertToArgs(out.kubeletExtraArgs as Record<string, string> | undefined);
  if (args === undefined) delete out.kubeletExtraArgs;
  else out.kubeletExtraArgs = args;
  out.imagePullSerial = true;
  return out;
}

/** Convert_v1beta3_InitConfiguration_To_kubeadm_InitConfiguration (as a v1beta4 object). */
function convertInit(v3: Obj): Obj {
  const out: Obj = { ...v3, apiVersion: V1BETA4 };
  out.nodeRegistration = convertNodeRegistration(v3.nodeRegistration);
  // SetDefaultTimeouts: all defaults (the v1beta4 defaulting below fills them in).
  return out;
}

/**
 * Convert_v1beta3_ClusterConfiguration_To_kubeadm_ClusterConfiguration (as a v1beta4 object) and
 * the defaulted apiServer.timeoutForControlPlane.
 */
function convertCluster(v3: Obj): { cluster: Obj; timeoutForControlPlane: string } {
  const out: Obj = { ...v3, apiVersion: V1BETA4 };
  const api = { ...((v3.apiServer ?? {}) as Obj) };
  // SetDefaults_APIServer (v1beta3): nil → 4m0s.
  const tfcp = (api.timeoutForControlPlane as string | undefined) ??
    C.DEFAULT_TIMEOUTS.controlPlaneComponentHealthCheck;
  delete api.timeoutForControlPlane;
  out.apiServer = convertComponent(api);
  for (const k of ["controllerManager", "scheduler"]) {
    if (v3[k] !== undefined) out[k] = convertComponent(v3[k]);
  }
  const etcd = v3.etcd as Obj | undefined;
  if (etcd) {
    const e: Obj = { ...etcd };
    if (etcd.local) e.local = convertComponent(etcd.local);
    if (etcd.external) {
      const x = { ...(etcd.external as Obj) };
      if (x.endpoints !== undefined) x.httpEndpoints = x.endpoints;
      e.external = x;
    }
    out.etcd = e;
  }
  out.encryptionAlgorithm = C.DEFAULT_ENCRYPTION_ALGORITHM;
  out.certificateValidityPeriod = C.CERTIFICATE_VALIDITY_PERIOD;
  out.caCertificateValidityPeriod = C.CA_CERTIFICATE_VALIDITY_PERIOD;
  return { cluster: out, timeoutForControlPlane: tfcp };
}

/** Convert_v1beta3_JoinConfiguration_To_kubeadm_JoinConfiguration (as a v1beta4 object). */
function convertJoin(v3: Obj): Obj {
  const out: Obj = { ...v3, apiVersion: V1BETA4 };
  out.nodeRegistration = convertNodeRegistration(v3.nodeRegistration);
  const d = { ...((v3.discovery ?? {}) as Obj) };
  // SetDefaults_Discovery (v1beta3): nil → 5m0s; it becomes timeouts.discovery.
  const timeout = (d.timeout as string | undefined) ?? C.DEFAULT_TIMEOUTS.discovery;
  delete d.timeout;
  out.discovery = d;
  out.timeouts = { discovery: timeout };
  return out;
}

/** Plain value → JNode (every node at `pos`), for feeding a converted object to the v1beta4 path. */
function toJNode(v: unknown, pos: Pos): JNode {
  if (v === undefined || v === null) return { k: "null", pos };
  if (typeof v === "string") return { k: "str", pos, v };
  if (typeof v === "boolean") return { k: "bool", pos, v, raw: String(v) };
  if (typeof v === "number" || typeof v === "bigint") {
    return { k: "num", pos, v, text: String(v), float: false };
  }
  if (Array.isArray(v)) return { k: "seq", pos, items: v.map((x) => toJNode(x, pos)) };
  return {
    k: "map",
    pos,
    entries: Object.entries(v as Obj).filter(([, x]) => x !== undefined).map(([key, x]) => ({
      key,
      keyPos: pos,
      value: toJNode(x, pos),
    })),
  };
}

/** What `config migrate` needs to finish a v1beta3 migration. */
export interface V1beta3Migration {
  /** The documents with every v1beta3 one replaced by its v1beta4 conversion. */
  docs: RawDocument[];
  /** Kinds that were given as v1beta3. */
  kinds: Set<string>;
  /** The internal APIServer.TimeoutForControlPlane kubeadm v1.36's init mutator copies. */
  timeoutForControlPlane: string;
  /** kubeadm's conversionTimeoutControlPlane (set by a non-zero v1beta3 value). */
  conversionTimeout?: string;
}

/**
 * Decodes every v1beta3 document strictly and converts it (kubeadm v1.36 decoding + defaulting +
 * conversion). Throws like kubeadm v1.36 for v1beta3 kinds it never had and for decoding errors.
 */
export function convertV1beta3Documents(docs: RawDocument[], file: string): V1beta3Migration {
  const unknown = docs.filter((d) => isV1beta3(d) && !V1BETA3_SCHEMAS[d.gvk.kind]);
  if (unknown.length > 0) {
    throw new KubestrapError(
      `unknown configuration APIs: []schema.GroupVersionKind{${
        unknown.map((d) => gvkGoSyntax(d.gvk)).join(", ")
      }}`,
    );
  }
  const kinds = new Set<string>();
  let timeoutForControlPlane = "0s";
  let conversionTimeout: string | undefined;
  const out = docs.map((doc) => {
    if (!isV1beta3(doc)) return doc;
    const d = decodeDocument<Obj>(doc, V1BETA3_SCHEMAS[doc.gvk.kind], file);
    if (d.strictProblems.length > 0) {
      throw new ConfigDecodeError(
        d.strictProblems.map((m) =>
          m.endsWith(`unknown field "dns.type"`)
            ? `${m} (v1beta3 has no dns.type: CoreDNS is the only DNS add-on; remove the field)`
            : m
        ),
      );
    }
    kinds.add(doc.gvk.kind);
    let v4: Obj;
    if (doc.gvk.kind === "InitConfiguration") v4 = convertInit(d.value);
    else if (doc.gvk.kind === "JoinConfiguration") v4 = convertJoin(d.value);
    else {
      const c = convertCluster(d.value);
      v4 = c.cluster;
      timeoutForControlPlane = c.timeoutForControlPlane;
      if (c.timeoutForControlPlane !== "0s") conversionTimeout = c.timeoutForControlPlane;
    }
    const pos = { line: doc.startLine, col: 1 };
    return {
      ...doc,
      gvk: { ...doc.gvk, version: "v1beta4" },
      node: toJNode(v4, pos),
      yamlProblems: [],
    };
  });
  return { docs: out, kinds, timeoutForControlPlane, conversionTimeout };
}

/**
 * kubeadm v1.36's init migrate mutator + v1beta4 conversion: the health-check timeout is the
 * process-wide converted value, else the internal APIServer.TimeoutForControlPlane (0s when the
 * ClusterConfiguration was not v1beta3). Returns a warning when the result is 0s.
 */
export function applyV1beta3TimeoutsInit(
  m: V1beta3Migration,
  init: InitConfiguration,
): string[] {
  const t = m.conversionTimeout ?? m.timeoutForControlPlane;
  init.timeouts = { ...(init.timeouts ?? {}), controlPlaneComponentHealthCheck: t };
  if (t !== "0s") return [];
  return [
    `[config] WARNING: like kubeadm v1.36, the migrated InitConfiguration has ` +
    `timeouts.controlPlaneComponentHealthCheck: 0s (no v1beta3 ClusterConfiguration with ` +
    `apiServer.timeoutForControlPlane was given); set it (default ` +
    `${C.DEFAULT_TIMEOUTS.controlPlaneComponentHealthCheck}) before using the new file`,
  ];
}

/** kubeadm v1.36's v1beta4 JoinConfiguration conversion: the process-wide converted timeout. */
export function applyV1beta3TimeoutsJoin(m: V1beta3Migration, join: JoinConfiguration): void {
  if (m.conversionTimeout === undefined) return;
  join.timeouts = {
    ...(join.timeouts ?? {}),
    controlPlaneComponentHealthCheck: m.conversionTimeout,
  };
}

/** Warnings name the documents' original GroupVersionKind. */
export function restoreV1beta3Warnings(m: V1beta3Migration, warnings: string[]): string[] {
  return warnings.map((w) => {
    let out = w;
    for (const k of m.kinds) {
      out = out.replaceAll(`${V1BETA4}, Kind=${k}`, `${V1BETA3}, Kind=${k}`);
    }
    return out;
  });
}
