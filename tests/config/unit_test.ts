/** Unit tests of the config modules: durations, YAML 1.1 decoding, marshalling, defaults, flags. */
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../assert.ts";
import { canonicalDuration, formatDuration, parseDuration } from "../../lib/util/duration.ts";
import { decodeDocument, splitDocuments } from "../../lib/config/decode.ts";
import { INIT_CONFIGURATION_SCHEMA } from "../../lib/config/schema.ts";
import { marshalGoYAML as toYaml, sortGoYamlKeys as sortKeys } from "../../lib/util/goyaml.ts";
import {
  clusterDNSIP,
  defaultClusterConfiguration,
  detectCRISocket,
  generateBootstrapToken,
  timeoutsMs,
} from "../../lib/config/defaults.ts";
import { fakeHostFacts } from "../../lib/config/host_facts.ts";
import {
  loadInitConfig,
  loadJoinConfig,
  loadResetConfig,
  loadUpgradeConfig,
  parseFeatureGates,
} from "../../lib/config/load.ts";
import {
  initOptions,
  joinOptions,
  resetOptions,
  upgradeOptions,
  validateMixedArguments,
} from "../../lib/commands/flags_to_config.ts";
import { controlPlaneImages, imagesFor } from "../../lib/config/images.ts";
import { printDefaults, setPrintHostname } from "../../lib/commands/config_run.ts";
import { KubestrapError } from "../../lib/errors.ts";
import { validateIgnorePreflightErrors } from "../../lib/config/validate.ts";

const host = fakeHostFacts({ hostname: "My-Host ", ipv4: "192.0.2.10" });
const H4 = "apiVersion: kubeadm.k8s.io/v1beta4\n";

Deno.test("durations: Go parse and String()", () => {
  assertEquals(canonicalDuration("4m"), "4m0s");
  assertEquals(canonicalDuration("8760h"), "8760h0m0s");
  assertEquals(canonicalDuration("90s"), "1m30s");
  assertEquals(canonicalDuration("1.5h"), "1h30m0s");
  assertEquals(canonicalDuration("500ms"), "500ms");
  assertEquals(canonicalDuration("0"), "0s");
  assertEquals(canonicalDuration("-1m"), "-1m0s");
  assertEquals(formatDuration(1500n), "1.5µs");
  assertEquals(parseDuration("1h2m3s4ms"), 3723004000000n);
  assertThrows(() => parseDuration("1d"), Error, 'time: unknown unit "d" in duration "1d"');
  assertThrows(() => parseDuration("abc"), Error, 'time: invalid duration "abc"');
  assertThrows(() => parseDuration("10"), Error, 'time: missing unit in duration "10"');
});

function decodeInit(body: string) {
  const docs = splitDocuments(H4 + "kind: InitConfiguration\n" + body, "c.yaml");
  return decodeDocument<Record<string, unknown>>(docs[0], INIT_CONFIGURATION_SCHEMA, "c.yaml");
}

Deno.test("YAML 1.1: yes/no/on/off are booleans for bool fields", () => {
  for (
    const [v, want] of [["yes", true], ["On", true], ["no", false], ["OFF", false], ["y", true]]
  ) {
    assertEquals(decodeInit(`dryRun: ${v}\n`).value.dryRun, want);
  }
});

Deno.test("YAML 1.1: booleans and numbers are not coerced into string fields", () => {
  assertThrows(
    () => decodeInit("nodeRegistration:\n  name: on\n"),
    Error,
    'c.yaml:4:9: json: cannot unmarshal bool into Go struct field NodeRegistrationOptions.nodeRegistration.name of type string (YAML 1.1 reads the unquoted "on" as a boolean; quote it)',
  );
  assertThrows(
    () => decodeInit("certificateKey: 0x1F\n"),
    Error,
    "c.yaml:3:17: json: cannot unmarshal number into Go struct field InitConfiguration.certificateKey of type string",
  );
  // quoted values stay strings
  assertEquals(
    (decodeInit('nodeRegistration:\n  name: "0755"\n').value.nodeRegistration as { name: string })
      .name,
    "0755",
  );
});

