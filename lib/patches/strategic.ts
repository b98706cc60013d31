/**
 * JSON merge patch (RFC 7386, as gopkg.in/evanphx/json-patch.v4 MergePatch), JSON patch
 * (RFC 6902, evanphx v4 Patch.Apply) and Kubernetes strategic merge patch
 * (k8s.io/apimachinery/pkg/util/strategicpatch) for the objects kubeadm patches: core/v1 Pod,
 * apps/v1 Deployment and DaemonSet (through their Pod template) and the kubelet's
 * KubeletConfiguration (no patch strategies: lists are replaced).
 *
 * Values are JSON-shaped (objects, arrays, strings, numbers, booleans, null).
 */

// deno-lint-ignore no-explicit-any
type Json = any;

function isObj(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// RFC 7386

export function jsonMergePatch(doc: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  const out: Record<string, Json> = isObj(doc) ? clone(doc) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902

function unescapePointer(s: string): string {
  return s.replaceAll("~1", "/").replaceAll("~0", "~");
}

function splitPointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw new Error(`invalid JSON pointer ${JSON.stringify(p)}`);
  return p.slice(1).split("/").map(unescapePointer);
}

function arrayIndex(arr: Json[], key: string, forAdd: boolean): number {
  if (key === "-" && forAdd) return arr.length;
  if (!/^-?\d+$/.test(key)) throw new Error(`Unable to access invalid index: ${key}`);
  let i = Number(key);
  if (i < 0) i += arr.length; // evanphx v4 supports negative indices
  const max = forAdd ? arr.length : arr.length - 1;
  if (i < 0 || i > max) throw new Error(`Unable to access invalid index: ${key}`);
  return i;
}

function getParent(doc: Json, parts: string[], op: string): [Json, string] {
  let cur = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, part, false)];
    else if (isObj(cur) && part in cur) cur = cur[part];
    else {
      // Patch.add/remove quote the path, replace does not, test says "is missing path".
      const ptr = "/" + parts.join("/");
      throw new Error(
        op === "replace"
          ? `replace operation does not apply: doc is missing path: ${ptr}`
          : op === "test"
          ? `test operation does not apply: is missing path: ${ptr}`
          : `${op} operation does not apply: doc is missing path: "${ptr}"`,
      );
    }
  }
  return [cur, parts[parts.length - 1]];
}

function getAt(doc: Json, ptr: string, op: string): Json {
  const parts = splitPointer(ptr);
  if (parts.length === 0) return doc;
  const [parent, key] = getParent(doc, parts, op);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, key, false)];
  if (isObj(parent) && key in parent) return parent[key];
  throw new Error(`${op} operation does not apply: doc is missing path: "${ptr}"`);
}

function removeAt(doc: Json, ptr: string, op: string): Json {
  const parts = splitPointer(ptr);
  const [parent, key] = getParent(doc, parts, op);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, false);
    return parent.splice(i, 1)[0];
  }
  if (isObj(parent) && key in parent) {
    const v = parent[key];
    delete parent[key];
    return v;
  }
  if (isObj(parent) && op === "remove") {
    // partialDoc.remove, wrapped by Patch.remove.
    throw new Error(
      `error in remove for path: '${ptr}': Unable to remove nonexistent key: ${key}: missing value`,
    );
  }
  throw new Error(`${op} operation does not apply: doc is missing path: "${ptr}"`);
}

