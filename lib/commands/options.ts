/** kubeadm's shared flag definitions (cmd/kubeadm/app/cmd/options and friends). */
import type { FlagSpec } from "../cli.ts";
import { ADMIN_KUBECONFIG_PATH } from "../config/constants.ts";

export function kubeconfigFlag(): FlagSpec {
  return {
    name: "kubeconfig",
    type: "string",
    default: ADMIN_KUBECONFIG_PATH,
    usage:
      "The kubeconfig file to use when talking to the cluster. If the flag is not set, a set " +
      "of standard locations can be searched for an existing kubeconfig file.",
  };
}

export function kubeconfigDirFlag(): FlagSpec {
  return {
    name: "kubeconfig-dir",
    type: "string",
    default: "/etc/kubernetes",
    usage: "The path where to save the kubeconfig file.",
  };
}

export function configFlag(): FlagSpec {
  return { name: "config", type: "string", usage: "Path to a kubeadm configuration file." };
}

export function ignorePreflightErrorsFlag(): FlagSpec {
  return {
    name: "ignore-preflight-errors",
    type: "strings",
    usage: "A list of checks whose errors will be shown as warnings. Example: " +
      "'IsPrivilegedUser,Swap'. Value 'all' ignores errors from all checks.",
  };
}

export function criSocketFlag(): FlagSpec {
  return {
    name: "cri-socket",
    type: "string",
    usage: "Path to the CRI socket to connect. If empty kubeadm will try to auto-detect this " +
      "value; use this option only if you have more than one CRI installed or if you have " +
      "non-standard CRI socket.",
  };
}

export function patchesFlag(): FlagSpec {
  return {
    name: "patches",
    type: "string",
    usage: `Path to a directory that contains files named ` +
      `"target[suffix][+patchtype].extension". For example, ` +
      `"kube-apiserver0+merge.yaml" or just "etcd.json". ` +
      `"target" can be one of "kube-apiserver", "kube-controller-manager", "kube-scheduler", ` +
      `"etcd", "kubeletconfiguration", "corednsdeployment", "kubeproxydaemonset". ` +
      `"patchtype" can be one of "strategic", "merge" or "json" and they match the patch ` +
      `formats supported by kubectl. The default "patchtype" is "strategic". "extension" must ` +
      `be either "json" or "yaml". "suffix" is an optional string that can be used to ` +
      `determine which patches are applied first alpha-numerically.`,
  };
}

export function imageRepositoryFlag(): FlagSpec {
  return {
    name: "image-repository",
    type: "string",
    default: "registry.k8s.io",
    usage: "Choose a container registry to pull control plane images from",
  };
}

export function kubernetesVersionFlag(): FlagSpec {
  return {
    name: "kubernetes-version",
    type: "string",
    default: "stable-1",
    usage: "Choose a specific Kubernetes version for the control plane.",
  };
}

/** kubeadm's InitFeatureGates as listed by KnownFeatures. */
const KNOWN_FEATURES = ["RootlessControlPlane=true|false (ALPHA - default=false)"];

export function featureGatesFlag(): FlagSpec {
  return {
    name: "feature-gates",
    type: "string",
    usage: "A set of key=value pairs that describe feature gates for various features. " +
      "Options are:\n" + KNOWN_FEATURES.join("\n"),
  };
}

export function dryRunFlag(usage: string): FlagSpec {
  return { name: "dry-run", type: "bool", usage };
}

export const DRY_RUN_USAGE = "Don't apply any changes; just output what would be done.";

/** kubestrap only: the air-gapped install path's --offline (init, join, config images, bundle). */
export function offlineFlag(): FlagSpec {
  return {
    name: "offline",
    type: "bool",
    usage: "kubestrap only: no network use beyond the cluster's own endpoints (no version " +
      "look-ups, no image pulls); images must already be in the container runtime (see " +
      "'kubestrap bundle import') and missing ones are listed before anything is written",
  };
}

/** kubeadm's output.NewOutputFlags(...).WithDefaultOutput("text").AddFlags. */
export function outputFlags(): FlagSpec[] {
  return [
    {
      name: "show-managed-fields",
      type: "bool",
      usage: "If true, keep the managedFields when printing objects in JSON or YAML format.",
    },
    {
      name: "allow-missing-template-keys",
      type: "bool",
      default: true,
      usage: "If true, ignore any errors in templates when a field or map key is missing in the " +
        "template. Only applies to golang and jsonpath output formats.",
    },
    {
      name: "output",
      short: "o",
      type: "string",
      default: "text",
      usage: "Output format. One of: text|json|yaml|kyaml|go-template|go-template-file|template|" +
        "templatefile|jsonpath|jsonpath-as-json|jsonpath-file.",
    },
  ];
}
