/**
 * `kubeadm init phase show-join-command` (cmd/phases/init/showjoincommand.go): the banner with
 * the join commands for workers and control-plane nodes; with `init -o json|yaml` (kubestrap
 * only) the same facts as an InitResult instead.
 */
import { KubestrapError } from "../../lib/errors.ts";
import { programName } from "../../lib/host.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase show-join-command`. */
export const showJoinCommandPhase: Phase<InitData> = {
  name: "show-join-command",
  writes: "api",
  short: "Show the join command for control-plane and worker node",
  run: showJoinCommand,
  dependencies: ["bootstrap-token", "upload-certs"],
};

/** What `init -o json` prints and the banner is made of. */
export interface InitResult {
  apiVersion: string;
  kind: string;
  /** `host:port` the join commands use (admin.conf's server without https://). */
  controlPlaneEndpoint: string;
  server: string;
  kubeconfig: string;
  caCertHashes: string[];
  token?: string;
  tokens?: string[];
  certificateKey?: string;
  joinCommand: string;
  controlPlaneJoinCommand: string;
  dryRun: boolean;
}

/** The admin kubeconfig path as shown to the user (the dry-run copy in dry-run). */
function shownKubeconfigPath(data: InitData): string {
  return data.dryRun ? data.host.resolve(data.kubeconfigPath) : data.kubeconfigPath;
}

/** `init -o json|yaml` (kubestrap only): the result, printed by lib/commands/init.ts. */
export async function initResult(data: InitData): Promise<InitResult> {
  const { joinCommandOneLine, hostPortOfServer } = await import(
    "../../lib/apiobjects/joincommand.ts"
  );
  const { kubeClientConfig } = await import("../../lib/kube/kubeconfig.ts");
  const { caCertHashes } = await import("../../lib/tokens/cahash.ts");
  const { tokenString } = await import("../../lib/tokens/token.ts");
  const cfg = await kubeClientConfig({ host: data.host, path: data.kubeconfigPath });
  const hashes = caCertHashes(cfg.caData ?? "");
  const tokens = data.tokens().map((t) => tokenString(t.token));
  const hp = hostPortOfServer(cfg.server);
  const key = data.uploadCerts && data.certificateKey ? data.certificateKey : undefined;
  const base = {
    program: programName(),
    controlPlaneHostPort: hp,
    token: tokens[0] ?? "",
    caCertHashes: hashes,
    skipTokenPrint: data.skipTokenPrint,
  };
  const out: InitResult = {
    apiVersion: "output.kubestrap.io/v1alpha1",
    kind: "InitResult",
    controlPlaneEndpoint: hp,
    server: cfg.server,
    kubeconfig: shownKubeconfigPath(data),
    caCertHashes: hashes,
    joinCommand: joinCommandOneLine(base).trimEnd(),
    controlPlaneJoinCommand: joinCommandOneLine({
      ...base,
      controlPlane: true,
      certificateKey: key,
      skipCertificateKeyPrint: data.skipCertificateKeyPrint,
    }).trimEnd(),
    dryRun: data.dryRun,
  };
  if (!data.skipTokenPrint) {
    out.token = tokens[0];
    out.tokens = tokens;
  }
  if (key && !data.skipCertificateKeyPrint) out.certificateKey = key;
  return out;
}

async function showJoinCommand(data: InitData): Promise<void> {
  // With `init -o json|yaml` the result replaces the banner (printed by lib/commands/init.ts).
  if (data.resultFormat) return;
  const { showJoinCommandText } = await import("../../lib/apiobjects/joincommand.ts");
  const { kubeClientConfig } = await import("../../lib/kube/kubeconfig.ts");
  const { caCertHashes } = await import("../../lib/tokens/cahash.ts");
  const { tokenString } = await import("../../lib/tokens/token.ts");
  let cfg;
  try {
    cfg = await kubeClientConfig({ host: data.host, path: data.kubeconfigPath });
  } catch (e) {
    throw new KubestrapError(`failed to print join command: ${(e as Error).message}`);
  }
  const hashes = caCertHashes(cfg.caData ?? "");
  data.io.stdout(showJoinCommandText({
    program: programName(),
    kubeConfigPath: shownKubeconfigPath(data),
    server: cfg.server,
    caCertHashes: hashes,
    tokens: data.tokens().map((t) => tokenString(t.token)),
    controlPlaneEndpoint: !!data.cfg.cluster.controlPlaneEndpoint,
    uploadCerts: data.uploadCerts,
    certificateKey: data.certificateKey,
    skipTokenPrint: data.skipTokenPrint,
    skipCertificateKeyPrint: data.skipCertificateKeyPrint,
  }));
}
