/**
 * The run bodies of init's API phases: upload-config, upload-certs, mark-control-plane,
 * bootstrap-token, kubelet-finalize, addon and show-join-command, as kubeadm v1.37.2's
 * cmd/phases/init/*.go run them (same lines, same order, same error wrapping), on top of
 * lib/apiobjects and the client of phases/init/api.ts.
 */
import { parse as parseYaml } from "yaml";
import { KubestrapError } from "../../lib/errors.ts";
import type { InitData } from "./data.ts";
import { apiPhaseError, configHasGroup, pollOptions, readKubeconfig } from "./api.ts";
import { tokenString } from "../../lib/tokens/token.ts";
import { caCertHashes } from "../../lib/tokens/cahash.ts";
import type { ClusterConfiguration } from "../../lib/config/types.ts";
import type { KubeObject } from "../../lib/kube/client.ts";

function log(data: InitData): (line: string) => void {
  return (line) => data.out(line);
}

/** manageSkippedAddons: addon phases skipped ⇒ the addon is disabled in what is uploaded. */
export function clusterWithSkippedAddons(data: InitData): ClusterConfiguration {
  const cluster = structuredClone(data.cfg.cluster);
  const skip = new Set(data.skipPhases);
  if (skip.has("addon")) {
    cluster.dns = { ...cluster.dns, disabled: true };
    cluster.proxy = { ...cluster.proxy, disabled: true };
  }
  if (skip.has("addon/coredns")) cluster.dns = { ...cluster.dns, disabled: true };
  if (skip.has("addon/kube-proxy")) cluster.proxy = { ...cluster.proxy, disabled: true };
  return cluster;
}

// --- upload-config ---------------------------------------------------------------------------

export async function uploadKubeadmConfig(data: InitData): Promise<void> {
  const client = await data.client();
  const { marshalClusterConfiguration } = await import("../../lib/config/serialize.ts");
  const { applyKubeadmConfig } = await import("../../lib/apiobjects/uploadconfig.ts");
  const yaml = marshalClusterConfiguration(clusterWithSkippedAddons(data));
  try {
    await applyKubeadmConfig(client, yaml, log(data), pollOptions(data));
  } catch (e) {
    throw apiPhaseError(data, "error uploading the kubeadm ClusterConfiguration", e);
  }
}

export async function uploadKubeletConfig(data: InitData): Promise<void> {
  const client = await data.client();
  const { marshalKubeletConfig } = await import("../../lib/kubelet/config.ts");
  const { applyKubeletConfig } = await import("../../lib/apiobjects/uploadconfig.ts");
  const yaml = marshalKubeletConfig(
    (data.cfg.componentConfigs.kubelet ?? {}) as Record<string, unknown>,
  );
  const userSupplied = await configHasGroup(data, "kubelet.config.k8s.io");
  try {
    await applyKubeletConfig(client, yaml, userSupplied, log(data), pollOptions(data));
  } catch (e) {
    throw apiPhaseError(data, "error creating kubelet configuration ConfigMap", e);
  }
}

// --- upload-certs ----------------------------------------------------------------------------

export async function uploadCertsPhaseRun(data: InitData): Promise<void> {
  if (!data.uploadCerts) {
    data.out("[upload-certs] Skipping phase. Please see --upload-certs");
    return;
  }
  const client = await data.client();
  const { createCertificateKey, uploadCerts } = await import(
    "../../lib/apiobjects/copycerts.ts"
  );
  if (!data.certificateKey) data.certificateKey = createCertificateKey();
  const ext = data.cfg.cluster.etcd.external;
  const input = {
    certificatesDir: data.host.resolve(data.certificatesDir),
    externalEtcd: ext
      ? {
        caFile: ext.caFile ? data.host.resolve(ext.caFile) : "",
        certFile: ext.certFile ? data.host.resolve(ext.certFile) : "",
        keyFile: ext.keyFile ? data.host.resolve(ext.keyFile) : "",
      }
      : undefined,
  };
  try {
    await uploadCerts(client, input, data.certificateKey, log(data), pollOptions(data));
  } catch (e) {
    throw apiPhaseError(data, "error uploading certs", e);
  }
  if (!data.skipCertificateKeyPrint) {
    data.io.stdout(`[upload-certs] Using certificate key:\n${data.certificateKey}\n`);
  }
}

