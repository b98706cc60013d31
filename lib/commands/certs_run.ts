/**
 * The run bodies of `kubeadm certs certificate-key | check-expiration | renew | generate-csr`
 * (cmd/kubeadm/app/cmd/certs.go, kubeadm v1.37.2). Loaded lazily by lib/commands/certs.ts.
 *
 * Every host path goes through `Host(--rootfs)`. Like kubeadm, the kubeconfig files that
 * check-expiration and renew look at are always those under /etc/kubernetes (kubeadm's
 * hard-coded KubernetesDir), whatever `--kubeconfig` says; `--kubeconfig` only selects the
 * cluster to read the kubeadm-config ConfigMap from.
 */
import * as path from "@std/path";
import type { CommandContext } from "../cli.ts";
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import { hostFacts } from "../config/host_facts.ts";
import type { LoadedInit } from "../config/load.ts";
import { type ClusterConfiguration, OUTPUT_API } from "../config/types.ts";
import { CURRENT_KUBERNETES_VERSION } from "../config/constants.ts";
import { parseDurationMs } from "../util/duration.ts";
import { hostPkiFS, type PkiFS } from "../pki/fs.ts";
import { pkiInputsFromConfig } from "../pki/certlist.ts";
import type { EncryptionAlgorithm } from "../pki/keys.ts";
import {
  type CertificateExpirationInfo,
  certificateKey,
  type CsrInputs,
  type ExpirationEntry,
  fetchCertificateExpirationInfo,
  generateCSRs,
  RENEW_ALL_DONE,
  type RenewalInputs,
  renewCertificate,
} from "../renewal/renewal.ts";
import { renewableCerts } from "../renewal/inventory.ts";
import { tabwrite } from "../tokens/output.ts";
import { marshalGoYAML } from "../util/goyaml.ts";
import { klogLine } from "../util/klog.ts";

/** kubeadm's KubernetesDir: where check-expiration and renew find the kubeconfig files. */
export const KUBERNETES_DIR = "/etc/kubernetes";

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** The host every command works on: `--rootfs` (kubeadm chroots there) or "/". */
export function commandHost(ctx: CommandContext): Host {
  return new Host((ctx.flags.rootfs as string | undefined) || "/");
}

/**
 * A path as kubeadm would open it: relative paths are relative to the working directory, or to
 * "/" under `--rootfs` (kubeadm chdirs to "/" after its chroot).
 */
export function absPath(ctx: CommandContext, p: string): string {
  if (path.isAbsolute(p)) return path.normalize(p);
  return path.resolve((ctx.flags.rootfs as string | undefined) ? "/" : Deno.cwd(), p);
}

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Milliseconds of a Go duration string (config values), or undefined. */
function durationMs(s: string | undefined): number | undefined {
  if (!s) return undefined;
  return parseDurationMs(s);
}

/**
 * configutil.LoadOrDefaultInitConfiguration: the `--config` file (read under `--rootfs`) or a
 * defaulted InitConfiguration built from `clusterFlags`. CRI detection is skipped, as kubeadm
 * does for these commands.
 */
export async function loadOrDefaultInitConfig(
  ctx: CommandContext,
  host: Host,
  cfgPath: string,
  clusterFlags: { certDir?: string; kubernetesVersion?: string } = {},
): Promise<LoadedInit> {
  const { loadInitConfig, osErr } = await import("../config/load.ts");
  let configText: string | undefined;
  if (cfgPath) {
    const abs = absPath(ctx, cfgPath);
    try {
      configText = await host.readText(abs);
      if (configText === undefined) throw new Deno.errors.NotFound();
    } catch (e) {
      throw new KubestrapError(
        `unable to read config from ${JSON.stringify(cfgPath)} : ${osErr(e, cfgPath)}`,
      );
    }
  }
  // Without a file, the flags set these ClusterConfiguration fields.
  const cluster: Partial<ClusterConfiguration> = {};
  if (clusterFlags.kubernetesVersion !== undefined) {
    cluster.kubernetesVersion = clusterFlags.kubernetesVersion;
  }
  if (clusterFlags.certDir !== undefined) cluster.certificatesDir = clusterFlags.certDir;
  const cfg = await loadInitConfig({
    configPath: cfgPath || undefined,
    configText,
    options: cfgPath ? {} : { cluster },
    host: hostFacts(host),
    skipCRIDetect: true,
  });
  for (const w of cfg.warnings) ctx.err(klogLine("W", "initconfiguration.go:310", w) + "\n");
  return cfg;
}

