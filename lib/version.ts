/**
 * Versions. kubestrap implements kubeadm v1.37.2's contract, so it reports exactly that version
 * (tools compare `kubeadm version -o short` as a string) and defaults `kubernetesVersion` to it,
 * as kubeadm defaults to its own version. kubestrap's own build (git describe, commit, tree state)
 * follows kubeadm's fields under names of its own.
 */
import { BUILD_INFO } from "./build_info.ts";
import { KUBEADM_VERSION } from "./config/constants.ts";
import { parseSemantic } from "./util/version.ts";

/** kubeadm's version.Info fields, in their order, then kubestrap's. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
  /** kubestrap's `git describe` ("dev" from source). */
  kubestrapVersion: string;
  kubestrapGitCommit: string;
  kubestrapGitTreeState: string;
}

export function versionInfo(): VersionInfo {
  const v = parseSemantic(KUBEADM_VERSION);
  const arch = Deno.build.arch === "x86_64" ? "amd64" : "arm64";
  return {
    major: String(v.major),
    minor: String(v.minor),
    gitVersion: KUBEADM_VERSION,
    // The Kubernetes source commit of a kubeadm build: kubestrap has none.
    gitCommit: "",
    gitTreeState: "",
    buildDate: BUILD_INFO.buildDate,
    goVersion: `deno${Deno.version.deno}`,
    compiler: "deno",
    platform: `${Deno.build.os}/${arch}`,
    kubestrapVersion: BUILD_INFO.build,
    kubestrapGitCommit: BUILD_INFO.gitCommit,
    kubestrapGitTreeState: BUILD_INFO.gitTreeState,
  };
}

/** Go's %#v rendering of version.Info, as `kubeadm version` prints it, then kubestrap's fields. */
export function goSyntax(v: VersionInfo): string {
  const q = JSON.stringify;
  return `&version.Info{Major:${q(v.major)}, Minor:${q(v.minor)}, ` +
    `EmulationMajor:"", EmulationMinor:"", MinCompatibilityMajor:"", MinCompatibilityMinor:"", ` +
    `GitVersion:${q(v.gitVersion)}, GitCommit:${q(v.gitCommit)}, ` +
    `GitTreeState:${q(v.gitTreeState)}, BuildDate:${q(v.buildDate)}, GoVersion:${
      q(v.goVersion)
    }, ` +
    `Compiler:${q(v.compiler)}, Platform:${q(v.platform)}, ` +
    `KubestrapVersion:${q(v.kubestrapVersion)}, KubestrapGitCommit:${q(v.kubestrapGitCommit)}, ` +
    `KubestrapGitTreeState:${q(v.kubestrapGitTreeState)}}`;
}
