/**
 * Drop-in: command lines of the tools that drive kubeadm which need a live cluster, checked for
 * flag parsing only: each line, as the tool writes it, runs with `--help` appended under both
 * kubestrap installed as `kubeadm` and the real kubeadm v1.37.2. Both must accept every flag where
 * it stands and resolve the same command (exit code and usage line). Lines that fail early and
 * the same way without a cluster, or that need none, run for real and their outputs are compared.
 * The e2e suite runs the cluster ones against real clusters.
 */
import { assertEquals } from "../assert.ts";
import { present, runBoth, scratchWithKubeconfig } from "./helpers.ts";

/** `{F}`: a kubeadm configuration file. */
const PARSE_ONLY: { source: string; line: string }[] = [
  {
    source: "kubespray roles/kubernetes/control-plane/tasks/kubeadm-secondary.yml " +
      "(upload certificates before a control plane joins)",
    line: "kubeadm init phase --config {F} upload-certs --upload-certs",
  },
  {
    source:
      "kubespray roles/kubernetes/control-plane/tasks/kubeadm-secondary.yml (control-plane join)",
    line: "kubeadm join --config {F} --ignore-preflight-errors=all --skip-phases=",
  },
  {
    source: "kubespray roles/kubernetes/kubeadm/tasks/main.yml (worker join)",
    line: "kubeadm join --config {F} " +
      "--ignore-preflight-errors=DirAvailable--etc-kubernetes-manifests,all --skip-phases=",
  },
  {
    source: "kubespray roles/kubernetes/control-plane/tasks/kubeadm-secondary.yml (reset)",
    line: "kubeadm reset -f --cert-dir /etc/kubernetes/ssl",
  },
  {
    source: "issue 19: kubespray's token task with the kubeconfig before the subcommand",
    line: "kubeadm --kubeconfig /etc/kubernetes/admin.conf token create",
  },
  {
    source: "kinder (kubernetes/kubeadm kinder/pkg/cluster/manager/actions/kubeadm-join.go)",
    line: "kubeadm join --config={F} --v=6 --ignore-preflight-errors=all",
  },
  {
    source: "kinder kubeadm-join.go (join with phases)",
    line: "kubeadm join phase preflight --config={F} --v=6 --ignore-preflight-errors=all",
  },
  {
    source: "kinder kubeadm-join.go (join with phases)",
    line: "kubeadm join phase control-plane-prepare all --config={F} --v=6",
  },
  {
    source: "kinder kubeadm-join.go (join with phases)",
    line: "kubeadm join phase kubelet-start --config={F} --v=6",
  },
  {
    source: "kinder kubeadm-join.go (join with phases)",
    line: "kubeadm join phase control-plane-join all --config={F} --v=6",
  },
  {
    source: "kind's kubeadm init of the control-plane node (kind sources in the public code index)",
    line: "kubeadm init --skip-phases=preflight --config={F} --skip-token-print --v=6",
  },
  {
    source: "older kind's kubeadm init (kind sources in the public code index)",
    line: "kubeadm init --ignore-preflight-errors=all --config={F} --skip-token-print --v=6",
  },
  {
    source: "minikube pkg/minikube/bootstrapper/kubeadm/kubeadm.go (restartPrimaryControlPlane)",
    line: "kubeadm init phase certs all --config {F}",
  },
  {
    source: "minikube kubeadm.go (restartPrimaryControlPlane)",
    line: "kubeadm init phase kubeconfig all --config {F}",
  },
  {
    source: "minikube kubeadm.go (restartPrimaryControlPlane)",
    line: "kubeadm init phase kubelet-start --config {F}",
  },
  {
    source: "minikube kubeadm.go (restartPrimaryControlPlane)",
    line: "kubeadm init phase control-plane all --config {F}",
  },
  {
    source: "minikube kubeadm.go (restartPrimaryControlPlane)",
    line: "kubeadm init phase etcd local --config {F}",
  },
  {
    source: "minikube kubeadm.go (restartPrimaryControlPlane, addons)",
    line: "kubeadm init phase addon all --config {F}",
  },
  {
    source: "minikube kubeadm.go (DeleteCluster)",
    line: "kubeadm reset --cri-socket unix:///var/run/cri-dockerd.sock --force",
  },
  {
    source: "minikube kubeadm.go (JoinCluster: reset first)",
    line: "kubeadm reset -f",
  },
  {
    source: "minikube kubeadm.go (JoinCluster: the printed line, extra flags, --node-name)",
    line: "kubeadm join 10.9.8.7:8443 --token abcdef.0123456789abcdef " +
      "--discovery-token-ca-cert-hash sha256:" + "0".repeat(64) +
      " --ignore-preflight-errors=all --cri-socket unix:///run/containerd/containerd.sock " +
      "--node-name=m02",
  },
  {
    source: "pflag forms: the shorthands combined and attached",
    line: "kubeadm reset -f -v5",
  },
];

