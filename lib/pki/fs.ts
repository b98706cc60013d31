/**
 * File access used by the PKI and kubeconfig code. Paths are absolute paths as the cluster sees
 * them (/etc/kubernetes/pki/ca.crt); an implementation may root them elsewhere.
 */

export interface PkiFS {
  /** File contents, or undefined when the file does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /**
   * Atomically replaces `path` with `data` and gives it exactly `mode`. Missing parent
   * directories are created with `dirMode` (kubeadm: 0755, via os.MkdirAll).
   */
  writeFile(path: string, data: Uint8Array | string, mode: number, dirMode?: number): Promise<void>;
  /**
   * Whether something is at `path`, as kubeadm's os.Stat checks (pkiutil.CertOrKeyExist) see
   * it: only "does not exist" is false; any other error (a file where a directory of the path
   * should be, no permission) counts as existing, so the load that follows reports it in
   * kubeadm's words.
   */
  exists(path: string): Promise<boolean>;
  /** Throws, naming the path, when what is on disk keeps `path` from being written. */
  checkWritable?(path: string): Promise<void>;
}

/** The subset of lib/host.ts's Host that hostPkiFS needs. */
export interface HostLike {
  readFile(p: string): Promise<Uint8Array | undefined>;
  exists(p: string): Promise<boolean>;
  writeFile(
    p: string,
    data: Uint8Array | string,
    opts?: { mode?: number; dirMode?: number },
  ): Promise<void>;
  checkWritable?(p: string): Promise<void>;
}

/** Adapts a Host (lib/host.ts) to PkiFS. */
export function hostPkiFS(host: HostLike): PkiFS {
  return {
    readFile: (p) => host.readFile(p),
    exists: (p) => host.exists(p).catch(() => true),
    writeFile: (p, data, mode, dirMode = 0o755) => host.writeFile(p, data, { mode, dirMode }),
    checkWritable: async (p) => await host.checkWritable?.(p),
  };
}