/**
 * A client for the cluster of a kubeconfig file (kubeconfigutil.ClientSetFromFile), or undefined
 * when the file cannot be read or used.
 */
async function clientFromKubeconfig(host: Host, kubeconfigPath: string) {
  if (!kubeconfigPath) return undefined;
  try {
    const { KubeClient } = await import("../kube/client.ts");
    const { kubeClientConfig } = await import("../kube/kubeconfig.ts");
    const cc = await kubeClientConfig({ host, path: kubeconfigPath });
    if (!cc.server) return undefined;
    return new KubeClient(cc, { requestTimeoutMs: 10_000, retryTimeoutMs: 350 });
  } catch {
    return undefined;
  }
}

/** apiclient.GetConfigMapWithShortRetry on kube-system/kubeadm-config: the ClusterConfiguration. */
async function fetchClusterConfiguration(
  client: NonNullable<Awaited<ReturnType<typeof clientFromKubeconfig>>>,
): Promise<string> {
  const deadline = Date.now() + 350;
  let last: unknown;
  while (true) {
    try {
      const cm = await client.get<{ data?: Record<string, string> }>(
        "configmaps",
        "kubeadm-config",
        "kube-system",
        { retry: false },
      );
      const text = cm.data?.ClusterConfiguration;
      if (!text) {
        throw new KubestrapError(
          `unexpected error when reading kubeadm-config ConfigMap: ClusterConfiguration key value pair missing`,
        );
      }
      return text;
    } catch (e) {
      last = e;
    }
    if (Date.now() + 50 > deadline) throw last;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * certs.go getInternalCfg: `--config`; else the cluster's kubeadm-config ConfigMap through
 * `--kubeconfig` (with `--cert-dir` overriding its certificatesDir); else the defaults. The
 * informational lines go through `print` (discarded for structured output).
 */
export async function internalConfig(
  ctx: CommandContext,
  host: Host,
  logPrefix: string,
  print: (s: string) => void,
): Promise<LoadedInit> {
  const cfgPath = (ctx.flags.config as string | undefined) ?? "";
  const certDir = (ctx.flags["cert-dir"] as string | undefined) ?? "";
  const kubeconfigPath = (ctx.flags.kubeconfig as string | undefined) ?? "";
  if (cfgPath === "") {
    const client = await clientFromKubeconfig(host, absPath(ctx, kubeconfigPath || "."));
    if (client) {
      try {
        print(
          `[${logPrefix}] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...\n`,
        );
        print(
          `[${logPrefix}] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.\n`,
        );
        let cfg: LoadedInit | undefined;
        try {
          const text = await fetchClusterConfiguration(client);
          const { loadInitConfig } = await import("../config/load.ts");
          cfg = await loadInitConfig({
            configPath: "kubeadm-config",
            configText: text,
            host: hostFacts(host),
            skipCRIDetect: true,
          });
        } catch {
          cfg = undefined;
        }
        if (cfg) {
          print("\n");
          if (certDir !== "") cfg.cluster.certificatesDir = certDir;
          return cfg;
        }
        print(
          `[${logPrefix}] Error reading configuration from the Cluster. Falling back to default configuration\n\n`,
        );
      } finally {
        client.close();
      }
    }
  }
  return await loadOrDefaultInitConfig(ctx, host, cfgPath, {
    certDir: certDir || undefined,
    kubernetesVersion: `v${CURRENT_KUBERNETES_VERSION}`,
  });
}

/** The renewal manager's inputs for a loaded configuration. */
function renewalInputs(ctx: CommandContext, cfg: LoadedInit): RenewalInputs {
  const cluster = cfg.cluster;
  return {
    certificatesDir: absPath(ctx, cluster.certificatesDir || "/etc/kubernetes/pki"),
    kubeconfigDir: KUBERNETES_DIR,
    externalEtcd: cluster.etcd?.external !== undefined,
    encryptionAlgorithm: (cluster.encryptionAlgorithm || "RSA-2048") as EncryptionAlgorithm,
    certificateValidityPeriod: durationMs(cluster.certificateValidityPeriod),
  };
}

// ---------------------------------------------------------------------------------------------
// External CA detection with kubeadm's errors (renewal.Manager.IsExternallyManaged)

// ---------------------------------------------------------------------------------------------
// certs certificate-key

/** `kubeadm certs certificate-key`: a new random key on its own line. */
export function runCertificateKey(ctx: CommandContext): void {
  ctx.out(certificateKey() + "\n");
}

// ---------------------------------------------------------------------------------------------
// certs check-expiration

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration, for a whole number of seconds. */
export function humanDuration(seconds: number): string {
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go's `Jan 02, 2006 15:04 MST` of a UTC time. */
export function formatExpiry(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())}, ${d.getUTCFullYear()} ${
    p(d.getUTCHours())
  }:${p(d.getUTCMinutes())} UTC`;
}

/** certTextPrinter.PrintObj: the two tables through one tabwriter (10, 4, 3, ' ', 0). */
export function expirationText(info: CertificateExpirationInfo): string {
  const yesNo = (b: boolean) => (b ? "yes" : "no").padEnd(8);
  let s = "CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED\n";
  for (const c of info.certificates) {
    if (c.missing) {
      s += `!MISSING! ${c.name}\t\t\t\t\n`;
      continue;
    }
    s += `${c.name}\t${formatExpiry(c.expirationDate!)}\t${humanDuration(c.residualTime)}\t${
      c.caName ?? ""
    }\t${yesNo(c.externallyManaged)}\n`;
  }
  s += "\n";
  s += "CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED\n";
  for (const c of info.certificateAuthorities) {
    if (c.missing) {
      s += `!MISSING! ${c.name}\t\t\t\n`;
      continue;
    }
    s += `${c.name}\t${formatExpiry(c.expirationDate!)}\t${humanDuration(c.residualTime)}\t${
      yesNo(c.externallyManaged)
    }\n`;
  }
  return tabwrite(s);
}

/** RFC 3339 in UTC with whole seconds, as metav1.Time marshals. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The entry fields in Go struct order (json). */
function entryFields(e: ExpirationEntry): [string, string | number | boolean | null][] {
  const f: [string, string | number | boolean | null][] = [
    ["name", e.name],
    ["expirationDate", e.expirationDate ? rfc3339(e.expirationDate) : null],
    ["residualTime", e.residualTime],
    ["externallyManaged", e.externallyManaged],
  ];
  if (e.caName) f.push(["caName", e.caName]);
  f.push(["missing", e.missing]);
  return f;
}

/** The CertificateExpirationInfo object (fields in Go struct order). */
function expirationObject(info: CertificateExpirationInfo) {
  return {
    kind: "CertificateExpirationInfo",
    apiVersion: OUTPUT_API,
    certificates: info.certificates.map((e) => Object.fromEntries(entryFields(e))),
    certificateAuthorities: info.certificateAuthorities.map((e) =>
      Object.fromEntries(entryFields(e))
    ),
  };
}

/** The JSON printer: json.MarshalIndent(obj, "", "    ") + "\n". */
export function expirationJSON(info: CertificateExpirationInfo): string {
  return JSON.stringify(expirationObject(info), null, 4) + "\n";
}

/** The YAML printer: sigs.k8s.io/yaml of the object (the one YAML writer). */
export function expirationYAML(info: CertificateExpirationInfo): string {
  return marshalGoYAML(expirationObject(info));
}

/** The KYAML printer (sigs.k8s.io/yaml/kyaml): fields in Go struct order. */
export function expirationKYAML(info: CertificateExpirationInfo): string {
  const scalar = (v: string | number | boolean | null) =>
    typeof v === "string" ? JSON.stringify(v) : String(v);
  const list = (entries: ExpirationEntry[]) => {
    if (entries.length === 0) return "[]";
    return "[" +
      entries.map((e) =>
        "{\n" + entryFields(e).map(([k, v]) => `    ${k}: ${scalar(v)},\n`).join("") + "  }"
      ).join(", ") + "]";
  };
  return "---\n{\n" +
    `  kind: "CertificateExpirationInfo",\n` +
    `  apiVersion: "${OUTPUT_API}",\n` +
    `  certificates: ${list(info.certificates)},\n` +
    `  certificateAuthorities: ${list(info.certificateAuthorities)},\n` +
    "}\n";
}

/** The output formats kubeadm's printer flags accept (sorted as its error lists them). */
export const OUTPUT_FORMATS = [
  "go-template",
  "go-template-file",
  "json",
  "jsonpath",
  "jsonpath-as-json",
  "jsonpath-file",
  "kyaml",
  "template",
  "templatefile",
  "text",
  "yaml",
];

/** output.OutputFlags.ToPrinter: the format, or kubeadm's error. */
export function checkOutputFormat(format: string): "text" | "json" | "yaml" | "kyaml" {
  const f = format.toLowerCase();
  if (f === "text" || f === "json" || f === "yaml" || f === "kyaml") return f;
  if (OUTPUT_FORMATS.includes(f)) {
    throw new KubestrapError(
      `could not construct output printer: output format ${
        JSON.stringify(format)
      } is not supported by kubestrap (supported: text, json, yaml, kyaml)`,
    );
  }
  throw new KubestrapError(
    `could not construct output printer: unable to match a printer suitable for the output format ${
      JSON.stringify(format)
    }, allowed formats are: ${OUTPUT_FORMATS.join(",")}`,
  );
}

/** `kubeadm certs check-expiration`. */
export async function runCheckExpiration(ctx: CommandContext): Promise<void> {
  const format = checkOutputFormat((ctx.flags.output as string | undefined) ?? "text");
  const print = format === "text" ? ctx.out : () => {};
  const host = commandHost(ctx);
  const fs = hostPkiFS(host);
  const cfg = await internalConfig(ctx, host, "check-expiration", print);
  const info = await fetchCertificateExpirationInfo(renewalInputs(ctx, cfg), fs);
  switch (format) {
    case "json":
      ctx.out(expirationJSON(info));
      return;
    case "yaml":
      ctx.out(expirationYAML(info));
      return;
    case "kyaml":
      ctx.out(expirationKYAML(info));
      return;
    default:
      ctx.out(expirationText(info));
  }
}

// ---------------------------------------------------------------------------------------------
// certs renew

/** cmd/certs.go renewCert for one certificate; returns the console line. */
async function renewOne(inputs: RenewalInputs, fs: PkiFS, name: string): Promise<string> {
  if (!renewableCerts(inputs.externalEtcd).some((c) => c.name === name)) {
    // Not in this cluster's renewal manager (etcd certificates with external etcd).
    const all = renewableCerts(false).find((c) => c.name === name);
    return `MISSING! ${all?.longName ?? name}`;
  }
  return (await renewCertificate(inputs, fs, name)).line;
}

/** `kubeadm certs renew <name>` and `kubeadm certs renew all` (name "all"). */
export async function runRenew(ctx: CommandContext, name: string): Promise<void> {
  const host = commandHost(ctx);
  const fs = hostPkiFS(host);
  const cfg = await internalConfig(ctx, host, "renew", ctx.out);
  const inputs = renewalInputs(ctx, cfg);
  const names = name === "all" ? renewableCerts(inputs.externalEtcd).map((c) => c.name) : [name];
  for (const n of names) ctx.out((await renewOne(inputs, fs, n)) + "\n");
  if (name === "all") ctx.out(`\n${RENEW_ALL_DONE}\n`);
}

// ---------------------------------------------------------------------------------------------
// certs generate-csr

/** `kubeadm certs generate-csr`. */
export async function runGenerateCSR(ctx: CommandContext): Promise<void> {
  const host = commandHost(ctx);
  const fs = hostPkiFS(host);
  const cfg = await loadOrDefaultInitConfig(
    ctx,
    host,
    (ctx.flags.config as string | undefined) ?? "",
  );
  const certDir = (ctx.flags["cert-dir"] as string | undefined) ?? "";
  // --cert-dir takes priority over the configuration.
  if (certDir !== "") cfg.cluster.certificatesDir = certDir;
  const cluster = cfg.cluster;
  const init = cfg.init;
  const pki = pkiInputsFromConfig(cfg);
  const inputs: CsrInputs = {
    ...pki,
    certificatesDir: absPath(ctx, pki.certificatesDir),
    kubeconfigDir: absPath(
      ctx,
      (ctx.flags["kubeconfig-dir"] as string | undefined) || KUBERNETES_DIR,
    ),
    clusterName: cluster.clusterName,
    bindPort: init.localAPIEndpoint.bindPort,
  };
  let lines: string[];
  try {
    ({ lines } = await generateCSRs(inputs, fs));
  } catch (e) {
    // kubeadm announces the certificate directory before it finds an existing key or CSR there
    // (kubestrap checks every file before writing any).
    if (errMsg(e).startsWith("file already exists: key or CSR")) {
      ctx.out(`generating keys and CSRs in ${inputs.certificatesDir}\n`);
    }
    throw e;
  }
  for (const l of lines) ctx.out(l + "\n");
}
