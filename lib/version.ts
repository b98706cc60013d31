/**
 * Versions. kubestrap implements kubeadm v1.37.2's contract, so it reports that version (with
 * kubestrap's own build as semver build metadata, which version comparisons ignore) and
 * defaults `kubernetesVersion` to it, as kubeadm defaults to its own version.
 */
import { BUILD_INFO } from "./build_info.ts";
import { KUBEADM_VERSION } from "./config/constants.ts";
import { parseSemantic } from "./util/version.ts";

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
}

export function versionInfo(): VersionInfo {
  const v = parseSemantic(KUBEADM_VERSION);
  const arch = Deno.build.arch === "x86_64" ? "amd64" : "arm64";
  return {
    major: String(v.major),
    minor: String(v.minor),
    gitVersion: `${KUBEADM_VERSION}+kubestrap.${BUILD_INFO.build}`,
    gitCommit: BUILD_INFO.gitCommit,
    gitTreeState: BUILD_INFO.gitTreeState,
    buildDate: BUILD_INFO.buildDate,
    goVersion: `deno${Deno.version.deno}`,
    compiler: "deno",
    platform: `${Deno.build.os}/${arch}`,
  };
}

/** Go's %#v rendering of version.Info, as `kubeadm version` prints it. */
export function goSyntax(v: VersionInfo): string {
  const q = JSON.stringify;
  return `&version.Info{Major:${q(v.major)}, Minor:${q(v.minor)}, ` +
    `EmulationMajor:"", EmulationMinor:"", MinCompatibilityMajor:"", MinCompatibilityMinor:"", ` +
    `GitVersion:${q(v.gitVersion)}, GitCommit:${q(v.gitCommit)}, ` +
    `GitTreeState:${q(v.gitTreeState)}, BuildDate:${q(v.buildDate)}, GoVersion:${
      q(v.goVersion)
    }, ` +
    `Compiler:${q(v.compiler)}, Platform:${q(v.platform)}}`;
}
