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
import { type CommandContext, SUBCOMMAND_REQUIRED } from "../cli.ts";
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import { hostFacts } from "../config/host_facts.ts";
import type { LoadedInit } from "../config/load.ts";
import { type ClusterConfiguration, OUTPUT_API } from "../config/types.ts";
import { CURRENT_KUBERNETES_VERSION, DEFAULT_CRI_SOCKET } from "../config/constants.ts";
import { formatDurationMs, parseDurationMs } from "../util/duration.ts";
import { hostPkiFS, type PkiFS } from "../pki/fs.ts";
import { pkiInputsFromConfig } from "../pki/certlist.ts";
import type { EncryptionAlgorithm } from "../pki/keys.ts";
import {
  certificateExists,
  type CertificateExpirationInfo,
  certificateKey,
  type CsrInputs,
  type ExpirationEntry,
  fetchCertificateExpirationInfo,
  generateCSRs,
  readRenewableCert,
  RENEW_ALL_DONE,
  type RenewalInputs,
  renewCertificate,
  type RenewResult,
} from "../renewal/renewal.ts";
import { completePendingRenewals, type RenewalFS, renewalFS } from "../renewal/staged.ts";
import { renewableCerts } from "../renewal/inventory.ts";
import type { CheckProblem, CheckResult } from "../renewal/check.ts";
import type { UpgradeComponent } from "../upgrade/staticpods.ts";
import { tabwrite } from "../tokens/output.ts";
import { printFlagValues, toPrinter } from "../output/printers.ts";
import { klogLine } from "../util/klog.ts";
import { acquireRunLock } from "../runlock.ts";
import { commandLine } from "./workflow_cmd.ts";

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

/**
 * certs.go getInternalCfg: `--config`; else the cluster's kubeadm-config ConfigMap through
 * `--kubeconfig` (with `--cert-dir` overriding its certificatesDir); else the defaults. The
 * informational lines go through `print` (discarded for structured output).
 */
