/**
 * kubeadm v1.37.2's preflight checks (cmd/kubeadm/app/preflight), one factory per Checker type.
 * Names and messages are kubeadm's; `observed`/`expected`/`remediation` feed the JSON report.
 */
import { goErrno, programName } from "../host.ts";
import { goQuote } from "../util/goquote.ts";
import { klogLine } from "../util/klog.ts";
import { parseSemantic, Version } from "../util/version.ts";
import { isDNS1123SubdomainContent, regexError } from "../util/validation.ts";
import {
  cidrString,
  formatIPBytes,
  indexedIP,
  isV4Mapped,
  joinHostPort,
  parseCIDR,
  parseIP,
} from "../util/net.ts";
import { proxyFor } from "./proxy.ts";
import {
  CGROUP_V1_MESSAGE,
  Reporter,
  validateCgroups,
  validateKernel,
  validateOS,
} from "./system.ts";
import type { CheckContext, Checker, CheckResult } from "./types.ts";

/** kubeadm constants used by the checks. */
export const CONTROL_PLANE_NUM_CPU = 2;
export const CONTROL_PLANE_MEM_MB = 1700;
export const MIN_EXTERNAL_ETCD_VERSION = "3.5.24-0";

const ok = (observed?: string): CheckResult => ({ warnings: [], errors: [], observed });

function check(
  name: string,
  expected: string,
  fn: (ctx: CheckContext) => Promise<CheckResult> | CheckResult,
): Checker {
  return { name, expected, check: async (ctx) => await fn(ctx) };
}

/** Check-name form of a path: every "/" becomes "-" (kubeadm's strings.Replace). */
function pathLabel(prefix: string, p: string): string {
  return `${prefix}-${p.replaceAll("/", "-")}`;
}

/** The configured Kubernetes version, or kubeadm's error when it is no semantic version. */
function parseKubernetesVersion(kubernetesVersion: string): Version | CheckResult {
  try {
    return parseSemantic(kubernetesVersion);
  } catch (e) {
    return {
      warnings: [],
      errors: [
        `couldn't parse Kubernetes version ${goQuote(kubernetesVersion)}: ${(e as Error).message}`,
      ],
    };
  }
}

// ---- IsPrivilegedUser -------------------------------------------------------------------------

export function isPrivilegedUserCheck(): Checker {
  return check("IsPrivilegedUser", "uid 0 (root)", ({ host }) => {
    const uid = host.uid();
    if (uid !== 0) {
      return {
        warnings: [],
        errors: ["user is not running as root"],
        observed: `uid ${uid}`,
        remediation: `sudo -E ${programName()} ...  # re-run the same command as root`,
      };
    }
    return ok("uid 0");
  });
}

// ---- NumCPU / Mem -----------------------------------------------------------------------------

export function numCPUCheck(numCPU = CONTROL_PLANE_NUM_CPU): Checker {
  return check("NumCPU", `at least ${numCPU} CPUs`, async ({ host }) => {
    const n = await host.cpuCount();
    if (n < numCPU) {
      return {
        warnings: [],
        errors: [`the number of available CPUs ${n} is less than the required ${numCPU}`],
        observed: `${n} CPUs`,
        remediation:
          `# give the machine at least ${numCPU} CPUs, or accept it: --ignore-preflight-errors=NumCPU`,
      };
    }
    return ok(`${n} CPUs`);
  });
}

export function memCheck(memMB = CONTROL_PLANE_MEM_MB): Checker {
  return check("Mem", `at least ${memMB} MB of RAM`, ({ host }) => {
    const actual = Math.floor(host.memoryBytes() / 1024 / 1024);
    if (actual < memMB) {
      return {
        warnings: [],
        errors: [`the system RAM (${actual} MB) is less than the minimum ${memMB} MB`],
        observed: `${actual} MB`,
        remediation:
          `# give the machine at least ${memMB} MB of RAM, or accept it: --ignore-preflight-errors=Mem`,
      };
    }
    return ok(`${actual} MB`);
  });
}

// ---- KubernetesVersion ------------------------------------------------------------------------

