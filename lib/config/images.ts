/**
 * Container images kubeadm v1.37.2 uses (app/images): control plane, kube-proxy, CoreDNS, pause,
 * etcd, with kubeadm's naming rules for custom repositories and tags.
 */
import * as C from "./constants.ts";
import type { ClusterConfiguration } from "./types.ts";
import { isCIVersion, versionToImageTag } from "./version.ts";
import { parseSemantic } from "../util/version.ts";

/** Inputs: the (normalized) ClusterConfiguration plus the CI repository override, if any. */
export interface ImageContext {
  cluster: ClusterConfiguration;
  /** Set when kubernetesVersion was a `ci/...` version and the default repository is in use. */
  ciImageRepository?: string;
}

export interface ComponentImages {
  kubeAPIServer: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubeProxy: string;
  coreDNS: string;
  pause: string;
  /** Only with local etcd. */
  etcd?: string;
}

function ctxOf(c: ClusterConfiguration | ImageContext): ImageContext {
  return "cluster" in c ? c : { cluster: c };
}

/** Image context of a loaded InitConfig (`{cluster, ciImageRepository}`). */
export function imageContextOf(cfg: { cluster: ClusterConfiguration; ciImageRepository?: string }) {
  return { cluster: cfg.cluster, ciImageRepository: cfg.ciImageRepository };
}

function controlPlaneRepo(ctx: ImageContext): string {
  return ctx.ciImageRepository ?? ctx.cluster.imageRepository ?? C.DEFAULT_IMAGE_REPOSITORY;
}

function kubernetesImage(name: string, ctx: ImageContext): string {
  const tag = versionToImageTag(ctx.cluster.kubernetesVersion ?? "");
  return `${controlPlaneRepo(ctx)}/${name}:${tag}`;
}

function dnsImage(cluster: ClusterConfiguration): string {
  let repo = cluster.dns?.imageRepository || cluster.imageRepository || "";
  if (repo === C.DEFAULT_IMAGE_REPOSITORY) repo = `${repo}/coredns`;
  const tag = cluster.dns?.imageTag || C.COREDNS_VERSION;
  return `${repo}/${C.COREDNS_IMAGE_NAME}:${tag}`;
}

/** constants.EtcdSupportedVersion: the etcd tag for a Kubernetes version (+ warning). */
export function etcdSupportedVersion(k8sVersion: string): { version: string; warning?: string } {
  let minor: number;
  try {
    minor = parseSemantic(k8sVersion).minor;
  } catch {
    return { version: C.DEFAULT_ETCD_VERSION };
  }
  const keys = Object.keys(C.SUPPORTED_ETCD_VERSION).map(Number);
  if (C.SUPPORTED_ETCD_VERSION[minor]) return { version: C.SUPPORTED_ETCD_VERSION[minor] };
  const min = Math.min(...keys);
  const max = Math.max(...keys);
  const v = minor < min ? C.SUPPORTED_ETCD_VERSION[min] : C.SUPPORTED_ETCD_VERSION[max];
  return {
    version: v,
    warning: `could not find officially supported version of etcd for Kubernetes ${k8sVersion}, ` +
      `falling back to the nearest etcd version (${v})`,
  };
}

export function etcdImageTag(cluster: ClusterConfiguration): string {
  let tag = etcdSupportedVersion(cluster.kubernetesVersion ?? "").version;
  if (cluster.etcd?.local?.imageTag) tag = cluster.etcd.local.imageTag;
  return tag;
}

function etcdImage(cluster: ClusterConfiguration): string {
  const repo = cluster.etcd?.local?.imageRepository || cluster.imageRepository ||
    C.DEFAULT_IMAGE_REPOSITORY;
  return `${repo}/etcd:${etcdImageTag(cluster)}`;
}

export function pauseImage(cluster: ClusterConfiguration): string {
  return `${cluster.imageRepository || C.DEFAULT_IMAGE_REPOSITORY}/pause:${C.PAUSE_VERSION}`;
}

/** Every component's image reference. */
export function imagesFor(c: ClusterConfiguration | ImageContext): ComponentImages {
  const ctx = ctxOf(c);
  const out: ComponentImages = {
    kubeAPIServer: kubernetesImage("kube-apiserver", ctx),
    kubeControllerManager: kubernetesImage("kube-controller-manager", ctx),
    kubeScheduler: kubernetesImage("kube-scheduler", ctx),
    kubeProxy: kubernetesImage("kube-proxy", ctx),
    coreDNS: dnsImage(ctx.cluster),
    pause: pauseImage(ctx.cluster),
  };
  if (ctx.cluster.etcd?.local) out.etcd = etcdImage(ctx.cluster);
  return out;
}

/** images.GetControlPlaneImages: the list `kubeadm config images list|pull` uses, in order. */
export function controlPlaneImages(c: ClusterConfiguration | ImageContext): string[] {
  const ctx = ctxOf(c);
  const i = imagesFor(ctx);
  const out = [i.kubeAPIServer, i.kubeControllerManager, i.kubeScheduler];
  if (!ctx.cluster.proxy?.disabled) out.push(i.kubeProxy);
  if (!ctx.cluster.dns?.disabled) out.push(i.coreDNS);
  out.push(i.pause);
  if (i.etcd) out.push(i.etcd);
  return out;
}

/** The CI image repository override NormalizeKubernetesVersion would set for a raw version. */
export function ciImageRepositoryFor(
  rawVersion: string,
  imageRepository: string,
): string | undefined {
  return isCIVersion(rawVersion) && imageRepository === C.DEFAULT_IMAGE_REPOSITORY
    ? C.DEFAULT_CI_IMAGE_REPOSITORY
    : undefined;
}

const TAG = /^.*?(?::(\w[\w.-]*))?(?:@sha256:[a-fA-F\d]{64})?$/s;

/** image.TagFromImage: the tag of an image reference, "" without one. */
export function tagFromImage(image: string): string {
  return TAG.exec(image)?.[1] ?? "";
}
