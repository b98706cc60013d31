/**
 * The container runtime over the CRI (kubeadm's util/runtime), for preflight, image pulls and
 * the air-gap checks. kubestrap talks to the runtime through `crictl` when it is in PATH; without
 * crictl it can only dial the socket (the runtime's status and RuntimeConfig support then count
 * as "not verified").
 * Every error text is kubeadm's wrapping of the underlying failure.
 */
import type { Host } from "../host.ts";
import { goQuote } from "../util/goquote.ts";

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason?: string;
  message?: string;
}

export interface CriRuntime {
  /** kubeadm's Connect(); throws Error("failed to create new CRI runtime service: ..."). */
  connect(): Promise<void>;
  /** IsRunning(); throws Error("container runtime is not running: ...") or a condition error. */
  isRunning(): Promise<void>;
  /** IsRuntimeConfigImplemented(); throws Error("failed to call RuntimeConfig gRPC method: ..."). */
  isRuntimeConfigImplemented(): Promise<boolean>;
  /**
   * The gRPC error of the last RuntimeConfig call that came back Unimplemented (cri-client logs
   * it as an error line even though kubeadm only warns).
   */
  readonly runtimeConfigError?: string;
  /** SandboxImage(); throws when the runtime does not tell. */
  sandboxImage(): Promise<string>;
  imageExists(image: string): Promise<boolean>;
  /** PullImage(); throws Error("failed to pull image <image>: ..."). */
  pullImage(image: string): Promise<void>;
  /** How the runtime was reached, for the JSON report. */
  describe(): string;
}

/** cri-client's endpoint parsing: unix://path, or a bare path (deprecated, still accepted). */
export function criSocketPath(endpoint: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/.exec(endpoint);
  if (!m) {
    if (endpoint.startsWith("/")) return endpoint;
    throw new Error(`protocol ${goQuote("")} not supported`);
  }
  const [, scheme, rest] = m;
  if (scheme === "unix") {
    const slash = rest.indexOf("/");
    return slash < 0 ? "" : rest.slice(slash);
  }
  if (scheme === "tcp") throw new Error("only support unix socket endpoint");
  throw new Error(`protocol ${goQuote(scheme)} not supported`);
}

function firstLine(s: string): string {
  return s.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? "";
}

/** A CRI client over `crictl` (falls back to a socket dial when crictl is missing). */
export class CrictlRuntime implements CriRuntime {
  private crictl: string | undefined | null = null;
  private info: Promise<Record<string, unknown>> | undefined;
  runtimeConfigError?: string;

  constructor(readonly host: Host, readonly endpoint: string, readonly timeoutMs = 2000) {}

  private async tool(): Promise<string | undefined> {
    if (this.crictl === null) this.crictl = await this.host.lookPath("crictl");
    return this.crictl;
  }

  private async crictlRun(args: string[], timeoutMs = this.timeoutMs + 3000) {
    const bin = (await this.tool())!;
    const secs = Math.max(1, Math.ceil(this.timeoutMs / 1000));
    return await this.host.run(bin, [
      "--runtime-endpoint",
      this.endpoint,
      "--image-endpoint",
      this.endpoint,
      "--timeout",
      `${secs}s`,
      ...args,
    ], { timeoutMs });
  }

  describe(): string {
    return this.crictl ? `crictl (${this.crictl}) at ${this.endpoint}` : `socket ${this.endpoint}`;
  }

  async connect(): Promise<void> {
    const wrap = (why: string) =>
      new Error(
        `failed to create new CRI runtime service: validate service connection: ` +
          `validate CRI v1 runtime API for endpoint ${goQuote(this.endpoint)}: ${why}`,
      );
    let sock: string;
    try {
      sock = criSocketPath(this.endpoint);
    } catch (e) {
      throw new Error(`failed to create new CRI runtime service: ${(e as Error).message}`);
    }
    const dialErr = await this.host.dialUnix(this.host.resolve(sock));
    if (dialErr !== undefined) {
      throw wrap(
        `rpc error: code = Unavailable desc = connection error: desc = ` +
          goQuote(
            `transport: Error while dialing: ${dialErr.replace(this.host.resolve(sock), sock)}`,
          ),
      );
    }
    if (!await this.tool()) return;
    const r = await this.crictlRun(["version"]);
    if (r.code !== 0) throw wrap(firstLine(r.stderr || r.stdout) || `exit status ${r.code}`);
  }

  /** `crictl info`, run once even when several checks ask at the same time. */
  private loadInfo(): Promise<Record<string, unknown>> {
    this.info ??= (async () => {
      const r = await this.crictlRun(["info", "-o", "json"]);
      if (r.code !== 0) {
        throw new Error(firstLine(r.stderr || r.stdout) || `exit status ${r.code}`);
      }
      return JSON.parse(r.stdout) as Record<string, unknown>;
    })();
    return this.info;
  }