// --- mark-control-plane ----------------------------------------------------------------------

export async function markControlPlanePhaseRun(data: InitData): Promise<void> {
  const client = await data.client();
  const { markControlPlane, CONTROL_PLANE_TAINT } = await import(
    "../../lib/apiobjects/markcontrolplane.ts"
  );
  const nr = data.cfg.init.nodeRegistration;
  const taints = nr.taints ?? [CONTROL_PLANE_TAINT];
  try {
    await markControlPlane(client, nr.name ?? "", taints, log(data), pollOptions(data));
  } catch (e) {
    throw apiPhaseError(
      data,
      `error patching Node "${nr.name}" (waited for it to be registered by its kubelet)`,
      e,
    );
  }
}

// --- bootstrap-token -------------------------------------------------------------------------

/** The admin.conf cluster entry (kubeadm's KubeConfigOriginal + FlattenConfig). */
async function adminCluster(data: InitData) {
  const cfg = await readKubeconfig(data.host, data.kubeconfigPath);
  const text = (await data.host.readText(data.kubeconfigPath)) ?? "";
  // deno-lint-ignore no-explicit-any
  const doc = parseYaml(text) as any;
  const ctx = (doc?.contexts ?? []).find((c: { name: string }) =>
    c.name === doc?.["current-context"]
  )?.context;
  if (!ctx) throw new KubestrapError("invalid kubeconfig");
  const raw = (doc?.clusters ?? []).find((c: { name: string }) => c.name === ctx.cluster)
    ?.cluster ?? {};
  return {
    server: cfg.server,
    caData: cfg.caData ?? "",
    tlsServerName: raw["tls-server-name"] as string | undefined,
    proxyURL: raw["proxy-url"] as string | undefined,
    insecureSkipTLSVerify: raw["insecure-skip-tls-verify"] === true,
    disableCompression: raw["disable-compression"] === true,
  };
}

export async function bootstrapTokenPhaseRun(data: InitData): Promise<void> {
  const client = await data.client();
  const clusterInfo = await adminCluster(data);
  const { applyBootstrapToken } = await import("../../lib/apiobjects/bootstraptoken.ts");
  try {
    await applyBootstrapToken(
      client,
      { tokens: data.tokens(), clusterInfo, skipTokenPrint: data.skipTokenPrint },
      log(data),
      pollOptions(data),
    );
  } catch (e) {
    throw apiPhaseError(data, "", e);
  }
}

// --- kubelet-finalize ------------------------------------------------------------------------

