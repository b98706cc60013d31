/**
 * The kubelet-start phase of kubeadm v1.37.2 (cmd/phases/init/kubelet.go, phases/kubelet/):
 * /var/lib/kubelet/kubeadm-flags.env, instance-config.yaml and config.yaml, and stopping /
 * (re)starting the kubelet through systemd or OpenRC.
 */
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import { argumentsToCommand, getArgValue } from "../manifests/args.ts";
import type { ArgLike, NodeRegistrationLike } from "../manifests/types.ts";
import { getPatchManagerForPath, goQuote, type Output, type PatchFS } from "../patches/patches.ts";
import { instanceConfigContent, kubeletConfigFileContent, PATCHES_FAILED } from "./config.ts";

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export * from "./config.ts";

const KUBELET_RUN_DIRECTORY = "/var/lib/kubelet";
const KUBELET_ENV_FILE_NAME = "kubeadm-flags.env";
const KUBELET_ENV_FILE_VARIABLE = "KUBELET_KUBEADM_ARGS";
export const KUBELET_CONFIG_FILE_NAME = "config.yaml";
export const KUBELET_INSTANCE_CONFIG_FILE_NAME = "instance-config.yaml";
export const KUBELET_KUBECONFIG = "/etc/kubernetes/kubelet.conf";
const KUBELET_BOOTSTRAP_KUBECONFIG = "/etc/kubernetes/bootstrap-kubelet.conf";
/**
 * Beyond kubeadm: the pid of a kubelet kubestrap started itself (no init system), for `reset`
 * and a later `join` to stop it.
 */
export const KUBELET_PID_FILE = "/var/run/kubestrap/kubelet.pid";

function stdout(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line));
}
function stderr(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line));
}

// ---------------------------------------------------------------------------------------------
// kubeadm-flags.env (flags.go)

/** nodeutil.GetHostname(""): the OS hostname, trimmed and lower-cased. */
function osHostname(host: Pick<Host, "hostname">): string {
  return host.hostname().trim().toLowerCase();
}

/**
 * GetNodeNameAndHostname: the node name (hostname < nodeRegistration.name <
 * kubeletExtraArgs hostname-override) and the hostname.
 */
function nodeNameAndHostname(
  nodeReg: NodeRegistrationLike,
  hostname: string,
): [string, string] {
  let nodeName = hostname;
  if (nodeReg.name) nodeName = nodeReg.name;
  const [v, idx] = getArgValue(nodeReg.kubeletExtraArgs, "hostname-override");
  if (idx > -1) nodeName = v;
  return [nodeName, hostname];
}

interface TaintLike {
  key: string;
  value?: string;
  effect: string;
}

