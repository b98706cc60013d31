/**
 * `kubeadm init phase wait-control-plane` (cmd/phases/init/waitcontrolplane.go,
 * util/apiclient/wait.go): the kubelet's
 * /healthz, then kube-apiserver /livez, kube-controller-manager /healthz and kube-scheduler
 * /livez in parallel, with kubeadm's lines and timeouts. Beyond kubeadm: on a timeout a verdict
 * names the component, its last probe error and the tail of its container log when one is found;
 * without an init system, when no kubelet runs in this network namespace within 1.5 s, the
 * kubelet check is skipped with a line saying so (static Pods run some other way, e.g. by hand).
 */
import { formatDurationMs } from "../../lib/util/duration.ts";
import { KubestrapError } from "../../lib/errors.ts";
import { Host } from "../../lib/host.ts";
import type { ProbeOptions, ProbeResult } from "../../lib/kube/health.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase wait-control-plane`. */
export const waitControlPlanePhase: Phase<InitData> = {
  name: "wait-control-plane",
  writes: "api",
  short: "Wait for the control plane to start",
  run: waitControlPlane,
};

const COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;

/** Go's time.Duration.String of a (fractional) number of milliseconds. */
const goDuration: (ms: number) => string = formatDurationMs;

/**
 * Health probes every 200 ms (kubeadm: every 500 ms): a component is seen healthy up to 300 ms
 * sooner, at the cost of a few more cheap local requests.
 */
const POLL_MS = 200;

/** How long wait-control-plane looks for a kubelet that no init system starts. */
const KUBELET_GRACE_MS = 1_500;

/** Bound on creating the controller-manager's ServiceAccounts (they are an optimisation). */
const ACCOUNTS_TIMEOUT_MS = 10_000;

