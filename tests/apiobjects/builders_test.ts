// deno-lint-ignore-file no-explicit-any
/**
 * Pure tests of lib/apiobjects. Go vectors were produced by a throwaway program in /tmp
 * (not committed) built against k8s.io/kubernetes v1.37.2: cmdutil.GetJoinWorkerCommand /
 * GetJoinControlPlaneCommand on a kubeconfig holding testdata/ca-bundle.pem, and
 * kubeadm's util/crypto EncryptBytes (key 00..1f) of a fake PEM.
 */

import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  coreDNSImage,
  coreDNSObjects,
  coreDNSPrintManifest,
} from "../../lib/apiobjects/addons/coredns.ts";
import { isDefault } from "../../lib/apiobjects/addons/corefile_migration.ts";
import { kubeProxyImage, kubeProxyObjects } from "../../lib/apiobjects/addons/kubeproxy.ts";
import {
  apiServerKubeletClientClusterRoleBinding,
  clusterAdminsClusterRoleBinding,
  clusterInfoConfigMap,
  clusterInfoKubeconfig,
  clusterInfoRole,
  clusterInfoRoleBinding,
  getNodesClusterRole,
  getNodesClusterRoleBinding,
  kubeletBootstrapClusterRoleBinding,
  nodeAutoApproveBootstrapClusterRoleBinding,
  nodeAutoApproveCertificateRotationClusterRoleBinding,
} from "../../lib/apiobjects/bootstraptoken.ts";
import {
  certsToTransfer,
  decodeCertificateKey,
  decryptBytes,
  encryptBytes,
  kubeadmCertsRole,
  kubeadmCertsRoleBinding,
  kubeadmCertsSecret,
  kubeadmCertsSecretData,
} from "../../lib/apiobjects/copycerts.ts";
import {
  initDoneText,
  joinCommand,
  joinCommandOneLine,
  showJoinCommandText,
} from "../../lib/apiobjects/joincommand.ts";
import {
  markControlPlaneMessages,
  markControlPlaneNode,
} from "../../lib/apiobjects/markcontrolplane.ts";
import { controlPlaneEndpointURL, dnsIP } from "../../lib/apiobjects/network.ts";
import {
  configMapChecksum,
  kubeadmConfigConfigMap,
  kubeletConfigConfigMap,
  kubeletConfigRole,
  kubeletConfigRoleBinding,
  nodesKubeadmConfigRole,
  nodesKubeadmConfigRoleBinding,
} from "../../lib/apiobjects/uploadconfig.ts";
import { fromBase64 } from "../../lib/util/bytes.ts";
import { nodePatch } from "../../lib/kube/idempotency.ts";
import { caCertHashes } from "../../lib/tokens/cahash.ts";

const BOOT = "system:bootstrappers:kubeadm:default-node-token";
const BUNDLE = Deno.readTextFileSync(new URL("./testdata/ca-bundle.pem", import.meta.url));

Deno.test("upload-config: kubeadm-config ConfigMap and its RBAC", () => {
  assertEquals(kubeadmConfigConfigMap("kind: ClusterConfiguration\n"), {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "kubeadm-config", namespace: "kube-system" },
    data: { ClusterConfiguration: "kind: ClusterConfiguration\n" },
  });
  assertEquals(nodesKubeadmConfigRole(), {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "kubeadm:nodes-kubeadm-config", namespace: "kube-system" },
    rules: [{
      verbs: ["get"],
      apiGroups: [""],
      resources: ["configmaps"],
      resourceNames: ["kubeadm-config"],
    }],
  });
  assertEquals(nodesKubeadmConfigRoleBinding(), {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "kubeadm:nodes-kubeadm-config", namespace: "kube-system" },
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "kubeadm:nodes-kubeadm-config",
    },
    subjects: [{ kind: "Group", name: BOOT }, { kind: "Group", name: "system:nodes" }],
  });
});

