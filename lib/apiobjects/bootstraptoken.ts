/**
 * bootstrap-token phase (phases/bootstraptoken/{node,clusterinfo}) and the
 * `kubeadm:cluster-admins` binding (phases/kubeconfig EnsureAdminClusterRoleBinding).
 */

import type { KubeClient, KubeObject } from "../kube/client.ts";
import { isAlreadyExists, isForbidden } from "../kube/errors.ts";
import { createOrUpdate, type PollOptions, pollUntil } from "../kube/idempotency.ts";
import { updateOrCreateTokens } from "../tokens/secrets.ts";
import { type BootstrapToken, tokenString } from "../tokens/token.ts";
import {
  ANONYMOUS_USER,
  APISERVER_KUBELET_CLIENT_CN,
  BOOTSTRAP_SIGNER_CLUSTERINFO_ROLE,
  CLUSTER_ADMINS_GROUP_AND_CRB,
  CLUSTER_INFO_CONFIGMAP,
  CLUSTER_INFO_KUBECONFIG_KEY,
  CSR_AUTO_APPROVAL_CLUSTER_ROLE,
  GET_NODES_CLUSTER_ROLE,
  KUBELET_API_ADMIN_CLUSTER_ROLE,
  KUBELET_API_ADMIN_CRB,
  NAMESPACE_PUBLIC,
  NODE_AUTO_APPROVE_BOOTSTRAP_CRB,
  NODE_AUTO_APPROVE_CERT_ROTATION_CRB,
  NODE_BOOTSTRAP_TOKEN_AUTH_GROUP,
  NODE_BOOTSTRAPPER_CLUSTER_ROLE,
  NODE_KUBELET_BOOTSTRAP_CRB,
  NODE_SELF_CSR_AUTO_APPROVAL_CLUSTER_ROLE,
  NODES_GROUP,
} from "./constants.ts";
import {
  clusterRole,
  clusterRoleBinding,
  getOneRule,
  group,
  role,
  roleBinding,
  user,
} from "./rbac.ts";
import type { ConfigMapObject } from "./uploadconfig.ts";
import { type Log, silent } from "./util.ts";
import { toBase64 } from "../util/bytes.ts";
import { marshalGoYAML } from "../util/goyaml.ts";

/** ClusterRole `kubeadm:get-nodes`: get nodes. */
export function getNodesClusterRole(): KubeObject {
  return clusterRole(GET_NODES_CLUSTER_ROLE, [
    { verbs: ["get"], apiGroups: [""], resources: ["nodes"] },
  ]);
}

/** ClusterRoleBinding `kubeadm:get-nodes` → the default node token group. */
export function getNodesClusterRoleBinding(): KubeObject {
  return clusterRoleBinding(GET_NODES_CLUSTER_ROLE, GET_NODES_CLUSTER_ROLE, [
    group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP),
  ]);
}

/** `kubeadm:kubelet-bootstrap` → system:node-bootstrapper for the default node token group. */
export function kubeletBootstrapClusterRoleBinding(): KubeObject {
  return clusterRoleBinding(NODE_KUBELET_BOOTSTRAP_CRB, NODE_BOOTSTRAPPER_CLUSTER_ROLE, [
    group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP),
  ]);
}

/** `kubeadm:node-autoapprove-bootstrap` → ...:nodeclient for the default node token group. */
export function nodeAutoApproveBootstrapClusterRoleBinding(): KubeObject {
  return clusterRoleBinding(NODE_AUTO_APPROVE_BOOTSTRAP_CRB, CSR_AUTO_APPROVAL_CLUSTER_ROLE, [
    group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP),
  ]);
}

/** `kubeadm:node-autoapprove-certificate-rotation` → ...:selfnodeclient for system:nodes. */
export function nodeAutoApproveCertificateRotationClusterRoleBinding(): KubeObject {
  return clusterRoleBinding(
    NODE_AUTO_APPROVE_CERT_ROTATION_CRB,
    NODE_SELF_CSR_AUTO_APPROVAL_CLUSTER_ROLE,
    [group(NODES_GROUP)],
  );
}

/** `kubeadm:apiserver-kubelet-client` → system:kubelet-api-admin for User kube-apiserver-kubelet-client. */
export function apiServerKubeletClientClusterRoleBinding(): KubeObject {
  return clusterRoleBinding(KUBELET_API_ADMIN_CRB, KUBELET_API_ADMIN_CLUSTER_ROLE, [
    user(APISERVER_KUBELET_CLIENT_CN),
  ]);
}

/** `kubeadm:cluster-admins` → cluster-admin for Group kubeadm:cluster-admins (admin.conf's O). */
export function clusterAdminsClusterRoleBinding(): KubeObject {
  return clusterRoleBinding(CLUSTER_ADMINS_GROUP_AND_CRB, "cluster-admin", [
    group(CLUSTER_ADMINS_GROUP_AND_CRB),
  ]);
}

