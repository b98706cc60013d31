/**
 * kubeadm's `--patches` directory (util/patches/patches.go, v1.37.2).
 *
 * File names: `target[suffix][+patchtype].{json,yaml}`; the directory is walked recursively in
 * lexical order; each file may hold several `---`-separated patches; patches for a target are
 * applied in file order. Messages go to `output` with kubeadm's wording.
 */
import * as path from "@std/path";
import { Host } from "../host.ts";
import { parseAllDocuments } from "yaml";
import {
  DAEMONSET_SCHEMA,
  DEPLOYMENT_SCHEMA,
  jsonMergePatch,
  jsonPatch,
  KUBELET_CONFIGURATION_SCHEMA,
  POD_SCHEMA,
  type SmpSchema,
  strategicMergePatch,
} from "./strategic.ts";

export const KUBELET_CONFIGURATION_TARGET = "kubeletconfiguration";
const COREDNS_DEPLOYMENT_TARGET = "corednsdeployment";
const KUBEPROXY_DAEMONSET_TARGET = "kubeproxydaemonset";

/** knownTargets, in kubeadm's order (used in messages). */
const KNOWN_TARGETS = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  KUBELET_CONFIGURATION_TARGET,
  COREDNS_DEPLOYMENT_TARGET,
  KUBEPROXY_DAEMONSET_TARGET,
];

export type PatchType =
  | "application/json-patch+json"
  | "application/merge-patch+json"
  | "application/strategic-merge-patch+json";

const JSON_PATCH: PatchType = "application/json-patch+json";
export const MERGE_PATCH: PatchType = "application/merge-patch+json";
export const STRATEGIC_MERGE_PATCH: PatchType = "application/strategic-merge-patch+json";

const PATCH_TYPES: Record<string, PatchType> = {
  json: JSON_PATCH,
  merge: MERGE_PATCH,
  strategic: STRATEGIC_MERGE_PATCH,
  "": STRATEGIC_MERGE_PATCH,
};
const PATCH_TYPE_LIST = ["json", "merge", "strategic"];
const KNOWN_EXTENSIONS = ["json", "yaml"];

/** The strategic-merge patch metadata of each target. */
function schemaForTarget(target: string): SmpSchema {
  switch (target) {
    case KUBELET_CONFIGURATION_TARGET:
      return KUBELET_CONFIGURATION_SCHEMA;
    case COREDNS_DEPLOYMENT_TARGET:
      return DEPLOYMENT_SCHEMA;
    case KUBEPROXY_DAEMONSET_TARGET:
      return DAEMONSET_SCHEMA;
    default:
      return POD_SCHEMA;
  }
}

export class PatchError extends Error {}

/** Go's fmt %v of a []string. */
function goList(l: string[]): string {
  return `[${l.join(" ")}]`;
}

import { goQuote } from "../util/goquote.ts";
export { goQuote };

/**
 * parseFilename: `{target, patchType}` for a patch file, `{warn}` for a file to ignore;
 * throws for a `+` without a known patch type.
 */