export function kubernetesVersionCheck(kubernetesVersion: string, kubeadmVersion: string): Checker {
  return check(
    "KubernetesVersion",
    "kubernetesVersion not newer than kubestrap's kubeadm minor",
    () => {
      if (kubeadmVersion.startsWith("v0.0.0")) return ok("custom build, skipped");
      let kadm: Version;
      try {
        kadm = parseSemantic(kubeadmVersion);
      } catch (e) {
        return {
          warnings: [],
          errors: [
            `couldn't parse kubeadm version ${goQuote(kubeadmVersion)}: ${(e as Error).message}`,
          ],
        };
      }
      const k8s = parseKubernetesVersion(kubernetesVersion);
      if (!(k8s instanceof Version)) return { ...k8s, observed: kubernetesVersion };
      const firstUnsupported = parseSemantic(`${kadm.major}.${kadm.minor + 1}.0-0`);
      if (k8s.atLeast(firstUnsupported)) {
        return {
          warnings: [
            `Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: ${k8s}. Kubeadm version: ${kadm.major}.${kadm.minor}.x`,
          ],
          errors: [],
          observed: `kubernetesVersion ${k8s}, kubeadm ${kadm.major}.${kadm.minor}`,
          remediation: `# set kubernetesVersion to v${kadm.major}.${kadm.minor}.x or older`,
        };
      }
      return ok(`kubernetesVersion ${k8s}, kubeadm ${kadm.major}.${kadm.minor}`);
    },
  );
}

// ---- init system (Service-*, Firewalld) --------------------------------------------------------

interface InitSystem {
  name: "systemd" | "openrc";
  exists(ctx: CheckContext, svc: string): Promise<boolean>;
  enabled(ctx: CheckContext, svc: string): Promise<boolean>;
  active(ctx: CheckContext, svc: string): Promise<boolean>;
  enableCommand(svc: string): string;
}

const systemd: InitSystem = {
  name: "systemd",
  async exists({ host }, svc) {
    const out = (await host.run("systemctl", ["status", svc], { timeoutMs: 10_000 })).stdout;
    return !out.includes("Loaded: not-found") && !out.includes("could not be found");
  },
  async enabled({ host }, svc) {
    return (await host.run("systemctl", ["is-enabled", svc], { timeoutMs: 10_000 })).code === 0;
  },
  async active({ host }, svc) {
    const out = (await host.run("systemctl", ["is-active", svc], { timeoutMs: 10_000 })).stdout
      .trim();
    return out === "active" || out === "activating";
  },
  enableCommand: (svc) => `systemctl enable ${svc}.service`,
};

const openrc: InitSystem = {
  name: "openrc",
  async exists({ host }, svc) {
    const r = await host.run("rc-service", [svc, "status"], { timeoutMs: 10_000 });
    return !(r.stdout + r.stderr).includes("does not exist");
  },
  async enabled({ host }, svc) {
    return (await host.run("rc-update", ["show", "default"], { timeoutMs: 10_000 })).stdout
      .includes(svc);
  },
  async active({ host }, svc) {
    const r = await host.run("rc-service", [svc, "status"], { timeoutMs: 10_000 });
    const out = r.stdout + r.stderr;
    return !out.includes("stopped") && !out.includes("does not exist");
  },
  enableCommand: (svc) => `rc-update add ${svc} default`,
};

/** initsystem.GetInitSystem: systemctl in PATH means systemd; else OpenRC; else an error. */
async function getInitSystem(ctx: CheckContext): Promise<InitSystem> {
  if (await ctx.host.lookPath("systemctl")) return systemd;
  if (await ctx.host.lookPath("openrc")) {
    for (const b of ["rc-service", "rc-update"]) {
      if (!await ctx.host.lookPath(b)) {
        throw new Error(
          `openrc detected, but missing required binary: ${b}: exec: ${
            goQuote(b)
          }: executable file not found in $PATH`,
        );
      }
    }
    return openrc;
  }
  throw new Error("no supported init system detected, skipping checking for services");
}

export function serviceCheck(service: string, checkIfActive = false, label = ""): Checker {
  const name = label || `Service-${service}`;
  return check(name, `${service} service enabled${checkIfActive ? " and active" : ""}`, async (
    ctx,
  ) => {
    let is: InitSystem;
    try {
      is = await getInitSystem(ctx);
    } catch (e) {
      return { warnings: [(e as Error).message], errors: [], observed: "no init system" };
    }
    if (!await is.exists(ctx, service)) {
      return {
        warnings: [`${service} service does not exist`],
        errors: [],
        observed: `${is.name}: no ${service} unit`,
        remediation: `# install the ${service} service unit (kubestrap does not manage it)`,
      };
    }
    const res: CheckResult = { warnings: [], errors: [], observed: `${is.name}: ${service}` };
    const fixes: string[] = [];
    if (!await is.enabled(ctx, service)) {
      res.warnings.push(
        `${service} service is not enabled, please run '${is.enableCommand(service)}'`,
      );
      fixes.push(is.enableCommand(service));
      res.observed += " not enabled";
    }
    if (checkIfActive && !await is.active(ctx, service)) {
      res.errors.push(
        `${service} service is not active, please run 'systemctl start ${service}.service'`,
      );
      fixes.push(`systemctl start ${service}.service`);
      res.observed += " not active";
    }
    if (fixes.length) res.remediation = fixes.join(" && ");
    return res;
  });
}

