/**
 * The run body of `kubeadm kubeconfig user` (cmd/kubeadm/app/cmd/kubeconfig.go, kubeadm
 * v1.37.2). Loaded lazily by lib/commands/kubeconfig.ts.
 */
import type { CommandContext } from "../cli.ts";
import { hostPkiFS } from "../pki/fs.ts";
import type { EncryptionAlgorithm } from "../pki/keys.ts";
import { kubeconfigUser } from "../kubeconfig/files.ts";
import { formatDurationMs, parseDurationMs } from "../util/duration.ts";
import { absPath, commandHost, loadOrDefaultInitConfig } from "./certs_run.ts";
import { klogLine } from "../util/klog.ts";

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
  // The flag parser has checked the value.
  const validity = parseDurationMs((ctx.flags["validity-period"] as string | undefined) ?? "8760h");
  if (validity > CERTIFICATE_VALIDITY_PERIOD_MS) {
    ctx.err(
      klogLine(
        "W",
        "kubeconfig.go:95",
        `WARNING: the specified certificate validity period ${
          formatDurationMs(validity)
        } is longer than the default duration ${
          formatDurationMs(CERTIFICATE_VALIDITY_PERIOD_MS)
        }, this may increase security risks.`,
      ) + "\n",
    );
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
  for (const w of warnings) ctx.err(klogLine("W", "certs.go:474", w) + "\n");
  ctx.out(yaml + "\n");
}