export async function enableClientCertRotation(data: InitData): Promise<void> {
  let pkiPath = `${data.kubeletDir}/pki`;
  const arg = [...(data.cfg.init.nodeRegistration.kubeletExtraArgs ?? [])].reverse()
    .find((a) => a.name === "cert-dir");
  if (arg) pkiPath = arg.value;
  const pemPath = `${pkiPath.replace(/\/+$/, "")}/kubelet-client-current.pem`;
  if (!(await data.host.exists(pemPath))) return; // kubeadm: V(1) log only
  const kubeconfigPath = "/etc/kubernetes/kubelet.conf";
  data.out(
    `[kubelet-finalize] Updating "${kubeconfigPath}" to point to a rotatable kubelet client certificate and key`,
  );
  if (data.dryRun) return;
  const { parseKubeConfig, serializeKubeConfig } = await import(
    "../../lib/kubeconfig/kubeconfig.ts"
  );
  const text = await data.host.readText(kubeconfigPath);
  if (text === undefined) {
    throw new KubestrapError(
      `could not load "${kubeconfigPath}": open ${kubeconfigPath}: no such file or directory`,
    );
  }
  const kc = parseKubeConfig(text);
  if (!kc.currentContext) {
    throw new KubestrapError(`the file "${kubeconfigPath}" does not have current context set`);
  }
  const ctx = kc.contexts[kc.currentContext];
  if (!ctx) {
    throw new KubestrapError(
      `the file "${kubeconfigPath}" is not a valid kubeconfig: "${kc.currentContext}" set as current-context, but not found in context list`,
    );
  }
  if (!ctx.user) {
    throw new KubestrapError(
      `the file "${kubeconfigPath}" is not a valid kubeconfig: empty username for current context`,
    );
  }
  const user = kc.users[ctx.user];
  if (!user) {
    throw new KubestrapError(
      `the file "${kubeconfigPath}" does not contain authentication for user "${data.cfg.init.nodeRegistration.name}"`,
    );
  }
  delete user["client-certificate-data"];
  delete user["client-key-data"];
  user["client-certificate"] = pemPath;
  user["client-key"] = pemPath;
  await data.host.writeFile(kubeconfigPath, serializeKubeConfig(kc), { mode: 0o600 });
  // TryRestartKubelet: warnings only.
  const { detectInitSystem } = await import("../../lib/kubelet/mod.ts");
  const { initSystem } = await detectInitSystem(data.systemHost);
  if (!initSystem) {
    data.out(
      "[kubelet-start] No supported init system detected, won't make sure the kubelet not running for a short period of time while setting up configuration for it.",
    );
    return;
  }
  if (!(await initSystem.serviceExists("kubelet"))) {
    data.out(
      "[kubelet-start] Couldn't detect a kubelet service, can't make sure the kubelet not running for a short period of time while setting up configuration for it.",
    );
  }
  try {
    await initSystem.serviceRestart("kubelet");
  } catch (e) {
    data.warn(
      `[kubelet-start] WARNING: unable to restart the kubelet service momentarily: [${
        (e as Error).message
      }]`,
    );
  }
}

// --- addons ----------------------------------------------------------------------------------

/**
 * The `--patches` of an addon target, or undefined without a patches directory. kubeadm wraps
 * any failure (reading the directory included) as "could not apply patches to the <what>".
 */
async function addonPatcher(
  data: InitData,
  target: string,
  what: string,
): Promise<((obj: KubeObject) => KubeObject) | undefined> {
  if (!data.patchesDir) return undefined;
  const { getPatchManagerForPath } = await import("../../lib/patches/patches.ts");
  const fail = (e: unknown) =>
    new KubestrapError(`could not apply patches to the ${what}: ${(e as Error).message}`);
  let pm;
  try {
    pm = await getPatchManagerForPath(data.patchesDir, { output: (s) => data.io.stdout(s) });
  } catch (e) {
    throw fail(e);
  }
  return (obj) => {
    const t = { name: target, data: obj as unknown };
    try {
      pm.applyPatchesToTarget(t);
    } catch (e) {
      throw fail(e);
    }
    return t.data as KubeObject;
  };
}

async function coreDNSInput(data: InitData) {
  const { imagesFor } = await import("../../lib/config/images.ts");
  const c = data.cfg.cluster;
  return {
    dnsDomain: c.networking.dnsDomain ?? "cluster.local",
    serviceSubnet: c.networking.serviceSubnet ?? "10.96.0.0/12",
    image: imagesFor(c).coreDNS,
    patchDeployment: await addonPatcher(data, "corednsdeployment", "CoreDNS Deployment"),
  };
}

export async function coreDNSAddon(data: InitData): Promise<void> {
  if (data.cfg.cluster.dns?.disabled) return; // kubeadm skips the phase
  const input = await coreDNSInput(data);
  const { applyCoreDNS, coreDNSPrintManifest } = await import(
    "../../lib/apiobjects/addons/coredns.ts"
  );
  if (data.printManifest) {
    data.io.stdout(coreDNSPrintManifest(input));
    return;
  }
  const client = await data.client();
  try {
    await applyCoreDNS(client, input, log(data), pollOptions(data));
  } catch (e) {
    throw apiPhaseError(data, "", e);
  }
}

