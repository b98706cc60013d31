/**
 * kubestrap's account at the end of `init --dry-run` (beyond kubeadm): every file written
 * under the dry-run directory with its mode, and every API write the dry-run client
 * intercepted (nothing was sent to an API server).
 */
import { dryRunAccount } from "../../lib/dryrun/client.ts";
import { Host } from "../../lib/host.ts";
import type { InitData } from "./data.ts";

function modeString(mode: number, dir: boolean): string {
  const bits = "rwxrwxrwx";
  let s = dir ? "d" : "-";
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : "-";
  return s;
}

async function walk(root: Host, rel: string, out: string[]): Promise<void> {
  for (const name of await root.readDir(rel || "/")) {
    const p = `${rel}/${name}`;
    const st = (await root.lstat(p))!;
    if (st.isDirectory) {
      await walk(root, p, out);
    } else {
      out.push(`${modeString(st.mode ?? 0, false)} ${String(st.size).padStart(7)} ${p}`);
    }
  }
}

export async function dryRunSummary(data: InitData): Promise<string> {
  const dir = data.dryRunDir ?? "";
  const files: string[] = [];
  try {
    if (dir) await walk(new Host(dir), "", files);
  } catch {
    // nothing written
  }
  const lines = [
    `[dryrun] Finished dry-running successfully. Files written under "${dir}" (as they would be written to /; nothing was written outside this directory):`,
    ...files.map((f) => `[dryrun]   ${f}`),
  ];
  const actions = dryRunAccount(data.dryRunTransport?.actions ?? []);
  lines.push(
    `[dryrun] API writes that would have been made (none was sent to an API server): ${actions.length}`,
    ...actions.map((a) => `[dryrun]   ${a}`),
  );
  return lines.join("\n") + "\n";
}
