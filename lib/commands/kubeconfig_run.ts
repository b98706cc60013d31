/**
 * The run body of `kubeadm kubeconfig user` (cmd/kubeadm/app/cmd/kubeconfig.go, kubeadm
 * v1.37.2). Loaded lazily by lib/commands/kubeconfig.ts.
 */
import type { CommandContext } from "../cli.ts";
import { formatDuration, parseDuration } from "../cli.ts";
import { hostPkiFS } from "../pki/fs.ts";
import type { EncryptionAlgorithm } from "../pki/keys.ts";
import { kubeconfigUser } from "../kubeconfig/files.ts";
import { parseDurationMs } from "../util/duration.ts";
import { absPath, commandHost, klog, loadOrDefaultInitConfig } from "./certs_run.ts";

/** kubeadmconstants.CertificateValidityPeriod (8760h) in ms. */
const CERTIFICATE_VALIDITY_PERIOD_MS = 8760 * 3600 * 1000;

/** `kubeadm kubeconfig user`: prints the kubeconfig (followed by an empty line, as Fprintln). */
export async function runKubeconfigUser(ctx: CommandContext): Promise<void> {
  const host = commandHost(ctx);
  const cfg = await loadOrDefaultInitConfig(
    ctx,
    host,
    (ctx.flags.config as string | undefined) ?? "",
  );
  const validity = parseDuration((ctx.flags["validity-period"] as string | undefined) ?? "8760h") ??
    CERTIFICATE_VALIDITY_PERIOD_MS;
  if (validity > CERTIFICATE_VALIDITY_PERIOD_MS) {
    ctx.err(klog(
      "W",
      "kubeconfig.go:95",
      `WARNING: the specified certificate validity period ${
        formatDuration(validity)
      } is longer than the default duration ${
        formatDuration(CERTIFICATE_VALIDITY_PERIOD_MS)
      }, this may increase security risks.`,
    ));
  }
  const cluster = cfg.cluster;
  const init = cfg.init;
  const token = (ctx.flags.token as string | undefined) ?? "";
  const { yaml, warnings } = await kubeconfigUser(
    {
      kubeconfigDir: "/etc/kubernetes",
      certificatesDir: absPath(ctx, cluster.certificatesDir || "/etc/kubernetes/pki"),
      clusterName: cluster.clusterName,
      nodeName: init.nodeRegistration.name ?? "",
      advertiseAddress: init.localAPIEndpoint.advertiseAddress ?? "",
      bindPort: init.localAPIEndpoint.bindPort,
      controlPlaneEndpoint: cluster.controlPlaneEndpoint || undefined,
      encryptionAlgorithm: (cluster.encryptionAlgorithm || "RSA-2048") as EncryptionAlgorithm,
      certificateValidityPeriod: cluster.certificateValidityPeriod
        ? parseDurationMs(cluster.certificateValidityPeriod)
        : undefined,
    },
    hostPkiFS(host),
    {
      clientName: (ctx.flags["client-name"] as string | undefined) ?? "",
      organizations: (ctx.flags.org as string[] | undefined) ?? [],
      token: token !== "" ? token : undefined,
      validityPeriod: validity,
    },
  );
  for (const w of warnings) ctx.err(klog("W", "certs.go:474", w));
  ctx.out(yaml + "\n");
}
