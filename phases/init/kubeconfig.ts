import * as path from "@std/path";
import { longDesc } from "../../lib/cli.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { InitData } from "./data.ts";

function kubeconfigPhaseFlags(name: string): string[] {
  const flags = [
    "apiserver-advertise-address",
    "control-plane-endpoint",
    "apiserver-bind-port",
    "cert-dir",
    "config",
    "kubeconfig-dir",
    "kubernetes-version",
    "dry-run",
  ];
  if (name === "all" || name === "kubelet.conf") flags.push("node-name");
  return flags;
}

function filePhase(
  fileName: string,
  name: string,
  short: string,
  long: string,
): Phase<InitData> {
  return {
    name,
    short,
    long: long.replace("%s", fileName),
    run: (data) => runKubeConfigFile(data, fileName),
    prefetch: (data) => prefetchKey(data, fileName),
    inheritFlags: kubeconfigPhaseFlags(fileName),
  };
}

/** `kubeadm init phase kubeconfig` and its sub-phases. */
export const kubeconfigPhase: Phase<InitData> = {
  name: "kubeconfig",
  writes: "kubeconfigDir",
  short:
    "Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file",
  phases: [
    {
      name: "all",
      short: "Generate all kubeconfig files",
      inheritFlags: kubeconfigPhaseFlags("all"),
      runAllSiblings: true,
    },
    filePhase(
      "admin.conf",
      "admin",
      "Generate a kubeconfig file for the admin to use and for kubeadm itself",
      "Generate the kubeconfig file for the admin and for kubeadm itself, and save it to %s file.",
    ),
    filePhase(
      "super-admin.conf",
      "super-admin",
      "Generate a kubeconfig file for the super-admin",
      "Generate a kubeconfig file for the super-admin, and save it to %s file.",
    ),
    filePhase(
      "kubelet.conf",
      "kubelet",
      "Generate a kubeconfig file for the kubelet to use *only* for cluster bootstrapping purposes",
      longDesc(`
        Generate the kubeconfig file for the kubelet to use and save it to %s file.

        Please note that this should *only* be used for cluster bootstrapping purposes. After your control plane is up,
        you should request all kubelet credentials from the CSR API.`),
    ),
    filePhase(
      "controller-manager.conf",
      "controller-manager",
      "Generate a kubeconfig file for the controller manager to use",
      "Generate the kubeconfig file for the controller manager to use and save it to %s file",
    ),
    filePhase(
      "scheduler.conf",
      "scheduler",
      "Generate a kubeconfig file for the scheduler to use",
      "Generate the kubeconfig file for the scheduler to use and save it to %s file.",
    ),
  ],
  run: runKubeConfig,
};

/**
 * The `kubeconfig` parent: reports the kubeconfig directory, and checks that every kubeconfig
 * file can be written before a sub-phase writes the first one.
 */
async function runKubeConfig(data: InitData): Promise<void> {
  data.out(`[kubeconfig] Using kubeconfig folder "${data.kubeconfigDir}"`);
  const { KUBECONFIG_FILES } = await import("../../lib/kubeconfig/files.ts");
  for (const f of KUBECONFIG_FILES) await data.fs.checkWritable?.(path.join(data.kubeconfigDir, f));
}

/**
 * Starts generating the client key of `fileName` when the file is missing (see the certs
 * phase's prefetchKey): the five keys are then made in parallel with the certificates' keys.
 */
async function prefetchKey(data: InitData, fileName: string): Promise<void> {
  if (data.externalCA) return;
  if (await data.fs.exists(path.join(data.kubeconfigDir, fileName))) return;
  const { primeKeyPool } = await import("../../lib/pki/keys.ts");
  primeKeyPool(data.kubeconfigInputs().encryptionAlgorithm ?? "RSA-2048", 1);
}

/** Writes one kubeconfig file (admin.conf, super-admin.conf, kubelet.conf, ...). */
async function runKubeConfigFile(data: InitData, fileName: string): Promise<void> {
  const { createKubeconfigFiles } = await import("../../lib/kubeconfig/files.ts");
  const result = await createKubeconfigFiles(data.kubeconfigInputs(), data.fs, {
    only: [fileName],
    externalCA: data.externalCA,
  });
  for (const w of result.warnings) data.warn(w);
  for (const line of result.lines) data.out(line);
}
