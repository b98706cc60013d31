/**
 * SystemVerification: k8s.io/system-validators v1.12.1's Kernel, OS and Cgroups validators
 * with kubeadm's DefaultSysSpec for Linux. Report lines are coloured like the StreamReporter's.
 */
import type { Host } from "../host.ts";
import { goQuote } from "../util/goquote.ts";

type ResultType = "good" | "bad" | "warn";

const COLORS: Record<ResultType | "white", number> = { good: 32, bad: 31, warn: 33, white: 37 };
const colorize = (s: string, c: number) => `\x1b[0;${c}m${s}\x1b[0m`;

/** Collects the validator report (printed only when the verification failed). */
export class Reporter {
  readonly lines: string[] = [];
  /** Plain (uncoloured) entries, for the JSON report. */
  readonly entries: { key: string; value: string; result: ResultType }[] = [];
  report(key: string, value: string, result: ResultType): void {
    this.entries.push({ key, value, result });
    this.lines.push(`${colorize(key, COLORS.white)}: ${colorize(value, COLORS[result])}`);
  }
}

interface KernelConfig {
  name: string;
  aliases?: string[];
  description?: string;
}

/** system.DefaultSysSpec (types_unix.go, v1.12.1). */
export const DEFAULT_SYS_SPEC = {
  os: "Linux",
  kernelVersions: [
    /^5\.4.*$/,
    /^5\.10.*$/,
    /^5\.15.*$/,
    /^([6-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/,
  ],
  versionsNote:
    "Supported LTS versions from the 5.x series are 5.4, 5.10 and 5.15. Any 6.x version is also supported. For cgroups v2 support, the recommended version is 5.10 or newer",
  required: [
    { name: "NAMESPACES" },
    { name: "NET_NS" },
    { name: "PID_NS" },
    { name: "IPC_NS" },
    { name: "UTS_NS" },
    { name: "CPUSETS" },
    { name: "MEMCG" },
    { name: "INET" },
    { name: "EXT4_FS" },
    { name: "PROC_FS" },
    { name: "NETFILTER_XT_TARGET_REDIRECT", aliases: ["IP_NF_TARGET_REDIRECT"] },
    { name: "NETFILTER_XT_MATCH_COMMENT" },
    { name: "FAIR_GROUP_SCHED" },
  ] as KernelConfig[],
  requiredCgroupsV1: [
    { name: "CGROUPS", description: "Required for cgroups." },
    {
      name: "CGROUP_CPUACCT",
      description: "Required for cpuacct controller, used in simple CPU accounting controller.",
    },
    { name: "CGROUP_DEVICE", description: "Required for device controller." },
    { name: "CGROUP_FREEZER", description: "Required for freezer controller." },
    { name: "CGROUP_PIDS", description: "Required for PIDs controller." },
    { name: "CGROUP_SCHED", description: "Required for CPU controller." },
  ] as KernelConfig[],
  requiredCgroupsV2: [
    { name: "CGROUPS", description: "Required for cgroups." },
    {
      name: "CGROUP_BPF",
      description: "Required for eBPF programs attached to cgroups, used in device controller.",
    },
    { name: "CGROUP_PIDS", description: "Required for PIDs controller." },
    { name: "CGROUP_SCHED", description: "Required for CPU controller." },
  ] as KernelConfig[],
  optional: [
    { name: "OVERLAY_FS", aliases: ["OVERLAYFS_FS"], description: "Required for overlayfs." },
    { name: "AUFS_FS", description: "Required for aufs." },
    { name: "BLK_DEV_DM", description: "Required for devicemapper." },
    { name: "CFS_BANDWIDTH", description: "Required for CPU quota." },
    { name: "SECCOMP", description: "Required for seccomp." },
    { name: "SECCOMP_FILTER", description: "Required for seccomp mode 2." },
  ] as KernelConfig[],
  forbidden: [] as KernelConfig[],
  cgroups: ["cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"],
  cgroupsOptional: ["hugetlb", "blkio"],
  cgroupsV2: ["cpu", "cpuset", "devices", "freezer", "memory", "pids"],
  cgroupsV2Optional: ["hugetlb", "io"],
};

export interface ValidatorOutcome {
  warnings: string[];
  errors: string[];
}

/** getUnifiedMountpoint over /proc/mounts: [mountpoint, isCgroupsV2]. Throws Go's error text. */
async function unifiedMountpoint(host: Host): Promise<[string, boolean]> {
  const mounts = await host.readKernelFile("/proc/mounts");
  if (mounts === undefined) throw new Error("open /proc/mounts: no such file or directory");
  let v1 = "";
  for (const line of mounts.split("\n")) {
    if (!line.includes("cgroup")) continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    if (f[1] === "/sys/fs/cgroup") {
      if (f[2] === "tmpfs") {
        const st = await host.kernelStat("/sys/fs/cgroup/memory");
        return ["/sys/fs/cgroup", st === undefined || !st.isDirectory];
      }
      return ["/sys/fs/cgroup", f[2] === "cgroup2"];
    }
    if (f[2] === "cgroup2") return [f[1], true];
    if (f[2] === "cgroup" && v1 === "") v1 = f[1];
  }
  if (v1 !== "") return [v1, false];
  throw new Error(`cannot get a cgroupfs mount point from ${goQuote("/proc/mounts")}`);
}

function kernelConfigPaths(rel: string): string[] {
  return [
    "/proc/config.gz",
    `/boot/config-${rel}`,
    `/usr/src/linux-${rel}/.config`,
    "/usr/src/linux/.config",
    `/usr/lib/modules/${rel}/config`,
    `/usr/lib/ostree-boot/config-${rel}`,
    `/usr/lib/kernel/config-${rel}`,
    `/usr/src/linux-headers-${rel}/.config`,
    `/lib/modules/${rel}/build/.config`,
  ];
}

async function gunzip(b: Uint8Array): Promise<Uint8Array> {
  if (b.length < 10 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) {
    throw new Error(b.length < 10 ? "unexpected EOF" : "gzip: invalid header");
  }
  const ds = new DecompressionStream("gzip");
  const stream = new Blob([b as BlobPart]).stream().pipeThrough(ds);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function readConfigFile(host: Host, p: string): Promise<Uint8Array | undefined> {
  return p.startsWith("/proc/") ? await host.readKernelBytes(p) : await host.readFile(p);
}

/** getKernelConfigReader + parseKernelConfig. Throws Go's error texts. */
async function kernelConfig(host: Host, rel: string): Promise<Map<string, string>> {
  const paths = kernelConfigPaths(rel);
  let text: string | undefined;
  for (let attempt = 0; attempt < 2 && text === undefined; attempt++) {
    for (const p of paths) {
      const b = await readConfigFile(host, p);
      if (b === undefined) continue;
      text = new TextDecoder().decode(p.endsWith(".gz") ? await gunzip(b) : b);
      break;
    }
    if (text !== undefined || attempt === 1) break;
    const mp = await host.lookPath("modprobe");
    if (!mp) {
      throw new Error(
        `unable to load kernel module: ${goQuote("configs")}, output: ${goQuote("")}, err: exec: ${
          goQuote("modprobe")
        }: executable file not found in $PATH`,
      );
    }
    const r = await host.run(mp, ["configs"]);
    if (r.code !== 0) {
      throw new Error(
        `unable to load kernel module: ${goQuote("configs")}, output: ${
          goQuote(r.stdout + r.stderr)
        }, err: exit status ${r.code}`,
      );
    }
    try {
      text = await (async () => {
        for (const p of paths) {
          const b = await readConfigFile(host, p);
          if (b !== undefined) {
            return new TextDecoder().decode(p.endsWith(".gz") ? await gunzip(b) : b);
          }
        }
        return undefined;
      })();
    } finally {
      await host.run(mp, ["-r", "configs"]);
    }
    break;
  }
  if (text === undefined) throw new Error(`no config path in [${paths.join(" ")}] is available`);
  const config = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!/^CONFIG_[A-Z0-9_]+=[myn]/.test(line)) continue;
    const f = line.split("=");
    config.set(f[0], f[1][0]);
  }
  return config;
}

/** KernelValidator.Validate. */
export async function validateKernel(host: Host, r: Reporter): Promise<ValidatorOutcome> {
  const spec = DEFAULT_SYS_SPEC;
  const rel = host.kernelRelease();
  const warnings: string[] = [], errors: string[] = [];
  if (spec.kernelVersions.some((re) => re.test(rel))) {
    r.report("KERNEL_VERSION", rel, "good");
  } else {
    r.report("KERNEL_VERSION", rel, "bad");
    warnings.push(`kernel release ${rel} is unsupported. ${spec.versionsNote}`);
  }
  let config: Map<string, string>;
  try {
    config = await kernelConfig(host, rel);
  } catch (e) {
    errors.push(`failed to parse kernel config: ${(e as Error).message}`);
    return { warnings, errors };
  }
  const bad: string[] = [];
  const record = (name: string, msg: string, desc: string | undefined, res: ResultType) => {
    if (res === "bad") bad.push(name);
    if (res !== "good" && desc) msg = `${msg} - ${desc}`;
    r.report(name, msg, res);
  };
  const validate = (c: KernelConfig, expect: "required" | "optional" | "forbidden") => {
    const [found, missing]: [ResultType, ResultType] = expect === "required"
      ? ["good", "bad"]
      : expect === "optional"
      ? ["good", "warn"]
      : ["bad", "good"];
    let name = "";
    let opt: string | undefined;
    for (const n of [c.name, ...(c.aliases ?? [])]) {
      name = "CONFIG_" + n;
      opt = config.get(name);
      if (opt !== undefined) break;
    }
    if (opt === undefined) return record(name, "not set", c.description, missing);
    if (opt === "y") return record(name, "enabled", c.description, found);
    if (opt === "m") return record(name, "enabled (as module)", c.description, found);
    if (opt === "n") return record(name, "disabled", c.description, missing);
    record(name, `unknown option: ${opt}`, c.description, missing);
  };
  for (const c of spec.required) validate(c, "required");
  let v2: boolean;
  try {
    [, v2] = await unifiedMountpoint(host);
  } catch (e) {
    errors.push(`failed to get unified mountpoint: ${(e as Error).message}`);
    return { warnings, errors };
  }
  for (const c of v2 ? spec.requiredCgroupsV2 : spec.requiredCgroupsV1) validate(c, "required");
  for (const c of spec.optional) validate(c, "optional");
  for (const c of spec.forbidden) validate(c, "forbidden");
  if (bad.length > 0) errors.push(`unexpected kernel config: ${bad.join(" ")}`);
  return { warnings, errors };
}

/** OSValidator.Validate. */
export function validateOS(host: Host, r: Reporter): ValidatorOutcome {
  const os = host.osName();
  if (os !== DEFAULT_SYS_SPEC.os) {
    r.report("OS", os, "bad");
    return { warnings: [], errors: [`unsupported operating system: ${os}`] };
  }
  r.report("OS", os, "good");
  return { warnings: [], errors: [] };
}

/** The cgroup v1 deprecation text (an error for kubelet >= 1.35, else a warning). */
export const CGROUP_V1_MESSAGE =
  "cgroups v1 support is deprecated and will be removed in a future release. " +
  "Please migrate to cgroups v2. To explicitly enable cgroups v1 support for kubelet v1.35 or newer, " +
  "you must set the kubelet configuration option 'FailCgroupV1' to 'false'. You must also explicitly " +
  "skip this validation. For more information, see https://git.k8s.io/enhancements/keps/sig-node/5573-remove-cgroup-v1";

/** blang/semver Parse (strict: no "v", no leading zeros) + Compare against 1.35.0-0. */
function kubeletDisablesV1(kubeletVersion: string): boolean {
  const m = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/
    .exec(kubeletVersion);
  if (!m) {
    throw new Error(
      `malformed KubeletVersion in CgroupsValidator: ${blangError(kubeletVersion)}`,
    );
  }
  const [maj, min] = [Number(m[1]), Number(m[2])];
  // >= 1.35.0-0: every 1.35 pre-release counts, so only major/minor matter.
  return maj > 1 || (maj === 1 && min >= 35);
}

function blangError(v: string): string {
  if (v.length === 0) return "Version string empty";
  const parts = v.split(/[-+]/)[0].split(".");
  if (parts.length !== 3) return "No Major.Minor.Patch elements found";
  return `Invalid character(s) found in major number ${goQuote(parts[0])}`;
}

/** CgroupsValidator.Validate. */
export async function validateCgroups(
  host: Host,
  r: Reporter,
  kubeletVersion: string,
): Promise<ValidatorOutcome & { v2: boolean; subsystems: string[] }> {
  const spec = DEFAULT_SYS_SPEC;
  let mount: string, v2: boolean;
  try {
    [mount, v2] = await unifiedMountpoint(host);
  } catch (e) {
    return {
      warnings: [],
      errors: [`cannot get a cgroup mount point: ${(e as Error).message}`],
      v2: false,
      subsystems: [],
    };
  }
  let warnings: string[] = [], errors: string[] = [];
  let subsystems: string[];
  let required: string[], optional: string[];
  if (v2) {
    subsystems = ["devices"];
    const fz = await host.probeCgroupFreeze(mount);
    if (fz.supported) subsystems.push("freezer");
    const ctl = await host.readKernelFile(`${mount}/cgroup.controllers`);
    if (fz.warning) warnings.push(fz.warning);
    if (ctl === undefined) {
      return {
        warnings: [],
        errors: [
          `failed to get cgroups v2 subsystems: open ${mount}/cgroup.controllers: no such file or directory`,
        ],
        v2,
        subsystems,
      };
    }
    subsystems.push(...ctl.trim().split(/\s+/).filter((s) => s !== ""));
    required = spec.cgroupsV2;
    optional = spec.cgroupsV2Optional;
  } else {
    let disabled: boolean;
    try {
      disabled = kubeletVersion === "" ? false : kubeletDisablesV1(kubeletVersion);
    } catch (e) {
      return { warnings: [], errors: [(e as Error).message], v2, subsystems: [] };
    }
    if (disabled) errors.push(CGROUP_V1_MESSAGE);
    else warnings.push(CGROUP_V1_MESSAGE);
    const pc = await host.readKernelFile("/proc/cgroups");
    if (pc === undefined) {
      return {
        warnings: [],
        errors: [
          "failed to get cgroups v1 subsystems: open /proc/cgroups: no such file or directory",
        ],
        v2,
        subsystems: [],
      };
    }
    subsystems = [];
    for (const line of pc.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const p = line.trim().split(/\s+/);
      if (p.length >= 4 && p[3] !== "0") subsystems.push(p[0]);
    }
    required = spec.cgroups;
    optional = spec.cgroupsOptional;
  }
  const check = (list: string[], req: boolean) => {
    const missing: string[] = [];
    for (const cg of list) {
      const item = "CGROUPS_" + cg.toUpperCase();
      if (subsystems.includes(cg)) {
        r.report(item, "enabled", "good");
        continue;
      }
      r.report(item, "missing", req ? "bad" : "warn");
      missing.push(cg);
    }
    return missing;
  };
  const missingReq = check(required, true);
  // Quirk kept from system-validators: this replaces (not appends to) the cgroup v1 error.
  if (missingReq.length > 0) errors = [`missing required cgroups: ${missingReq.join(" ")}`];
  const missingOpt = check(optional, false);
  if (missingOpt.length > 0) {
    warnings = [...warnings, `missing optional cgroups: ${missingOpt.join(" ")}`];
  }
  return { warnings, errors, v2, subsystems };
}
