/**
 * Shared by the integration tests: runs the kubestrap CLI (a separate `deno run` process, as a
 * user would) and the real kubeadm v1.37.2 with the node-local `init` phases.
 */
import * as path from "@std/path";

export const REPO = path.resolve(import.meta.dirname!, "../..");
export const MAIN = path.join(REPO, "main.ts");

/** The node-local phases of `kubeadm init`, in workflow order. */
export const NODE_LOCAL_PHASES = [
  "certs all",
  "kubeconfig all",
  "etcd local",
  "control-plane all",
  "kubelet-start",
] as const;
export type Phase = typeof NODE_LOCAL_PHASES[number];

/** PATH=/nonexistent: no init system is found (kubeadm would otherwise try systemctl). */
export const PHASE_ENV: Record<string, string> = {
  PATH: "/nonexistent",
  HOME: Deno.env.get("HOME") ?? "/root",
};

export interface PhaseRun {
  phase: Phase;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `kubestrap init phase <phase> --config <config> --rootfs <rootfs>` for each phase. A
 * failing phase throws, unless `allowFailure` (then every phase runs and reports its code).
 */
export async function kubestrapPhases(
  config: string,
  rootfs: string,
  opts: { phases?: readonly Phase[]; allowFailure?: boolean } = {},
): Promise<PhaseRun[]> {
  const phases = opts.phases ?? NODE_LOCAL_PHASES;
  const out: PhaseRun[] = [];
  for (const phase of phases) {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        MAIN,
        "init",
        "phase",
        ...phase.split(" "),
        "--config",
        config,
        "--rootfs",
        rootfs,
      ],
      cwd: REPO,
      env: { ...PHASE_ENV, NO_COLOR: "1" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const run = {
      phase,
      code: r.code,
      stdout: new TextDecoder().decode(r.stdout),
      stderr: new TextDecoder().decode(r.stderr),
    };
    if (run.code !== 0 && !opts.allowFailure) {
      throw new Error(
        `kubestrap init phase ${phase} exited ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
      );
    }
    out.push(run);
  }
  return out;
}

/** True when `p` is an executable file. */
export function isFile(p: string): boolean {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}
