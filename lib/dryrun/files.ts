/**
 * kubeadm's dryrunutil.PrintDryRunFiles: a file a dry run wrote to its temporary directory,
 * printed under the path it would have had: `[dryrun] Would write file "<path>" with content:`
 * followed by the bytes as they are.
 */
import { KubestrapError } from "../errors.ts";
import type { Host } from "../host.ts";
import { goQuote } from "../util/goquote.ts";

/** A file to print: where it is (`real`, on `host`) and the path to show (`print`). */
export interface FileToPrint {
  real: string;
  print?: string;
}

/**
 * Prints each file through `write` (raw text, no newline added); files that cannot be read
 * make one error at the end, as kubeadm's aggregate does.
 */
export async function printDryRunFiles(
  host: Host,
  files: FileToPrint[],
  write: (text: string) => void,
): Promise<void> {
  const errs: string[] = [];
  for (const f of files) {
    const content = await host.readText(f.real);
    if (content === undefined) {
      errs.push(`open ${host.resolve(f.real)}: no such file or directory`);
      continue;
    }
    write(`[dryrun] Would write file ${goQuote(f.print ?? f.real)} with content:\n${content}`);
  }
  if (errs.length > 0) {
    throw new KubestrapError(errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`);
  }
}

/**
 * constants.GetDryRunDir: the directory `envVar` names (`given`), else a new
 * `/etc/kubernetes/tmp/<name><random>` (with kubeadm's warning through `warn`). Both are paths
 * on `host` (under `--rootfs`, as kubeadm sees them chrooted there).
 */
export async function getDryRunDir(
  host: Host,
  envVar: string,
  name: string,
  warn: (at: string, msg: string) => void,
): Promise<{ dir: string; given: boolean }> {
  const fromEnv = Deno.env.get(envVar);
  if (fromEnv) return { dir: fromEnv, given: true };
  const dir = await host.makeTempDir("/etc/kubernetes/tmp", name);
  warn(
    "constants.go:627",
    `Using dry-run directory ${dir}. To override it, set the environment variable ${envVar}`,
  );
  return { dir, given: false };
}