Deno.test("YAML 1.1: octal, hex, underscores and floats in int fields", () => {
  const port = (v: string) =>
    (decodeInit(`localAPIEndpoint:\n  bindPort: ${v}\n`).value.localAPIEndpoint as {
      bindPort: number;
    }).bindPort;
  assertEquals(port("0755"), 493);
  assertEquals(port("0x1F"), 31);
  assertEquals(port("6_443"), 6443);
  assertEquals(port("6443.0"), 6443);
  assertThrows(() => port("6e3.5"), Error, "cannot unmarshal string");
});

Deno.test("decode: positions, paths, all problems reported in file order", () => {
  const d = decodeInit("nodeRegistration:\n  critSocket: x\nfoo: 1\nfoo: 2\n");
  assertEquals(d.strictProblems, [
    'c.yaml:4:3: unknown field "nodeRegistration.critSocket"',
    'c.yaml:6:1: duplicate field "foo" (yaml: key "foo" already set in map)',
    'c.yaml:6:1: unknown field "foo"',
  ]);
});

Deno.test("decode: anchors, aliases and merge keys", () => {
  const d = decodeInit(
    "nodeRegistration: &nr\n  name: a\n  <<: {criSocket: unix:///x.sock}\nskipPhases: [preflight]\n",
  );
  assertEquals(d.value.nodeRegistration, { name: "a", criSocket: "unix:///x.sock" });
});

Deno.test("decode: the bootstrap token value is never printed", () => {
  const e = assertThrows(() => decodeInit("bootstrapTokens:\n- token: abcdef.SECRETSECRETSECR\n"));
  assert(!e.message.includes("SECRET"));
  assertStringIncludes(
    e.message,
    "bootstrapTokens[0].token: the bootstrap token was not of the form",
  );
});

Deno.test("marshal: go-yaml v2 key order and quoting", () => {
  assertEquals(sortKeys(["b", "B", "a1", "a10", "a2", "a-b", "ab"]), [
    "B",
    "a-b",
    "a1",
    "a2",
    "a10",
    "ab",
    "b",
  ]);
  assertEquals(
    toYaml({
      a: "true",
      b: "0755",
      c: "",
      d: "*.example.com",
      e: "1.2.3.4",
      f: "yes",
      g: "10.96.0.0/12",
      h: "a: b",
      i: "- x",
      j: null,
      k: [],
      l: {},
      m: "2024-01-01",
      n: "1e3",
      o: "1:20",
    }),
    'a: "true"\nb: "0755"\nc: ""\nd: \'*.example.com\'\ne: 1.2.3.4\nf: "yes"\ng: 10.96.0.0/12\n' +
      'h: \'a: b\'\ni: \'- x\'\nj: null\nk: []\nl: {}\nm: "2024-01-01"\n"n": "1e3"\no: "1:20"\n',
  );
  assertEquals(
    toYaml({ l: [{ a: 1, b: [1, 2] }, [3]] }),
    "l:\n- a: 1\n  b:\n  - 1\n  - 2\n- - 3\n",
  );
});

Deno.test("defaults: static ClusterConfiguration defaults", () => {
  const c = defaultClusterConfiguration({});
  assertEquals(c.kubernetesVersion, "stable-1");
  assertEquals(c.networking, { serviceSubnet: "10.96.0.0/12", dnsDomain: "cluster.local" });
  assertEquals(c.etcd, { local: { dataDir: "/var/lib/etcd" } });
  assertEquals(c.encryptionAlgorithm, "RSA-2048");
  assertEquals(c.certificateValidityPeriod, "8760h0m0s");
  assertEquals(c.caCertificateValidityPeriod, "87600h0m0s");
  const ext = defaultClusterConfiguration({
    etcd: { external: { endpoints: ["https://a:2379"], caFile: "", certFile: "", keyFile: "" } },
  });
  assertEquals(ext.etcd.external?.httpEndpoints, ["https://a:2379"]);
  assertEquals(ext.etcd.local, undefined);
});

