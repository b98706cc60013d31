/**
 * Crash-safe replacement of a renewed key and certificate (kubestrap's renewal path only).
 *
 * kubeadm's renew writes `<name>.key` and then `<name>.crt` (pkiutil.WriteCertAndKey): a kill
 * between the two leaves the new key beside the old certificate, a pair that no component can
 * load. kubestrap first writes both new files next to their targets as `<file>.kubestrap-new`
 * (each atomic and synced), then renames the key and the certificate over the old ones. The
 * staged certificate is the journal: while it exists the renewal is not finished, and
 * `completePendingRenewals` (run first by every `certs renew`) rolls it forward:
 *
 * - killed while staging (a staged key, no staged certificate): the old pair is untouched; the
 *   staged key is removed;
 * - killed after staging or between the two renames: both renames are (re)done, so the new key
 *   and the new certificate end up together.
 *
 * Whatever the moment of the kill, the next renewal run leaves a matching pair; `certs check`
 * reports a pending renewal and names the command that completes it.
 */
import { type HostLike, hostPkiFS, type PkiFS } from "../pki/fs.ts";
import { encodePrivateKeyPEM, type PrivateKey } from "../pki/keys.ts";
import type { Certificate } from "../pki/x509.ts";
import { CERT_MODE, DIR_MODE, KEY_MODE, pathForCert, pathForKey } from "../pki/store.ts";
import { renewableCerts } from "./inventory.ts";

/** The suffix of a staged file. */
export const STAGED_SUFFIX = ".kubestrap-new";

/** PkiFS with the two operations the staged replacement needs. */
export interface RenewalFS extends PkiFS {
  /** Renames `from` over `to` (atomic within one filesystem). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; no error when it does not exist. */
  remove(p: string): Promise<void>;
}

/** The subset of lib/host.ts's Host a RenewalFS is made of. */
export interface RenewalHost extends HostLike {
  rename(from: string, to: string): Promise<void>;
  remove(p: string): Promise<boolean>;
}

/** Adapts a Host (lib/host.ts) to RenewalFS. */
export function renewalFS(host: RenewalHost): RenewalFS {
  return {
    ...hostPkiFS(host),
    rename: (from, to) => host.rename(from, to),
    remove: async (p) => void (await host.remove(p)),
  };
}

/** The staged twin of a path. */
function stagedPath(p: string): string {
  return p + STAGED_SUFFIX;
}

/**
 * Replaces `<dir>/<baseName>.key` and `.crt` with `key` and `cert` so that a kill at any point
 * leaves either the old pair, or a staged renewal that completePendingRenewals finishes.
 * `afterStep` (tests only) is called after each step with its name.
 */
export async function replaceCertAndKey(
  fs: RenewalFS,
  dir: string,
  baseName: string,
  cert: Certificate,
  key: PrivateKey,
  afterStep?: (step: string) => Promise<void> | void,
): Promise<string[]> {
  const kp = pathForKey(dir, baseName);
  const cp = pathForCert(dir, baseName);
  await fs.writeFile(stagedPath(kp), encodePrivateKeyPEM(key), KEY_MODE, DIR_MODE);
  await afterStep?.("staged key");
  await fs.writeFile(stagedPath(cp), cert.pem, CERT_MODE, DIR_MODE);
  await afterStep?.("staged certificate");
  await fs.rename(stagedPath(kp), kp);
  await afterStep?.("renamed key");
  await fs.rename(stagedPath(cp), cp);
  return [kp, cp];
}

/** A renewal whose certificate is still staged. */
export interface PendingRenewal {
  /** The renew name (apiserver, etcd-server, ...). */
  name: string;
  staged: string;
}

/** The renewals a kill left unfinished (a staged key or certificate exists). */
export async function pendingRenewals(
  fs: PkiFS,
  inputs: { certificatesDir: string; externalEtcd?: boolean },
): Promise<PendingRenewal[]> {
  const out: PendingRenewal[] = [];
  for (const item of renewableCerts(inputs.externalEtcd)) {
    if (item.kind !== "pki") continue;
    for (const p of [pathForCert, pathForKey]) {
      const staged = stagedPath(p(inputs.certificatesDir, item.fileName));
      if (await fs.exists(staged)) {
        out.push({ name: item.name, staged });
        break;
      }
    }
  }
  return out;
}

/**
 * Finishes or undoes what a killed renewal left (see the module comment). Returns one line per
 * pair it completed or cleaned.
 */
export async function completePendingRenewals(
  fs: RenewalFS,
  inputs: { certificatesDir: string; externalEtcd?: boolean },
): Promise<string[]> {
  const lines: string[] = [];
  for (const p of await pendingRenewals(fs, inputs)) {
    const item = renewableCerts(inputs.externalEtcd).find((c) => c.name === p.name)!;
    const kp = pathForKey(inputs.certificatesDir, item.fileName);
    const cp = pathForCert(inputs.certificatesDir, item.fileName);
    if (!(await fs.exists(stagedPath(cp)))) {
      // Killed before the staged certificate was written: the old pair is intact.
      await fs.remove(stagedPath(kp));
      lines.push(`[renew] Removed ${stagedPath(kp)} left by an interrupted renewal`);
      continue;
    }
    if (await fs.exists(stagedPath(kp))) await fs.rename(stagedPath(kp), kp);
    await fs.rename(stagedPath(cp), cp);
    lines.push(`[renew] Completed the interrupted renewal of ${cp} and ${kp}`);
  }
  return lines;
}