Deno.test("upload-config: kubelet-config ConfigMap with the component-config hash", () => {
  const yaml = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";
  const cm = kubeletConfigConfigMap(yaml);
  assertEquals(cm.metadata.name, "kubelet-config");
  assertEquals(cm.data, { kubelet: yaml });
  assertEquals(
    cm.metadata.annotations!["kubeadm.kubernetes.io/component-config.hash"],
    configMapChecksum({ kubelet: yaml }),
  );
  assertEquals(kubeletConfigConfigMap(yaml, true).metadata.annotations, undefined);
  // keys sorted, values concatenated, binaryData after data
  assertEquals(
    configMapChecksum({ b: "2", a: "1" }, { z: btoa("3") }),
    configMapChecksum({ a: "12" }, { q: btoa("3") }),
  );
  assertEquals(
    configMapChecksum({}),
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assertEquals(kubeletConfigRole().rules, [{
    verbs: ["get"],
    apiGroups: [""],
    resources: ["configmaps"],
    resourceNames: ["kubelet-config"],
  }]);
  assertEquals(kubeletConfigRoleBinding().subjects, [
    { kind: "Group", name: "system:nodes" },
    { kind: "Group", name: BOOT },
  ]);
  assertEquals(kubeletConfigRoleBinding().metadata!.name, "kubeadm:kubelet-config");
});

// Go: kubeadm util/crypto.EncryptBytes(pt, key 000102..1f)
const GO_KUBEADM_BLOB =
  "xY2UbzSINk/PF2fOeYCYjTz1uNuiJLc/dpoE+mGDajJ4BXRdMMaa9SRQAvAhqclUYRVhQPMVgXNtOeUqpNQXs1aX27K2JDNEgR03qKSFF+eRvt5OpYoz6j+YPnoq6sVzj+MSUiW+yN4lOS3TkDnUE7TcTI1cBZ0=";
const GO_KUBEADM_PT =
  "-----BEGIN RSA PRIVATE KEY-----\nfake key material for vector\n-----END RSA PRIVATE KEY-----\n";
// Go: cipher.NewGCM(aes key 00..1f).Seal(nonce a0..ab, nonce, pt, nil)
const GO_FIXED_NONCE_BLOB =
  "oKGio6SlpqeoqaqryzVRAGiJR/grK6eQQiiUlzblGlHG8m9BsSMLjBfOGW29ViyKzUcgSS39dMIkV67Ual4IDEKTXywVF00X5zHR9ZmRqEIdr02DlvwFG/WWOoNl8AHZ4wc=";
const GO_FIXED_NONCE_PT =
  "-----BEGIN CERTIFICATE-----\nhello kubestrap\n-----END CERTIFICATE-----\n";

Deno.test("upload-certs: AES-256-GCM exactly as kubeadm's copycerts", () => {
  const key = decodeCertificateKey(
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  );
  const te = new TextEncoder();
  const td = new TextDecoder();
  assertEquals(td.decode(decryptBytes(fromBase64(GO_KUBEADM_BLOB), key)), GO_KUBEADM_PT);
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
  const ours = encryptBytes(te.encode(GO_FIXED_NONCE_PT), key, nonce);
  assertEquals(btoa(String.fromCharCode(...ours)), GO_FIXED_NONCE_BLOB);
  const rnd = encryptBytes(te.encode("x"), key);
  assertEquals(rnd.length, 12 + 1 + 16);
  assertEquals(td.decode(decryptBytes(rnd, key)), "x");
  const tampered = fromBase64(GO_KUBEADM_BLOB);
  tampered[20] ^= 1;
  assertThrows(() => decryptBytes(tampered, key), Error, "message authentication failed");
  assertThrows(() => decryptBytes(new Uint8Array(5), key), Error, "less than the nonce");
  assertThrows(() => decodeCertificateKey("zz"), Error, "error decoding certificate key");
});

Deno.test("upload-certs: files, Secret, owner reference, RBAC", () => {
  assertEquals(Object.keys(certsToTransfer({ certificatesDir: "/etc/kubernetes/pki" })).sort(), [
    "ca.crt",
    "ca.key",
    "etcd/ca.crt",
    "etcd/ca.key",
    "front-proxy-ca.crt",
    "front-proxy-ca.key",
    "sa.key",
    "sa.pub",
  ]);
  assertEquals(
    certsToTransfer({
      certificatesDir: "/p",
      externalEtcd: { caFile: "/e/ca", certFile: "/e/c", keyFile: "/e/k" },
    }),
    {
      "ca.crt": "/p/ca.crt",
      "ca.key": "/p/ca.key",
      "front-proxy-ca.crt": "/p/front-proxy-ca.crt",
      "front-proxy-ca.key": "/p/front-proxy-ca.key",
      "sa.pub": "/p/sa.pub",
      "sa.key": "/p/sa.key",
      "external-etcd-ca.crt": "/e/ca",
      "external-etcd.crt": "/e/c",
      "external-etcd.key": "/e/k",
    },
  );
  const key = new Uint8Array(32);
  const data = kubeadmCertsSecretData(
    { "etcd/ca.crt": new TextEncoder().encode("pem"), "sa.key": undefined },
    key,
  );
  assertEquals(Object.keys(data).sort(), ["etcd-ca.crt", "sa.key"]);
  assertEquals(data["sa.key"], "");
  assertEquals(new TextDecoder().decode(decryptBytes(fromBase64(data["etcd-ca.crt"]), key)), "pem");
  const s = kubeadmCertsSecret(data, { name: "bootstrap-token-abcdef", uid: "u-1" });
  assertEquals(s.metadata, {
    name: "kubeadm-certs",
    namespace: "kube-system",
    ownerReferences: [{
      apiVersion: "v1",
      kind: "Secret",
      name: "bootstrap-token-abcdef",
      uid: "u-1",
      controller: true,
      blockOwnerDeletion: true,
    }],
  });
  assertEquals(s.type, undefined);
  assertEquals(kubeadmCertsRole().metadata!.name, "kubeadm:kubeadm-certs");
  assertEquals(kubeadmCertsRole().rules[0].resources, ["secrets"]);
  assertEquals(kubeadmCertsRole().rules[0].resourceNames, ["kubeadm-certs"]);
  assertEquals(kubeadmCertsRoleBinding().subjects, [{ kind: "Group", name: BOOT }]);
});

Deno.test("mark-control-plane: labels, taints, messages, patch", () => {
  const node = {
    metadata: { name: "n1", labels: { "kubernetes.io/hostname": "n1" } },
    spec: { taints: [{ key: "other", effect: "NoExecute" }] },
  };
  const taint = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" };
  const marked = markControlPlaneNode(node, [taint]);
  assertEquals(marked.metadata.labels, {
    "kubernetes.io/hostname": "n1",
    "node-role.kubernetes.io/control-plane": "",
    "node.kubernetes.io/exclude-from-external-load-balancers": "",
  });
  assertEquals(marked.spec?.taints, [taint, { key: "other", effect: "NoExecute" }]);
  assertEquals(nodePatch(node, marked), {
    metadata: {
      labels: {
        "node-role.kubernetes.io/control-plane": "",
        "node.kubernetes.io/exclude-from-external-load-balancers": "",
      },
    },
    spec: { taints: [taint, { key: "other", effect: "NoExecute" }] },
  });
  assertEquals(nodePatch(marked, markControlPlaneNode(marked, [taint])), undefined);
  assertEquals(markControlPlaneMessages("k8s-m1", [taint]), [
    "[mark-control-plane] Marking the node k8s-m1 as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]",
    "[mark-control-plane] Marking the node k8s-m1 as control-plane by adding the taints [node-role.kubernetes.io/control-plane:NoSchedule]",
  ]);
  assertEquals(markControlPlaneMessages("n", []).length, 1);
});

Deno.test("bootstrap-token: RBAC names, roles and subjects", () => {
  const crb = (o: any) => [
    o.metadata.name,
    o.roleRef.name,
    o.subjects,
  ];
  assertEquals(getNodesClusterRole().rules, [{
    verbs: ["get"],
    apiGroups: [""],
    resources: ["nodes"],
  }]);
  assertEquals(crb(getNodesClusterRoleBinding()), [
    "kubeadm:get-nodes",
    "kubeadm:get-nodes",
    [{ kind: "Group", name: BOOT }],
  ]);
  assertEquals(crb(kubeletBootstrapClusterRoleBinding()), [
    "kubeadm:kubelet-bootstrap",
    "system:node-bootstrapper",
    [{ kind: "Group", name: BOOT }],
  ]);
  assertEquals(crb(nodeAutoApproveBootstrapClusterRoleBinding()), [
    "kubeadm:node-autoapprove-bootstrap",
    "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
    [{ kind: "Group", name: BOOT }],
  ]);
  assertEquals(crb(nodeAutoApproveCertificateRotationClusterRoleBinding()), [
    "kubeadm:node-autoapprove-certificate-rotation",
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
    [{ kind: "Group", name: "system:nodes" }],
  ]);
  assertEquals(crb(apiServerKubeletClientClusterRoleBinding()), [
    "kubeadm:apiserver-kubelet-client",
    "system:kubelet-api-admin",
    [{ kind: "User", name: "kube-apiserver-kubelet-client" }],
  ]);
  assertEquals(crb(clusterAdminsClusterRoleBinding()), [
    "kubeadm:cluster-admins",
    "cluster-admin",
    [{ kind: "Group", name: "kubeadm:cluster-admins" }],
  ]);
  assertEquals(clusterInfoRole().metadata, {
    name: "kubeadm:bootstrap-signer-clusterinfo",
    namespace: "kube-public",
  });
  assertEquals(clusterInfoRole().rules[0].resourceNames, ["cluster-info"]);
  assertEquals(clusterInfoRoleBinding().subjects, [{ kind: "User", name: "system:anonymous" }]);
});

Deno.test("cluster-info: kubeconfig byte-identical to clientcmd.Write (Go)", () => {
  const ca = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
  const want = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: " +
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K\n" +
    '    server: https://10.0.0.1:6443\n  name: ""\ncontexts: null\ncurrent-context: ""\n' +
    "kind: Config\nusers: null\n";
  const kc = clusterInfoKubeconfig({ server: "https://10.0.0.1:6443", caData: ca });
  assertEquals(kc, want);
  assertEquals(clusterInfoConfigMap(kc).metadata, {
    name: "cluster-info",
    namespace: "kube-public",
  });
  assertEquals(clusterInfoConfigMap(kc).data, { kubeconfig: want });
});

// Go: cmdutil.GetJoin*Command on a kubeconfig with server https://10.0.0.1:6443 and the bundle
const GO_PINS =
  "--discovery-token-ca-cert-hash sha256:09082529354504dbdfd4977b2c2811bad5752fa29970d0a87b607cfe7c6e6541 --discovery-token-ca-cert-hash sha256:ae89600b418bcca18459b5b8ef90592125bf2be42fca6176533d9687ab4d83be ";
const GO_WORKER = `kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef \\\n\t${GO_PINS}`;
const GO_CP = `${GO_WORKER}\\\n\t--control-plane --certificate-key k3y`;
const GO_CP_NOKEY = `${GO_WORKER}\\\n\t--control-plane `;
const GO_CP_WITHHELD =
  `kubeadm join 10.0.0.1:6443 --token <value withheld> \\\n\t${GO_PINS}\\\n\t--control-plane --certificate-key <value withheld>`;

Deno.test("join command: identical to kubeadm's html/template output (Go)", () => {
  const base = {
    controlPlaneHostPort: "10.0.0.1:6443",
    token: "abcdef.0123456789abcdef",
    caCertHashes: caCertHashes(BUNDLE),
  };
  assertEquals(joinCommand(base), GO_WORKER);
  assertEquals(joinCommand({ ...base, controlPlane: true, certificateKey: "k3y" }), GO_CP);
  assertEquals(joinCommand({ ...base, controlPlane: true }), GO_CP_NOKEY);
  assertEquals(
    joinCommand({
      ...base,
      controlPlane: true,
      skipTokenPrint: true,
      skipCertificateKeyPrint: true,
    }),
    GO_CP_WITHHELD,
  );
  assertEquals(
    joinCommand({ ...base, program: "kubestrap" }),
    GO_WORKER.replace("kubeadm join", "kubestrap join"),
  );
  assertEquals(
    joinCommandOneLine(base),
    `kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef ${GO_PINS}`,
  );
});

Deno.test("init banner: kubeadm's initDoneTempl", () => {
  const worker =
    "kubeadm join 1.2.3.4:6443 --token t \\\n\t--discovery-token-ca-cert-hash sha256:h ";
  const plain = initDoneText({
    kubeConfigPath: "/etc/kubernetes/admin.conf",
    controlPlaneEndpoint: false,
    uploadCerts: false,
    joinControlPlaneCommand: "CP",
    joinWorkerCommand: worker,
  });
  assertEquals(
    plain,
    `
Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p $HOME/.kube
  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=/etc/kubernetes/admin.conf

You should now deploy a pod network to the cluster.
Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:
  https://kubernetes.io/docs/concepts/cluster-administration/addons/

Then you can join any number of worker nodes by running the following on each as root:

${worker}
`,
  );
  const up = initDoneText({
    program: "kubestrap",
    kubeConfigPath: "/etc/kubernetes/admin.conf",
    controlPlaneEndpoint: true,
    uploadCerts: true,
    joinControlPlaneCommand: "CP",
    joinWorkerCommand: "W",
  });
  assert(up.includes(
    "addons/\n\nYou can now join any number of control-plane nodes running the following command on each as root:\n\n  CP\n\nPlease note",
  ));
  assert(up.includes(
    `"kubestrap init phase upload-certs --upload-certs" to reload certs afterward.\n\nThen you can join`,
  ));
  const noUp = initDoneText({
    kubeConfigPath: "/x",
    controlPlaneEndpoint: true,
    uploadCerts: false,
    joinControlPlaneCommand: "CP",
    joinWorkerCommand: "W",
  });
  assert(noUp.includes(
    "addons/\n\nYou can now join any number of control-plane nodes by copying certificate authorities\nand service account keys on each node and then running the following as root:\n\n  CP\n\nThen you can join",
  ));
  const two = showJoinCommandText({
    program: "kubestrap",
    kubeConfigPath: "/etc/kubernetes/admin.conf",
    server: "https://10.0.0.1:6443",
    caCertHashes: ["sha256:h"],
    tokens: ["a", "b"],
    controlPlaneEndpoint: false,
    uploadCerts: false,
  });
  assertEquals(two.split("initialized successfully").length, 3);
  assert(
    two.includes(
      "kubestrap join 10.0.0.1:6443 --token b \\\n\t--discovery-token-ca-cert-hash sha256:h \n",
    ),
  );
});

Deno.test("CoreDNS: objects from kubeadm's templates", () => {
  assertEquals(
    coreDNSImage({ imageRepository: "registry.k8s.io" }),
    "registry.k8s.io/coredns/coredns:v1.14.6",
  );
  assertEquals(coreDNSImage({ imageRepository: "my.reg" }), "my.reg/coredns:v1.14.6");
  assertEquals(
    coreDNSImage({ imageRepository: "my.reg", dnsImageRepository: "x.io/y", dnsImageTag: "v9" }),
    "x.io/y/coredns:v9",
  );
  const o = coreDNSObjects({
    dnsDomain: "cluster.local",
    serviceSubnet: "10.96.0.0/12",
    image: "registry.k8s.io/coredns/coredns:v1.14.6",
  });
  assertEquals(
    o.configMap.data.Corefile,
    `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`,
  );
  // corefile-migration's Default (what kubeadm asks on upgrade) knows kubeadm's Corefile before
  // v1.32 (a plain `cache 30`), not this one: an upgrade retains it rather than replacing it.
  assert(!isDefault(o.configMap.data.Corefile));
  assert(isDefault(o.configMap.data.Corefile.replace(/cache 30 \{[^}]*\}/, "cache 30")));
  assert(
    !isDefault(
      o.configMap.data.Corefile.replace(/cache 30 \{[^}]*\}/, "cache 30").replace("loop", "log"),
    ),
  );
  const d: any = o.deployment;
  assertEquals(d.spec.replicas, 2);
  assertEquals(d.metadata.labels, { "k8s-app": "kube-dns" });
  const pod = d.spec.template.spec;
  assertEquals(pod.priorityClassName, "system-cluster-critical");
  assertEquals(pod.tolerations, [
    { key: "CriticalAddonsOnly", operator: "Exists" },
    { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
  ]);
  assertEquals(pod.containers[0].args, ["-conf", "/etc/coredns/Corefile"]);
  assertEquals(pod.containers[0].livenessProbe.httpGet.port, "liveness-probe");
  assertEquals(
    pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]
      .podAffinityTerm.labelSelector.matchExpressions[0].values,
    ["kube-dns"],
  );
  assertEquals(o.service.spec.clusterIP, "10.96.0.10");
  assertEquals((o.service as any).metadata.resourceVersion, "0");
  assertEquals((o.service as any).metadata.labels["kubernetes.io/cluster-service"], "true");
  assertEquals(o.clusterRoleBinding.subjects, [
    { kind: "ServiceAccount", name: "coredns", namespace: "kube-system" },
  ]);
  assertEquals(o.clusterRole.rules[1], {
    apiGroups: ["discovery.k8s.io"],
    resources: ["endpointslices"],
    verbs: ["list", "watch"],
  });
  const pm = coreDNSPrintManifest({ dnsDomain: "", serviceSubnet: "fd00::/108", image: "i" });
  assert(pm.startsWith("---\napiVersion: apps/v1\nkind: Deployment\n"));
  assert(pm.includes("        cache 30\n        loop\n"));
  assert(pm.includes("clusterIP: fd00::a\n"));
});