Deno.test("defaults: cluster DNS IP is the 10th address of the first service subnet", () => {
  assertEquals(clusterDNSIP("10.96.0.0/12"), "10.96.0.10");
  assertEquals(clusterDNSIP("10.100.0.0/16,fd00::/108"), "10.100.0.10");
  assertEquals(clusterDNSIP("fd00:10:96::/112"), "fd00:10:96::a");
  assertEquals(clusterDNSIP("10.0.0.0/30"), "10.96.0.10");
  assertEquals(clusterDNSIP("bogus"), "10.96.0.10");
});

Deno.test("defaults: random bootstrap tokens have the right form", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const t = generateBootstrapToken();
    assert(/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(t), t);
    seen.add(t);
  }
  assertEquals(seen.size, 50);
});

Deno.test("defaults: CRI socket detection", async () => {
  assertEquals(
    await detectCRISocket(fakeHostFacts({})),
    "unix:///var/run/containerd/containerd.sock",
  );
  assertEquals(
    await detectCRISocket(fakeHostFacts({ criSockets: ["unix:///var/run/crio/crio.sock"] })),
    "unix:///var/run/crio/crio.sock",
  );
  await assertRejects(
    () =>
      detectCRISocket(
        fakeHostFacts({
          criSockets: [
            "unix:///var/run/crio/crio.sock",
            "unix:///var/run/containerd/containerd.sock",
          ],
        }),
      ),
    Error,
    "found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: unix:///var/run/containerd/containerd.sock, unix:///var/run/crio/crio.sock",
  );
});