/** Go's %v of []int: "[6443 10250]". */
const goIntList = (ports: number[]) => `[${ports.join(" ")}]`;

export function firewalldCheck(ports: number[]): Checker {
  return check("Firewalld", "firewalld not active", async (ctx) => {
    let is: InitSystem;
    try {
      is = await getInitSystem(ctx);
    } catch (e) {
      return { warnings: [(e as Error).message], errors: [], observed: "no init system" };
    }
    if (!await is.exists(ctx, "firewalld")) return ok("firewalld not installed");
    if (await is.active(ctx, "firewalld")) {
      return {
        warnings: [
          `firewalld is active, please ensure ports ${
            goIntList(ports)
          } are open or your cluster may not function correctly`,
        ],
        errors: [],
        observed: "firewalld active",
        remediation: ports.map((p) => `firewall-cmd --permanent --add-port=${p}/tcp`).join(" && ") +
          " && firewall-cmd --reload",
      };
    }
    return ok("firewalld not active");
  });
}

// ---- Port-N -----------------------------------------------------------------------------------

/** Tries to listen on address:port like net.Listen("tcp", ...). Returns true when it failed. */
function listenFails(ctx: CheckContext, port: number, address: string): boolean {
  const hosts = address === "" ? ["::", "0.0.0.0"] : [address.replace(/^\[(.*)\]$/, "$1")];
  for (let i = 0; i < hosts.length; i++) {
    try {
      return ctx.host.portInUse(port, hosts[i]);
    } catch (e) {
      // ":port" falls back to IPv4 only when the host has no IPv6 at all.
      if (address === "" && i === 0 && !(e instanceof Deno.errors.AddrInUse)) continue;
      return true;
    }
  }
  return true;
}

export function portOpenCheck(port: number, address = "", label = ""): Checker {
  const where = address === "" ? `:${port}` : joinHostPort(address, port);
  return check(label || `Port-${port}`, `TCP ${where} free to listen on`, (ctx) => {
    if (listenFails(ctx, port, address)) {
      return {
        warnings: [],
        errors: [`Port ${port} is in use`],
        observed: `cannot listen on ${where}`,
        remediation: `ss -ltnp 'sport = :${port}'  # find the process holding the port and stop it`,
      };
    }
    return ok(`${where} free`);
  });
}

// ---- files and directories --------------------------------------------------------------------

export function dirAvailableCheck(path: string, label = ""): Checker {
  return check(label || pathLabel("DirAvailable", path), `${path} absent or empty`, async ({
    host,
  }) => {
    const st = await host.stat(path);
    if (st === undefined) return ok(`${path} does not exist`);
    let entries: string[];
    try {
      if (!st.isDirectory) throw new Error("not a directory");
      entries = await host.readDir(path);
    } catch (e) {
      return {
        warnings: [],
        errors: [`unable to check if ${path} is empty: ${goPathError("open", path, e)}`],
        observed: `${path} unreadable`,
      };
    }
    if (entries.length > 0) {
      return {
        warnings: [],
        errors: [`${path} is not empty`],
        observed: `${path} is not empty`,
        remediation: `mv ${path} ${path}.bak-$(date +%s)  # or run '${programName()} reset' first`,
      };
    }
    return ok(`${path} is empty`);
  });
}

function goPathError(op: string, path: string, e: unknown): string {
  if ((e as Error).message === "not a directory") return `readdirent ${path}: not a directory`;
  return `${op} ${path}: ${goErrno(e)}`;
}

export function fileAvailableCheck(path: string, label = ""): Checker {
  return check(label || pathLabel("FileAvailable", path), `${path} does not exist`, async ({
    host,
  }) => {
    if (await host.stat(path) !== undefined) {
      return {
        warnings: [],
        errors: [`${path} already exists`],
        observed: `${path} exists`,
        remediation: `${programName()} reset  # or remove ${path} if it is a leftover`,
      };
    }
    return ok(`${path} absent`);
  });
}

export function fileExistingCheck(path: string, label = ""): Checker {
  return check(label || pathLabel("FileExisting", path), `${path} exists`, async ({ host }) => {
    if (await host.stat(path) === undefined) {
      return {
        warnings: [],
        errors: [`${path} doesn't exist`],
        observed: `${path} missing`,
        remediation: `# provide ${path}`,
      };
    }
    return ok(`${path} exists`);
  });
}

