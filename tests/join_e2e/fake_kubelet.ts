/**
 * Run INSIDE a joining host: the kubelet's part of the TLS bootstrap, without a kubelet.
 * Waits for /etc/kubernetes/bootstrap-kubelet.conf (written by `join` kubelet-start), serves
 * /healthz on 127.0.0.1:10248, sends a kubelet client CSR with the bootstrap token identity,
 * waits for the real kube-controller-manager to approve and sign it, writes
 * /var/lib/kubelet/pki/kubelet-client-current.pem and /etc/kubernetes/kubelet.conf like the
 * kubelet does, registers its Node with its own new credentials, prints `RESULT <json>` and
 * keeps serving /healthz until it is stopped.
 *
 * Usage: deno run -A tests/join_e2e/fake_kubelet.ts <node-name>
 */
import { clientFromKubeconfig } from "../../lib/kube/kubeconfig.ts";
import { pinnedTransport } from "../../lib/discovery/transport.ts";
import { isAlreadyExists } from "../../lib/kube/errors.ts";
import {
  currentCluster,
  type KubeConfig,
  parseKubeConfig,
  serializeKubeConfig,
  toV1,
} from "../../lib/kubeconfig/kubeconfig.ts";

/** A CA-pinned client for the current context of `kc`, as join builds them. */
const pinnedClient = (kc: KubeConfig, retryTimeoutMs: number) =>
  clientFromKubeconfig({ doc: toV1(kc) }, { retryTimeoutMs, caTransport: pinnedTransport });

const nodeName = Deno.args[0];
const BOOTSTRAP = "/etc/kubernetes/bootstrap-kubelet.conf";
const PEM = "/var/lib/kubelet/pki/kubelet-client-current.pem";
const enc = new TextEncoder();
const dec = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sh(cmd: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!o.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(o.stderr)}`);
  return dec.decode(o.stdout);
}

let boot: Uint8Array | undefined;
for (let i = 0; i < 600 && !boot; i++) {
  try {
    boot = await Deno.readFile(BOOTSTRAP);
  } catch {
    await sleep(500);
  }
}
if (!boot) throw new Error(`${BOOTSTRAP} did not appear`);
const bootCfg = parseKubeConfig(boot);
console.log(`fake kubelet: ${BOOTSTRAP} found`);

Deno.serve({ hostname: "127.0.0.1", port: 10248, onListen: () => {} }, () => new Response("ok"));

const dir = await Deno.makeTempDir({ prefix: "fake-kubelet-" });
await sh("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${dir}/k`]);
await sh("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", `${dir}/k`, "-out", `${dir}/key`]);
await sh("openssl", [
  "req",
  "-new",
  "-key",
  `${dir}/key`,
  "-subj",
  `/O=system:nodes/CN=system:node:${nodeName}`,
  "-out",
  `${dir}/csr`,
]);
const keyPem = await Deno.readTextFile(`${dir}/key`);
const csrPem = await Deno.readTextFile(`${dir}/csr`);
await Deno.remove(dir, { recursive: true });

const b64 = (s: string) => btoa(String.fromCharCode(...enc.encode(s)));
const csrName = `node-csr-${crypto.randomUUID().slice(0, 8)}`;
const bc = await pinnedClient(bootCfg, 30_000);
let certPem = "";
let conditions: unknown[] = [];
try {
  // Like the kubelet, retry: a freshly started apiserver answers 401 to bootstrap tokens until
  // its Secret informer has synced.
  for (let i = 0;; i++) {
    try {
      await bc.create("certificatesigningrequests", {
        metadata: { name: csrName },
        spec: {
          request: b64(csrPem),
          signerName: "kubernetes.io/kube-apiserver-client-kubelet",
          usages: ["digital signature", "client auth"],
        },
      }, { retry: false });
      break;
    } catch (e) {
      if (i >= 360) throw e;
      if (i % 20 === 0) console.log(`fake kubelet: CSR not created yet: ${(e as Error).message}`);
      await sleep(500);
    }
  }
  for (let i = 0; i < 240 && !certPem; i++) {
    const csr = await bc.get("certificatesigningrequests", csrName);
    conditions = csr.status?.conditions ?? [];
    const c = csr.status?.certificate as string | undefined;
    if (c) certPem = dec.decode(Uint8Array.from(atob(c), (ch) => ch.charCodeAt(0)));
    else await sleep(500);
  }
} finally {
  bc.close();
}
if (!certPem) throw new Error(`CSR ${csrName} was not signed: ${JSON.stringify(conditions)}`);
await Deno.mkdir("/var/lib/kubelet/pki", { recursive: true });
await Deno.writeTextFile(PEM, certPem + keyPem, { mode: 0o600 });

const { name: clusterName, cluster } = currentCluster(bootCfg);
const mk = (user: Record<string, unknown>): KubeConfig => ({
  clusters: { [clusterName]: cluster },
  contexts: { "system:node@kubernetes": { cluster: clusterName, user: "default-auth" } },
  users: { "default-auth": user },
  currentContext: "system:node@kubernetes",
} as unknown as KubeConfig);
await Deno.writeTextFile(
  "/etc/kubernetes/kubelet.conf",
  serializeKubeConfig(mk({ "client-certificate": PEM, "client-key": PEM })),
  { mode: 0o600 },
);
// Register the Node as the kubelet does, with the node's own new identity.
const nc = await pinnedClient(
  mk({ "client-certificate-data": enc.encode(certPem), "client-key-data": enc.encode(keyPem) }),
  30_000,
);
try {
  try {
    await nc.create("nodes", {
      metadata: { name: nodeName, labels: { "kubernetes.io/hostname": nodeName } },
    });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e; // a node that joins again
  }
} finally {
  nc.close();
}
console.log(`RESULT ${JSON.stringify({ csrName, conditions, certPem })}`);
