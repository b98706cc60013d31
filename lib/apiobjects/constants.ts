/** Names kubeadm v1.37.2 uses for the API objects it creates (cmd/kubeadm/app/constants). */

export const NAMESPACE_SYSTEM = "kube-system";
export const NAMESPACE_PUBLIC = "kube-public";

/** `system:nodes` */
export const NODES_GROUP = "system:nodes";
export { NODE_BOOTSTRAP_TOKEN_AUTH_GROUP } from "../config/constants.ts";
/** `system:anonymous` */
export const ANONYMOUS_USER = "system:anonymous";

export const KUBEADM_CONFIG_CONFIGMAP = "kubeadm-config";
export const CLUSTER_CONFIGURATION_KEY = "ClusterConfiguration";
export const NODES_KUBEADM_CONFIG_ROLE = "kubeadm:nodes-kubeadm-config";

export const KUBELET_CONFIG_CONFIGMAP = "kubelet-config";
export const KUBELET_CONFIG_KEY = "kubelet";
export const KUBELET_CONFIG_ROLE = "kubeadm:kubelet-config";

export const KUBEADM_CERTS_SECRET = "kubeadm-certs";
export const KUBEADM_CERTS_ROLE = "kubeadm:kubeadm-certs";

export const COMPONENT_CONFIG_HASH_ANNOTATION = "kubeadm.kubernetes.io/component-config.hash";

export const GET_NODES_CLUSTER_ROLE = "kubeadm:get-nodes";
export const NODE_KUBELET_BOOTSTRAP_CRB = "kubeadm:kubelet-bootstrap";
export const NODE_BOOTSTRAPPER_CLUSTER_ROLE = "system:node-bootstrapper";
export const NODE_AUTO_APPROVE_BOOTSTRAP_CRB = "kubeadm:node-autoapprove-bootstrap";
export const CSR_AUTO_APPROVAL_CLUSTER_ROLE =
  "system:certificates.k8s.io:certificatesigningrequests:nodeclient";
export const NODE_AUTO_APPROVE_CERT_ROTATION_CRB = "kubeadm:node-autoapprove-certificate-rotation";
export const NODE_SELF_CSR_AUTO_APPROVAL_CLUSTER_ROLE =
  "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient";
export const KUBELET_API_ADMIN_CRB = "kubeadm:apiserver-kubelet-client";
export const KUBELET_API_ADMIN_CLUSTER_ROLE = "system:kubelet-api-admin";
export const APISERVER_KUBELET_CLIENT_CN = "kube-apiserver-kubelet-client";

export const CLUSTER_ADMINS_GROUP_AND_CRB = "kubeadm:cluster-admins";

export const CLUSTER_INFO_CONFIGMAP = "cluster-info";
export const CLUSTER_INFO_KUBECONFIG_KEY = "kubeconfig";
export const BOOTSTRAP_SIGNER_CLUSTERINFO_ROLE = "kubeadm:bootstrap-signer-clusterinfo";

export const LABEL_NODE_ROLE_CONTROL_PLANE = "node-role.kubernetes.io/control-plane";
export const LABEL_EXCLUDE_FROM_EXTERNAL_LB =
  "node.kubernetes.io/exclude-from-external-load-balancers";

export const COREDNS_CONFIGMAP = "coredns";
export const COREDNS_DEPLOYMENT = "coredns";
export const COREDNS_IMAGE_NAME = "coredns";
/** kubeadm v1.37.2 constants.CoreDNSVersion */
export const COREDNS_VERSION = "v1.14.6";
export const DEFAULT_IMAGE_REPOSITORY = "registry.k8s.io";

export const KUBE_PROXY_CONFIGMAP = "kube-proxy";
export const KUBE_PROXY_CONFIGMAP_KEY = "config.conf";
export const KUBE_PROXY_SERVICE_ACCOUNT = "kube-proxy";
export const KUBE_PROXY_CONFIGMAP_ROLE = "kube-proxy";
export const KUBE_PROXY_CRB = "kubeadm:node-proxier";
export const KUBE_PROXY_CLUSTER_ROLE = "system:node-proxier";