/** sysctl key of a /proc/sys path: /proc/sys/net/ipv4/ip_forward → net.ipv4.ip_forward. */
function sysctlKey(path: string): string | undefined {
  if (!path.startsWith("/proc/sys/")) return undefined;
  return path.slice("/proc/sys/".length).replaceAll("/", ".");
}

export function fileContentCheck(path: string, content: string, label = ""): Checker {
  return check(
    label || pathLabel("FileContent", path),
    `${path} starts with ${JSON.stringify(content)}`,
    async ({ host }) => {
      const kernel = path.startsWith("/proc/") || path.startsWith("/sys/");
      let data: Uint8Array | undefined;
      try {
        data = kernel ? await host.readKernelBytes(path) : await host.readFile(path);
      } catch {
        return { warnings: [], errors: [`${path} could not be read`] };
      }
      if (data === undefined) {
        return {
          warnings: [],
          errors: [`${path} does not exist`],
          observed: `${path} missing`,
          remediation: `# ${path} is missing: this kernel lacks the setting (IPv6 disabled?)`,
        };
      }
      const want = new TextEncoder().encode(content);
      const got = data.subarray(0, want.length);
      const observed = new TextDecoder().decode(data).trim();
      if (got.length !== want.length || !got.every((b, i) => b === want[i])) {
        const key = sysctlKey(path);
        return {
          warnings: [],
          errors: [`${path} contents are not set to ${content}`],
          observed,
          remediation: key
            ? `sysctl -w ${key}=${content} && echo '${key} = ${content}' > /etc/sysctl.d/99-kubernetes.conf`
            : `printf '%s' '${content}' > ${path}`,
        };
      }
      return ok(observed);
    },
  );
}

/** Debian packages that carry the binaries kubeadm looks for. */
const DEBIAN_PACKAGES: Record<string, string> = {
  conntrack: "conntrack",
  losetup: "mount",
  mount: "mount",
  cp: "coreutils",
  crictl: "cri-tools",
  ip: "iproute2",
  iptables: "iptables",
  socat: "socat",
  ethtool: "ethtool",
  ebtables: "ebtables",
  tc: "iproute2",
  touch: "coreutils",
  nsenter: "util-linux",
};

export function inPathCheck(
  executable: string,
  mandatory: boolean,
  suggestion = "",
  label = "",
): Checker {
  return check(label || pathLabel("FileExisting", executable), `${executable} in PATH`, async ({
    host,
  }) => {
    const found = await host.lookPath(executable);
    if (found) return ok(found);
    const msg = `${executable} not found in system path`;
    const remediation = `apt-get install -y ${DEBIAN_PACKAGES[executable] ?? executable}`;
    if (mandatory) return { warnings: [], errors: [msg], observed: "not in PATH", remediation };
    return {
      warnings: [suggestion ? `${msg}\nSuggestion: ${suggestion}` : msg],
      errors: [],
      observed: "not in PATH",
      remediation,
    };
  });
}

// ---- Hostname ---------------------------------------------------------------------------------

const labelKeyRE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** apimachinery's IsQualifiedName (= content.IsLabelKey) error strings. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  const labelKeyMsg = regexError(
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]",
    "MyName",
    "my.name",
    "123-abc",
  );
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else errs.push(...isDNS1123SubdomainContent(prefix).map((m) => "prefix part " + m));
  } else {
    return [
      "a valid label key " + labelKeyMsg +
      " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 bytes");
  if (!labelKeyRE.test(name)) errs.push("name part " + labelKeyMsg);
  return errs;
}

export function hostnameCheck(nodeName: string): Checker {
  return check("Hostname", `node name ${nodeName} valid and resolvable`, async ({ host }) => {
    const warnings = qualifiedNameErrors(nodeName).map((m) =>
      `invalid node name format ${goQuote(nodeName)}: ${m}`
    );
    const r = await host.lookupHost(nodeName);
    if (r.addrs === null || r.addrs.length === 0) {
      warnings.push(`hostname "${nodeName}" could not be reached`);
    }
    if (r.error) warnings.push(`hostname "${nodeName}": ${r.error}`);
    const ip = await host.defaultIP(4).catch(() => undefined);
    return {
      warnings,
      errors: [],
      observed: r.addrs?.length ? `${nodeName} → ${r.addrs.join(", ")}` : `${nodeName} unresolved`,
      remediation: warnings.length
        ? `echo '${ip ?? "<node-ip>"} ${nodeName}' >> /etc/hosts`
        : undefined,
    };
  });
}

// ---- HTTPProxy / HTTPProxyCIDR ----------------------------------------------------------------

