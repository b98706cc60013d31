import { examples } from "../../lib/cli.ts";
import { KubestrapError } from "../../lib/errors.ts";
import { DISCOVERY_FLAGS, MANIFEST_DIR } from "./data.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";

function controlPlanePreparePhaseFlags(name: string): string[] {
  switch (name) {
    case "all":
      return [
        "apiserver-advertise-address",
        "apiserver-bind-port",
        "config",
        "control-plane",
        "node-name",
        ...DISCOVERY_FLAGS,
        "certificate-key",
        "patches",
        "dry-run",
      ];
    case "download-certs":
    case "kubeconfig":
      return ["config", "control-plane", ...DISCOVERY_FLAGS, "certificate-key", "dry-run"];
    case "certs":
      return [
        "apiserver-advertise-address",
        "config",
        "control-plane",
        "node-name",
        ...DISCOVERY_FLAGS,
        "dry-run",
      ];
    case "control-plane":
      return [
        "apiserver-advertise-address",
        "apiserver-bind-port",
        "config",
        "control-plane",
        "patches",
        "dry-run",
      ];
    default:
      return [];
  }
}

/** `kubeadm join phase control-plane-prepare` (no run of its own) and its sub-phases. */
export const controlPlanePreparePhase: Phase<JoinData> = {
  name: "control-plane-prepare",
  short: "Prepare the machine for serving a control plane",
  example: examples(`
    # Prepares the machine for serving a control plane
    kubeadm join phase control-plane-prepare all
  `),
  phases: [
    {
      name: "all [api-server-endpoint]",
      short: "Prepare the machine for serving a control plane",
      inheritFlags: controlPlanePreparePhaseFlags("all"),
      runAllSiblings: true,
    },
    {
      name: "download-certs [api-server-endpoint]",
      short: "Download certificates shared among control-plane nodes from the kubeadm-certs Secret",
      run: runDownloadCerts,
      inheritFlags: controlPlanePreparePhaseFlags("download-certs"),
    },
    {
      name: "certs [api-server-endpoint]",
      short: "Generate the certificates for the new control plane components",
      run: runCerts,
      inheritFlags: controlPlanePreparePhaseFlags("certs"),
    },
    {
      name: "kubeconfig [api-server-endpoint]",
      short: "Generate the kubeconfig for the new control plane components",
      run: runKubeconfig,
      inheritFlags: controlPlanePreparePhaseFlags("kubeconfig"),
    },
    {
      name: "control-plane",
      short: "Generate the manifests for the new control plane components",
      run: runControlPlane,
      inheritFlags: controlPlanePreparePhaseFlags("control-plane"),
      args: { kind: "none" },
    },
  ],
};

async function runDownloadCerts(data: JoinData): Promise<void> {
  if (!data.controlPlane || !data.certificateKey) {
    data.debug("[download-certs] Skipping certs download");
    return;
  }
  const cfg = await data.initCfg();
  const { downloadCerts } = await import("../../lib/apiobjects/copycerts.ts");
  const client = await data.bootstrapClient();
  let files;
  try {
    const ext = cfg.cluster.etcd.external;
    files = await downloadCerts(
      client,
      {
        certificatesDir: cfg.cluster.certificatesDir ?? "/etc/kubernetes/pki",
        externalEtcd: ext
          ? { caFile: ext.caFile, certFile: ext.certFile, keyFile: ext.keyFile }
          : undefined,
      },
      data.certificateKey,
      data.out,
    );
  } catch (e) {
    // Every entry is decrypted before anything is written: a wrong key writes nothing.
    throw new KubestrapError(`error downloading certs: ${(e as Error).message}`);
  } finally {
    client.close();
  }
  for (const f of files) {
    await data.host.writeFile(f.path, f.data, { mode: f.mode, dirMode: 0o700 });
  }
}

async function runCerts(data: JoinData): Promise<void> {
  if (!data.controlPlane) return;
  const cfg = await data.initCfg();
  const { createPKIAssets } = await import("../../lib/pki/certs.ts");
  const { pkiInputsFromConfig } = await import("../../lib/pki/certlist.ts");
  const inputs = pkiInputsFromConfig(cfg);
  data.out(`[certs] Using certificateDir folder "${inputs.certificatesDir}"`);
  const r = await createPKIAssets(inputs, data.fs);
  for (const l of r.lines) data.out(l);
  for (const w of r.warnings) data.warn(w);
}

async function runKubeconfig(data: JoinData): Promise<void> {
  if (!data.controlPlane) return;
  const cfg = await data.initCfg();
  const { createJoinControlPlaneKubeconfigFiles, kubeconfigInputsFromConfig } = await import(
    "../../lib/kubeconfig/files.ts"
  );
  data.out("[kubeconfig] Generating kubeconfig files");
  data.out(`[kubeconfig] Using kubeconfig folder "/etc/kubernetes"`);
  try {
    const r = await createJoinControlPlaneKubeconfigFiles(
      kubeconfigInputsFromConfig(cfg),
      data.fs,
    );
    for (const l of r.lines) data.out(l);
    for (const w of r.warnings) data.warn(w);
  } catch (e) {
    throw new KubestrapError(`error generating kubeconfig files: ${(e as Error).message}`);
  }
}

async function runControlPlane(data: JoinData): Promise<void> {
  if (!data.controlPlane) return;
  const cfg = await data.initCfg();
  const { createControlPlaneManifest } = await import("../../lib/manifests/mod.ts");
  const { componentImages } = await import("../../lib/manifests/images.ts");
  data.out(`[control-plane] Using manifest folder "${MANIFEST_DIR}"`);
  for (
    const component of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const
  ) {
    await createControlPlaneManifest(data.host, cfg as never, component, {
      images: componentImages(cfg.cluster),
      manifestDir: MANIFEST_DIR,
      patchesDir: data.patchesDir,
      output: data.out,
      warn: data.warn,
    });
  }
}
