import { KubestrapError } from "../../lib/errors.ts";
import { BOOTSTRAP_KUBELET_CONF, DISCOVERY_FLAGS, KUBELET_DIR, MANIFEST_DIR } from "./data.ts";
import type { Phase } from "../../lib/workflow.ts";
import type { JoinData } from "./data.ts";
import { joinHostPort } from "../../lib/util/net.ts";

/** `kubeadm join phase kubelet-start [api-server-endpoint]`. */
export const kubeletStartPhase: Phase<JoinData> = {
  name: "kubelet-start [api-server-endpoint]",
  short: "Write kubelet settings, certificates and (re)start the kubelet",
  long: "Write a file with KubeletConfiguration and an environment file with node specific " +
    "kubelet settings, and then (re)start kubelet.",
  run: runKubeletStart,
  inheritFlags: [
    "config",
    "cri-socket",
    "node-name",
    ...DISCOVERY_FLAGS,
    "patches",
    "dry-run",
  ],
};

async function runKubeletStart(data: JoinData): Promise<void> {
  const { serializeKubeConfig, currentCluster } = await import(
    "../../lib/kubeconfig/kubeconfig.ts"
  );
  const kubelet = await import("../../lib/kubelet/mod.ts");
  const { isNotFound } = await import("../../lib/kube/errors.ts");
  // Discovery and the cluster configuration come first: nothing is written before the
  // control plane was authenticated.
  const tlsCfg = await data.tlsBootstrapCfg();
  const init = await data.initCfg();
  const j = data.join;

  const bootstrap = structuredClone(tlsCfg);
  if (j.controlPlane) {
    const ep = j.controlPlane.localAPIEndpoint;
    for (const c of Object.values(bootstrap.clusters)) {
      c.server = `https://${joinHostPort(ep.advertiseAddress ?? "", ep.bindPort ?? 6443)}`;
    }
  }
  data.debug(`[kubelet-start] writing bootstrap kubelet config file at ${BOOTSTRAP_KUBELET_CONF}`);
  await data.host.writeFile(BOOTSTRAP_KUBELET_CONF, serializeKubeConfig(bootstrap), {
    mode: 0o600,
  });
  const caPath = j.caCertPath ?? "/etc/kubernetes/pki/ca.crt";
  if (!(await data.host.exists(caPath))) {
    const ca = currentCluster(tlsCfg).cluster["certificate-authority-data"];
    if (ca?.length) {
      data.debug(`[kubelet-start] writing CA certificate at ${caPath}`);
      await data.host.writeFile(caPath, ca, { mode: 0o644, dirMode: 0o700 });
    }
  }

  const nodeName = data.nodeName();
  data.debug(
    `[kubelet-start] Checking for an existing Node in the cluster with name "${nodeName}" and status "Ready"`,
  );
  const client = await data.bootstrapClient();
  try {
    const node = await client.get("nodes", nodeName);
    const conds = (node?.status?.conditions ?? []) as { type: string; status: string }[];
    if (conds.some((c) => c.type === "Ready" && c.status === "True")) {
      throw new KubestrapError(
        `a Node with name "${nodeName}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`,
      );
    }
  } catch (e) {
    if (e instanceof KubestrapError) throw e;
    if (!isNotFound(e)) {
      throw new KubestrapError(`cannot get Node "${nodeName}": ${(e as Error).message}`);
    }
  } finally {
    client.close();
  }

  const io = { output: data.out, warn: (s: string) => data.warn(s.replace(/\n$/, "")) };
  if (!data.dryRun) {
    await kubelet.tryStopKubelet(data.host, io);
    await kubelet.stopOwnKubelet(data.host);
  } else data.out("[kubelet-start] Would stop the kubelet");
  const opts = {
    kubeletDir: KUBELET_DIR,
    patchesDir: data.patchesDir,
    output: data.out,
    warn: io.warn,
    registerTaintsUsingFlags: !j.controlPlane,
    dryRun: data.dryRun,
  };
  await kubelet.writeInstanceConfig(data.host, j.nodeRegistration.criSocket ?? "", opts);
  await kubelet.writeKubeletConfig(data.host, init.componentConfigs.kubelet, opts);
  const args = await kubelet.writeKubeletFlagsEnv(data.host, j.nodeRegistration, opts);
  if (data.dryRun) {
    data.out("[kubelet-start] Would start the kubelet");
    await printFilesIfDryRunning(data);
    return;
  }
  data.out("[kubelet-start] Starting the kubelet");
  const { initSystem } = await kubelet.detectInitSystem(data.host);
  if (initSystem || data.host.root !== "/") {
    await kubelet.tryStartKubelet(data.host, { ...io, kubeadmArgs: args });
    return;
  }
  await startOwnKubelet(data, args);
}

/**
 * Without an init system kubestrap runs the kubelet itself (beyond kubeadm): the packaged
 * drop-in's command line, detached, its pid in KUBELET_PID_FILE for `reset`.
 */
async function startOwnKubelet(data: JoinData, args: string[]): Promise<void> {
  const kubelet = await import("../../lib/kubelet/mod.ts");
  const bin = Deno.env.get("KUBESTRAP_KUBELET") || await data.host.lookPath("kubelet");
  if (!bin) {
    await kubelet.tryStartKubelet(data.host, {
      output: data.out,
      warn: (s) => data.warn(s.replace(/\n$/, "")),
      kubeadmArgs: args,
    });
    return;
  }
  const argv = kubelet.kubeletCommandLine(args, bin).split(" ");
  const log = "/var/log/kubestrap-kubelet.log";
  await data.host.mkdirAll("/var/log");
  const child = data.host.spawn("/bin/sh", [
    "-c",
    `exec setsid "$@" >>${log} 2>&1 </dev/null`,
    "sh",
    ...argv,
  ]);
  child.unref();
  await data.host.writeFile(kubelet.KUBELET_PID_FILE, `${child.pid}\n`, { mode: 0o644 });
  data.out(
    `[kubelet-start] No supported init system detected: started the kubelet (pid ${child.pid}, log ${log})`,
  );
}

/**
 * kubeadm's dryrunutil.PrintFilesIfDryRunning after a dry-run kubelet-start: where the files went,
 * then the kubelet's config and flags files (and a control plane's static Pod manifests) under
 * the paths they would have had.
 */
async function printFilesIfDryRunning(data: JoinData): Promise<void> {
  const { printDryRunFiles } = await import("../../lib/dryrun/files.ts");
  const dir = data.dryRunDir ?? "";
  const manifests = data.controlPlane
    ? ["kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((c) =>
      `${MANIFEST_DIR}/${c}.yaml`
    )
    : [];
  data.out(
    data.controlPlane
      ? `[dryrun] Wrote certificates, kubeconfig files and control plane manifests to the "${dir}" directory`
      : `[dryrun] Wrote certificates and kubeconfig files to the "${dir}" directory`,
  );
  data.out(
    "[dryrun] The certificates or kubeconfig files would not be printed due to their sensitive nature",
  );
  data.out(
    `[dryrun] Please examine the "${dir}" directory for details about what would be written`,
  );
  const files = [...manifests, `${KUBELET_DIR}/config.yaml`, `${KUBELET_DIR}/kubeadm-flags.env`];
  try {
    await printDryRunFiles(data.host, files.map((real) => ({ real })), (s) => data.out(s));
  } catch (e) {
    throw new KubestrapError(`error printing files on dryrun: ${(e as Error).message}`);
  }
}