/**
 * The result of HTTPProxy and HTTPProxyCIDR when a proxy would carry the connection: kubeadm's
 * `warning`, and the remediation that adds `exempt` (a host or a CIDR) to NO_PROXY.
 */
function viaProxy(warning: string, observed: string, exempt: string): CheckResult {
  return {
    warnings: [warning],
    errors: [],
    observed,
    remediation: `export NO_PROXY="\${NO_PROXY:+\$NO_PROXY,}${exempt}"`,
  };
}

export function httpProxyCheck(proto: "https" | "http", hostname: string): Checker {
  return check("HTTPProxy", `direct connection to ${proto}://${hostname}`, ({ env }) => {
    const ip = parseIP(hostname);
    const hostport = ip && !isV4Mapped(ip) && hostname.includes(":")
      ? joinHostPort(hostname, "1234")
      : hostname;
    const u = `${proto}://${hostport}`;
    const proxy = proxyFor(env, proto, hostport);
    if (proxy) {
      return viaProxy(
        `Connection to ${goQuote(u)} uses proxy ${
          goQuote(proxy.text)
        }. If that is not intended, adjust your proxy settings`,
        `via proxy ${proxy.text}`,
        hostname,
      );
    }
    return ok("direct");
  });
}

export function httpProxyCIDRCheck(proto: "https" | "http", cidr: string): Checker {
  return check("HTTPProxyCIDR", `direct connections into ${cidr || "(none)"}`, ({ env }) => {
    if (cidr.length === 0) return ok("no CIDR");
    const net = parseCIDR(cidr, true);
    if (!net) {
      return {
        warnings: [],
        errors: [`error parsing CIDR ${goQuote(cidr)}: invalid CIDR address: ${cidr}`],
        observed: cidr,
      };
    }
    const testIP = indexedIP(net, 1);
    if (!testIP) {
      return {
        warnings: [],
        errors: [
          `unable to get first IP address from the given CIDR (${
            cidrString(net)
          }): can't generate IP with index 1 from subnet. subnet too small. subnet: ${
            goQuote(cidrString(net))
          }`,
        ],
        observed: cidr,
      };
    }
    const hostport = joinHostPort(formatIPBytes(testIP), "1234");
    const proxy = proxyFor(env, proto, hostport);
    if (proxy) {
      return viaProxy(
        `connection to ${goQuote(cidr)} uses proxy ${
          goQuote(proxy.text)
        }. This may lead to malfunctional cluster setup. Make sure that Pod and Services IP ranges specified correctly as exceptions in proxy configuration`,
        `${proto}://${hostport}/ via proxy ${proxy.text}`,
        cidr,
      );
    }
    return ok("direct");
  });
}

// ---- kubelet version, SystemVerification ------------------------------------------------------

const kubeletVersions = new WeakMap<CheckContext, Promise<Version>>();

/**
 * GetKubeletVersion: runs `kubelet --version` once per check run (SystemVerification and
 * KubeletVersion both ask, possibly at the same time). Throws kubeadm's error text.
 */
function getKubeletVersion(ctx: CheckContext): Promise<Version> {
  let v = kubeletVersions.get(ctx);
  if (!v) {
    v = runKubeletVersion(ctx);
    kubeletVersions.set(ctx, v);
  }
  return v;
}

/** The result of a check that needs the kubelet's version and cannot get it. */
/** The kubelet's version, or the failed result of a check that needs it and cannot get it. */
async function kubeletVersionOrFailure(ctx: CheckContext): Promise<Version | CheckResult> {
  try {
    return await getKubeletVersion(ctx);
  } catch (e) {
    return {
      warnings: [],
      errors: [`couldn't get kubelet version: ${(e as Error).message}`],
      observed: "kubelet not usable",
      remediation: "# install the kubelet binary in PATH (kubelet --version must work)",
    };
  }
}

async function runKubeletVersion(ctx: CheckContext): Promise<Version> {
  const bin = await ctx.host.lookPath("kubelet");
  if (!bin) {
    // k8s.io/utils/exec reports a missing binary as ErrExecutableNotFound (no "exec:" prefix).
    throw new Error("cannot execute 'kubelet --version': executable file not found in $PATH");
  }
  const r = await ctx.host.run(bin, ["--version"], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`cannot execute 'kubelet --version': exit status ${r.code}`);
  const clean = r.stdout.trim();
  const re = /^\s*Kubernetes v((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)([-\w.+]*)?)\s*$/;
  const m = re.exec(clean);
  if (!m) throw new Error(`Unable to parse output from Kubelet: ${goQuote(clean)}`);
  return parseSemantic(m[1]);
}

