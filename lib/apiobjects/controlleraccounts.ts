/**
 * The ServiceAccounts kube-controller-manager's controllers run as (beyond kubeadm).
 *
 * With kubeadm's `--use-service-account-credentials=true`, kube-controller-manager gives each
 * controller its own ServiceAccount in kube-system. On a new cluster it creates them itself, one
 * at a time while it builds its controllers (a GET, a GET of the namespace and a POST each),
 * through its own client limit of 20 requests per second, and starts no controller before the
 * last one: about 5 s on a fresh cluster, during which cluster-info gets no JWS signature and no
 * CSR is approved, so every join waits. kubestrap creates those same objects (name and namespace
 * only, as the controller-manager does) as soon as the API server is healthy; the
 * controller-manager then finds them with one GET each.
 *
 * Only where the list is known to be exactly what the controller-manager creates: its v1.37
 * manifest with kubeadm's `--controllers` and `--use-service-account-credentials`, and no
 * `--feature-gates` or `--cloud-provider` that could change the set of controllers. Anything else
 * leaves it all to the controller-manager, as kubeadm does. The list was read from a cluster the
 * real kubeadm v1.37.2 made, and tests/e2e and tests/init_api check it against the real
 * controller-manager.
 */
import { parse as parseYaml } from "yaml";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isNotFound } from "../kube/errors.ts";

/** kube-controller-manager v1.37's controller ServiceAccounts, for kubeadm's flags. */
export const CONTROLLER_ACCOUNTS_V1_37: readonly string[] = [
  "attachdetach-controller",
  "bootstrap-signer",
  "certificate-controller",
  "clusterrole-aggregation-controller",
  "cronjob-controller",
  "daemon-set-controller",
  "deployment-controller",
  "device-taint-eviction-controller",
  "disruption-controller",
  "endpoint-controller",
  "endpointslice-controller",
  "endpointslicemirroring-controller",
  "ephemeral-volume-controller",
  "expand-controller",
  "generic-garbage-collector",
  "horizontal-pod-autoscaler",
  "job-controller",
  "kube-apiserver-serving-clustertrustbundle-publisher",
  "legacy-service-account-token-cleaner",
  "namespace-controller",
  "node-controller",
  "persistent-volume-binder",
  "pod-garbage-collector",
  "podcertificaterequestcleaner",
  "pv-protection-controller",
  "pvc-protection-controller",
  "replicaset-controller",
  "replication-controller",
  "resource-claim-controller",
  "resourcequota-controller",
  "root-ca-cert-publisher",
  "service-account-controller",
  "service-cidrs-controller",
  "statefulset-controller",
  "storage-version-migrator-controller",
  "token-cleaner",
  "ttl-after-finished-controller",
  "ttl-controller",
  "validatingadmissionpolicy-status-controller",
  "volumeattributesclass-protection-controller",
];

/** kubeadm's `--controllers` for kube-controller-manager. */
const KUBEADM_CONTROLLERS = "*,bootstrapsigner,tokencleaner";

/** Flags that can change which controllers run. */
const CHANGING_FLAGS = ["feature-gates", "cloud-provider"];

export type AccountsPlan =
  | { accounts: readonly string[] }
  | { skip: string };

/**
 * Which ServiceAccounts to create for the controller-manager that the static Pod manifest
 * `manifestText` runs, or why none.
 */
export function controllerAccountsPlan(manifestText: string): AccountsPlan {
  // deno-lint-ignore no-explicit-any
  let pod: any;
  try {
    pod = parseYaml(manifestText);
  } catch {
    return { skip: "the kube-controller-manager manifest is not YAML" };
  }
  const container = pod?.spec?.containers?.[0];
  const command: unknown[] = Array.isArray(container?.command) ? container.command : [];
  const args: unknown[] = Array.isArray(container?.args) ? container.args : [];
  const flags = new Map<string, string>();
  for (const a of [...command, ...args]) {
    if (typeof a !== "string" || !a.startsWith("--")) continue;
    const eq = a.indexOf("=");
    flags.set(eq < 0 ? a.slice(2) : a.slice(2, eq), eq < 0 ? "true" : a.slice(eq + 1));
  }
  if (flags.get("use-service-account-credentials") !== "true") {
    return { skip: "--use-service-account-credentials is not true" };
  }
  if (flags.get("controllers") !== KUBEADM_CONTROLLERS) {
    return { skip: `--controllers is not kubeadm's ${KUBEADM_CONTROLLERS}` };
  }
  for (const f of CHANGING_FLAGS) {
    if (flags.has(f)) return { skip: `--${f} is set` };
  }
  const image = typeof container?.image === "string" ? container.image : "";
  const tag = /:v?(\d+)\.(\d+)\.\d+[^:/@]*(@sha256:[0-9a-f]+)?$/.exec(image);
  if (!tag) return { skip: `the image ${JSON.stringify(image)} names no version` };
  if (`${tag[1]}.${tag[2]}` !== "1.37") {
    return { skip: `the list is kube-controller-manager v1.37's, the image is ${image}` };
  }
  return { accounts: CONTROLLER_ACCOUNTS_V1_37 };
}

export interface AccountsResult {
  created: string[];
  existed: string[];
}

/**
 * Create the ServiceAccounts in kube-system, all at once; one that exists already (the
 * controller-manager was quicker, or a rerun) is left as it is. The namespace may not exist for a
 * moment after the API server turns healthy (the API server creates it): retried until
 * `timeoutMs`.
 */
export async function createControllerAccounts(
  client: KubeClient,
  accounts: readonly string[],
  opts: { timeoutMs: number },
): Promise<AccountsResult> {
  const deadline = performance.now() + opts.timeoutMs;
  const created: string[] = [];
  const existed: string[] = [];
  await Promise.all(accounts.map(async (name) => {
    while (true) {
      try {
        await client.create("serviceaccounts", {
          metadata: { name, namespace: "kube-system" },
        }, { retryTimeoutMs: Math.max(0, deadline - performance.now()) });
        created.push(name);
        return;
      } catch (e) {
        if (isAlreadyExists(e)) {
          existed.push(name);
          return;
        }
        // namespaces "kube-system" not found
        if (!isNotFound(e) || performance.now() + 200 > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }));
  created.sort();
  existed.sort();
  return { created, existed };
}