Deno.test("kube-proxy: objects from kubeadm's templates", () => {
  assertEquals(
    kubeProxyImage("registry.k8s.io", "v1.37.2+abc"),
    "registry.k8s.io/kube-proxy:v1.37.2_abc",
  );
  const cfg =
    "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nbindAddress: 0.0.0.0\nkind: KubeProxyConfiguration\n";
  const o = kubeProxyObjects({
    controlPlaneEndpointURL: "https://10.0.0.1:6443",
    kubeProxyConfigYAML: cfg,
    image: "registry.k8s.io/kube-proxy:v1.37.2",
    proxyEnv: {
      NO_PROXY: "10.0.0.0/8",
      https_proxy: "http://p:3128",
      PATH: "/bin",
      HTTP_PROXY: "",
    },
  });
  assertEquals(o.configMap.data!["config.conf"], cfg.replace(/\n$/, ""));
  assertEquals(
    o.configMap.data!["kubeconfig.conf"],
    `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://10.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token`,
  );
  assertEquals(o.configMap.metadata.labels, { app: "kube-proxy" });
  assertEquals(
    o.configMap.metadata.annotations!["kubeadm.kubernetes.io/component-config.hash"],
    configMapChecksum(o.configMap.data),
  );
  const c = o.daemonSet.spec.template.spec.containers[0];
  assertEquals(c.command, [
    "/usr/local/bin/kube-proxy",
    "--config=/var/lib/kube-proxy/config.conf",
    "--hostname-override=$(NODE_NAME)",
  ]);
  assertEquals(c.env, [
    { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
    { name: "NO_PROXY", value: "10.0.0.0/8" },
    { name: "https_proxy", value: "http://p:3128" },
  ]);
  assertEquals(o.daemonSet.spec.template.spec.tolerations, [{ operator: "Exists" }]);
  assertEquals(o.clusterRoleBinding.metadata!.name, "kubeadm:node-proxier");
  assertEquals(o.clusterRoleBinding.roleRef.name, "system:node-proxier");
  assertEquals(o.role.rules[0].resourceNames, ["kube-proxy"]);
  assertEquals(o.roleBinding.subjects, [{ kind: "Group", name: BOOT }]);
});

Deno.test("network helpers: DNS IP and control-plane URL", () => {
  assertEquals(dnsIP("10.96.0.0/12"), "10.96.0.10");
  assertEquals(dnsIP("10.96.5.7/12,fd00::/108"), "10.96.0.10");
  assertEquals(dnsIP("fd00:1::/64"), "fd00:1::a");
  assertThrows(() => dnsIP("10.0.0.0/29"), Error, "subnet too small");
  assertThrows(() => dnsIP("nope"), Error, "invalid CIDR");
  assertEquals(controlPlaneEndpointURL("", "10.0.0.1", 6443), "https://10.0.0.1:6443");
  assertEquals(controlPlaneEndpointURL(undefined, "fd00::1", 6443), "https://[fd00::1]:6443");
  assertEquals(controlPlaneEndpointURL("lb.example", "10.0.0.1", 6443), "https://lb.example:6443");
  assertEquals(
    controlPlaneEndpointURL("lb.example:443", "10.0.0.1", 6443),
    "https://lb.example:443",
  );
  assertEquals(
    controlPlaneEndpointURL("[fd00::9]:7443", "10.0.0.1", 6443),
    "https://[fd00::9]:7443",
  );
});