async function waitControlPlane(data: InitData): Promise<void> {
  if (data.dryRun) return await dryRunWait(data);
  const kubelet = (data.cfg.componentConfigs.kubelet ?? {}) as Record<string, unknown>;
  const healthzAddress = (kubelet.healthzBindAddress as string | undefined) || "127.0.0.1";
  const healthzPort = (kubelet.healthzPort as number | undefined) ?? 10248;
  data.out(
    `[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "${data.manifestDir}"`,
  );
  const kubeletTimeout = data.timeouts.kubeletHealthCheckMs;
  try {
    await waitForKubelet(data, healthzAddress, healthzPort, kubeletTimeout);
  } catch (e) {
    data.out((await import("../../lib/kubelet/mod.ts")).KUBELET_FAIL_MSG);
    throw new KubestrapError(
      `failed while waiting for the kubelet to start: ${(e as Error).message}`,
    );
  }
  const cpTimeout = data.timeouts.controlPlaneComponentHealthCheckMs;
  let errors: string[];
  try {
    errors = await waitForComponents(data, cpTimeout);
  } catch (e) {
    errors = [(e as Error).message];
  }
  if (errors.length > 0) {
    const socket = data.cfg.init.nodeRegistration.criSocket ?? "";
    data.out(controlPlaneFailText(socket));
    throw new KubestrapError(
      `failed while waiting for the control plane to start: ${
        errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`
      }`,
    );
  }
}

function controlPlaneFailText(socket: string): string {
  return `
A control plane component may have crashed or exited when started by the container runtime.
To troubleshoot, list all containers using your preferred container runtimes CLI.
Here is one example how you may list all running Kubernetes containers by using crictl:
	- 'crictl --runtime-endpoint ${socket} ps -a | grep kube | grep -v pause'
	Once you have found the failing container, you can inspect its logs with:
	- 'crictl --runtime-endpoint ${socket} logs CONTAINERID'
`;
}

/** Whether a process named kubelet runs in this process's network namespace. */
async function kubeletInThisNetns(): Promise<boolean> {
  const kernel = new Host(); // /proc is never rerooted
  const mine = await kernel.readKernelLink("/proc/self/ns/net").catch(() => undefined);
  if (mine === undefined) return true; // cannot tell: behave like kubeadm
  for (const name of await kernel.readKernelDir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = (await kernel.readKernelFile(`/proc/${name}/comm`))?.trim();
      if (comm !== "kubelet") continue;
      if ((await kernel.readKernelLink(`/proc/${name}/ns/net`)) === mine) return true;
    } catch {
      // the process went away or is not ours to inspect
    }
  }
  return false;
}

/**
 * Without an init system something else starts the kubelet (an operator, a supervisor), maybe a
 * moment after kubelet-start: it counts when, within {@link KUBELET_GRACE_MS}, a kubelet process
 * runs in this network namespace or the healthz endpoint answers.
 */
async function kubeletAppears(url: string): Promise<boolean> {
  const { probe } = await import("../../lib/kube/health.ts");
  const deadline = performance.now() + KUBELET_GRACE_MS;
  while (true) {
    if (await kubeletInThisNetns()) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
    if ((await probe(url, { requestTimeoutMs: 1_000 })).ok) return true;
  }
}

async function waitForKubelet(
  data: InitData,
  address: string,
  port: number,
  timeoutMs: number,
): Promise<void> {
  if (port === 0) {
    data.out(
      "[kubelet-check] Skipping the kubelet health check because the healthz port is set to 0",
    );
    return;
  }
  const { kubeletCheck, kubeletHealthzURL, probe } = await import("../../lib/kube/health.ts");
  const url = kubeletHealthzURL(address, port);
  const first = await probe(url, { requestTimeoutMs: 2_000 });
  if (!first.ok) {
    const { detectInitSystem } = await import("../../lib/kubelet/mod.ts");
    const { initSystem } = await detectInitSystem(data.systemHost);
    if (!initSystem && !(await kubeletAppears(url))) {
      data.out(
        `[kubelet-check] Skipping the kubelet health check: no init system and no kubelet running in this network namespace (the control plane must be started some other way)`,
      );
      return;
    }
  }
  await kubeletCheck((l) => data.out(l), url, { timeoutMs, intervalMs: POLL_MS, first });
}

/** The command-line flag value `--name=value` of a static Pod's first container. */
function flagValue(command: string[], name: string): string {
  const prefix = `--${name}=`;
  const found = command.find((a) => a.startsWith(prefix));
  return found ? found.slice(prefix.length) : "";
}

interface Component {
  name: string;
  url: string;
  /** The static Pod manifest it was read from. */
  manifest: string;
}

async function components(data: InitData): Promise<Component[]> {
  const advertise = data.cfg.init.localAPIEndpoint.advertiseAddress ?? "";
  const defaults: Record<string, [string, string, string, string]> = {
    // name: [address flag, default address, default port, endpoint]
    "kube-apiserver": ["advertise-address", advertise, "6443", "livez"],
    "kube-controller-manager": ["bind-address", "127.0.0.1", "10257", "healthz"],
    "kube-scheduler": ["bind-address", "127.0.0.1", "10259", "livez"],
  };
  const { parse: parseYaml } = await import("yaml");
  const errs: string[] = [];
  const out: Component[] = [];
  for (const name of COMPONENTS) {
    const path = `${data.manifestDir}/${name}.yaml`;
    const text = await data.host.readText(path);
    if (text === undefined) {
      errs.push(
        `failed to read manifest for ${
          JSON.stringify(name)
        }: open ${path}: no such file or directory`,
      );
      continue;
    }
    // deno-lint-ignore no-explicit-any
    const pod = parseYaml(text) as any;
    const command: string[] = pod?.spec?.containers?.[0]?.command ?? [];
    const [addrFlag, defAddr, defPort, endpoint] = defaults[name];
    const address = flagValue(command, addrFlag) || defAddr;
    const port = flagValue(command, "secure-port") || defPort;
    const hp = address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
    out.push({ name, url: `https://${hp}/${endpoint}`, manifest: text });
  }
  if (errs.length > 0) {
    throw new Error(
      `could not parse the address and port of all control plane components: ${
        errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`
      }`,
    );
  }
  return out;
}

async function waitForComponents(data: InitData, timeoutMs: number): Promise<string[]> {
  data.out(
    `[control-plane-check] Waiting for healthy control plane components. This can take up to ${
      goDuration(timeoutMs)
    }`,
  );
  const { UnhealthyError, waitForHealthy } = await import("../../lib/kube/health.ts");
  const { kubeClientConfig } = await import("../../lib/kube/kubeconfig.ts");
  const comps = await components(data);
  // The API server is probed with the admin credentials (kubeadm's REST client).
  let apiOpts: ProbeOptions = { insecureSkipTLSVerify: true };
  let admin = false;
  try {
    const cfg = await kubeClientConfig({ host: data.host, path: data.kubeconfigPath });
    apiOpts = { caData: cfg.caData, certData: cfg.certData, keyData: cfg.keyData };
    admin = true;
  } catch {
    // no admin.conf: an anonymous probe
  }
  for (const c of comps) data.out(`[control-plane-check] Checking ${c.name} at ${c.url}`);
  // components() found all three manifests.
  const kcmManifest = comps.find((k) => k.name === "kube-controller-manager")!.manifest;
  let accounts: Promise<void> | undefined;
  const results = await Promise.all(comps.map(async (c) => {
    const opts: ProbeOptions = c.name === "kube-apiserver"
      ? { ...apiOpts, name: c.name, requestTimeoutMs: 10_000 }
      : { insecureSkipTLSVerify: true, name: c.name, requestTimeoutMs: 10_000 };
    try {
      const ms = await waitForHealthy(c.url, { ...opts, intervalMs: POLL_MS, timeoutMs });
      data.out(`[control-plane-check] ${c.name} is healthy after ${goDuration(ms)}`);
      if (c.name === "kube-apiserver" && admin) accounts = controllerAccounts(data, kcmManifest);
      return { c, last: { ok: true } as ProbeResult };
    } catch (e) {
      if (!(e instanceof UnhealthyError)) throw e;
      data.out(`[control-plane-check] ${c.name} is not healthy after ${goDuration(e.elapsedMs)}`);
      return { c, last: e.last };
    }
  }));
  await accounts;
  const failed = results.filter((r) => !r.last.ok);
  for (const { c, last } of failed) await verdict(data, c, last, timeoutMs);
  return failed.map(({ c, last }) => last.error ?? `${c.name} check failed at ${c.url}`);
}

/**
 * Beyond kubeadm: once the API server is healthy, create the ServiceAccounts that
 * kube-controller-manager's controllers run as, so that it need not create them one at a time
 * before it starts any controller (lib/apiobjects/controlleraccounts.ts). Never fails the phase:
 * the controller-manager creates whatever is missing itself.
 */
async function controllerAccounts(data: InitData, manifest: string): Promise<void> {
  try {
    const { controllerAccountsPlan, createControllerAccounts } = await import(
      "../../lib/apiobjects/controlleraccounts.ts"
    );
    const plan = controllerAccountsPlan(manifest);
    if (!("accounts" in plan)) return;
    const r = await createControllerAccounts(await data.client(), plan.accounts, {
      timeoutMs: ACCOUNTS_TIMEOUT_MS,
    });
    if (r.created.length === 0) return;
    const existed = r.existed.length ? `, ${r.existed.length} existed` : "";
    data.out(
      `[control-plane-check] Created the ServiceAccounts of kube-controller-manager's controllers (${r.created.length} in "kube-system"${existed}) so that it starts them sooner`,
    );
  } catch (e) {
    data.warn(
      `[control-plane-check] could not create the ServiceAccounts of kube-controller-manager's controllers ahead of it (it creates them itself): ${
        (e as Error).message
      }`,
    );
  }
}

