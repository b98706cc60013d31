/** A private etcd (the test bed's etcd build) on loopback ports. */

import {
  freePort,
  type Proc,
  registerCleanup,
  spawnProc,
  WaitAborted,
  waitFor,
} from "./process.ts";
import { testbed } from "./testbed.ts";

export interface EtcdOptions {
  /** Data dir; a fresh temp dir (removed on stop) when omitted. */
  dataDir?: string;
  /** Client port on 127.0.0.1 (default: a free one). */
  clientPort?: number;
  /** Peer port on 127.0.0.1 (default: a free one). */
  peerPort?: number;
  /** Member name (default "default"). */
  name?: string;
  /**
   * Serve clients over TLS: server cert/key and the CA that client certs must
   * chain to (client cert auth is then required).
   */
  tls?: { cert: string; key: string; ca: string };
  /** Extra etcd flags. */
  extraArgs?: string[];
  /** Binary (default: the test bed's etcd). */
  binary?: string;
}

export interface EtcdHandle extends AsyncDisposable {
  /** e.g. "http://127.0.0.1:23790" (https with tls). */
  endpoint: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  proc: Proc;
  stop(): Promise<void>;
}

/** Start etcd and wait until it is healthy. */
export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdHandle> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "kubestrap-etcd-" });
  const unregisterDir = ownDir
    ? registerCleanup(`etcd data dir ${dataDir}`, () => Deno.remove(dataDir, { recursive: true }))
    : () => {};
  const clientPort = opts.clientPort ?? freePort();
  const peerPort = opts.peerPort ?? freePort();
  const scheme = opts.tls ? "https" : "http";
  const endpoint = `${scheme}://127.0.0.1:${clientPort}`;
  const name = opts.name ?? "default";
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}/data`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=${name}=http://127.0.0.1:${peerPort}`,
    `--listen-metrics-urls=`,
    "--log-level=warn",
  ];
  if (opts.tls) {
    args.push(
      `--cert-file=${opts.tls.cert}`,
      `--key-file=${opts.tls.key}`,
      `--trusted-ca-file=${opts.tls.ca}`,
      "--client-cert-auth=true",
    );
  }
  args.push(...(opts.extraArgs ?? []));
  const proc = spawnProc("etcd", opts.binary ?? testbed.path("etcd"), args, {
    logFile: `${dataDir}/etcd.log`,
  });
  const stop = async () => {
    await proc.stop();
    if (ownDir) {
      unregisterDir();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  };
  try {
    // etcd's /health needs no client cert only without TLS; with TLS, wait for the port.
    await waitFor("etcd to be healthy", async () => {
      if (!proc.running()) throw new WaitAborted("etcd exited");
      if (opts.tls) {
        const c = await Deno.connect({ hostname: "127.0.0.1", port: clientPort });
        c.close();
        return true;
      }
      const r = await fetch(`${endpoint}/health`);
      const body = await r.json() as { health?: string };
      return body.health === "true";
    }, { timeoutMs: 30_000, describe: () => proc.log() });
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoint,
    clientPort,
    peerPort,
    dataDir,
    proc,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