function addAt(doc: Json, ptr: string, value: Json, op: string): Json {
  const parts = splitPointer(ptr);
  if (parts.length === 0) return value;
  const [parent, key] = getParent(doc, parts, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (isObj(parent)) parent[key] = value;
  else throw new Error(`${op} operation does not apply: doc is missing path: "${ptr}"`);
  return doc;
}

/** Applies an RFC 6902 JSON patch (array of operations) to a copy of `doc`. */
export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) {
    throw new Error("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  let out = clone(doc);
  for (const o of ops) {
    const op = o?.op;
    const p = o?.path;
    if (typeof p !== "string") throw new Error(`${op} operation missing path`);
    switch (op) {
      case "add":
        out = addAt(out, p, clone(o.value), "add");
        break;
      case "remove":
        removeAt(out, p, "remove");
        break;
      case "replace": {
        const parts = splitPointer(p);
        if (parts.length === 0) {
          out = clone(o.value);
          break;
        }
        const [parent, key] = getParent(out, parts, "replace");
        if (Array.isArray(parent)) parent[arrayIndex(parent, key, false)] = clone(o.value);
        // evanphx v4: partialDoc.get never fails, so a missing key is simply set.
        else if (isObj(parent)) parent[key] = clone(o.value);
        else throw new Error(`replace operation does not apply: doc is missing key: ${p}`);
        break;
      }
      case "move": {
        const v = removeAt(out, o.from, "move");
        out = addAt(out, p, v, "move");
        break;
      }
      case "copy":
        out = addAt(out, p, clone(getAt(out, o.from, "copy")), "copy");
        break;
      case "test": {
        // evanphx v4: a missing object key tests as absent, equal only to a null/absent value.
        const parts = splitPointer(p);
        const [parent, key] = parts.length ? getParent(out, parts, "test") : [undefined, ""];
        if (isObj(parent) && !(key in parent)) {
          if (o.value !== null && o.value !== undefined) {
            throw new Error(`testing value ${p} failed: test failed`);
          }
        } else if (!deepEqual(getAt(out, p, "test"), o.value)) {
          throw new Error(`testing value ${p} failed: test failed`);
        }
        break;
      }
      default:
        throw new Error(`Unexpected kind: ${op}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

/** Patch metadata of a field: its merge strategy and, for lists of objects, the merge key. */
export interface SmpField {
  strategy?: "merge" | "retainKeys" | "merge,retainKeys";
  mergeKey?: string;
  /** Schema of the value (for objects) or of the list elements. */
  schema?: SmpSchema;
}
export type SmpSchema = { [field: string]: SmpField };

const containerSchema: SmpSchema = {
  ports: { strategy: "merge", mergeKey: "containerPort" },
  env: { strategy: "merge", mergeKey: "name" },
  volumeMounts: { strategy: "merge", mergeKey: "mountPath" },
  volumeDevices: { strategy: "merge", mergeKey: "devicePath" },
};

const POD_SPEC_SCHEMA: SmpSchema = {
  volumes: { strategy: "merge,retainKeys", mergeKey: "name" },
  initContainers: { strategy: "merge", mergeKey: "name", schema: containerSchema },
  containers: { strategy: "merge", mergeKey: "name", schema: containerSchema },
  ephemeralContainers: { strategy: "merge", mergeKey: "name", schema: containerSchema },
  imagePullSecrets: { strategy: "merge", mergeKey: "name" },
  hostAliases: { strategy: "merge", mergeKey: "ip" },
  topologySpreadConstraints: { strategy: "merge", mergeKey: "topologyKey" },
  schedulingGates: { strategy: "merge", mergeKey: "name" },
  resourceClaims: { strategy: "merge,retainKeys", mergeKey: "name" },
};

const OBJECT_META_SCHEMA: SmpSchema = {
  finalizers: { strategy: "merge" },
  ownerReferences: { strategy: "merge", mergeKey: "uid" },
};

export const POD_SCHEMA: SmpSchema = {
  metadata: { schema: OBJECT_META_SCHEMA },
  spec: { schema: POD_SPEC_SCHEMA },
  status: {
    schema: {
      conditions: { strategy: "merge", mergeKey: "type" },
      podIPs: { strategy: "merge", mergeKey: "ip" },
    },
  },
};

const TEMPLATE_SCHEMA: SmpSchema = {
  metadata: { schema: OBJECT_META_SCHEMA },
  spec: { schema: POD_SPEC_SCHEMA },
};

export const DEPLOYMENT_SCHEMA: SmpSchema = {
  metadata: { schema: OBJECT_META_SCHEMA },
  spec: {
    schema: {
      template: { schema: TEMPLATE_SCHEMA },
      strategy: { strategy: "retainKeys" },
    },
  },
  status: { schema: { conditions: { strategy: "merge", mergeKey: "type" } } },
};

export const DAEMONSET_SCHEMA: SmpSchema = {
  metadata: { schema: OBJECT_META_SCHEMA },
  spec: { schema: { template: { schema: TEMPLATE_SCHEMA } } },
  status: { schema: { conditions: { strategy: "merge", mergeKey: "type" } } },
};

/** KubeletConfiguration has no patch strategies: every list is replaced. */
export const KUBELET_CONFIGURATION_SCHEMA: SmpSchema = {};

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER_PREFIX = "$setElementOrder/";
const DELETE_PRIMITIVE_PREFIX = "$deleteFromPrimitiveList/";

function discardNulls(v: Json): Json {
  if (!isObj(v)) return clone(v);
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    out[k] = discardNulls(x);
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) {
    return v.filter((x) => !(isObj(x) && x[DIRECTIVE] === "delete")).map(stripDirectives);
  }
  if (!isObj(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER_PREFIX)) continue;
    if (k.startsWith(DELETE_PRIMITIVE_PREFIX)) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

function mergeMap(original: Record<string, Json>, patch: Record<string, Json>, schema: SmpSchema) {
  const directive = patch[DIRECTIVE];
  if (directive === "replace") {
    const { [DIRECTIVE]: _d, ...rest } = patch;
    return stripDirectives(discardNulls(rest));
  }
  if (directive === "delete") return {};
  if (directive !== undefined) throw new Error(`Unknown patch type: ${directive}`);
  const out: Record<string, Json> = { ...original };
  // $retainKeys: drop keys of the original not listed
  if (Array.isArray(patch[RETAIN_KEYS])) {
    const keep = new Set(patch[RETAIN_KEYS] as string[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  for (const [k, pv] of Object.entries(patch)) {
    if (k === RETAIN_KEYS || k.startsWith(SET_ORDER_PREFIX)) continue;
    if (k.startsWith(DELETE_PRIMITIVE_PREFIX)) {
      const field = k.slice(DELETE_PRIMITIVE_PREFIX.length);
      if (Array.isArray(out[field]) && Array.isArray(pv)) {
        out[field] = out[field].filter((x: Json) => !pv.some((d) => deepEqual(d, x)));
      }
      continue;
    }
    if (pv === null) {
      delete out[k];
      continue;
    }
    const field = schema[k] ?? {};
    const ov = out[k];
    if (!(k in out)) {
      out[k] = stripDirectives(discardNulls(pv));
      continue;
    }
    if (isObj(ov) && isObj(pv)) {
      out[k] = mergeMap(ov, pv, field.schema ?? {});
    } else if (Array.isArray(ov) && Array.isArray(pv)) {
      out[k] = mergeList(ov, pv, field, patch[SET_ORDER_PREFIX + k]);
    } else {
      out[k] = stripDirectives(discardNulls(pv));
    }
  }
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER_PREFIX)) continue;
    const field = k.slice(SET_ORDER_PREFIX.length);
    if (!(field in patch) && Array.isArray(out[field]) && Array.isArray(order)) {
      out[field] = orderList(out[field], order, schema[field]?.mergeKey);
    }
  }
  return out;
}

function orderList(list: Json[], order: Json[], mergeKey?: string): Json[] {
  const keyOf = (x: Json) => (mergeKey && isObj(x) ? x[mergeKey] : x);
  const idx = (x: Json) => order.findIndex((o) => deepEqual(keyOf(o), keyOf(x)));
  const inOrder = list.filter((x) => idx(x) >= 0).sort((a, b) => idx(a) - idx(b));
  const rest = list.filter((x) => idx(x) < 0);
  return [...inOrder, ...rest];
}

function mergeList(original: Json[], patch: Json[], field: SmpField, order?: Json[]): Json[] {
  const merge = field.strategy?.split(",").includes("merge") ?? false;
  if (!merge) return stripDirectives(patch);
  if (original.length === 0 && patch.length === 0) return original;
  const key = field.mergeKey;
  const isMapList = [...original, ...patch].some(isObj);
  let orig = [...original];
  let merged: Json[];
  let patchItems: Json[] = patch;
  if (!isMapList) {
    merged = [...orig];
    for (const v of patch) if (!merged.some((x) => deepEqual(x, v))) merged.push(v);
  } else {
    if (!key) throw new Error("cannot merge lists without merge key");
    // mergeSliceWithSpecialElements
    const rest: Json[] = [];
    let replace = false;
    for (const pv of patch) {
      const d = isObj(pv) ? pv[DIRECTIVE] : undefined;
      if (d === undefined) rest.push(pv);
      else if (d === "delete") orig = orig.filter((x) => !(isObj(x) && deepEqual(x[key], pv[key])));
      else if (d === "replace") replace = true;
      else throw new Error(`Unknown patch type: ${d}`);
    }
    if (replace) return stripDirectives(rest);
    patchItems = rest;
    // mergeSliceWithoutSpecialElements: merge in place by key, append the others
    merged = [...orig];
    for (const pv of rest) {
      const i = merged.findIndex((x) => isObj(x) && deepEqual(x[key], pv[key]));
      if (i >= 0) merged[i] = mergeMap(merged[i], pv, field.schema ?? {});
      else merged.push(stripDirectives(discardNulls(pv)));
    }
  }
  // normalizeElementOrder: patch items in patch order, server-only items in original order,
  // interleaved by mergeSortedSlice.
  const keyOf = (x: Json) => (isMapList && key && isObj(x) ? x[key] : x);
  const indexIn = (l: Json[], v: Json) => l.findIndex((o) => deepEqual(keyOf(o), keyOf(v)));
  const inPatch = merged.filter((x) => indexIn(patchItems, x) >= 0);
  const serverOnly = merged.filter((x) => indexIn(patchItems, x) < 0);
  inPatch.sort((a, b) => indexIn(patchItems, a) - indexIn(patchItems, b));
  serverOnly.sort((a, b) => indexIn(orig, a) - indexIn(orig, b));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < inPatch.length) {
    if (i >= serverOnly.length) out.push(inPatch[j++]);
    else if (j >= inPatch.length) out.push(serverOnly[i++]);
    else {
      const li = indexIn(orig, serverOnly[i]);
      const ri = indexIn(orig, inPatch[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(inPatch[j++]);
    }
  }
  return Array.isArray(order) ? orderList(out, order, key) : out;
}

/** Applies a strategic merge patch to a copy of `doc` with the patch metadata `schema`. */
export function strategicMergePatch(doc: Json, patch: Json, schema: SmpSchema): Json {
  if (!isObj(patch)) throw new Error("unable to find api field in struct for the json field");
  if (!isObj(doc)) return stripDirectives(discardNulls(patch));
  return mergeMap(clone(doc), clone(patch), schema);
}
