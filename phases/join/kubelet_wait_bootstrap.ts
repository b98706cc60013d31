import { KubestrapError } from "../../lib/errors.ts";
import { BOOTSTRAP_KUBELET_CONF, KUBELET_CONF } from "./data.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";
import { kubeletCheck, kubeletHealthzURL } from "../../lib/kube/health.ts";

/** `kubeadm join phase kubelet-wait-bootstrap`. */
export const kubeletWaitBootstrapPhase: Phase<JoinData> = {
  name: "kubelet-wait-bootstrap",
  short: "Wait for the kubelet to bootstrap itself",
  run: runKubeletWaitBootstrap,
  inheritFlags: ["config", "cri-socket", "dry-run"],
};

/** A kubelet.conf a client can be built from: it parses and its referenced files exist. */
async function kubeletConfUsable(data: JoinData): Promise<boolean> {
  const { parseKubeConfig, currentAuthInfo } = await import(
    "../../lib/kubeconfig/kubeconfig.ts"
  );
  const b = await data.host.readFile(KUBELET_CONF);
  if (!b) return false;
  try {
    const kc = parseKubeConfig(b);
    const u = currentAuthInfo(kc)?.user;
    if (!u) return false;
    for (const f of [u["client-certificate"], u["client-key"]]) {
      if (f && !(await data.host.exists(f))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * The kubelet's health and its kubelet.conf are checked every 200 ms (kubeadm: 500 ms and 1 s):
 * both are local and cheap, and the join ends that much sooner.
 */
const POLL_MS = 200;

async function runKubeletWaitBootstrap(data: JoinData): Promise<void> {
  if (data.dryRun) {
    data.out("[kubelet-wait] Would wait for the kubelet to be bootstrapped");
    return;
  }
  const init = await data.initCfg();
  try {
    const kc = init.componentConfigs.kubelet as Record<string, unknown>;
    const addr = (kc.healthzBindAddress as string | undefined) || "127.0.0.1";
    const port = (kc.healthzPort as number | undefined) ?? 10248;
    if (port === 0) {
      data.out(
        "[kubelet-check] Skipping the kubelet health check because the healthz port is set to 0",
      );
    } else {
      const url = kubeletHealthzURL(addr, port);
      try {
        await kubeletCheck((l) => data.out(l), url, {
          timeoutMs: data.timeouts.kubeletHealthCheckMs,
          intervalMs: POLL_MS,
        });
      } catch (e) {
        data.out((await import("../../lib/kubelet/mod.ts")).KUBELET_FAIL_MSG);
        throw new KubestrapError(
          `failed while waiting for the kubelet to start: ${(e as Error).message}`,
        );
      }
    }
    data.out("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap");
    const deadline = Date.now() + data.timeouts.tlsBootstrapMs;
    while (!(await kubeletConfUsable(data))) {
      if (Date.now() >= deadline) {
        data.out((await import("../../lib/kubelet/mod.ts")).KUBELET_FAIL_MSG);
        throw new KubestrapError(
          "failed while waiting for TLS bootstrap: context deadline exceeded",
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await data.host.remove(BOOTSTRAP_KUBELET_CONF);
  }
}