async function internalConfig(
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
        // FetchInitConfigurationFromCluster(client, printer, logPrefix, true,
        // IsControlPlaneNode(), true, shortConfigMapGet): the node's registration and, on a
        // control plane, its API endpoint come from the cluster (no default route needed).
        let cfg: LoadedInit | undefined;
        try {
          const { fetchInitConfigurationFromCluster } = await import(
            "../apiobjects/clusterconfig.ts"
          );
          const fetched = await fetchInitConfigurationFromCluster({
            client,
            host,
            logPrefix,
            out: (line) => print(line + "\n"),
            warn: (at, msg) => ctx.err(klogLine("W", at, msg) + "\n"),
            getNodeRegistration: true,
            getAPIEndpoint: await host.exists(`${KUBERNETES_DIR}/manifests/kube-apiserver.yaml`),
            getComponentConfigs: true,
            shortConfigMapGet: true,
          });
          cfg = {
            ...fetched,
            ignorePreflightErrors: [],
            skipPhases: [],
            dryRun: false,
            uploadCerts: false,
          } as LoadedInit;
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

/** `kubeadm certs check-expiration`. */
export async function runCheckExpiration(ctx: CommandContext): Promise<void> {
  const host = commandHost(ctx);
  const printer = await toPrinter(printFlagValues(ctx.flags));
  const print = printer.kind === "text" ? ctx.out : () => {};
  const fs = hostPkiFS(host);
  const cfg = await internalConfig(ctx, host, "check-expiration", print);
  const info = await fetchCertificateExpirationInfo(renewalInputs(ctx, cfg), fs);
  if (printer.kind === "structured") printer.print(expirationObject(info), ctx.out);
  else ctx.out(expirationText(info));
}

// ---------------------------------------------------------------------------------------------
// certs renew

/** cmd/certs.go renewCert for one certificate: its status and console line. */
async function renewOne(
  inputs: RenewalInputs,
  fs: RenewalFS,
  name: string,
): Promise<{ status: RenewResult["status"]; line: string }> {
  if (!renewableCerts(inputs.externalEtcd).some((c) => c.name === name)) {
    // Not in this cluster's renewal manager (etcd certificates with external etcd).
    const all = renewableCerts(false).find((c) => c.name === name);
    return { status: "missing", line: `MISSING! ${all?.longName ?? name}` };
  }
  return await renewCertificate(inputs, fs, name);
}

/**
 * `kubeadm certs renew <name>` and `kubeadm certs renew all` (name "all"). Beyond kubeadm:
 * a renewal a kill left half done is completed first (lib/renewal/staged.ts);
 * `--if-expiring-within` renews only what expires within the window and lists what it left; the
 * components that load a renewed certificate are restarted one at a time unless
 * `--restart-components=false` (lib/upgrade/restart.ts).
 */
export async function runRenew(ctx: CommandContext, name: string): Promise<void> {
  // One run at a time (lib/runlock.ts): renew writes under /etc/kubernetes.
  const lock = await acquireRunLock(commandHost(ctx), commandLine(ctx), { warn: ctx.err });
  try {
    await renew(ctx, name);
  } finally {
    await lock.release();
  }
}

async function renew(ctx: CommandContext, name: string): Promise<void> {
  const host = commandHost(ctx);
  const fs = renewalFS(host);
  const cfg = await internalConfig(ctx, host, "renew", ctx.out);
  const inputs = renewalInputs(ctx, cfg);
  for (const l of await completePendingRenewals(fs, inputs)) ctx.out(l + "\n");
  const names = name === "all" ? renewableCerts(inputs.externalEtcd).map((c) => c.name) : [name];
  const window = ctx.changed.has("if-expiring-within")
    ? parseDurationMs(ctx.flags["if-expiring-within"] as string)
    : undefined;
  const renewed: string[] = [];
  let left = 0;
  if (window !== undefined) {
    ctx.out(
      `[renew] Renewing the certificates that expire within ${formatDurationMs(window)}\n`,
    );
  }
  for (const n of names) {
    if (window !== undefined) {
      const expiry = await expiryOf(inputs, fs, n);
      if (expiry && expiry.getTime() - Date.now() > window) {
        const item = renewableCerts(inputs.externalEtcd).find((c) => c.name === n)!;
        ctx.out(
          `[renew] Left the ${item.longName}: valid until ${formatExpiry(expiry)} (${
            humanDuration(Math.trunc((expiry.getTime() - Date.now()) / 1000))
          } left)\n`,
        );
        left++;
        continue;
      }
    }
    const r = await renewOne(inputs, fs, n);
    if (r.status === "renewed") renewed.push(n);
    ctx.out(r.line + "\n");
  }
  if (window !== undefined) {
    ctx.out(`[renew] Renewed ${renewed.length}, left ${left} (valid beyond the window)\n`);
  }
  const restart = ctx.flags["restart-components"] !== false;
  const toRestart = restart ? await restartable(host, cfg, renewed) : [];
  if (toRestart.length === 0) {
    if (name === "all" && (window === undefined || renewed.length > 0)) {
      ctx.out(`\n${RENEW_ALL_DONE}\n`);
    }
    return;
  }
  ctx.out(
    `\nDone renewing certificates. Restarting the components that load them, one at a time ` +
      `(--restart-components=false leaves this to you): ${toRestart.join(", ")}\n`,
  );
  await restartAfterRenewal(host, cfg, toRestart, (l) => ctx.out(l + "\n"));
}

/** The notAfter of a renewable certificate, or undefined when it is missing or unreadable. */
async function expiryOf(
  inputs: RenewalInputs,
  fs: PkiFS,
  name: string,
): Promise<Date | undefined> {
  const item = renewableCerts(inputs.externalEtcd).find((c) => c.name === name);
  if (!item || !(await certificateExists(inputs, fs, item))) return undefined;
  try {
    return (await readRenewableCert(inputs, fs, item)).notAfter;
  } catch {
    return undefined; // renewOne reports it with kubeadm's error
  }
}

/** The components loading one of `renewed` whose static Pod manifest exists on this host. */
async function restartable(host: Host, cfg: LoadedInit, renewed: string[]) {
  const { componentsUsing } = await import("../upgrade/restart.ts");
  const localEtcd = cfg.cluster.etcd?.external === undefined;
  const out: UpgradeComponent[] = [];
  for (const c of componentsUsing(renewed, localEtcd)) {
    if (await host.exists(path.join(KUBERNETES_DIR, "manifests", `${c}.yaml`))) out.push(c);
  }
  return out;
}

/** Restarts `components` one at a time through the CRI, each ready before the next. */
async function restartAfterRenewal(
  host: Host,
  cfg: LoadedInit,
  components: UpgradeComponent[],
  out: (line: string) => void,
): Promise<void> {
  const { restartComponents, restartStaticPodContainers } = await import(
    "../upgrade/restart.ts"
  );
  const { StaticPodWaiter } = await import("../upgrade/waiter.ts");
  const { KubeClient } = await import("../kube/client.ts");
  const { kubeClientConfig } = await import("../kube/kubeconfig.ts");
  const { resetCRISocket } = await import("../../phases/reset/data.ts");
  const node = cfg.init.nodeRegistration.name ?? host.hostname();
  // The configuration loaded without CRI detection holds the default socket: then the one the
  // kubelet uses (its instance config), else kubeadm's detection, as reset finds it.
  const configured = cfg.init.nodeRegistration.criSocket ?? DEFAULT_CRI_SOCKET;
  const criSocket = configured !== DEFAULT_CRI_SOCKET ? configured : await resetCRISocket(
    () => host.readText("/var/lib/kubelet/instance-config.yaml"),
    hostFacts(host),
  ).catch(() => configured);
  const timeoutMs = 300_000;
  const client = new KubeClient(
    await kubeClientConfig({ host, path: path.join(KUBERNETES_DIR, "admin.conf") }),
    { requestTimeoutMs: 10_000 },
  );
  try {
    const waiter = new StaticPodWaiter(client, timeoutMs, out);
    await restartComponents(components, {
      hasManifest: (c) => host.exists(path.join(KUBERNETES_DIR, "manifests", `${c}.yaml`)),
      restart: (c) => restartStaticPodContainers(host, criSocket, c, node, timeoutMs, true),
      ready: (c, ids) => waiter.containerReady(node, c, ids),
      out,
    });
  } finally {
    client.close();
  }
}

/** `kubestrap certs renew --install-timer | --uninstall-timer` (the group's own run). */
export async function runRenewGroup(ctx: CommandContext): Promise<void> {
  const install = ctx.flags["install-timer"] === true;
  const uninstall = ctx.flags["uninstall-timer"] === true;
  if (!install && !uninstall) {
    ctx.help();
    throw new KubestrapError(SUBCOMMAND_REQUIRED.slice("\nerror: ".length));
  }
  if (install && uninstall) {
    throw new KubestrapError(
      "--install-timer and --uninstall-timer cannot be used together: pick one",
    );
  }
  const host = commandHost(ctx);
  const { installRenewalTimer, uninstallRenewalTimer } = await import("../renewal/timer.ts");
  if (uninstall) {
    for (const l of await uninstallRenewalTimer(host)) ctx.out(l + "\n");
    return;
  }
  const window = (ctx.flags["if-expiring-within"] as string | undefined) || "720h";
  const exe = await host.lookPath("kubestrap") ??
    (path.basename(Deno.execPath()) === "deno" ? "/usr/local/bin/kubestrap" : Deno.execPath());
  for (const l of await installRenewalTimer(host, { program: exe, window })) ctx.out(l + "\n");
}

// ---------------------------------------------------------------------------------------------
// certs check (beyond kubeadm)

/**
 * The result of `certs check -o json|yaml`: kubestrap.io/v1alpha1 CertificateCheck. Its
 * `expiration` is `certs check-expiration`'s CertificateExpirationInfo for the same tree.
 */
function checkObject(r: CheckResult) {
  const problems = (ps: CheckProblem[]) => ps.map((p) => ({ message: p.message, fix: p.fix }));
  return {
    kind: "CertificateCheck",
    apiVersion: "kubestrap.io/v1alpha1",
    ok: r.ok,
    items: r.items.map((i) => ({
      name: i.name,
      kind: i.kind,
      status: i.status,
      files: i.files,
      notAfter: i.notAfter ? rfc3339(i.notAfter) : null,
      externallyManaged: i.externallyManaged,
      problems: problems(i.problems),
    })),
    problems: problems(r.problems),
    expiration: r.expiration ? expirationObject(r.expiration) : null,
  };
}

/** The text of `certs check`: one line per item (a tabwriter table, as check-expiration's). */
function checkText(r: CheckResult, now = new Date()): string {
  const yesNo = (b: boolean) => (b ? "yes" : "no");
  let s = "ITEM\tKIND\tSTATUS\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED\n";
  for (const i of r.items) {
    const status = i.status === "failed" ? "FAILED" : i.status === "missing" ? "missing" : "ok";
    const exp = i.notAfter
      ? `${formatExpiry(i.notAfter)}\t${
        humanDuration(Math.trunc((i.notAfter.getTime() - now.getTime()) / 1000))
      }`
      : "\t";
    s += `${i.name}\t${i.kind}\t${status}\t${exp}\t${
      i.status === "missing" ? "" : yesNo(i.externallyManaged)
    }\n`;
  }
  return tabwrite(s);
}

/** `kubestrap certs check`: the node's PKI and kubeconfig files (lib/renewal/check.ts). */
export async function runCheck(ctx: CommandContext): Promise<void> {
  const printer = await toPrinter(printFlagValues(ctx.flags));
  const print = printer.kind === "text" ? ctx.out : () => {};
  const host = commandHost(ctx);
  const fs = hostPkiFS(host);
  const cfg = await internalConfig(ctx, host, "check", print);
  const { checkPKI } = await import("../renewal/check.ts");
  const pki = pkiInputsFromConfig(cfg);
  const result = await checkPKI(
    {
      ...renewalInputs(ctx, cfg),
      pki: { ...pki, certificatesDir: absPath(ctx, pki.certificatesDir) },
    },
    fs,
  );
  if (printer.kind === "structured") printer.print(checkObject(result), ctx.out);
  else ctx.out(checkText(result));
  if (!result.ok) {
    const n = result.problems.length +
      result.items.reduce((a, i) => a + i.problems.length, 0);
    throw new KubestrapError(
      `${n} problem(s) found in the node's PKI and kubeconfig files:\n` +
        [
          ...result.items.flatMap((i) => i.problems),
          ...result.problems,
        ].map((p) => `  - ${p.message}\n    fix: ${p.fix}`).join("\n"),
    );
  }
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
  const lock = await acquireRunLock(host, commandLine(ctx), {
    certificatesDir: inputs.certificatesDir,
    warn: ctx.err,
  });
  try {
    ({ lines } = await generateCSRs(inputs, fs));
  } catch (e) {
    // kubeadm announces the certificate directory before it finds an existing key or CSR there
    // (kubestrap checks every file before writing any).
    if (errMsg(e).startsWith("file already exists: key or CSR")) {
      ctx.out(`generating keys and CSRs in ${inputs.certificatesDir}\n`);
    }
    throw e;
  } finally {
    await lock.release();
  }
  for (const l of lines) ctx.out(l + "\n");
}