async function kubeProxyInput(data: InitData) {
  const { imagesFor } = await import("../../lib/config/images.ts");
  const { marshalKubeProxyConfiguration } = await import("../../lib/config/serialize.ts");
  const { controlPlaneEndpointURL } = await import("../../lib/apiobjects/network.ts");
  const c = data.cfg.cluster;
  const ep = data.cfg.init.localAPIEndpoint;
  return {
    controlPlaneEndpointURL: controlPlaneEndpointURL(
      c.controlPlaneEndpoint || undefined,
      ep.advertiseAddress ?? "",
      ep.bindPort ?? 6443,
    ),
    kubeProxyConfigYAML: marshalKubeProxyConfiguration(
      (data.cfg.componentConfigs.kubeProxy ?? {}) as Record<string, unknown>,
    ),
    userSupplied: await configHasGroup(data, "kubeproxy.config.k8s.io"),
    image: imagesFor(c).kubeProxy,
    proxyEnv: Deno.env.toObject(),
    patchDaemonSet: await addonPatcher(data, "kubeproxydaemonset", "kube-proxy DaemonSet"),
  };
}

export async function kubeProxyAddon(data: InitData): Promise<void> {
  if (data.cfg.cluster.proxy?.disabled) return; // kubeadm skips the phase
  const input = await kubeProxyInput(data);
  const kp = await import("../../lib/apiobjects/addons/kubeproxy.ts");
  if (data.printManifest) {
    const { objectYAML } = await import("../../lib/dryrun/client.ts");
    // The DaemonSet comes from kubeProxyDaemonSetText (patched once, there).
    const o = kp.kubeProxyObjects({ ...input, patchDaemonSet: undefined });
    const strip = (x: Record<string, unknown>) => x;
    data.io.stdout(
      "---\n" + objectYAML(strip(o.serviceAccount)) +
        "---\n" + objectYAML(o.clusterRoleBinding) +
        "---\n" + objectYAML(o.role) +
        "---\n" + objectYAML(o.roleBinding) +
        "---" +
        kp.kubeProxyConfigMapTemplate(input.controlPlaneEndpointURL, input.kubeProxyConfigYAML) +
        "---" + await kubeProxyDaemonSetText(kp, input),
    );
    return;
  }
  const client = await data.client();
  try {
    await kp.applyKubeProxy(client, input, log(data), pollOptions(data));
  } catch (e) {
    throw apiPhaseError(data, "", e);
  }
}

/** The DaemonSet as `--print-manifest` shows it: the template, or patched as kubeadm renders it. */
async function kubeProxyDaemonSetText(
  kp: typeof import("../../lib/apiobjects/addons/kubeproxy.ts"),
  input: { image: string; patchDaemonSet?: (o: KubeObject) => KubeObject },
): Promise<string> {
  const text = kp.kubeProxyDaemonSetTemplate(input.image);
  if (!input.patchDaemonSet) return text;
  const { marshalGoYAML } = await import("../../lib/util/goyaml.ts");
  return marshalGoYAML(input.patchDaemonSet(parseYaml(text)));
}

// --- show-join-command -----------------------------------------------------------------------

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

export async function initResult(data: InitData): Promise<InitResult> {
  const { joinCommandOneLine, hostPortOfServer } = await import(
    "../../lib/apiobjects/joincommand.ts"
  );
  const cfg = await readKubeconfig(data.host, data.kubeconfigPath);
  const hashes = caCertHashes(cfg.caData ?? "");
  const tokens = data.tokens().map((t) => tokenString(t.token));
  const hp = hostPortOfServer(cfg.server);
  const key = data.uploadCerts && data.certificateKey ? data.certificateKey : undefined;
  const base = {
    program: "kubestrap",
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

export async function showJoinCommandRun(data: InitData): Promise<void> {
  // With `init -o json|yaml` the result replaces the banner (printed by lib/commands/init.ts).
  if (data.resultFormat) return;
  const { showJoinCommandText } = await import("../../lib/apiobjects/joincommand.ts");
  let cfg;
  try {
    cfg = await readKubeconfig(data.host, data.kubeconfigPath);
  } catch (e) {
    throw new KubestrapError(`failed to print join command: ${(e as Error).message}`);
  }
  const hashes = caCertHashes(cfg.caData ?? "");
  data.io.stdout(showJoinCommandText({
    program: "kubestrap",
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
