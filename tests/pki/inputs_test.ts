/** The PKI inputs init, join (control plane) and `certs generate-csr` derive from a config. */
import { assertEquals } from "../assert.ts";
import { loadInitConfig } from "../../lib/config/load.ts";
import { fakeHostFacts } from "../../lib/config/host_facts.ts";
import { pkiInputsFromConfig } from "../../lib/pki/certlist.ts";
import { kubeconfigInputsFromConfig } from "../../lib/kubeconfig/files.ts";

Deno.test("pkiInputsFromConfig: SANs, algorithm and both validity periods come from the config", async () => {
  const cfg = await loadInitConfig({
    host: fakeHostFacts(),
    configText: `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.0.0.5
nodeRegistration:
  name: cp-1
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
controlPlaneEndpoint: lb.example.com:6443
certificatesDir: /srv/pki
encryptionAlgorithm: ECDSA-P256
certificateValidityPeriod: 2160h
caCertificateValidityPeriod: 43800h
apiServer:
  certSANs: [extra.example.com]
etcd:
  local:
    serverCertSANs: [etcd.example.com]
networking:
  serviceSubnet: 10.100.0.0/16
  dnsDomain: example.internal
`,
  });
  const p = pkiInputsFromConfig(cfg);
  assertEquals({ ...p, clock: undefined }, {
    certificatesDir: "/srv/pki",
    nodeName: "cp-1",
    advertiseAddress: "10.0.0.5",
    controlPlaneEndpoint: "lb.example.com:6443",
    serviceSubnet: "10.100.0.0/16",
    dnsDomain: "example.internal",
    apiServerCertSANs: ["extra.example.com"],
    etcdServerCertSANs: ["etcd.example.com"],
    etcdPeerCertSANs: [],
    externalEtcd: false,
    encryptionAlgorithm: "ECDSA-P256",
    certificateValidityPeriod: 2160 * 3600_000,
    caCertificateValidityPeriod: 43800 * 3600_000,
    clock: undefined,
  });
  // The kubeconfig client certificates get the same validity (join control-plane too).
  assertEquals(kubeconfigInputsFromConfig(cfg, "/srv/k8s"), {
    kubeconfigDir: "/srv/k8s",
    certificatesDir: "/srv/pki",
    clusterName: "kubernetes",
    nodeName: "cp-1",
    advertiseAddress: "10.0.0.5",
    bindPort: 6443,
    controlPlaneEndpoint: "lb.example.com:6443",
    encryptionAlgorithm: "ECDSA-P256",
    certificateValidityPeriod: 2160 * 3600_000,
  });
});