for (const c of PARSE_ONLY) {
  Deno.test({
    name: `flags: ${c.line} — ${c.source}`,
    ignore: !present,
    fn: async () => {
      const { dir } = await scratchWithKubeconfig();
      const line = c.line.replaceAll("{F}", `${dir}/kubeadm-config.yaml`);
      const runs = await runBoth(`${line} --help`);
      assertEquals(runs.kubestrap.code, runs.kubeadm.code, runs.kubestrap.stderr);
      assertEquals(runs.kubestrap.code, 0, runs.kubestrap.stderr);
      const usage = (s: string) => s.split("Usage:\n")[1]?.split("\n")[0];
      assertEquals(usage(runs.kubestrap.stdout), usage(runs.kubeadm.stdout));
      assertEquals(runs.kubestrap.stderr, runs.kubeadm.stderr);
    },
  });
}

/** Lines that need no cluster or fail before reaching one: outputs compared as they are. */
const FULL: { source: string; line: string }[] = [
  {
    source: "kubespray roles/kubernetes/kubeadm/tasks/main.yml (template validate: " +
      "`kubeadm config validate --config %s`)",
    line: "kubeadm config validate --config {F}",
  },
  {
    source: "issue 19: kubespray's token task, no admin.conf on this machine",
    line: "kubeadm --kubeconfig {DIR}/missing.conf token create",
  },
  {
    source: "kubespray's token task with the flag after the subcommand, no admin.conf",
    line: "kubeadm token create --kubeconfig {DIR}/missing.conf",
  },
  {
    source: "`kubeadm --kubeconfig=<admin.conf> token list` before the subcommand, no admin.conf",
    line: "kubeadm --kubeconfig={DIR}/missing.conf token list",
  },
  {
    source: "`-o=json` (issue 19 item 2) on another structured output: the image list tools pull",
    line: "kubeadm config images list -o=json --kubernetes-version v1.37.2",
  },
  {
    source: "`-oyaml` attached, `--kubernetes-version=` with =",
    line: "kubeadm config images list -oyaml --kubernetes-version=v1.37.2",
  },
  {
    source: "an unknown flag before the subcommand takes the next word as its value (cobra)",
    line: "kubeadm --bogus token list",
  },
  {
    source: "a flag of another command before the subcommand path (cobra: unknown flag)",
    line: "kubeadm init phase foo --config {F}",
  },
];

for (const c of FULL) {
  Deno.test({
    name: `flags: ${c.line} — ${c.source}`,
    ignore: !present,
    fn: async () => {
      const { dir } = await scratchWithKubeconfig();
      const line = c.line.replaceAll("{F}", `${dir}/kubeadm-config.yaml`).replaceAll("{DIR}", dir);
      const runs = await runBoth(line);
      assertEquals(runs.kubestrap.code, runs.kubeadm.code, runs.kubestrap.stderr);
      assertEquals(runs.kubestrap.stdout, runs.kubeadm.stdout);
      assertEquals(runs.kubestrap.stderr, runs.kubeadm.stderr);
    },
  });
}
