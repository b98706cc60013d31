/**
 * YAML output the way kubeadm produces it: Go's encoding/json marshalling of the typed object
 * (which fields are emitted, decided by the Go struct tags: `omitempty` drops a non-pointer
 * field's zero value, while a non-nil pointer is emitted even when it points at false, 0 or ""),
 * described here by the schemas of schema.ts and componentconfig_schema.ts; then
 * sigs.k8s.io/yaml's JSONToYAML, which is the one YAML writer, lib/util/goyaml.ts.
 */
import type { SchemaField, SchemaNode } from "./schema.ts";
import { marshalGoYAML } from "../util/goyaml.ts";

/** A JSON-like value ready for YAML emission (object key order is irrelevant: keys get sorted). */
export type GoValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | GoValue[]
  | { [k: string]: GoValue };

function isEmptyForOmit(v: unknown, s: SchemaNode): boolean {
  if (v === undefined || v === null) return true;
  switch (s.t) {
    case "string":
    case "token":
      return v === "";
    case "bool":
      return v === false;
    case "int":
    case "float":
      return v === 0;
    case "slice":
      return Array.isArray(v) && v.length === 0;
    case "map":
      return typeof v === "object" && Object.keys(v as object).length === 0;
    default:
      // structs (also metav1.Duration / metav1.Time / custom types) are never "empty"
      return false;
  }
}

function zeroFor(s: SchemaNode, template: unknown): GoValue {
  if (template !== undefined) return structuredClone(template) as GoValue;
  switch (s.t) {
    case "string":
    case "token":
      return "";
    case "bool":
      return false;
    case "int":
    case "float":
      return 0;
    case "duration":
      return "0s";
    case "struct":
      return toGoValue({}, s, undefined);
    case "slice":
    case "map":
    case "time":
    case "any":
      return null;
  }
}

/**
 * Applies Go's JSON field-emission rules to a plain object described by a schema.
 * `template` supplies the Go zero-value rendering of always-emitted fields that are absent
 * (used for component configs whose zero values have custom marshallers).
 */
export function toGoValue(v: unknown, s: SchemaNode, template: unknown): GoValue {
  if (v === undefined || v === null) {
    if (s.t === "struct") v = {};
    else return null;
  }
  switch (s.t) {
    case "struct": {
      const out: Record<string, GoValue> = {};
      const obj = v as Record<string, unknown>;
      const tmpl = (template && typeof template === "object" ? template : {}) as Record<
        string,
        unknown
      >;
      for (const [name, f] of Object.entries(s.fields) as [string, SchemaField][]) {
        const fv = obj[name];
        if (fv === undefined || fv === null) {
          if (f.ptr) {
            if (!f.omit) out[name] = null;
            continue;
          }
          if (f.s.t === "struct") {
            out[name] = toGoValue({}, f.s, tmpl[name]);
          } else if (f.s.t === "duration" || (f.s.t === "any" && tmpl[name] !== undefined)) {
            out[name] = zeroFor(f.s, tmpl[name]);
          } else if (!f.omit) {
            out[name] = zeroFor(f.s, tmpl[name]);
          }
          continue;
        }
        if (!f.ptr && f.omit && isEmptyForOmit(fv, f.s)) continue;
        out[name] = toGoValue(fv, f.s, tmpl[name]);
      }
      // Keep unknown extra keys of generic objects (should not happen after strict decoding).
      for (const [k, val] of Object.entries(obj)) {
        if (!(k in s.fields) && val !== undefined) out[k] = val as GoValue;
      }
      return out;
    }
    case "slice":
      return (v as unknown[]).map((x) => toGoValue(x, s.elem, undefined));
    case "map": {
      const out: Record<string, GoValue> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        out[k] = toGoValue(x, s.elem, undefined);
      }
      return out;
    }
    default:
      return v as GoValue;
  }
}

/** Typed object + schema → YAML text, as kubeadm marshals its API objects. */
export function marshalYaml(obj: unknown, schema: SchemaNode, template?: unknown): string {
  return marshalGoYAML(toGoValue(obj, schema, template));
}