/** v1.Taint.ToString(). */
function taintString(t: TaintLike): string {
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

/**
 * buildKubeletArgs: `--register-with-taints` (join only: registerTaintsUsingFlags) and
 * `--hostname-override` when the node name differs from the hostname. In v1.37 nothing else:
 * the CRI socket lives in instance-config.yaml and --pod-infra-container-image is gone.
 */
export function buildKubeletArgs(
  nodeReg: NodeRegistrationLike,
  hostname: string,
  registerTaintsUsingFlags = false,
): ArgLike[] {
  const flags: ArgLike[] = [];
  const taints = (nodeReg.taints ?? null) as TaintLike[] | null;
  if (registerTaintsUsingFlags && taints !== null && taints.length > 0) {
    flags.push({ name: "register-with-taints", value: taints.map(taintString).join(",") });
  }
  const [nodeName, h] = nodeNameAndHostname(nodeReg, hostname);
  if (nodeName !== h) flags.push({ name: "hostname-override", value: nodeName });
  return flags;
}

/** The argument list of KUBELET_KUBEADM_ARGS (ArgumentsToCommand with kubeletExtraArgs). */
export function kubeadmFlagsArgs(
  nodeReg: NodeRegistrationLike,
  hostname: string,
  registerTaintsUsingFlags = false,
): string[] {
  return argumentsToCommand(
    buildKubeletArgs(nodeReg, hostname, registerTaintsUsingFlags),
    nodeReg.kubeletExtraArgs,
  );
}

/** The bytes of kubeadm-flags.env: `KUBELET_KUBEADM_ARGS=%q\n`. */
export function kubeadmFlagsEnvContent(args: string[]): string {
  return `${KUBELET_ENV_FILE_VARIABLE}=${goQuote(args.join(" "))}\n`;
}

/** ReadKubeletDynamicEnvFile: the flags of a kubeadm-flags.env (`--a=b` / `--a b` forms). */
export function parseKubeadmFlagsEnv(content: string, file = "kubeadm-flags.env"): string[] {
  const c = content.trim();
  const prefix = KUBELET_ENV_FILE_VARIABLE + "=";
  if (!c.startsWith(prefix)) {
    throw new Error(`the file "${file}" does not contain the  expected prefix "${prefix}"`);
  }
  const fields = c.slice(prefix.length).replace(/^"+|"+$/g, "").split(/\s+/).filter((x) => x);
  const out: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    if (fields[i].includes("=")) out.push(fields[i]);
    else if (i + 1 < fields.length) {
      out.push(fields[i] + "=" + fields[i + 1]);
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Init system (util/initsystem/initsystem_unix.go)

export type InitSystemKind = "systemd" | "openrc";

export interface InitSystem {
  kind: InitSystemKind;
  serviceExists(name: string): Promise<boolean>;
  serviceIsActive(name: string): Promise<boolean>;
  serviceStart(name: string): Promise<void>;
  serviceStop(name: string): Promise<void>;
  serviceRestart(name: string): Promise<void>;
  enableCommand(name: string): string;
}

/** exec.Cmd.Run: the error text of a failed command is Go's `exit status N`. */
async function mustRun(host: Host, cmd: string, args: string[]): Promise<void> {
  const r = await host.run(cmd, args);
  if (r.code === 127 && r.stderr.includes("executable file not found")) {
    throw new Error(`exec: "${cmd}": executable file not found in $PATH`);
  }
  if (r.code !== 0) throw new Error(`exit status ${r.code}`);
}

function systemd(host: Host): InitSystem {
  const reload = async () => {
    try {
      await mustRun(host, "systemctl", ["daemon-reload"]);
    } catch (e) {
      throw new Error(`failed to reload systemd: ${(e as Error).message}`);
    }
  };
  return {
    kind: "systemd",
    async serviceExists(name) {
      const out = (await host.run("systemctl", ["status", name])).stdout;
      return !out.includes("Loaded: not-found") && !out.includes("could not be found");
    },
    async serviceIsActive(name) {
      const out = (await host.run("systemctl", ["is-active", name])).stdout.trim();
      return out === "active" || out === "activating";
    },
    async serviceStart(name) {
      await reload();
      await mustRun(host, "systemctl", ["start", name]);
    },
    async serviceStop(name) {
      await mustRun(host, "systemctl", ["stop", name]);
    },
    async serviceRestart(name) {
      await reload();
      await mustRun(host, "systemctl", ["restart", name]);
    },
    enableCommand: (name) => `systemctl enable ${name}.service`,
  };
}

function openrc(host: Host): InitSystem {
  const combined = async (args: string[]) => {
    const r = await host.run("rc-service", args);
    return r.stdout + r.stderr;
  };
  return {
    kind: "openrc",
    async serviceExists(name) {
      return !(await combined([name, "status"])).includes("does not exist");
    },
    async serviceIsActive(name) {
      const out = await combined([name, "status"]);
      return !out.includes("stopped") && !out.includes("does not exist");
    },
    serviceStart: (name) => mustRun(host, "rc-service", [name, "start"]),
    serviceStop: (name) => mustRun(host, "rc-service", [name, "stop"]),
    serviceRestart: (name) => mustRun(host, "rc-service", [name, "restart"]),
    enableCommand: (name) => `rc-update add ${name} default`,
  };
}

/**
 * GetInitSystem: systemd when `systemctl` is in PATH, OpenRC when `openrc`, `rc-service` and
 * `rc-update` are; otherwise undefined (with the reason).
 */
export async function detectInitSystem(
  host: Host,
): Promise<{ initSystem?: InitSystem; error?: string }> {
  // kubeadm only looks for systemctl; kubestrap also asks whether systemd is running
  // (sd_booted: /run/systemd/system exists), so that a machine with the systemctl binary but
  // no systemd (containers, test beds) gets the "start it yourself" command line instead of
  // failing systemctl calls.
  if (await host.lookPath("systemctl") && await host.exists("/run/systemd/system")) {
    return { initSystem: systemd(host) };
  }
  if (await host.lookPath("openrc")) {
    for (const b of ["rc-service", "rc-update"]) {
      if (!(await host.lookPath(b))) {
        return {
          error:
            `openrc detected, but missing required binary: ${b}: exec: "${b}": executable file not found in $PATH`,
        };
      }
    }
    return { initSystem: openrc(host) };
  }
  return { error: "no supported init system detected, skipping checking for services" };
}

/** Whether systemd-resolved is active (for the kubelet's resolvConf). */
async function isSystemdResolvedActive(host: Host): Promise<boolean> {
  const { initSystem } = await detectInitSystem(host);
  return initSystem ? await initSystem.serviceIsActive("systemd-resolved") : false;
}

/**
 * The command line that runs the kubelet the way the packaged systemd drop-in
 * (10-kubeadm.conf) does, with the flags of kubeadm-flags.env.
 */
export function kubeletCommandLine(
  kubeadmArgs: string[],
  kubeletPath = "/usr/bin/kubelet",
): string {
  return [
    kubeletPath,
    `--bootstrap-kubeconfig=${KUBELET_BOOTSTRAP_KUBECONFIG}`,
    `--kubeconfig=${KUBELET_KUBECONFIG}`,
    `--config=${KUBELET_RUN_DIRECTORY}/${KUBELET_CONFIG_FILE_NAME}`,
    ...kubeadmArgs,
  ].join(" ");
}

/** Stops a kubelet kubestrap started itself, if its pid file names a live kubelet. */
export async function stopOwnKubelet(host: Host): Promise<boolean> {
  const pid = Number((await host.readText(KUBELET_PID_FILE))?.trim());
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const cmdline = await host.readKernelFile(`/proc/${pid}/cmdline`);
  if (!cmdline || !cmdline.split("\0")[0].endsWith("kubelet")) {
    await host.remove(KUBELET_PID_FILE);
    return false;
  }
  try {
    host.signal(pid, "SIGTERM");
    for (let i = 0; i < 50 && await host.readKernelFile(`/proc/${pid}/cmdline`); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (await host.readKernelFile(`/proc/${pid}/cmdline`)) host.signal(pid, "SIGKILL");
  } catch {
    // already gone
  }
  await host.remove(KUBELET_PID_FILE);
  return true;
}

export interface ServiceOutput {
  /** stdout lines (kubeadm's fmt.Print*). */
  output?: Output;
  /** Warnings (kubeadm's klog.Warning, on stderr). */
  warn?: Output;
}

/**
 * What TryStopKubelet and TryRestartKubelet share: without an init system, or without a kubelet
 * service, kubeadm's lines; a failing stop or restart is a warning. Never fails.
 */
async function tryKubeletService(
  host: Host,
  io: ServiceOutput,
  action: "stop" | "restart",
  failure: string,
): Promise<void> {
  const out = io.output ?? stdout;
  const warn = io.warn ?? stderr;
  const { initSystem } = await detectInitSystem(host);
  if (!initSystem) {
    out(
      "[kubelet-start] No supported init system detected, won't make sure the kubelet not running for a short period of time while setting up configuration for it.\n",
    );
    return;
  }
  if (!(await initSystem.serviceExists("kubelet"))) {
    out(
      "[kubelet-start] Couldn't detect a kubelet service, can't make sure the kubelet not running for a short period of time while setting up configuration for it.\n",
    );
  }
  try {
    await (action === "stop"
      ? initSystem.serviceStop("kubelet")
      : initSystem.serviceRestart("kubelet"));
  } catch (e) {
    warn(`[kubelet-start] WARNING: ${failure}: [${(e as Error).message}]\n`);
  }
}

/** TryStopKubelet. Never fails. */
export function tryStopKubelet(host: Host, io: ServiceOutput = {}): Promise<void> {
  return tryKubeletService(host, io, "stop", "unable to stop the kubelet service momentarily");
}

/**
 * TryStartKubelet. Never fails. Without an init system kubestrap adds, after kubeadm's line,
 * the command that starts the kubelet by hand (`kubeadmArgs`: the KUBELET_KUBEADM_ARGS).
 * Returns whether a restart was attempted and succeeded.
 */
export async function tryStartKubelet(
  host: Host,
  io: ServiceOutput & { kubeadmArgs?: string[] } = {},
): Promise<boolean> {
  const out = io.output ?? stdout;
  const warn = io.warn ?? stderr;
  const { initSystem } = await detectInitSystem(host);
  if (!initSystem) {
    out(
      "[kubelet-start] No supported init system detected, won't make sure the kubelet is running properly.\n",
    );
    const kubelet = (await host.lookPath("kubelet")) ?? "/usr/bin/kubelet";
    out(
      `[kubelet-start] Start the kubelet yourself, e.g.: ${
        kubeletCommandLine(io.kubeadmArgs ?? [], kubelet)
      }\n`,
    );
    return false;
  }
  if (!(await initSystem.serviceExists("kubelet"))) {
    out(
      "[kubelet-start] Couldn't detect a kubelet service, can't make sure the kubelet is running properly.\n",
    );
  }
  try {
    await initSystem.serviceRestart("kubelet");
    return true;
  } catch (e) {
    warn(
      `[kubelet-start] WARNING: unable to start the kubelet service: [${(e as Error).message}]\n`,
    );
    out("[kubelet-start] Please ensure kubelet is reloaded and running manually.\n");
    return false;
  }
}

/** TryRestartKubelet (after kubelet.conf changed during an upgrade). Never fails. */
export function tryRestartKubelet(host: Host, io: ServiceOutput = {}): Promise<void> {
  return tryKubeletService(
    host,
    io,
    "restart",
    "unable to restart the kubelet service momentarily",
  );
}

// ---------------------------------------------------------------------------------------------
// Writing the files

export interface KubeletStartOptions {
  /** The kubelet directory (default /var/lib/kubelet; dry-run uses a temporary one). */
  kubeletDir?: string;
  patchesDir?: string;
  patchFS?: PatchFS;
  output?: Output;
  warn?: Output;
  /** Hostname for --hostname-override (default: the host's, lower-cased). */
  hostname?: string;
  /** join: taints go to --register-with-taints. */
  registerTaintsUsingFlags?: boolean;
  /** Override the systemd-resolved detection (default: asks the init system). */
  systemdResolvedActive?: boolean;
  dryRun?: boolean;
}

async function writeKubeletFile(
  host: Host,
  dir: string,
  name: string,
  data: string,
  out: Output,
  what: "environment" | "configuration",
): Promise<string> {
  const file = `${dir.replace(/\/+$/, "")}/${name}`;
  out(
    what === "environment"
      ? `[kubelet-start] Writing kubelet environment file with flags to file ${goQuote(file)}\n`
      : `[kubelet-start] Writing kubelet configuration to file ${goQuote(file)}\n`,
  );
  await host.writeFile(file, data, { mode: 0o644, dirMode: 0o700 });
  return file;
}

/** WriteKubeletDynamicEnvFile. Returns the flags written. */
export async function writeKubeletFlagsEnv(
  host: Host,
  nodeReg: NodeRegistrationLike,
  opts: KubeletStartOptions = {},
): Promise<string[]> {
  const args = kubeadmFlagsArgs(
    nodeReg,
    opts.hostname ?? osHostname(host),
    opts.registerTaintsUsingFlags ?? false,
  );
  await writeKubeletFile(
    host,
    opts.kubeletDir ?? KUBELET_RUN_DIRECTORY,
    KUBELET_ENV_FILE_NAME,
    kubeadmFlagsEnvContent(args),
    opts.output ?? stdout,
    "environment",
  );
  return args;
}

/** WriteInstanceConfigToDisk. */
export async function writeInstanceConfig(
  host: Host,
  criSocket: string,
  opts: KubeletStartOptions = {},
): Promise<string> {
  return await writeKubeletFile(
    host,
    opts.kubeletDir ?? KUBELET_RUN_DIRECTORY,
    KUBELET_INSTANCE_CONFIG_FILE_NAME,
    instanceConfigContent(criSocket),
    opts.output ?? stdout,
    "configuration",
  );
}

/**
 * WriteConfigToDisk: config.yaml from the cluster-wide KubeletConfiguration, the
 * `kubeletconfiguration` patches and the instance-config.yaml on disk (which must exist).
 */
export async function writeKubeletConfig(
  host: Host,
  kubeletConfig: Record<string, unknown>,
  opts: KubeletStartOptions = {},
): Promise<string> {
  const out = opts.output ?? stdout;
  const dir = opts.kubeletDir ?? KUBELET_RUN_DIRECTORY;
  const resolved = opts.systemdResolvedActive ?? await isSystemdResolvedActive(host);
  const patches = opts.patchesDir
    ? await getPatchManagerForPath(opts.patchesDir, { output: out, fs: opts.patchFS }).catch(
      (e) => {
        throw new KubestrapError(`${PATCHES_FAILED}: ${messageOf(e)}`);
      },
    )
    : undefined;
  const instanceFile = `${dir.replace(/\/+$/, "")}/${KUBELET_INSTANCE_CONFIG_FILE_NAME}`;
  const instance = await host.readText(instanceFile);
  if (instance === undefined) {
    throw new Error(
      `could not apply kubelet instance configuration as a patch from ${
        goQuote(instanceFile)
      }: could not read patch file ${
        goQuote(instanceFile)
      }: open ${instanceFile}: no such file or directory`,
    );
  }
  const content = kubeletConfigFileContent(kubeletConfig, {
    instanceConfig: instance,
    patches,
    output: out,
    systemdResolvedActive: resolved,
    warn: (m) => (opts.warn ?? stderr)(m + "\n"),
  });
  return await writeKubeletFile(host, dir, KUBELET_CONFIG_FILE_NAME, content, out, "configuration");
}

/**
 * The whole `kubeadm init phase kubelet-start`: stop the kubelet (not in dry-run), write
 * kubeadm-flags.env, instance-config.yaml and config.yaml, then `[kubelet-start] Starting the
 * kubelet` and restart it (not in dry-run).
 */
export async function runKubeletStart(
  host: Host,
  cfg: {
    init: { nodeRegistration: NodeRegistrationLike; patches?: { directory?: string } };
    kubeletConfig: Record<string, unknown>;
  },
  opts: KubeletStartOptions = {},
): Promise<void> {
  const out = opts.output ?? stdout;
  const o = { ...opts, patchesDir: opts.patchesDir ?? cfg.init.patches?.directory };
  if (!opts.dryRun) await tryStopKubelet(host, { output: out, warn: opts.warn });
  // The wrapping of kubeadm's init kubelet-start phase (cmd/phases/init/kubelet.go).
  const wrap = (prefix: string) => (e: unknown): never => {
    throw new KubestrapError(`${prefix}: ${messageOf(e)}`);
  };
  const args = await writeKubeletFlagsEnv(host, cfg.init.nodeRegistration, o).catch(
    wrap("error writing a dynamic environment file for the kubelet"),
  );
  await writeInstanceConfig(host, cfg.init.nodeRegistration.criSocket ?? "", o).catch(
    wrap("error writing instance kubelet configuration to disk"),
  );
  await writeKubeletConfig(host, cfg.kubeletConfig, o).catch(
    wrap("error writing kubelet configuration to disk"),
  );
  if (!opts.dryRun) {
    out("[kubelet-start] Starting the kubelet\n");
    await tryStartKubelet(host, { output: out, warn: opts.warn, kubeadmArgs: args });
  }
}

/** kubeadm's kubeletFailMsg (util/apiclient/wait.go), printed when the kubelet never became healthy. */
export const KUBELET_FAIL_MSG = `
Unfortunately, an error has occurred, likely caused by:
	- The kubelet is not running
	- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)

If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:
	- 'systemctl status kubelet'
	- 'journalctl -xeu kubelet'
`;