export function parsePatchFilename(
  fileName: string,
  knownTargets: string[] = KNOWN_TARGETS,
): { target: string; patchType: PatchType } | { warn: string } {
  if (!new RegExp(`.+\\.(${KNOWN_EXTENSIONS.join("|")})$`).test(fileName)) {
    return { warn: `the file extension must be one of ${goList(KNOWN_EXTENSIONS)}` };
  }
  const re = new RegExp(
    `^(${knownTargets.map(escapeRe).join("|")})([^.+\\n]*)?(\\+)?(${PATCH_TYPE_LIST.join("|")})?`,
  );
  const sub = fileName.match(re);
  if (!sub) return { warn: `unknown target, must be one of ${goList(knownTargets)}` };
  if ((sub[3] ?? "").length > 0 && (sub[4] ?? "").length === 0) {
    throw new PatchError(
      `unknown or missing patch type after '+', must be one of ${goList(PATCH_TYPE_LIST)}`,
    );
  }
  return { target: sub[1], patchType: PATCH_TYPES[sub[4] ?? ""] };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface PatchSet {
  targetName: string;
  patchType: PatchType;
  /** Each patch as a JSON value, plus its JSON text (for error messages). */
  patches: { value: unknown; text: string }[];
}

/** CreatePatchSet: splits `data` into YAML/JSON documents; empty documents are skipped. */
export function createPatchSet(targetName: string, patchType: PatchType, data: string): PatchSet {
  const patches: PatchSet["patches"] = [];
  for (const chunk of splitYAMLDocuments(data)) {
    const trimmed = chunk.trim();
    if (trimmed.length === 0) continue;
    const docs = parseAllDocuments(trimmed, { version: "1.1" });
    const doc = Array.isArray(docs) ? docs[0] : docs;
    if (!doc || doc.errors.length) {
      const msg = doc?.errors[0]?.message ?? "invalid YAML";
      throw new PatchError(`could not convert patch to JSON:\n${trimmed}\n: ${msg}`);
    }
    const value = doc.toJS({ maxAliasCount: -1 }) ?? null;
    patches.push({ value, text: JSON.stringify(value) });
  }
  return { targetName, patchType, patches };
}

/** utilyaml.YAMLReader: documents separated by lines starting with `---`. */
function splitYAMLDocuments(data: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of data.split("\n")) {
    if (line.startsWith("---") && line.slice(3).trim() === "") {
      out.push(cur.join("\n"));
      cur = [];
      continue;
    }
    cur.push(line);
  }
  out.push(cur.join("\n"));
  return out;
}

/** Reads directory entries (names, directory flag); default: the real file system. */
export interface PatchFS {
  lstat(p: string): Promise<{ isDirectory: boolean } | undefined>;
  readDir(p: string): Promise<{ name: string; isDirectory: boolean }[]>;
  readText(p: string): Promise<string>;
}

/**
 * A PatchFS over `host`, paths as kubeadm opens them (Host.absolute). The default is the
 * machine kubestrap runs on: `--patches` is read from there, like `--config`.
 */
function hostPatchFS(host = new Host()): PatchFS {
  return {
    lstat: (p) => host.lstat(host.absolute(p)),
    async readDir(p) {
      const dir = host.absolute(p);
      const out: { name: string; isDirectory: boolean }[] = [];
      for (const name of await host.readDir(dir)) {
        const st = await host.lstat(path.join(dir, name));
        out.push({ name, isDirectory: st?.isDirectory ?? false });
      }
      return out;
    },
    async readText(p) {
      const text = await host.readText(host.absolute(p));
      if (text === undefined) {
        throw new Deno.errors.NotFound(`open ${p}: no such file or directory`);
      }
      return text;
    },
  };
}

/** The patch target: a JSON value and the target name. */
export interface PatchTarget {
  name: string;
  data: unknown;
  /** Strategic-merge patch metadata; default from the target name. */
  schema?: SmpSchema;
}

export type Output = (line: string) => void;

export class PatchManager {
  constructor(
    readonly patchSets: PatchSet[],
    readonly knownTargets: string[] = KNOWN_TARGETS,
    readonly output: Output = () => {},
  ) {}