/** kubestrap's verdict for a component that never became healthy (stderr). */
async function verdict(data: InitData, c: Component, last: ProbeResult, timeoutMs: number) {
  const lines = [
    `[control-plane-check] Verdict: ${c.name} did not become healthy within ${
      goDuration(timeoutMs)
    }; last probe: ${last.error ?? "no answer"}`,
  ];
  if (last.body) lines.push(`[control-plane-check] ${c.name} answered: ${last.body.slice(0, 500)}`);
  const log = await findLog(data, c.name);
  if (log) {
    lines.push(`[control-plane-check] Last lines of ${log.path}:`);
    for (const l of log.tail) lines.push(`\t${l}`);
  } else {
    lines.push(
      `[control-plane-check] No log file of ${c.name} found under /var/log/containers or /var/log/pods`,
    );
  }
  data.io.stderr(lines.join("\n") + "\n");
}

/** The newest container log of a static Pod component, and its last 20 lines. */
async function findLog(
  data: InitData,
  name: string,
): Promise<{ path: string; tail: string[] } | undefined> {
  const candidates: { path: string; mtime: number }[] = [];
  const host = data.systemHost;
  for (const f of await host.readDir("/var/log/containers").catch(() => [] as string[])) {
    if (f.startsWith(`${name}-`) && f.endsWith(".log")) {
      const path = `/var/log/containers/${f}`;
      const st = await host.stat(path);
      candidates.push({ path, mtime: st?.mtime?.getTime() ?? 0 });
    }
  }
  for (const d of await host.readDir("/var/log/pods").catch(() => [] as string[])) {
    if (!d.startsWith(`kube-system_${name}-`)) continue;
    const dir = `/var/log/pods/${d}/${name}`;
    for (const f of await host.readDir(dir).catch(() => [] as string[])) {
      const path = `${dir}/${f}`;
      const st = await host.stat(path);
      candidates.push({ path, mtime: st?.mtime?.getTime() ?? 0 });
    }
  }
  candidates.sort((a, b) => b.mtime - a.mtime);
  for (const c of candidates) {
    const text = await host.readText(c.path);
    if (text === undefined) continue;
    const lines = text.split("\n").filter((l) => l !== "");
    return { path: c.path, tail: lines.slice(-20) };
  }
  return undefined;
}

