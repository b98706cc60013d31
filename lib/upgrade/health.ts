/**
 * The cluster health checks an upgrade runs first (kubeadm's app/phases/upgrade/health.go
 * CheckClusterHealth): the cluster can run a workload (a Job of the pause image completes),
 * every control-plane Node is Ready, and the static Pod manifests are on disk. They run
 * through the preflight runner, so `--ignore-preflight-errors=CreateJob,...` applies.
 */
import type { ClusterConfiguration } from "../config/types.ts";
import { pauseImage } from "../config/images.ts";
import type { Host } from "../host.ts";
import type { KubeClient, KubeList, KubeObject } from "../kube/client.ts";
import type { Checker, CheckResult } from "../preflight/types.ts";
import { CONTROL_PLANE } from "./staticpods.ts";

const JOB_PREFIX = "upgrade-health-check";
const TIMEOUT_MS = 60_000;
const MARGIN_MS = 5_000;
/** kubeadm polls every second; a Job of the pause image completes within a few. */
const POLL_MS = 500;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** wait.PollUntilContextTimeout(immediate) over `fn`; returns false when the time is up. */
async function poll(timeoutMs: number, fn: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (await fn()) return true;
    if (Date.now() + POLL_MS > deadline) return false;
    await sleep(POLL_MS);
  }
}

const ok = (): CheckResult => ({ warnings: [], errors: [] });
const fail = (e: string): CheckResult => ({ warnings: [], errors: [e] });

/** The Job kubeadm creates (health.go createJob). */
function healthCheckJob(name: string, cluster: ClusterConfiguration): KubeObject {
  const seconds = (TIMEOUT_MS + MARGIN_MS) / 1000;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "kube-system" },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: seconds,
      activeDeadlineSeconds: seconds,
      template: {
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsUser: 999, runAsGroup: 999, runAsNonRoot: true },
          tolerations: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
          containers: [{ name: JOB_PREFIX, image: pauseImage(cluster), args: ["-v"] }],
        },
      },
    },
  };
}

interface NodeLike {
  metadata?: { name?: string };
  status?: { conditions?: { type?: string; status?: string }[] };
}

/** The checks of CheckClusterHealth. `warn` gets kubeadm's klog warnings. */
export function clusterHealthChecks(opts: {
  client: KubeClient;
  cluster: ClusterConfiguration;
  host: Host;
  manifestDir: string;
  dryRun: boolean;
  out: (line: string) => void;
  /** A klog warning from kubeadm's source position `at`. */
  warn: (at: string, msg: string) => void;
}): Checker[] {
  const { client } = opts;
  const createJob: Checker = {
    name: "CreateJob",
    expected: "a Job of the pause image completes in kube-system",
    async check() {
      let nodes: KubeList<NodeLike> | undefined;
      let last = "";
      await poll(TIMEOUT_MS, async () => {
        try {
          nodes = await client.list<NodeLike>("nodes", {
            fieldSelector: "spec.unschedulable=false",
            query: { limit: "1" },
            retry: false,
          });
          return true;
        } catch (e) {
          last = (e as Error).message;
          return false;
        }
      });
      if (!nodes) {
        return fail(
          `could not check if there is at least one Node that can schedule a test Pod: ${last}`,
        );
      }
      if (nodes.items.length === 0) {
        opts.warn(
          "health.go:134",
          'The preflight check "CreateJob" was skipped because there are no schedulable Nodes in the cluster.',
        );
        return ok();
      }
      const name = `${JOB_PREFIX}-${Date.now()}`;
      const job = healthCheckJob(name, opts.cluster);
      const created = await poll(TIMEOUT_MS, async () => {
        try {
          await client.create("jobs", job, { retry: false });
          return true;
        } catch (e) {
          last = (e as Error).message;
          return false;
        }
      });
      if (!created) {
        return fail(`could not create Job "${name}" in the namespace "kube-system": ${last}`);
      }
      const done = await poll(TIMEOUT_MS, async () => {
        try {
          const j = await client.get("jobs", name, "kube-system", { retry: false });
          if ((j.status?.conditions ?? []).some((c: { type?: string }) => c.type === "Complete")) {
            return true;
          }
          last = "no condition of type Complete";
        } catch (e) {
          last = (e as Error).message;
        }
        return false;
      });
      if (!done) {
        return fail(
          `Job "${name}" in the namespace "kube-system" did not complete in 1m0s: ${last}`,
        );
      }
      return ok();
    },
  };
  const nodesReady: Checker = {
    name: "ControlPlaneNodesReady",
    expected: "every control-plane Node is Ready",
    async check() {
      let nodes: KubeList<NodeLike>;
      try {
        nodes = await client.list<NodeLike>("nodes", {
          labelSelector: "node-role.kubernetes.io/control-plane=",
        });
      } catch (e) {
        return fail(
          `could not list nodes labeled with "node-role.kubernetes.io/control-plane": ${
            (e as Error).message
          }`,
        );
      }
      const notReady = nodes.items.filter((n) =>
        (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status !== "True")
      ).map((n) => n.metadata?.name ?? "");
      if (notReady.length > 0) {
        return fail(`there are NotReady control-planes in the cluster: [${notReady.join(" ")}]`);
      }
      return ok();
    },
  };
  const manifests: Checker = {
    name: "StaticPodManifest",
    expected: "the control plane's static Pod manifests exist",
    async check() {
      const missing: string[] = [];
      for (const c of CONTROL_PLANE) {
        const file = `${opts.manifestDir}/${c}.yaml`;
        if (opts.dryRun) {
          opts.out(`[dryrun] would check if ${file} exists`);
          continue;
        }
        if (!(await opts.host.exists(file))) missing.push(file);
      }
      if (missing.length > 0) return fail(`manifest files not found: [${missing.join(" ")}]`);
      return ok();
    },
  };
  return [createJob, nodesReady, manifests];
}
