/**
 * Static Pod manifests as kubeadm v1.37.2 writes them: build (pods.ts), patch (--patches),
 * serialise (util/goyaml.ts) and write (0600 files in a 0700 directory).
 */
import * as path from "@std/path";
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import { getPatchManagerForPath, goQuote, type Output, type PatchFS } from "../patches/patches.ts";
import { marshalGoYAML } from "../util/goyaml.ts";
import {
  apiServerPod,
  controllerManagerPod,
  type EtcdMember,
  etcdPod,
  MANIFESTS_DIR,
  type Pod,
  type PodOptions,
  schedulerPod,
  type StaticPodComponent,
} from "./pods.ts";
import type { InitConfigLike } from "./types.ts";

export * from "./pods.ts";
export * from "./types.ts";
export { marshalGoYAML } from "../util/goyaml.ts";
export { argumentsFromCommand, argumentsToCommand, getArgValue, setArgValues } from "./args.ts";

/** The manifest bytes kubeadm writes for `pod` (MarshalToYaml of a v1.Pod). */
export function marshalPod(pod: Pod): string {
  return marshalGoYAML(pod);
}

/** GetStaticPodFilepath. */
export function staticPodFilepath(component: string, manifestDir = MANIFESTS_DIR): string {
  return path.posix.join(manifestDir, component + ".yaml");
}

/** Fields kubeadm's decode of the patched Pod normalises: quantities become strings. */
function normalisePatchedPod(pod: Pod): Pod {
  for (const c of [...(pod.spec?.containers ?? [])]) {
    const res = c.resources as Record<string, Record<string, unknown>> | undefined;
    for (const kind of ["requests", "limits"]) {
      const l = res?.[kind];
      if (l) { for (const k of Object.keys(l)) if (typeof l[k] === "number") l[k] = String(l[k]); }
    }
  }
  return pod;
}

/**
 * PatchStaticPod: applies the patches of `patchesDir` whose target is the Pod's name.
 * Prints kubeadm's `[patches] ...` lines to `output`.
 */
async function patchStaticPod(
  pod: Pod,
  patchesDir: string,
  output: Output,
  fs?: PatchFS,
): Promise<Pod> {
  const pm = await getPatchManagerForPath(patchesDir, { output, fs });
  const target = { name: pod.metadata.name, data: JSON.parse(JSON.stringify(pod)) as unknown };
  pm.applyPatchesToTarget(target);
  const data = target.data as Pod;
  if (data === null || typeof data !== "object" || data.kind !== "Pod") {
    throw new Error("patched manifest is not a valid Pod object");
  }
  return normalisePatchedPod(data);
}

/**
 * The patch step of controlplane.CreateStaticPodFiles and etcd's prepareAndWriteEtcdStaticPod:
 * errors.Wrapf(err, "failed to patch static Pod manifest file for %q", component).
 */
async function patchComponent(
  pod: Pod,
  component: StaticPodComponent,
  patchesDir: string,
  output: Output,
  fs?: PatchFS,
): Promise<Pod> {
  try {
    return await patchStaticPod(pod, patchesDir, output, fs);
  } catch (e) {
    throw new KubestrapError(
      `failed to patch static Pod manifest file for ${goQuote(component)}: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
}

/** WriteStaticPodToDisk: `<manifestDir>/<component>.yaml`, mode 0600, directory 0700. */
async function writeStaticPod(
  host: Host,
  component: string,
  pod: Pod,
  manifestDir = MANIFESTS_DIR,
): Promise<string> {
  const file = staticPodFilepath(component, manifestDir);
  await host.writeFile(file, marshalPod(pod), { mode: 0o600, dirMode: 0o700 });
  return file;
}

export interface WriteManifestOptions extends PodOptions {
  manifestDir?: string;
  /** Patches directory (InitConfiguration.patches.directory or --patches). */
  patchesDir?: string;
  /** Where kubeadm's console lines go (default: stdout). */
  output?: Output;
  patchFS?: PatchFS;
}

function stdout(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line));
}

/**
 * One control-plane subphase (`kubeadm init phase control-plane <component>`): prints
 * `[control-plane] Creating static Pod manifest for "<component>"`, builds, patches, writes.
 * The parent phase's `[control-plane] Using manifest folder "<dir>"` line is the caller's.
 */
export async function createControlPlaneManifest(
  host: Host,
  cfg: InitConfigLike,
  component: Exclude<StaticPodComponent, "etcd">,
  opts: WriteManifestOptions,
): Promise<string> {
  const out = opts.output ?? stdout;
  out(`[control-plane] Creating static Pod manifest for ${goQuote(component)}\n`);
  const build = {
    "kube-apiserver": apiServerPod,
    "kube-controller-manager": controllerManagerPod,
    "kube-scheduler": schedulerPod,
  }[component];
  let pod = build(cfg, opts);
  const patchesDir = opts.patchesDir ?? cfg.init.patches?.directory;
  if (patchesDir) pod = await patchComponent(pod, component, patchesDir, out, opts.patchFS);
  return await writeStaticPod(host, component, pod, opts.manifestDir);
}

/**
 * `kubeadm init phase etcd local`: creates the data directory (0700; dry-run prints
 * `[etcd] Would ensure that "<dir>" directory is present`), prints
 * `[etcd] Creating static Pod manifest for local etcd in "<dir>"`, builds, patches, writes.
 * With external etcd it does nothing (kubeadm logs at V(1) only).
 */
export async function createLocalEtcdManifest(
  host: Host,
  cfg: InitConfigLike,
  opts: WriteManifestOptions & {
    dryRun?: boolean;
    nodeName?: string;
    initialCluster?: EtcdMember[];
    /**
     * Print init's `[etcd] ... local etcd` lines (default true); join's control-plane-join
     * phase prints its own and creates the data directory itself.
     */
    announce?: boolean;
  },
): Promise<string | undefined> {
  if (cfg.cluster.etcd.external) return undefined;
  const out = opts.output ?? stdout;
  const manifestDir = opts.manifestDir ?? MANIFESTS_DIR;
  if (opts.announce !== false) {
    const dataDir = cfg.cluster.etcd.local!.dataDir;
    if (!opts.dryRun) await host.mkdirAll(dataDir, 0o700);
    else out(`[etcd] Would ensure that ${goQuote(dataDir)} directory is present\n`);
    out(`[etcd] Creating static Pod manifest for local etcd in ${goQuote(manifestDir)}\n`);
  }
  let pod = etcdPod(cfg, opts);
  const patchesDir = opts.patchesDir ?? cfg.init.patches?.directory;
  if (patchesDir) pod = await patchComponent(pod, "etcd", patchesDir, out, opts.patchFS);
  const file = await writeStaticPod(host, "etcd", pod, manifestDir);
  if (opts.dryRun) {
    // kubeadm prints the etcd manifest as written, under the path it would have.
    const content = await host.readText(file);
    out(
      `[dryrun] Would write file ${
        goQuote(staticPodFilepath("etcd", MANIFESTS_DIR))
      } with content:\n${content ?? ""}`,
    );
  }
  return file;
}