export function systemVerificationCheck(isUpgrade = false): Checker {
  return check(
    "SystemVerification",
    "supported kernel and config, Linux, required cgroups (cgroup v2 for kubelet >= 1.35)",
    async (ctx) => {
      const kubelet = await kubeletVersionOrFailure(ctx);
      if (!(kubelet instanceof Version)) return kubelet;
      const kv = isUpgrade ? kubelet.withMinor(kubelet.minor + 1) : kubelet;
      const rep = new Reporter();
      const k = await validateKernel(ctx.host, rep);
      const o = validateOS(ctx.host, rep);
      const c = await validateCgroups(ctx.host, rep, kv.toString());
      const warnings = [...k.warnings, ...o.warnings, ...c.warnings];
      const errors = [...k.errors, ...o.errors, ...c.errors];
      const observed = `kernel ${ctx.host.kernelRelease()}, ${ctx.host.osName()}, cgroup ${
        c.v2 ? "v2" : "v1"
      }, kubelet ${kv}`;
      const fixes: string[] = [];
      if (errors.includes(CGROUP_V1_MESSAGE) || warnings.includes(CGROUP_V1_MESSAGE)) {
        fixes.push(
          "# cgroup v1 host: boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2), or keep v1 by " +
            "setting failCgroupV1: false in the KubeletConfiguration and passing " +
            "--ignore-preflight-errors=SystemVerification",
        );
      }
      if (errors.some((e) => e.startsWith("unexpected kernel config"))) {
        fixes.push("# use a kernel built with the missing CONFIG_ options (see the report)");
      }
      const res: CheckResult = {
        warnings,
        errors,
        observed,
        remediation: fixes.length ? fixes.join("\n") : undefined,
      };
      if (errors.length > 0) {
        res.stdout = [
          "[preflight] The system verification failed. Printing the output from the verification:",
          ...rep.lines,
        ].join("\n");
      }
      return res;
    },
  );
}

export function kubeletVersionCheck(
  kubernetesVersion: string,
  minKubeletVersion: string,
): Checker {
  return check(
    "KubeletVersion",
    `kubelet >= ${minKubeletVersion}${
      kubernetesVersion ? `, minor not above ${kubernetesVersion}` : ""
    }`,
    async (ctx) => {
      const kv = await kubeletVersionOrFailure(ctx);
      if (!(kv instanceof Version)) return kv;
      const min = parseSemantic(minKubeletVersion);
      if (kv.lessThan(min)) {
        return {
          warnings: [],
          errors: [
            `Kubelet version ${
              goQuote(kv.toString())
            } is lower than kubeadm can support. Please upgrade kubelet`,
          ],
          observed: `kubelet ${kv}`,
          remediation: `# install kubelet ${min} or newer`,
        };
      }
      if (kubernetesVersion !== "") {
        const k8s = parseKubernetesVersion(kubernetesVersion);
        if (!(k8s instanceof Version)) return k8s;
        if (kv.major > k8s.major || kv.minor > k8s.minor) {
          return {
            warnings: [],
            errors: [
              `the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: ${
                goQuote(kv.toString())
              } Control plane version: ${goQuote(k8s.toString())}`,
            ],
            observed: `kubelet ${kv}`,
            remediation: `# install a kubelet of v${k8s.major}.${k8s.minor} or older`,
          };
        }
      }
      return ok(`kubelet ${kv}`);
    },
  );
}

// ---- Swap -------------------------------------------------------------------------------------

export function swapCheck(): Checker {
  return check("Swap", "no active swap", async ({ host }) => {
    const text = await host.readKernelFile("/proc/swaps");
    if (text === undefined) return ok("/proc/swaps not available");
    const lines = text.split("\n");
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    if (lines.length > 1) {
      return {
        warnings: [
          "swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node",
        ],
        errors: [],
        observed: `${lines.length - 1} swap device(s): ${
          lines.slice(1).map((l) => l.split(/\s+/)[0]).join(", ")
        }`,
        remediation: "swapoff -a && sed -i '/\\sswap\\s/ s/^#*/#/' /etc/fstab",
      };
    }
    return ok("no swap");
  });
}

// ---- CRI --------------------------------------------------------------------------------------

export function containerRuntimeCheck(criSocket: string): Checker {
  return check("CRI", `container runtime answering on ${criSocket}`, async (ctx) => {
    const rt = ctx.cri(criSocket);
    const down = await connectRuntime(rt, criSocket);
    if (down) return down;
    try {
      await rt.isRunning();
    } catch (e) {
      return {
        warnings: [],
        errors: [(e as Error).message],
        observed: `runtime not ready (${rt.describe()})`,
        remediation: criRemediation(criSocket),
      };
    }
    return ok(`runtime ready (${rt.describe()})`);
  });
}