/** The cluster entry copied from admin.conf into cluster-info. */
export interface ClusterInfoInput {
  /** e.g. "https://10.0.0.1:6443" */
  server: string;
  /** PEM CA bundle (stored base64 as certificate-authority-data). */
  caData: string;
  /** Optional fields of the admin.conf cluster entry, carried over as kubeadm does. */
  tlsServerName?: string;
  proxyURL?: string;
  insecureSkipTLSVerify?: boolean;
  disableCompression?: boolean;
}

/**
 * The `kubeconfig` value of cluster-info, byte for byte as clientcmd.Write (client-go
 * v0.37.2) writes a config holding only the admin cluster under the name "".
 */
export function clusterInfoKubeconfig(input: ClusterInfoInput): string {
  const cluster: Record<string, unknown> = {
    "certificate-authority-data": toBase64(input.caData),
    server: input.server,
  };
  if (input.disableCompression) cluster["disable-compression"] = true;
  if (input.insecureSkipTLSVerify) cluster["insecure-skip-tls-verify"] = true;
  if (input.proxyURL) cluster["proxy-url"] = input.proxyURL;
  if (input.tlsServerName) cluster["tls-server-name"] = input.tlsServerName;
  return marshalGoYAML({
    apiVersion: "v1",
    clusters: [{ cluster, name: "" }],
    contexts: null,
    "current-context": "",
    kind: "Config",
    users: null,
  });
}

/** ConfigMap `kube-public/cluster-info` with the `kubeconfig` key. */
export function clusterInfoConfigMap(kubeconfig: string): ConfigMapObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: CLUSTER_INFO_CONFIGMAP, namespace: NAMESPACE_PUBLIC },
    data: { [CLUSTER_INFO_KUBECONFIG_KEY]: kubeconfig },
  };
}

/** Role `kube-public/kubeadm:bootstrap-signer-clusterinfo`: get configmaps/cluster-info. */
export function clusterInfoRole(): KubeObject {
  return role(NAMESPACE_PUBLIC, BOOTSTRAP_SIGNER_CLUSTERINFO_ROLE, [
    getOneRule("configmaps", CLUSTER_INFO_CONFIGMAP),
  ]);
}

/** RoleBinding `kubeadm:bootstrap-signer-clusterinfo` → User system:anonymous. */
export function clusterInfoRoleBinding(): KubeObject {
  return roleBinding(
    NAMESPACE_PUBLIC,
    BOOTSTRAP_SIGNER_CLUSTERINFO_ROLE,
    BOOTSTRAP_SIGNER_CLUSTERINFO_ROLE,
    [user(ANONYMOUS_USER)],
  );
}

/** What the bootstrap-token phase needs. */
export interface BootstrapTokenPhaseInput {
  tokens: BootstrapToken[];
  clusterInfo: ClusterInfoInput;
  /** Do not print the token(s) (`--skip-token-print`). */
  skipTokenPrint?: boolean;
}

function wrap(prefix: string, e: unknown): Error {
  return new Error(`${prefix}: ${(e as Error).message}`, { cause: e });
}

/**
 * kubeadm's runBootstrapToken, in its order and with its output lines: tokens
 * (update-or-create), get-nodes RBAC, post-CSR RBAC, auto-approve RBAC, rotation RBAC,
 * apiserver-kubelet-client RBAC, cluster-info ConfigMap and its RBAC.
 */
export async function applyBootstrapToken(
  client: KubeClient,
  input: BootstrapTokenPhaseInput,
  log: Log = silent,
  opts: PollOptions = {},
): Promise<void> {
  if (!input.skipTokenPrint) {
    const ts = input.tokens.map((t) => tokenString(t.token));
    if (ts.length === 1) log(`[bootstrap-token] Using token: ${ts[0]}`);
    else if (ts.length > 1) log(`[bootstrap-token] Using tokens: [${ts.join(" ")}]`);
  }
  log("[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles");
  try {
    await updateOrCreateTokens(client, false, input.tokens, opts);
  } catch (e) {
    throw wrap("error updating or creating token", e);
  }
  log("[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes");
  try {
    await createOrUpdate(client, "clusterroles", getNodesClusterRole(), opts);
    await createOrUpdate(client, "clusterrolebindings", getNodesClusterRoleBinding(), opts);
  } catch (e) {
    throw wrap("error allowing bootstrap tokens to get Nodes", e);
  }
  log(
    "[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials",
  );
  try {
    await createOrUpdate(client, "clusterrolebindings", kubeletBootstrapClusterRoleBinding(), opts);
  } catch (e) {
    throw wrap("error allowing bootstrap tokens to post CSRs", e);
  }
  log(
    "[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token",
  );
  try {
    await createOrUpdate(
      client,
      "clusterrolebindings",
      nodeAutoApproveBootstrapClusterRoleBinding(),
      opts,
    );
  } catch (e) {
    throw wrap("error auto-approving node bootstrap tokens", e);
  }
  log(
    "[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster",
  );
  await createOrUpdate(
    client,
    "clusterrolebindings",
    nodeAutoApproveCertificateRotationClusterRoleBinding(),
    opts,
  );
  log(
    "[bootstrap-token] Configured RBAC rules to allow the API server kubelet client certificate to access the kubelet API",
  );
  try {
    await createOrUpdate(
      client,
      "clusterrolebindings",
      apiServerKubeletClientClusterRoleBinding(),
      opts,
    );
  } catch (e) {
    throw wrap("error allowing API server to access kubelet API", e);
  }
  log(
    `[bootstrap-token] Creating the "${CLUSTER_INFO_CONFIGMAP}" ConfigMap in the "${NAMESPACE_PUBLIC}" namespace`,
  );
  try {
    await createOrUpdate(
      client,
      "configmaps",
      clusterInfoConfigMap(clusterInfoKubeconfig(input.clusterInfo)),
      opts,
    );
  } catch (e) {
    throw wrap("error creating bootstrap ConfigMap", e);
  }
  try {
    await createOrUpdate(client, "roles", clusterInfoRole(), opts);
    await createOrUpdate(client, "rolebindings", clusterInfoRoleBinding(), opts);
  } catch (e) {
    throw wrap("error creating clusterinfo RBAC rules", e);
  }
}