  async isRunning(): Promise<void> {
    if (!await this.tool()) return;
    let info: Record<string, unknown>;
    try {
      info = await this.loadInfo();
    } catch (e) {
      throw new Error(`container runtime is not running: ${(e as Error).message}`);
    }
    const status = info.status as { conditions?: RuntimeCondition[] } | undefined;
    const conds = status?.conditions ?? [];
    if (conds.length < 2) {
      throw new Error(
        "container runtime is not running: RuntimeReady or NetworkReady condition are not set",
      );
    }
    for (const c of conds) {
      if (c.type === "RuntimeReady" && !c.status) {
        throw new Error(
          `container runtime condition ${goQuote(c.type)} is not true. reason: ${
            c.reason ?? ""
          }, message: ${c.message ?? ""}`,
        );
      }
    }
  }

  async isRuntimeConfigImplemented(): Promise<boolean> {
    if (!await this.tool()) return true;
    const r = await this.crictlRun(["runtime-config"]);
    if (r.code === 0) return true;
    const out = r.stderr + r.stdout;
    if (/code = Unimplemented/.test(out)) {
      this.runtimeConfigError = /rpc error: code = \w+ desc = [^"\n]*/.exec(out)?.[0] ??
        firstLine(out);
      return false;
    }
    throw new Error(`failed to call RuntimeConfig gRPC method: ${firstLine(out)}`);
  }

  async sandboxImage(): Promise<string> {
    if (!await this.tool()) throw new Error("crictl not found in system path");
    const info = await this.loadInfo();
    const cfg = info.config as { sandboxImage?: string } | undefined;
    if (!cfg) throw new Error("no 'config' field in CRI info");
    if (!cfg.sandboxImage) throw new Error("no 'sandboxImage' field in CRI info config");
    return cfg.sandboxImage;
  }

  async imageExists(image: string): Promise<boolean> {
    if (!await this.tool()) return false;
    const r = await this.crictlRun(["inspecti", "-q", image]);
    return r.code === 0 && r.stdout.trim() !== "";
  }

  async pullImage(image: string): Promise<void> {
    if (!await this.tool()) {
      throw new Error(`failed to pull image ${image}: crictl not found in system path`);
    }
    let last = "";
    for (let i = 0; i < 5; i++) { // kubeadm's PullImageRetry
      const r = await this.crictlRun(["pull", image], 10 * 60_000);
      if (r.code === 0) return;
      last = firstLine(r.stderr || r.stdout) || `exit status ${r.code}`;
    }
    throw new Error(`failed to pull image ${image}: ${last}`);
  }

  /**
   * The running `containerName` containers of the kube-system Pod `podName`, newest first
   * (`crictl ps -o json`).
   */
  private async runningOf(
    podName: string,
    containerName: string,
  ): Promise<{ id?: string; labels?: Record<string, string> }[]> {
    if (!await this.tool()) throw new Error("crictl not found in system path");
    const r = await this.crictlRun([
      "ps",
      "-o",
      "json",
      "--state",
      "Running",
      "--name",
      `^${containerName}$`,
      "--label",
      `io.kubernetes.pod.name=${podName}`,
      "--label",
      "io.kubernetes.pod.namespace=kube-system",
    ]);
    if (r.code !== 0) throw new Error(firstLine(r.stderr || r.stdout) || `exit status ${r.code}`);
    return (JSON.parse(r.stdout) as { containers?: [] }).containers ?? [];
  }

  /** IDs of the running containers of a kube-system Pod's container, newest first. */
  async runningContainers(podName: string, containerName: string): Promise<string[]> {
    return (await this.runningOf(podName, containerName)).map((c) => c.id ?? "")
      .filter((id) => id !== "");
  }

  /**
   * The Pod UIDs (`io.kubernetes.pod.uid`) of the running `containerName` containers of the
   * kube-system Pod `podName`. For a static Pod the UID is the hash of its manifest, the mirror
   * Pod's `kubernetes.io/config.hash`.
   */
  async runningPodUIDs(podName: string, containerName: string): Promise<string[]> {
    return (await this.runningOf(podName, containerName))
      .map((c) => c.labels?.["io.kubernetes.pod.uid"] ?? "").filter((u) => u !== "");
  }

  /** Stops a container (`crictl stop`); its Pod's restart policy brings a new one up. */
  async stopContainer(id: string, graceSeconds = 10): Promise<void> {
    if (!await this.tool()) throw new Error("crictl not found in system path");
    const r = await this.crictlRun(
      ["stop", "--timeout", String(graceSeconds), id],
      (graceSeconds + 10) * 1000,
    );
    if (r.code !== 0) throw new Error(firstLine(r.stderr || r.stdout) || `exit status ${r.code}`);
  }
}
