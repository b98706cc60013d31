/**
 * Run INSIDE host A (the first control plane): what kubeadm init's API phases create —
 * kubeadm:cluster-admins, kubeadm-config, kubelet-config, a bootstrap token with its RBAC and
 * cluster-info, kubeadm-certs (upload-certs), the kube-proxy addon (join reads its ConfigMap
 * with the bootstrap token) — through lib/apiobjects, because
 * phases/init/{upload-config,bootstrap-token,upload-certs,addon} are not implemented yet.
 *
 * Usage: deno run -A tests/join_e2e/seed_cluster.ts <input.json>
 * input: { token, certificateKey, server, clusterConfiguration, kubeletConfiguration,
 *   kubeProxyConfiguration }
 */
import { applyKubeProxy, kubeProxyImage } from "../../lib/apiobjects/addons/kubeproxy.ts";
import {
  applyBootstrapToken,
  ensureAdminClusterRoleBinding,
} from "../../lib/apiobjects/bootstraptoken.ts";
import { uploadCerts } from "../../lib/apiobjects/copycerts.ts";
import { applyKubeadmConfig, applyKubeletConfig } from "../../lib/apiobjects/uploadconfig.ts";
import { clientFromKubeconfig } from "../../lib/kube/kubeconfig.ts";
import { pinnedTransport } from "../../lib/discovery/transport.ts";
import { type KubeConfig, parseKubeConfig, toV1 } from "../../lib/kubeconfig/kubeconfig.ts";
import { parseToken } from "../../lib/tokens/token.ts";

interface Input {
  token: string;
  certificateKey: string;
  server: string;
  clusterConfiguration: string;
  kubeletConfiguration: string;
  kubeProxyConfiguration: string;
}

/** A CA-pinned client for the current context of `kc`, as join builds them. */
const pinnedClient = (kc: KubeConfig, retryTimeoutMs: number) =>
  clientFromKubeconfig({ doc: toV1(kc) }, { retryTimeoutMs, caTransport: pinnedTransport });

const input = JSON.parse(await Deno.readTextFile(Deno.args[0])) as Input;
const kc = (f: string) => parseKubeConfig(Deno.readFileSync(`/etc/kubernetes/${f}`));
const admin = await pinnedClient(kc("admin.conf"), 30_000);
const superAdmin = await pinnedClient(kc("super-admin.conf"), 30_000);
const log = (l: string) => console.log(l);
const opts = { timeoutMs: 30_000 };
try {
  const c = await ensureAdminClusterRoleBinding(admin, superAdmin, opts);
  await applyKubeadmConfig(c, input.clusterConfiguration, log, opts);
  await applyKubeletConfig(c, input.kubeletConfiguration, false, log, opts);
  await applyBootstrapToken(
    c,
    {
      tokens: [{
        token: parseToken(input.token),
        ttlMs: 3600_000,
        usages: ["signing", "authentication"],
        groups: ["system:bootstrappers:kubeadm:default-node-token"],
      }],
      clusterInfo: {
        server: input.server,
        caData: Deno.readTextFileSync("/etc/kubernetes/pki/ca.crt"),
      },
      skipTokenPrint: true,
    },
    log,
    opts,
  );
  await applyKubeProxy(
    c,
    {
      controlPlaneEndpointURL: input.server,
      kubeProxyConfigYAML: input.kubeProxyConfiguration,
      image: kubeProxyImage("registry.k8s.io", "v1.37.2"),
    },
    log,
    opts,
  );
  await uploadCerts(c, { certificatesDir: "/etc/kubernetes/pki" }, input.certificateKey, log, opts);
  console.log("SEEDED");
} finally {
  admin.close();
  superAdmin.close();
}
