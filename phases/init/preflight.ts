import { examples } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

/** `kubeadm init phase preflight`. */
export const preflightPhase: Phase<InitData> = {
  name: "preflight",
  short: "Run pre-flight checks",
  long: "Run pre-flight checks for kubeadm init.",
  example: examples(`
    # Run pre-flight checks for kubeadm init using a config file.
    kubeadm init phase preflight --config kubeadm-config.yaml
  `),
  run: runPreflight,
  inheritFlags: ["config", "image-repository", "cri-socket", "ignore-preflight-errors", "dry-run"],
  // Beyond kubeadm: a machine-readable report of every check.
  localFlags: [{
    name: "output",
    short: "o",
    type: "string",
    usage: "kubestrap only: output format of the check report; 'json' prints each check's id, " +
      "severity, observed and expected value and a remediation command",
  }],
};

async function runPreflight(data: InitData): Promise<void> {
  const { preflightReport, preflightError, reportJSON } = await import(
    "../../lib/preflight/report.ts"
  );
  const { writeOutput } = await import("../../lib/preflight/runner.ts");
  const { defaultCheckContext } = await import("../../lib/preflight/mod.ts");
  const { imagesFor, controlPlaneImages } = await import("../../lib/config/images.ts");
  const { cluster, init } = data.cfg;
  const images = imagesFor(cluster);
  const report = await preflightReport(
    "init",
    {
      kubernetesVersion: cluster.kubernetesVersion ?? "",
      nodeName: init.nodeRegistration.name ?? "",
      criSocket: init.nodeRegistration.criSocket ?? "",
      advertiseAddress: init.localAPIEndpoint.advertiseAddress,
      bindPort: init.localAPIEndpoint.bindPort,
      apiServerExtraArgs: cluster.apiServer.extraArgs,
      controllerManagerExtraArgs: cluster.controllerManager.extraArgs,
      schedulerExtraArgs: cluster.scheduler.extraArgs,
      serviceSubnet: cluster.networking.serviceSubnet,
      podSubnet: cluster.networking.podSubnet,
      etcd: cluster.etcd.external
        ? { external: cluster.etcd.external }
        : { local: { dataDir: cluster.etcd.local?.dataDir ?? "/var/lib/etcd" } },
      manifestsDir: data.manifestDir,
      images: controlPlaneImages(cluster),
      pauseImage: images.pause,
      imagePullPolicy: init.nodeRegistration.imagePullPolicy,
      imagePullSerial: init.nodeRegistration.imagePullSerial,
      dryRun: data.dryRun,
    },
    data.ignorePreflightErrors,
    {
      // Checks look at the real machine, also in dry-run (as kubeadm's do).
      ctx: defaultCheckContext(data.systemHost),
      failFast: data.outputFormat !== "json",
    },
  );
  if (data.outputFormat === "json") data.io.stdout(reportJSON(report) + "\n");
  else writeOutput(report.output, data.io);
  const err = preflightError(report);
  if (err) throw err;
}
