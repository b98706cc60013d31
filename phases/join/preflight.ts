import { examples } from "../../lib/cli.ts";
import { KubestrapError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import { DISCOVERY_FLAGS, type JoinData } from "./data.ts";

/** `kubeadm join phase preflight [api-server-endpoint]`. */
export const preflightPhase: Phase<JoinData> = {
  name: "preflight [api-server-endpoint]",
  short: "Run join pre-flight checks",
  long: "Run pre-flight checks for kubeadm join.",
  example: examples(`
    # Run join pre-flight checks using a config file.
    kubeadm join phase preflight --config kubeadm-config.yaml
  `),
  run: runPreflight,
  inheritFlags: [
    "config",
    "ignore-preflight-errors",
    "control-plane",
    "apiserver-advertise-address",
    "apiserver-bind-port",
    "cri-socket",
    "node-name",
    ...DISCOVERY_FLAGS,
    "certificate-key",
    "dry-run",
  ],
};

const NOT_READY_TO_JOIN_CONTROL_PLANE = (err: string) =>
  "\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n" +
  `${err}\n\n` +
  "Please ensure that:\n" +
  "* The cluster has a stable controlPlaneEndpoint address.\n" +
  "* The certificates that must be shared among control plane instances are provided.\n\n";

/** The files certs.SharedCertificateExists needs (local etcd adds the etcd CA). */
function sharedCertificates(certDir: string, localEtcd: boolean): string[] {
  const names = [
    "ca.crt",
    "ca.key",
    "sa.key",
    "sa.pub",
    "front-proxy-ca.crt",
    "front-proxy-ca.key",
  ];
  if (localEtcd) names.push("etcd/ca.crt", "etcd/ca.key");
  return names.map((n) => `${certDir}/${n}`);
}

async function runPreflight(data: JoinData): Promise<void> {
  const pf = await import("../../lib/preflight/mod.ts");
  data.out("[preflight] Running pre-flight checks");
  const ctx = pf.defaultCheckContext(data.realHost);
  const run = async (checks: ReturnType<typeof pf.rootChecks>, group: string) => {
    const r = await pf.runChecks(checks, data.ignorePreflightErrors, ctx, group);
    // kubeadm prints the warnings and errors on stderr as they are (no klog header).
    pf.writeOutput(r.output, { stdout: (s) => data.out(s), stderr: (s) => data.err(s) });
    if (r.failed) throw new KubestrapError(pf.PREFLIGHT_FAILED);
  };
  await run(pf.rootChecks(), "root");
  const j = data.join;
  const inputs = {
    kubernetesVersion: "",
    nodeName: data.nodeName(),
    criSocket: j.nodeRegistration.criSocket ?? "",
    caCertPath: j.caCertPath,
    discoveryAPIServerEndpoint: j.discovery.bootstrapToken?.apiServerEndpoint,
    controlPlane: data.controlPlane,
    downloadCerts: data.certificateKey !== "",
    advertiseAddress: j.controlPlane?.localAPIEndpoint.advertiseAddress,
    bindPort: j.controlPlane?.localAPIEndpoint.bindPort,
    dryRun: data.dryRun,
  };
  await run(pf.joinNodeChecks(inputs), "node");

  const init = await data.initCfg();
  if (!data.controlPlane) return;
  const cluster = init.cluster;
  let notReady: string | undefined;
  if (!cluster.controlPlaneEndpoint) {
    notReady =
      "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address";
  } else if (!data.certificateKey) {
    const certDir = cluster.certificatesDir ?? "/etc/kubernetes/pki";
    for (const f of sharedCertificates(certDir, !cluster.etcd.external)) {
      if (!(await data.realHost.exists(f))) {
        notReady = `couldn't load ${f}: open ${f}: no such file or directory`;
        break;
      }
    }
  }
  if (notReady) throw new KubestrapError(NOT_READY_TO_JOIN_CONTROL_PLANE(notReady));
  data.out(
    "[preflight] Running pre-flight checks before initializing the new control plane instance",
  );
  const cpInputs = {
    ...inputs,
    kubernetesVersion: cluster.kubernetesVersion ?? "",
    serviceSubnet: cluster.networking.serviceSubnet,
    podSubnet: cluster.networking.podSubnet,
    etcd: cluster.etcd.local ? { local: { dataDir: cluster.etcd.local.dataDir } } : undefined,
  };
  await run(pf.initNodeChecks(cpInputs, true, data.certificateKey !== ""), "node");
  if (data.dryRun) {
    data.out("[preflight] Would pull the required images (like 'kubeadm config images pull')");
    return;
  }
  data.out("[preflight] Pulling images required for setting up a Kubernetes cluster");
  data.out(
    "[preflight] This might take a minute or two, depending on the speed of your internet connection",
  );
  data.out(
    "[preflight] You can also perform this action beforehand using 'kubeadm config images pull'",
  );
  await run(pf.pullImagesChecks(cpInputs), "images");
}