/** kubeadm's dry-run: print the manifests and kubelet files, and what would be waited for. */
async function dryRunWait(data: InitData): Promise<void> {
  const dir = data.dryRunDir ?? "";
  data.out(
    `[dryrun] Wrote certificates, kubeconfig files and control plane manifests to the "${dir}" directory`,
  );
  data.out(
    "[dryrun] The certificates or kubeconfig files would not be printed due to their sensitive nature",
  );
  data.out(
    `[dryrun] Please examine the "${dir}" directory for details about what would be written`,
  );
  const files = [
    ...COMPONENTS.map((c) => `${data.manifestDir}/${c}.yaml`),
    `${data.kubeletDir}/config.yaml`,
    `${data.kubeletDir}/kubeadm-flags.env`,
  ];
  const missing: string[] = [];
  for (const f of files) {
    const content = await data.host.readText(f);
    if (content === undefined) {
      missing.push(`open ${data.host.resolve(f)}: no such file or directory`);
      continue;
    }
    data.io.stdout(`[dryrun] Would write file "${f}" with content:\n${content}`);
  }
  if (missing.length > 0) {
    throw new KubestrapError(
      `error printing files on dryrun: ${
        missing.length === 1 ? missing[0] : `[${missing.join(", ")}]`
      }`,
    );
  }
  data.out(
    `[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "${dir}"`,
  );
  const kubelet = (data.cfg.componentConfigs.kubelet ?? {}) as Record<string, unknown>;
  const address = (kubelet.healthzBindAddress as string | undefined) || "127.0.0.1";
  const port = (kubelet.healthzPort as number | undefined) ?? 10248;
  const host = address.includes(":") ? `[${address}]` : address;
  data.out(`[dryrun] Would make sure the kubelet returns 'ok' at http://${host}:${port}/healthz`);
}
