import { KubestrapError } from "../../lib/errors.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";
import { formatDurationMs as goDuration } from "../../lib/util/duration.ts";
import { joinHostPort } from "../../lib/util/net.ts";

/** `kubeadm join phase wait-control-plane`. */
export const waitControlPlanePhase: Phase<JoinData> = {
  name: "wait-control-plane",
  short: "Wait for the control plane to start",
  run: runWaitControlPlane,
};

async function runWaitControlPlane(data: JoinData): Promise<void> {
  if (!data.controlPlane) return;
  const { UnhealthyError, waitForHealthy } = await import("../../lib/kube/health.ts");
  const ep = data.join.controlPlane!.localAPIEndpoint;
  const components = [
    {
      name: "kube-apiserver",
      url: `https://${joinHostPort(ep.advertiseAddress ?? "", ep.bindPort ?? 6443)}/livez`,
    },
    { name: "kube-controller-manager", url: "https://127.0.0.1:10257/healthz" },
    { name: "kube-scheduler", url: "https://127.0.0.1:10259/livez" },
  ];
  const timeout = data.timeouts.controlPlaneComponentHealthCheckMs;
  if (data.dryRun) {
    data.out("[dryrun] Would wait for the control plane components to be healthy");
    return;
  }
  data.out(
    `[control-plane-check] Waiting for healthy control plane components. This can take up to ${
      goDuration(timeout)
    }`,
  );
  const start = Date.now();
  const results = await Promise.all(components.map(async (c) => {
    data.out(`[control-plane-check] Checking ${c.name} at ${c.url}`);
    let last = "";
    try {
      const ms = await waitForHealthy(c.url, {
        insecureSkipTLSVerify: true,
        name: c.name,
        intervalMs: POLL_MS,
        timeoutMs: timeout - (Date.now() - start),
      });
      data.out(`[control-plane-check] ${c.name} is healthy after ${goDuration(ms)}`);
      return undefined;
    } catch (e) {
      if (!(e instanceof UnhealthyError)) throw e;
      last = e.last.error ?? "";
    }
    data.out(
      `[control-plane-check] ${c.name} is not healthy after ${goDuration(Date.now() - start)}`,
    );
    return `${c.name} check failed at ${c.url}: ${last}`;
  }));
  const errs = results.filter((r) => r !== undefined);
  if (errs.length > 0) {
    const cri = data.join.nodeRegistration.criSocket ?? "";
    data.out(
      "\nA control plane component may have crashed or exited when started by the container runtime.\n" +
        "To troubleshoot, list all containers using your preferred container runtimes CLI.\n" +
        "Here is one example how you may list all running Kubernetes containers by using crictl:\n" +
        `\t- 'crictl --runtime-endpoint ${cri} ps -a | grep kube | grep -v pause'\n` +
        "\tOnce you have found the failing container, you can inspect its logs with:\n" +
        `\t- 'crictl --runtime-endpoint ${cri} logs CONTAINERID'\n`,
    );
    throw new KubestrapError(
      `failed while waiting for the control plane to start: [${errs.join(", ")}]`,
    );
  }
}

/** Health probes every 200 ms (kubeadm: 500 ms), as init's wait-control-plane. */
const POLL_MS = 200;
