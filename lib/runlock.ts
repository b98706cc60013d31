/**
 * One run at a time (kubestrap only; kubeadm has no lock): every command that writes under
 * /etc/kubernetes holds an exclusive lock on /etc/kubernetes/kubestrap.lock (under --rootfs)
 * for its whole run. The lock is a flock(2), so a run that dies (SIGKILL, OOM, reboot) drops it
 * and the next run takes over the file it left. The file names the holder (PID, command, start
 * time) for the message a second run fails with.
 *
 * Once the lock is held, no other run is writing, so the temporary files of atomic writes
 * (Host.writeFile) found in the directories kubestrap writes to can only be a killed run's: they
 * are removed.
 */
import * as path from "@std/path";
import { KubestrapError } from "./errors.ts";
import { type Host, isAtomicWriteTemp } from "./host.ts";

export const RUN_LOCK_PATH = "/etc/kubernetes/kubestrap.lock";

/** The directories whose leftover temporary files a run sweeps (with the certificates dir). */
const SWEPT_DIRS = [
  "/etc/kubernetes",
  "/etc/kubernetes/manifests",
  "/etc/kubernetes/pki",
  "/etc/kubernetes/pki/etcd",
  "/etc/kubernetes/tmp",
  "/var/lib/kubelet",
  "/var/lib/kubelet/pki",
];

export interface RunLock {
  release(): Promise<void>;
}

export interface RunLockOptions {
  /** Another certificates directory to sweep (and its etcd/). */
  certificatesDir?: string;
  /** Lock only when /etc/kubernetes exists (reset does not create it). */
  onlyIfPresent?: boolean;
  /** Where to report removed temporary files. */
  warn?: (line: string) => void;
}

function holderText(text: string): string {
  const field = (k: string) => new RegExp(`^${k}: (.*)$`, "m").exec(text)?.[1];
  const pid = field("pid");
  if (!pid) return "a run that has not written its PID yet";
  return `PID ${pid} (${JSON.stringify(field("command") ?? "?")}, started ${
    field("started") ?? "?"
  })`;
}

/**
 * Takes the run lock of `host`'s /etc/kubernetes for `command` (what `ps` would show), then
 * sweeps leftover temporary files. Throws, without waiting, when another run holds it.
 */
export async function acquireRunLock(
  host: Host,
  command: string,
  opts: RunLockOptions = {},
): Promise<RunLock> {
  if (opts.onlyIfPresent && !(await host.exists(path.dirname(RUN_LOCK_PATH)))) {
    return { release: async () => {} };
  }
  const held = await host.tryLock(RUN_LOCK_PATH);
  if (!held) {
    // The holder writes its name right after it locks: give it a moment.
    let text = "";
    for (let i = 0; i < 10 && !/^pid: /m.test(text); i++) {
      text = (await host.readText(RUN_LOCK_PATH).catch(() => undefined)) ?? "";
      if (!/^pid: /m.test(text)) await new Promise((r) => setTimeout(r, 50));
    }
    throw new KubestrapError(
      `another kubestrap run holds ${host.resolve(RUN_LOCK_PATH)}: ${
        holderText(text)
      }; wait for it to finish or stop it (a lock left by a process that no longer runs is taken over)`,
    );
  }
  await held.write(
    `pid: ${Deno.pid}\ncommand: ${command}\nstarted: ${
      new Date().toISOString().replace(/\.\d+Z$/, "Z")
    }\n`,
  );
  try {
    await sweepTemporaryFiles(host, opts);
  } catch (e) {
    await held.release();
    throw e;
  }
  return { release: () => held.release() };
}

/** Removes the temporary files of atomic writes a killed run left (the lock must be held). */
async function sweepTemporaryFiles(host: Host, opts: RunLockOptions): Promise<void> {
  const dirs = new Set(SWEPT_DIRS);
  if (opts.certificatesDir && path.isAbsolute(opts.certificatesDir)) {
    dirs.add(path.normalize(opts.certificatesDir));
    dirs.add(path.join(opts.certificatesDir, "etcd"));
  }
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await host.readDir(dir);
    } catch {
      continue;
    }
    for (const name of names.filter(isAtomicWriteTemp).sort()) {
      const p = path.join(dir, name);
      const st = await host.lstat(p);
      if (!st?.isFile) continue;
      await host.remove(p);
      opts.warn?.(
        `W removed ${host.resolve(p)}, a temporary file left by an interrupted run\n`,
      );
    }
  }
}
