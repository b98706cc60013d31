// Which checks each command runs, and in which order (kubeadm v1.37.2).
import { assertEquals } from "../assert.ts";
import {
  initNodeChecks,
  joinNodeChecks,
  minimumKubeletVersion,
  PreflightInputs,
  pullImagesChecks,
  rootChecks,
  upgradeChecks,
} from "../../lib/preflight/lists.ts";

const base: PreflightInputs = {
  kubernetesVersion: "v1.37.2",
  kubeadmVersion: "v1.37.2",
  nodeName: "node-1",
  criSocket: "unix:///var/run/containerd/containerd.sock",
  advertiseAddress: "192.0.2.10",
  bindPort: 6443,
  serviceSubnet: "10.96.0.0/12",
  podSubnet: "",
  etcd: { local: { dataDir: "/var/lib/etcd" } },
};

const names = (cs: { name: string }[]) => cs.map((c) => c.name);

const COMMON = [
  "CRI",
  "ContainerRuntimeVersion",
  "Swap",
  "FileExisting-losetup",
  "FileExisting-mount",
  "FileExisting-cp",
  "SystemVerification",
  "Hostname",
  "KubeletVersion",
  "Service-kubelet",
  "Port-10250",
];

Deno.test("init: kubeadm's order for a single-stack IPv4 control plane with local etcd", () => {
  assertEquals(names(initNodeChecks(base)), [
    "NumCPU",
    "Mem",
    "KubernetesVersion",
    "Firewalld",
    "Port-6443",
    "Port-10259",
    "Port-10257",
    "FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml",
    "FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml",
    "FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml",
    "FileAvailable--etc-kubernetes-manifests-etcd.yaml",
    "HTTPProxy",
    "HTTPProxyCIDR",
    "HTTPProxyCIDR",
    ...COMMON,
    "FileContent--proc-sys-net-ipv4-ip_forward",
    "Port-2379",
    "Port-2380",
    "DirAvailable--var-lib-etcd",
  ]);
  assertEquals(names(rootChecks()), ["IsPrivilegedUser"]);
  assertEquals(names(pullImagesChecks(base)), ["ImagePull"]);
  assertEquals(minimumKubeletVersion("v1.37.2+kubestrap.1"), "v1.34.0");
});

Deno.test("init: dual stack, external etcd, custom paths, bind addresses, old k8s", () => {
  const dual = initNodeChecks({
    ...base,
    serviceSubnet: "10.96.0.0/16,fd00:10:96::/112",
    podSubnet: "10.244.0.0/16,fd00:10:244::/56",
    bindPort: 8443,
    etcd: {
      external: {
        endpoints: ["https://e:2379"],
        caFile: "/etc/etcd/ca.crt",
        certFile: "/etc/etcd/c.crt",
        keyFile: "/etc/etcd/c.key",
      },
    },
  });
  const n = names(dual);
  assertEquals(n.filter((x) => x === "HTTPProxyCIDR").length, 4);
  assertEquals(n.slice(-6), [
    "FileContent--proc-sys-net-ipv4-ip_forward",
    "FileContent--proc-sys-net-ipv6-conf-default-forwarding",
    "ExternalEtcdVersion",
    "ExternalEtcdClientCertificates",
    "ExternalEtcdClientCertificates",
    "ExternalEtcdClientCertificates",
  ]);
  assertEquals(n.includes("Port-2379") || n.includes("DirAvailable--var-lib-etcd"), false);
  assertEquals(n[4], "Port-8443");
  // IPv6-only advertise address with no CIDRs → only the IPv6 forwarding check.
  const v6 = names(initNodeChecks({ ...base, advertiseAddress: "fd00::10", serviceSubnet: "" }));
  assertEquals(v6.filter((x) => x.startsWith("FileContent")), [
    "FileContent--proc-sys-net-ipv6-conf-default-forwarding",
  ]);
  // k8s < 1.32 still needs conntrack.
  const old = names(initNodeChecks({ ...base, kubernetesVersion: "v1.31.4" }));
  assertEquals(old.slice(old.indexOf("Swap") + 1, old.indexOf("Swap") + 3), [
    "FileExisting-conntrack",
    "FileExisting-losetup",
  ]);
  // Custom etcd data dir and manifests dir.
  const custom = names(
    initNodeChecks({
      ...base,
      manifestsDir: "/srv/k8s/manifests",
      etcd: { local: { dataDir: "/data/etcd" } },
    }),
  );
  assertEquals(custom.includes("FileAvailable--srv-k8s-manifests-etcd.yaml"), true);
  assertEquals(custom.at(-1), "DirAvailable--data-etcd");
  // 1.37: ports bind to the component's bind-address; etcd to the advertise address.
  const ba = initNodeChecks({
    ...base,
    apiServerExtraArgs: [{ name: "bind-address", value: "10.1.1.1" }, {
      name: "advertise-address",
      value: "10.2.2.2",
    }],
    schedulerExtraArgs: [{ name: "bind-address", value: "127.0.0.1" }],
  });
  const exp = (id: string) => ba.find((c) => c.name === id)!.expected;
  assertEquals(exp("Port-6443"), "TCP 10.1.1.1:6443 free to listen on");
  assertEquals(exp("Port-10259"), "TCP 127.0.0.1:10259 free to listen on");
  assertEquals(exp("Port-10257"), "TCP :10257 free to listen on");
  assertEquals(exp("Port-2379"), "TCP 10.2.2.2:2379 free to listen on");
  assertEquals(exp("Port-10250"), "TCP :10250 free to listen on");
});