/**
 * Connects to the runtime; kubeadm's error when it fails, with what was seen (unless
 * `observed` is false) and a remedy (`remediation`, else how to start the runtime).
 */
export async function connectRuntime(
  rt: ReturnType<CheckContext["cri"]>,
  criSocket: string,
  opts: { observed?: boolean; remediation?: string } = {},
): Promise<CheckResult | undefined> {
  try {
    await rt.connect();
    return undefined;
  } catch (e) {
    return {
      warnings: [],
      errors: [`could not connect to the container runtime: ${(e as Error).message}`],
      ...(opts.observed === false ? {} : { observed: `no runtime at ${criSocket}` }),
      remediation: opts.remediation ?? criRemediation(criSocket),
    };
  }
}

function criRemediation(criSocket: string): string {
  if (criSocket.includes("containerd")) {
    return "systemctl enable --now containerd  # or start containerd so that " + criSocket +
      " accepts connections";
  }
  if (criSocket.includes("crio")) return "systemctl enable --now crio";
  return `# start the container runtime listening on ${criSocket}`;
}

export function containerRuntimeVersionCheck(criSocket: string): Checker {
  return check("ContainerRuntimeVersion", "runtime implements the CRI RuntimeConfig RPC", async (
    ctx,
  ) => {
    const rt = ctx.cri(criSocket);
    const down = await connectRuntime(rt, criSocket);
    if (down) return down;
    let implemented: boolean;
    try {
      implemented = await rt.isRuntimeConfigImplemented();
    } catch (e) {
      return {
        warnings: [],
        errors: [`could not check if the runtime config is available: ${(e as Error).message}`],
      };
    }
    if (!implemented) {
      const logs = rt.runtimeConfigError === undefined ? [] : [
        klogLine(
          "E",
          "remote_runtime.go:1359",
          `"RuntimeConfig from runtime service failed" err=${goQuote(rt.runtimeConfigError)}`,
          ctx.now(),
        ),
      ];
      return {
        logs,
        warnings: [
          "You must update your container runtime to a version that supports the CRI method RuntimeConfig. " +
          "Falling back to using cgroupDriver from kubelet config will be removed in 1.38. " +
          "For more information, see https://git.k8s.io/enhancements/keps/sig-node/4033-group-driver-detection-over-cri",
        ],
        errors: [],
        observed: "RuntimeConfig unimplemented",
        remediation: "# upgrade the runtime (containerd >= 2.0 or CRI-O >= 1.30)",
      };
    }
    return ok("RuntimeConfig implemented");
  });
}

// ---- external etcd ----------------------------------------------------------------------------