  /**
   * GetPatchManagerForPath: reads the patch files under `dir` (printing kubeadm's
   * `[patches] Reading patches from path ...` lines). Throws PatchError like kubeadm.
   */
  static async fromPath(
    dir: string,
    opts: { knownTargets?: string[]; output?: Output; fs?: PatchFS } = {},
  ): Promise<PatchManager> {
    const knownTargets = opts.knownTargets ?? KNOWN_TARGETS;
    const output = opts.output ?? (() => {});
    const fs = opts.fs ?? hostPatchFS();
    output(`[patches] Reading patches from path ${goQuote(dir)}\n`);
    const patchFiles: string[] = [];
    const ignoredFiles: string[] = [];
    const patchSets: PatchSet[] = [];
    const fail = (msg: string): never => {
      throw new PatchError(`could not list patch files for path ${goQuote(dir)}: ${msg}`);
    };
    const st = await fs.lstat(dir).catch((e) => fail(String(e?.message ?? e)));
    if (!st) fail(`lstat ${dir}: no such file or directory`);
    if (!st!.isDirectory) fail(`getPatchSetsFromPath ${path.basename(dir)}: not a directory`);
    const walk = async (d: string): Promise<void> => {
      const entries = (await fs.readDir(d)).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0
      );
      for (const e of entries) {
        const full = path.join(d, e.name);
        if (e.isDirectory) {
          await walk(full);
          continue;
        }
        let parsed;
        try {
          parsed = parsePatchFilename(e.name, knownTargets);
        } catch (err) {
          fail((err as Error).message);
        }
        if ("warn" in parsed!) {
          output(`[patches] Ignoring file ${goQuote(e.name)}: ${parsed.warn}\n`);
          ignoredFiles.push(e.name);
          continue;
        }
        const data = await fs.readText(full);
        if (data.length === 0) {
          output(`[patches] Ignoring empty file: ${goQuote(e.name)}\n`);
          ignoredFiles.push(e.name);
          continue;
        }
        let set: PatchSet;
        try {
          set = createPatchSet(parsed!.target, parsed!.patchType, data);
        } catch (err) {
          fail((err as Error).message);
        }
        patchFiles.push(e.name);
        patchSets.push(set!);
      }
    };
    await walk(dir);
    if (patchFiles.length) {
      output(`[patches] Found the following patch files: ${goList(patchFiles)}\n`);
    }
    if (ignoredFiles.length) {
      output(`[patches] Ignored the following files: ${goList(ignoredFiles)}\n`);
    }
    return new PatchManager(patchSets, knownTargets, output);
  }

  /** Patches for `name` exist. */
  hasPatchesFor(name: string): boolean {
    return this.patchSets.some((s) => s.targetName === name && s.patches.length > 0);
  }

  /**
   * ApplyPatchesToTarget: applies every patch for `target.name` in order, printing
   * `[patches] Applied patch of type "..." to target "..."` per patch. Mutates target.data.
   */
  applyPatchesToTarget(target: PatchTarget): void {
    if (!this.knownTargets.includes(target.name)) {
      throw new PatchError(
        `unknown patch target name ${goQuote(target.name)}, must be one of ${
          goList(this.knownTargets)
        }`,
      );
    }
    const schema = target.schema ?? schemaForTarget(target.name);
    let data = target.data;
    for (const set of this.patchSets) {
      if (set.targetName !== target.name) continue;
      for (const patch of set.patches) {
        try {
          switch (set.patchType) {
            case JSON_PATCH:
              data = jsonPatch(data, patch.value);
              break;
            case MERGE_PATCH:
              data = jsonMergePatch(data, patch.value);
              break;
            case STRATEGIC_MERGE_PATCH:
              data = strategicMergePatch(data, patch.value, schema);
              break;
          }
        } catch (err) {
          throw new PatchError(
            `could not apply the following patch of type ${goQuote(set.patchType)} to target ${
              goQuote(target.name)
            }:\n${patch.text}\n: ${(err as Error).message}`,
          );
        }
        this.output(
          `[patches] Applied patch of type ${goQuote(set.patchType)} to target ${
            goQuote(target.name)
          }\n`,
        );
      }
      target.data = data;
    }
  }
}

const managerCache = new Map<string, Promise<PatchManager>>();

/**
 * kubeadm caches one PatchManager per path for the whole command, so the "Reading patches"
 * lines are printed once. Same here (per process); `resetPatchManagerCache` for tests.
 */
export function getPatchManagerForPath(
  dir: string,
  opts: { knownTargets?: string[]; output?: Output; fs?: PatchFS } = {},
): Promise<PatchManager> {
  let pm = managerCache.get(dir);
  if (!pm) {
    pm = PatchManager.fromPath(dir, opts);
    managerCache.set(dir, pm);
    pm.catch(() => managerCache.delete(dir));
  }
  return pm;
}

export function resetPatchManagerCache(): void {
  managerCache.clear();
}