Deno.test("loadInitConfig: dynamic defaults from flags", async () => {
  const cfg = await loadInitConfig({
    host,
    options: initOptions({
      podNetworkCidr: "10.244.0.0/16",
      serviceCidr: "10.100.0.0/16",
      controlPlaneEndpoint: "lb.example.com",
      apiserverCertExtraSans: ["API.Example.com"],
      kubernetesVersion: "v1.37.1",
      token: "abcdef.0123456789abcdef",
      tokenTtl: "2h",
      ignorePreflightErrors: ["Swap", "NumCPU"],
    }),
  });
  assertEquals(cfg.init.nodeRegistration.name, "my-host");
  assertEquals(cfg.init.nodeRegistration.taints, [
    { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
  ]);
  assertEquals(cfg.init.localAPIEndpoint, { advertiseAddress: "192.0.2.10", bindPort: 6443 });
  assertEquals(cfg.init.bootstrapTokens?.[0].token, "abcdef.0123456789abcdef");
  assertEquals(cfg.init.bootstrapTokens?.[0].ttl, "2h0m0s");
  assertEquals(cfg.cluster.controlPlaneEndpoint, "lb.example.com:6443");
  assertEquals(cfg.cluster.apiServer.certSANs, ["api.example.com"]);
  assertEquals(cfg.ignorePreflightErrors, ["numcpu", "swap"]);
  assertEquals(cfg.componentConfigs.kubelet.clusterDNS, ["10.100.0.10"]);
  assertEquals(cfg.componentConfigs.kubeProxy.clusterCIDR, "10.244.0.0/16");
  assertEquals(cfg.componentConfigs.kubeProxy.bindAddress, "0.0.0.0");
  assertEquals(cfg.componentConfigs.kubelet.cgroupDriver, "systemd");
  assertEquals(cfg.componentConfigs.kubelet.rotateCertificates, true);
});

Deno.test("loadInitConfig: version labels resolve offline to the built-in version", async () => {
  const cfg = await loadInitConfig({ host, options: initOptions({}) });
  assertEquals(cfg.cluster.kubernetesVersion, "v1.37.2");
  assertStringIncludes(
    cfg.warnings.join("\n"),
    'version label "stable-1" resolves to the built-in',
  );
});

Deno.test("loadInitConfig: IPv6 advertise address gives a :: kube-proxy bind address", async () => {
  const cfg = await loadInitConfig({
    host,
    configText: H4 +
      "kind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: fd00::11\n---\n" + H4 +
      "kind: ClusterConfiguration\nkubernetesVersion: v1.37.2\n",
  });
  assertEquals(cfg.componentConfigs.kubeProxy.bindAddress, "::");
});

Deno.test("loadInitConfig: strict problems are warnings outside config validate", async () => {
  const cfg = await loadInitConfig({
    host,
    configText: H4 + "kind: ClusterConfiguration\nkubernetesVersion: v1.37.2\nfoo: bar\n",
  });
  assertStringIncludes(cfg.warnings.join("\n"), '<config>:4:1: unknown field "foo"');
});

Deno.test("--config mixing rules", async () => {
  validateMixedArguments({ config: "x", nodeName: "a", dryRun: true, skipPhases: ["a"] });
  assertThrows(
    () =>
      validateMixedArguments({ config: "x", token: "t", kubernetesVersion: "v1", criSocket: "s" }),
    Error,
    "can not mix '--config' with arguments [cri-socket kubernetes-version token]",
  );
  const cases: [Record<string, unknown>, string][] = [
    [{ podNetworkCidr: "10.0.0.0/16" }, "[pod-network-cidr]"],
    [{ controlPlane: true, certificateKey: "x" }, "[certificate-key control-plane]"],
    [{ featureGates: "A=true" }, "[feature-gates]"],
    [{ discoveryTokenCaCertHash: ["sha256:x"] }, "[discovery-token-ca-cert-hash]"],
    [{ apiserverCertExtraSans: ["a"] }, "[apiserver-cert-extra-sans]"],
  ];
  for (const [flags, want] of cases) {
    assertThrows(() => validateMixedArguments({ config: "c", ...flags }), Error, want);
  }
  await assertRejects(
    () =>
      loadInitConfig({
        host,
        configText: H4 + "kind: ClusterConfiguration\n",
        options: initOptions({ config: "<config>", serviceCidr: "10.0.0.0/16" }),
      }),
    Error,
    "can not mix '--config' with arguments [service-cidr]",
  );
});

Deno.test("--feature-gates parsing", () => {
  assertEquals(parseFeatureGates("RootlessControlPlane=true"), { RootlessControlPlane: true });
  assertThrows(() => parseFeatureGates("Foo=true"), Error, "unrecognized feature-gate key: Foo");
  assertThrows(
    () => parseFeatureGates("RootlessControlPlane"),
    Error,
    "missing bool value for feature-gate key:RootlessControlPlane",
  );
  assertThrows(
    () => parseFeatureGates("RootlessControlPlane=maybe"),
    Error,
    "invalid value maybe for feature-gate key: RootlessControlPlane, use true|false instead",
  );
});

Deno.test("--ignore-preflight-errors: all cannot be combined", () => {
  assertEquals(validateIgnorePreflightErrors(["Swap"], ["NumCPU"]), ["numcpu", "swap"]);
  assertThrows(
    () => validateIgnorePreflightErrors(["all", "Swap"], []),
    Error,
    `ignore-preflight-errors: Invalid value: "all,swap": don't specify individual checks if 'all' is used`,
  );
});

Deno.test("loadJoinConfig: flags → discovery, control plane, node registration", async () => {
  const j = await loadJoinConfig({
    host,
    options: joinOptions({
      args: ["10.0.0.1:6443"],
      token: "abcdef.0123456789abcdef",
      discoveryTokenCaCertHash: ["sha256:" + "0".repeat(64)],
      controlPlane: true,
      apiserverAdvertiseAddress: "10.0.0.2",
    }),
  });
  assertEquals(j.join.discovery.bootstrapToken?.apiServerEndpoint, "10.0.0.1:6443");
  assertEquals(j.join.discovery.tlsBootstrapToken, "abcdef.0123456789abcdef");
  assertEquals(j.join.controlPlane?.localAPIEndpoint, {
    advertiseAddress: "10.0.0.2",
    bindPort: 6443,
  });
  assertEquals(j.join.nodeRegistration.taints?.length, 1);
  const w = await loadJoinConfig({
    host,
    options: joinOptions({
      args: ["10.0.0.1:6443"],
      token: "abcdef.0123456789abcdef",
      discoveryTokenUnsafeSkipCaVerification: true,
      certificateKey: "ab",
    }),
  });
  assertEquals(w.join.controlPlane, undefined);
  assertEquals(w.join.nodeRegistration.taints, undefined);
  assertStringIncludes(w.warnings.join("\n"), "--control-plane is also required");
  await assertRejects(
    () => loadJoinConfig({ host, options: joinOptions({ token: "abcdef.0123456789abcdef" }) }),
    Error,
    'discovery: Invalid value: "": bootstrapToken or file must be set',
  );
});

Deno.test("loadResetConfig and loadUpgradeConfig", async () => {
  const r = await loadResetConfig({
    host,
    options: resetOptions({ force: true, certDir: "/tmp/pki" }),
  });
  assertEquals(r.force, true);
  assertEquals(r.certificatesDir, "/tmp/pki");
  assertEquals(r.criSocket, "unix:///var/run/containerd/containerd.sock");
  const u = loadUpgradeConfig({
    options: upgradeOptions({ etcdUpgrade: false, kubernetesVersion: "v1.37.2" }),
  });
  assertEquals(u.upgrade.apply.etcdUpgrade, false);
  assertEquals(u.upgrade.plan.kubernetesVersion, "v1.37.2");
  assertEquals(u.upgrade.node.certificateRenewal, true);
});

Deno.test("upgradeOptions: every upgrade flag lands in the configurations kubeadm sets it in", () => {
  const o = upgradeOptions({
    kubernetesVersion: "v1.37.2",
    allowExperimentalUpgrades: true,
    allowReleaseCandidateUpgrades: true,
    certificateRenewal: false,
    dryRun: true,
    etcdUpgrade: false,
    force: true,
    printConfig: true,
    patches: "/p",
    skipPhases: ["addon/coredns"],
    contextLines: 5,
    ignorePreflightErrors: ["all"],
  });
  assertEquals(o.apply, {
    kubernetesVersion: "v1.37.2",
    allowExperimentalUpgrades: true,
    allowRCUpgrades: true,
    certificateRenewal: false,
    etcdUpgrade: false,
    dryRun: true,
    forceUpgrade: true,
    printConfig: true,
    patches: { directory: "/p" },
    skipPhases: ["addon/coredns"],
  });
  assertEquals(o.node, {
    certificateRenewal: false,
    etcdUpgrade: false,
    dryRun: true,
    patches: { directory: "/p" },
    skipPhases: ["addon/coredns"],
  });
  assertEquals(o.plan, {
    kubernetesVersion: "v1.37.2",
    allowExperimentalUpgrades: true,
    allowRCUpgrades: true,
    etcdUpgrade: false,
    dryRun: true,
    printConfig: true,
  });
  assertEquals(o.diff, { kubernetesVersion: "v1.37.2", contextLines: 5 });
  assertEquals(o.ignorePreflightErrors, ["all"]);
  assertEquals(upgradeOptions({}), {
    apply: {},
    node: {},
    plan: {},
    diff: {},
    ignorePreflightErrors: undefined,
  });
});

Deno.test("errors are KubestrapError with exit code 1", async () => {
  const e = await assertRejects(() =>
    loadInitConfig({ host, configText: "kind: InitConfiguration\n" })
  );
  assert(e instanceof KubestrapError);
  assertEquals(e.exitCode, 1);
});

Deno.test("images: naming rules", () => {
  const c = defaultClusterConfiguration({ kubernetesVersion: "v1.37.2" });
  assertEquals(controlPlaneImages(c), [
    "registry.k8s.io/kube-apiserver:v1.37.2",
    "registry.k8s.io/kube-controller-manager:v1.37.2",
    "registry.k8s.io/kube-scheduler:v1.37.2",
    "registry.k8s.io/kube-proxy:v1.37.2",
    "registry.k8s.io/coredns/coredns:v1.14.6",
    "registry.k8s.io/pause:3.10.2",
    "registry.k8s.io/etcd:3.7.0-0",
  ]);
  const custom = defaultClusterConfiguration({
    kubernetesVersion: "v1.36.1+build.1",
    imageRepository: "my.reg/k8s",
    dns: { imageRepository: "registry.k8s.io", imageTag: "v1.12.0" },
    etcd: { local: { dataDir: "", imageRepository: "etcd.reg", imageTag: "3.6.0-0" } },
  });
  const i = imagesFor(custom);
  assertEquals(i.kubeAPIServer, "my.reg/k8s/kube-apiserver:v1.36.1_build.1");
  assertEquals(i.coreDNS, "registry.k8s.io/coredns/coredns:v1.12.0");
  assertEquals(i.etcd, "etcd.reg/etcd:3.6.0-0");
  assertEquals(i.pause, "my.reg/k8s/pause:3.10.2");
});

const golden = new URL("./golden/", import.meta.url).pathname;

Deno.test("config print *-defaults golden outputs (captured from kubeadm v1.37.2)", () => {
  setPrintHostname("HOSTNAME");
  try {
    for (const k of ["init", "join", "reset", "upgrade"] as const) {
      assertEquals(printDefaults(k), Deno.readTextFileSync(`${golden}${k}-defaults.yaml`), k);
    }
    assertEquals(
      printDefaults("init", {
        componentConfigs: ["KubeletConfiguration", "KubeProxyConfiguration"],
      }),
      Deno.readTextFileSync(`${golden}init-defaults-component-configs.yaml`),
    );
    assertThrows(
      () => printDefaults("init", { componentConfigs: ["Foo"] }),
      Error,
      "--component-configs needs to contain some of [KubeProxyConfiguration KubeletConfiguration]",
    );
  } finally {
    setPrintHostname(undefined);
  }
});

Deno.test("loadInitConfig: the deprecated --*-extra-args flags become the components' extraArgs", async () => {
  const cfg = await loadInitConfig({
    host,
    options: initOptions({
      apiserverExtraArgs: ["a=b", "zz=1"],
      controllerManagerExtraArgs: ["v=4"],
      schedulerExtraArgs: ["x=y"],
    }),
  });
  assertEquals(cfg.cluster.apiServer.extraArgs, [{ name: "a", value: "b" }, {
    name: "zz",
    value: "1",
  }]);
  assertEquals(cfg.cluster.controllerManager.extraArgs, [{ name: "v", value: "4" }]);
  assertEquals(cfg.cluster.scheduler.extraArgs, [{ name: "x", value: "y" }]);
  await assertRejects(
    () => loadInitConfig({ host, options: initOptions({ schedulerExtraArgs: ["novalue"] }) }),
    Error,
    `invalid argument "novalue" for "--scheduler-extra-args" flag: malformed key=value pair in flag value: novalue`,
  );
});

Deno.test("timeoutsMs: the configuration's timeouts in ms, kubeadm's defaults for the unset ones", () => {
  assertEquals(timeoutsMs({ kubernetesAPICall: "1m30s", discovery: "500ms" }), {
    controlPlaneComponentHealthCheck: 240_000,
    kubeletHealthCheck: 240_000,
    kubernetesAPICall: 90_000,
    etcdAPICall: 120_000,
    tlsBootstrap: 300_000,
    discovery: 500,
    upgradeManifests: 300_000,
  });
});
