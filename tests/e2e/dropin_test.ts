/**
 * Drop-in (issue 19): kubestrap installed as `kubeadm` under the tools that drive kubeadm, on a
 * real cluster. On the control plane, kubespray's token task
 * (`kubeadm --kubeconfig /etc/kubernetes/admin.conf token create`, stdout taken as the token) and
 * geerlingguy.kubernetes' / minikube's `kubeadm token create --print-join-command`; the worker then
 * joins by running the printed line as those tools do, with the flags they append
 * (minikube: --ignore-preflight-errors, --cri-socket, --node-name; the harness's kubelet cgroup
 * root through --patches, as geerlingguy's kubernetes_join_command_extra_opts would carry it).
 * Then kubespray's control-plane join: `kubeadm init phase --config F upload-certs --upload-certs`
 * on the first control plane (the certificate key is `stdout_lines[-1] | trim`), and
 * `kubeadm join --config F --ignore-preflight-errors=... --skip-phases=` on the second, with the
 * token from its token task and the CA hash computed as kubespray does.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { caCertHash, joinConfig } from "./cluster.ts";
import { cluster, E2E_IGNORE } from "./scenarios.ts";
import { runTool, toolError } from "./tools.ts";

const ignore = E2E_IGNORE;
const opts = { ignore, sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "e2e: drop-in: kubestrap as kubeadm; kubespray's token task, a worker joins through the " +
    "printed join line, kubespray's upload-certs and control-plane join",
  ...opts,
}, async () => {
  let token = "";
  let printed = "";
  let certificateKey = "";
  const r = await cluster({
    network: "e2e-di1",
    subnet: 8,
    cpTool: "kubestrap",
    joins: [{
      name: "w1",
      tool: "kubestrap",
      run: async (cp, node, logs) => {
        // kubespray roles/kubernetes/kubeadm/tasks/main.yml (issue 19: the kubeconfig first).
        const t = await runTool(cp, "kubestrap", [
          "kubeadm --kubeconfig /etc/kubernetes/admin.conf token create",
        ], { asKubeadmShell: true, logTo: `${logs}/cp1-token.log` });
        if (t.code !== 0) throw toolError(t);
        token = t.stdout;
        // geerlingguy/ansible-role-kubernetes tasks/main.yml; minikube GenerateToken (--ttl=0).
        const p = await runTool(cp, "kubestrap", [
          "kubeadm token create --print-join-command --ttl=0",
        ], { asKubeadmShell: true, logTo: `${logs}/cp1-print-join.log` });
        if (p.code !== 0) throw toolError(p);
        printed = p.stdout;
        const patches = `${node.host.root}/patches`;
        await Deno.mkdir(patches, { recursive: true });
        await Deno.writeTextFile(
          `${patches}/kubeletconfiguration.yaml`,
          `cgroupRoot: ${node.host.cgroupRoot}\n`,
        );
        // minikube: strings.TrimSpace(out) + " --ignore-preflight-errors=..." + " --cri-socket ..."
        // + " --node-name=..."; run with bash -c on the worker where only `kubeadm` exists.
        const line = `${printed.trim()} --ignore-preflight-errors=SystemVerification ` +
          `--cri-socket ${node.criSocket} --node-name=${node.name} --patches ${patches}`;
        return await runTool(node, "kubestrap", [line], {
          asKubeadmShell: true,
          logTo: `${logs}/w1-join.log`,
        });
      },
    }, {
      name: "cp2",
      tool: "kubestrap",
      controlPlane: true,
      run: async (cp, node, logs) => {
        // kubespray roles/kubernetes/control-plane/tasks/kubeadm-secondary.yml.
        const u = await runTool(cp, "kubestrap", [
          `kubeadm init phase --config ${cp.host.root}/e2e.yaml upload-certs --upload-certs`,
        ], { asKubeadmShell: true, logTo: `${logs}/cp1-upload-certs.log` });
        if (u.code !== 0) throw toolError(u);
        const lines = u.stdout.split("\n");
        if (lines[lines.length - 1] === "") lines.pop();
        certificateKey = lines[lines.length - 1].trim();
        const file = `${node.host.root}/kubeadm-controlplane.yaml`;
        await Deno.writeTextFile(
          file,
          joinConfig(node, {
            apiServer: `${cp.ip}:6443`,
            token: token.trim(),
            caCertHash: await caCertHash(cp),
            certificateKey,
          }),
        );
        const j = await runTool(node, "kubestrap", [
          `kubeadm join --config ${file} --ignore-preflight-errors=SystemVerification --skip-phases=`,
        ], { asKubeadmShell: true, logTo: `${logs}/cp2-join.log` });
        return j;
      },
    }],
  });
  console.log(r.timings, `\n${r.nodes}`);
  // kubespray: kubeadm_token = stdout.
  assertMatch(token, /^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
  // The printed line names kubeadm (kubestrap was invoked as kubeadm).
  assertMatch(
    printed,
    /^kubeadm join 10\.210\.8\.11:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \n$/,
  );
  const ready = r.nodes.split("\n").slice(1).filter((l) => / Ready /.test(l)).map((l) =>
    l.split(" ")[0]
  ).sort();
  assertEquals(ready, ["cp1", "cp2", "w1"]);
  assert(r.runs.length === 3, "init and the joins");
  // kubespray: kubeadm_certificate_key = stdout_lines[-1] | trim.
  assertMatch(certificateKey, /^[0-9a-f]{64}$/);
  // Two stacked etcd members (cluster() lists them when a control plane joins).
  const members = r.etcdMembers ?? "";
  assertEquals(members.split("\n").filter((l) => l.includes(", started, ")).length, 2, members);
});