/**
 * The RBAC rules of bootstrap tokens and cluster-info, as `upgrade apply` re-applies them
 * (kubeadm's runBootstrapToken of upgrade/apply): every rule is tried; the errors come back
 * together (utilerrors.NewAggregate), none when all went in.
 */
export async function applyBootstrapTokenRBAC(
  client: KubeClient,
  opts: PollOptions = {},
): Promise<string[]> {
  const steps: [string, () => Promise<void>][] = [
    ["error allowing bootstrap tokens to get Nodes", async () => {
      await createOrUpdate(client, "clusterroles", getNodesClusterRole(), opts);
      await createOrUpdate(client, "clusterrolebindings", getNodesClusterRoleBinding(), opts);
    }],
    [
      "error allowing bootstrap tokens to post CSRs",
      () =>
        createOrUpdate(client, "clusterrolebindings", kubeletBootstrapClusterRoleBinding(), opts),
    ],
    ["error auto-approving node bootstrap tokens", () =>
      createOrUpdate(
        client,
        "clusterrolebindings",
        nodeAutoApproveBootstrapClusterRoleBinding(),
        opts,
      )],
    ["", () =>
      createOrUpdate(
        client,
        "clusterrolebindings",
        nodeAutoApproveCertificateRotationClusterRoleBinding(),
        opts,
      )],
    ["error allowing API server to access kubelet API", () =>
      createOrUpdate(
        client,
        "clusterrolebindings",
        apiServerKubeletClientClusterRoleBinding(),
        opts,
      )],
    ["error creating clusterinfo RBAC rules", async () => {
      await createOrUpdate(client, "roles", clusterInfoRole(), opts);
      await createOrUpdate(client, "rolebindings", clusterInfoRoleBinding(), opts);
    }],
  ];
  const errs: string[] = [];
  for (const [prefix, step] of steps) {
    try {
      await step();
    } catch (e) {
      errs.push(prefix ? `${prefix}: ${(e as Error).message}` : (e as Error).message);
    }
  }
  return errs;
}

/**
 * kubeadm's EnsureAdminClusterRoleBindingImpl: try to create `kubeadm:cluster-admins`
 * with the admin.conf client; Forbidden means admin.conf is not yet authorized, so create
 * it with the super-admin.conf client. Returns the client that is authorized (admin).
 */
export async function ensureAdminClusterRoleBinding(
  adminClient: KubeClient,
  superAdminClient: KubeClient | undefined,
  opts: PollOptions = {},
): Promise<KubeClient> {
  const crb = clusterAdminsClusterRoleBinding();
  let exists = false;
  await pollUntil(`ClusterRoleBinding ${CLUSTER_ADMINS_GROUP_AND_CRB}`, async () => {
    try {
      await adminClient.create("clusterrolebindings", crb, { retry: false });
      exists = true;
    } catch (e) {
      if (isForbidden(e)) return true;
      if (isAlreadyExists(e)) {
        exists = true;
        return true;
      }
      throw new Error(`unable to create ClusterRoleBinding: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return true;
  }, opts);
  if (exists) return adminClient;
  if (!superAdminClient) {
    throw new Error(
      `the ClusterRoleBinding for the ${CLUSTER_ADMINS_GROUP_AND_CRB} Group is missing but there is no super-admin.conf to create it`,
    );
  }
  try {
    await pollUntil(`ClusterRoleBinding ${CLUSTER_ADMINS_GROUP_AND_CRB}`, async () => {
      try {
        await superAdminClient.create("clusterrolebindings", crb, { retry: false });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      return true;
    }, opts);
  } catch (e) {
    throw new Error(
      `unable to create the ${CLUSTER_ADMINS_GROUP_AND_CRB} ClusterRoleBinding by using super-admin.conf: ${
        (e as Error).message
      }`,
      { cause: e },
    );
  }
  return adminClient;
}