export interface ExternalEtcd {
  endpoints?: string[];
  httpEndpoints?: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

function normalizeURL(s: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/.exec(s);
  if (!m) return s;
  return m[1] + m[2].replaceAll("//", "/") + m[3];
}

export function externalEtcdVersionCheck(etcd: ExternalEtcd): Checker {
  return check(
    "ExternalEtcdVersion",
    `external etcd >= ${MIN_EXTERNAL_ETCD_VERSION}`,
    async (ctx) => {
      // v1beta4 defaulting copies endpoints into an empty httpEndpoints.
      const eps = etcd.httpEndpoints?.length ? etcd.httpEndpoints : etcd.endpoints ?? [];
      if (eps.length === 0) return ok("no httpEndpoints, skipped");
      const errors: string[] = [];
      const opts: { caCerts?: string[]; cert?: string; key?: string } = {};
      if (etcd.caFile) {
        const ca = await ctx.host.readText(etcd.caFile);
        if (ca === undefined) {
          return {
            warnings: [],
            errors: [
              `couldn't load external etcd's server certificate ${etcd.caFile}: open ${etcd.caFile}: no such file or directory`,
            ],
          };
        }
        opts.caCerts = [ca];
      }
      if (etcd.certFile && etcd.keyFile) {
        const cert = await ctx.host.readText(etcd.certFile);
        const key = await ctx.host.readText(etcd.keyFile);
        if (cert === undefined || key === undefined) {
          const missing = cert === undefined ? etcd.certFile : etcd.keyFile;
          return {
            warnings: [],
            errors: [
              `couldn't load external etcd's certificate and key pair ${etcd.certFile}, ${etcd.keyFile}: open ${missing}: no such file or directory`,
            ],
          };
        }
        opts.cert = cert;
        opts.key = key;
      }
      const client = opts.cert
        ? Deno.createHttpClient(opts as Deno.CreateHttpClientOptions & Deno.TlsCertifiedKeyPem)
        : Deno.createHttpClient(opts);
      const seen: string[] = [];
      try {
        for (const ep of eps) {
          const url = normalizeURL(`${ep}/version`);
          let body: { etcdserver?: string } | undefined;
          let lastErr = "";
          for (let attempt = 0; attempt < 4; attempt++) {
            if (attempt > 0) await new Promise((r) => setTimeout(r, ctx.etcdRetryIntervalMs));
            try {
              const resp = await fetch(url, {
                client,
                signal: AbortSignal.timeout(10_000),
              });
              if (resp.status >= 500 && resp.status <= 599) {
                await resp.body?.cancel();
                lastErr =
                  `server responded with non-successful status: ${resp.status} ${resp.statusText}`;
                continue;
              }
              try {
                body = await resp.json();
                lastErr = "";
              } catch (e) {
                lastErr = (e as Error).message;
              }
              break;
            } catch (e) {
              lastErr = `Get ${goQuote(url)}: ${(e as Error).message}`;
            }
          }
          if (lastErr !== "" || body === undefined) {
            errors.push(lastErr);
            continue;
          }
          const v = body.etcdserver ?? "";
          seen.push(`${ep}: ${v}`);
          let ver: Version;
          try {
            ver = parseSemantic(v);
          } catch (e) {
            errors.push(
              `couldn't parse external etcd version ${goQuote(v)}: ${(e as Error).message}`,
            );
            continue;
          }
          if (ver.lessThan(parseSemantic(MIN_EXTERNAL_ETCD_VERSION))) {
            errors.push(
              `this version of kubeadm only supports external etcd version >= ${MIN_EXTERNAL_ETCD_VERSION}. Current version: ${v}`,
            );
          }
        }
      } finally {
        client.close();
      }
      return {
        warnings: [],
        errors,
        observed: seen.join("; ") || "unreachable",
        remediation: errors.length
          ? `# upgrade the external etcd to ${MIN_EXTERNAL_ETCD_VERSION} or newer`
          : undefined,
      };
    },
  );
}

// ---- ImagePull --------------------------------------------------------------------------------

export type PullPolicy = "Always" | "IfNotPresent" | "Never";

export function imagePullCheck(opts: {
  criSocket: string;
  images: string[];
  sandboxImage: string;
  pullPolicy: string;
  serial: boolean;
}): Checker {
  return check("ImagePull", `images present: ${opts.images.join(", ")}`, async (ctx) => {
    const rt = ctx.cri(opts.criSocket);
    const down = await connectRuntime(rt, opts.criSocket, { observed: false });
    if (down) return down;
    const policy = opts.pullPolicy;
    if (policy === "Never") return ok("pull policy Never, skipped");
    if (policy !== "Always" && policy !== "IfNotPresent") {
      return { warnings: [], errors: [`unsupported pull policy ${goQuote(policy)}`] };
    }
    const logs: string[] = [];
    try {
      const sb = await rt.sandboxImage();
      if (sb !== opts.sandboxImage) {
        logs.push(klogLine(
          "W",
          "checks.go:920",
          `detected that the sandbox image ${
            goQuote(sb)
          } of the container runtime is inconsistent with that used by kubeadm. It is recommended to use ${
            goQuote(opts.sandboxImage)
          } as the CRI sandbox image.`,
          ctx.now(),
        ));
      }
    } catch {
      // kubeadm logs this at V(4) only
    }
    const errors: string[] = [];
    const failed: string[] = [];
    const pullOne = async (image: string): Promise<string | undefined> => {
      if (policy === "IfNotPresent" && await rt.imageExists(image)) return undefined;
      try {
        await rt.pullImage(image);
        return undefined;
      } catch (e) {
        failed.push(image);
        return `failed to pull image ${image}: ${(e as Error).message}`;
      }
    };
    if (!opts.serial) {
      const errs = (await Promise.all(opts.images.map(pullOne))).filter((e): e is string =>
        e !== undefined
      );
      // errorsutil.NewAggregate: one error prints bare, several as "[a, b]".
      if (errs.length === 1) errors.push(errs[0]);
      else if (errs.length > 1) errors.push(`[${errs.join(", ")}]`);
    } else {
      for (const image of opts.images) {
        const e = await pullOne(image);
        if (e) errors.push(e);
      }
    }
    return {
      warnings: [],
      errors,
      logs,
      observed: failed.length
        ? `missing: ${failed.join(", ")}`
        : `${opts.images.length} images present`,
      remediation: failed.length
        ? failed.map((i) => `crictl --runtime-endpoint ${opts.criSocket} pull ${i}`).join(" && ")
        : undefined,
    };
  });
}