Deno.test("join: worker with token discovery, hostname endpoint, file discovery", () => {
  const worker: PreflightInputs = {
    kubernetesVersion: "",
    nodeName: "node-2",
    criSocket: base.criSocket,
    discoveryAPIServerEndpoint: "192.0.2.10:6443",
  };
  assertEquals(names(joinNodeChecks(worker)), [
    "FileAvailable--etc-kubernetes-kubelet.conf",
    "FileAvailable--etc-kubernetes-bootstrap-kubelet.conf",
    ...COMMON,
    "FileAvailable--etc-kubernetes-pki-ca.crt",
    "HTTPProxy",
    "FileContent--proc-sys-net-ipv4-ip_forward",
  ]);
  const byName = names(
    joinNodeChecks({ ...worker, discoveryAPIServerEndpoint: "cp.example:6443" }),
  );
  assertEquals(byName.slice(-2), ["FileAvailable--etc-kubernetes-pki-ca.crt", "HTTPProxy"]);
  const v6 = names(joinNodeChecks({ ...worker, discoveryAPIServerEndpoint: "[fd00::1]:6443" }));
  assertEquals(v6.at(-1), "FileContent--proc-sys-net-ipv6-conf-default-forwarding");
  const file = names(joinNodeChecks({ ...worker, discoveryAPIServerEndpoint: undefined }));
  assertEquals(file.at(-1), "FileAvailable--etc-kubernetes-pki-ca.crt");
  const badEp = names(joinNodeChecks({ ...worker, discoveryAPIServerEndpoint: "no-port" }));
  assertEquals(badEp.at(-1), "FileAvailable--etc-kubernetes-pki-ca.crt");
  // The KubeletVersion check of join only knows the minimum.
  const kv = joinNodeChecks(worker).find((c) => c.name === "KubeletVersion")!;
  assertEquals(kv.expected.startsWith("kubelet >= v1.34.0") && !kv.expected.includes(","), true);
});

Deno.test("join --control-plane: no caCertPath check; secondary init list", () => {
  const cp: PreflightInputs = {
    ...base,
    controlPlane: true,
    discoveryAPIServerEndpoint: "192.0.2.1:6443",
  };
  const j = names(joinNodeChecks(cp));
  assertEquals(j.includes("FileAvailable--etc-kubernetes-pki-ca.crt"), false);
  assertEquals(names(initNodeChecks(cp, true, false)), [
    "NumCPU",
    "Mem",
    "KubernetesVersion",
    "Firewalld",
    "Port-6443",
    "Port-10259",
    "Port-10257",
    "FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml",
    "FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml",
    "FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml",
    "FileAvailable--etc-kubernetes-manifests-etcd.yaml",
    "HTTPProxy",
    "HTTPProxyCIDR",
    "HTTPProxyCIDR",
    "Port-2379",
    "Port-2380",
    "DirAvailable--var-lib-etcd",
  ]);
  const ext = { ...cp, etcd: { external: { caFile: "/ca.crt" } } };
  assertEquals(names(initNodeChecks(ext, true, false)).at(-1), "ExternalEtcdClientCertificates");
  assertEquals(names(initNodeChecks(ext, true, true)).at(-1), "HTTPProxyCIDR");
});

Deno.test("upgrade: SystemVerification then ContainerRuntimeVersion", () => {
  assertEquals(names(upgradeChecks(base)), ["SystemVerification", "ContainerRuntimeVersion"]);
});
