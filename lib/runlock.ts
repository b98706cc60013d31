/**
 * One run at a time (kubestrap only; kubeadm has no lock): every command that writes under
 * /etc/kubernetes holds an exclusive lock on /etc/kubernetes/kubestrap.lock (under --rootfs)
 * for its whole run. A run whose phases write only a certificates or kubeconfig directory
 * outside /etc/kubernetes (`init phase certs all --cert-dir /srv/pki`) locks that directory
 * instead (`/srv/pki/.kubestrap.lock`), so it neither waits for nor blocks the node's own runs;
 * phases that write only API objects (`init phase upload-config all`) take no lock.
 * The lock is a flock(2), so a run that dies (SIGKILL, OOM, reboot) drops it and the next run
 * takes over the file it left. The file names the holder (PID, command, start time) for the
 * message a second run fails with.
 *
 * Once the lock is held, no other run is writing, so the temporary files of atomic writes
 * (Host.writeFile) found in the directories the lock covers can only be a killed run's: they
 * are removed.
 */
import * as path from "@std/path";
import { KubestrapError } from "./errors.ts";
import { type Host, isAtomicWriteTemp } from "./host.ts";

const KUBERNETES_DIR = "/etc/kubernetes";
export const RUN_LOCK_PATH = "/etc/kubernetes/kubestrap.lock";
/** The lock file's name in a directory outside /etc/kubernetes. */
const DIR_LOCK_NAME = ".kubestrap.lock";

/** The directories whose leftover temporary files the /etc/kubernetes lock's run sweeps. */
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

/** What a run writes: the node (/etc/kubernetes, /var/lib/kubelet) or only one directory. */
export type RunWrites = "node" | "certificatesDir" | "kubeconfigDir";

export interface RunLockOptions {
  /** The certificates directory (swept with its etcd/; locked itself when outside /etc/kubernetes). */
  certificatesDir?: string;
  /** The kubeconfig directory (`--kubeconfig-dir`), for the `kubeconfig` phases. */
  kubeconfigDir?: string;
  /**
   * What the run's phases write (Workflow.writes): `node` locks /etc/kubernetes; a certificates
   * or kubeconfig directory outside /etc/kubernetes locks itself; nothing to write, no lock.
   * Without it the run locks /etc/kubernetes.
   */
  writes?: RunWrites[];
  /** Lock only the directories that exist (reset does not create them). */
  onlyIfPresent?: boolean;
  /** Where to report removed temporary files. */
  warn?: (line: string) => void;
}

function within(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The directory a run writes to, as the lock that covers it: /etc/kubernetes or `dir` itself. */
function lockDirFor(dir: string | undefined): string {
  if (!dir || !path.isAbsolute(dir)) return KUBERNETES_DIR;
  const d = path.normalize(dir);
  return within(d, KUBERNETES_DIR) ? KUBERNETES_DIR : d;
}

/** The directories whose locks a run takes, sorted (so two runs take them in one order). */
function runLockDirs(opts: RunLockOptions): string[] {
  if (!opts.writes) return [KUBERNETES_DIR];
  const dirs = new Set<string>();
  for (const w of opts.writes) {
    if (w === "certificatesDir") dirs.add(lockDirFor(opts.certificatesDir));
    else if (w === "kubeconfigDir") dirs.add(lockDirFor(opts.kubeconfigDir));
    else dirs.add(KUBERNETES_DIR);
  }
  return [...dirs].sort();
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
 * Takes the run locks `opts` asks for (runLockDirs) for `command` (what `ps` would show), then
 * sweeps leftover temporary files. Throws, without waiting, when another run holds one.
 */
export async function acquireRunLock(
  host: Host,
  command: string,
  opts: RunLockOptions = {},
): Promise<RunLock> {
  const held: HeldLock[] = [];
  const release = async () => {
    for (const h of held.reverse()) await h.release();
  };
  try {
    for (const dir of runLockDirs(opts)) {
      if (opts.onlyIfPresent && !(await host.exists(dir))) continue;
      const p = dir === KUBERNETES_DIR ? RUN_LOCK_PATH : path.join(dir, DIR_LOCK_NAME);
      held.push(await lockFile(host, p, command));
      await sweepTemporaryFiles(host, sweptDirs(dir, opts), opts.warn);
    }
  } catch (e) {
    await release();
    throw e;
  }
  return { release };
}

type HeldLock = { release(): Promise<void> };

async function lockFile(host: Host, p: string, command: string): Promise<HeldLock> {
  let held;
  try {
    held = await host.tryLock(p);
  } catch (e) {
    throw new KubestrapError(
      `cannot take the run lock ${host.resolve(p)}: ${(e as Error).message}; ` +
        `the directory it locks must be a writable directory (a file there, or a wrong ` +
        `--cert-dir, --kubeconfig-dir or certificatesDir?)`,
    );
  }
  if (!held) {
    // The holder writes its name right after it locks: give it a moment.
    let text = "";
    for (let i = 0; i < 10 && !/^pid: /m.test(text); i++) {
      text = (await host.readText(p).catch(() => undefined)) ?? "";
      if (!/^pid: /m.test(text)) await new Promise((r) => setTimeout(r, 50));
    }
    throw new KubestrapError(
      `another kubestrap run holds ${host.resolve(p)}: ${
        holderText(text)
      }; wait for it to finish or stop it (a lock left by a process that no longer runs is taken over)`,
    );
  }
  try {
    await held.write(
      `pid: ${Deno.pid}\ncommand: ${command}\nstarted: ${
        new Date().toISOString().replace(/\.\d+Z$/, "Z")
      }\n`,
    );
  } catch (e) {
    await held.release();
    throw e;
  }
  return held;
}

/** The directories the lock on `lockDir` covers, whose leftover temporary files are swept. */
function sweptDirs(lockDir: string, opts: RunLockOptions): string[] {
  const dirs = new Set<string>();
  const add = (d: string | undefined, etcd: boolean) => {
    if (!d || !path.isAbsolute(d) || lockDirFor(d) !== lockDir) return;
    dirs.add(path.normalize(d));
    if (etcd) dirs.add(path.join(path.normalize(d), "etcd"));
  };
  if (lockDir === KUBERNETES_DIR) { for (const d of SWEPT_DIRS) dirs.add(d); }
  add(opts.certificatesDir, true);
  add(opts.kubeconfigDir, false);
  return [...dirs];
}

/** Removes the temporary files of atomic writes a killed run left in `dirs` (lock held). */
async function sweepTemporaryFiles(
  host: Host,
  dirs: string[],
  warn?: (line: string) => void,
): Promise<void> {
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
      warn?.(`W removed ${host.resolve(p)}, a temporary file left by an interrupted run\n`);
    }
  }
}
