// `kubeadm kubeconfig user` through the CLI, on a PKI made by `init phase certs all --rootfs`,
// checked with openssl and, when the binary is cached, against the real kubeadm v1.37.2.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { parse } from "yaml";
import {
  canUnshare,
  clientCertOf,
  ks,
  kubeadmIn,
  kubeadmPath,
  makeRoot,
  sh,
  x509,
} from "./helpers.ts";

const kubeadm = kubeadmPath();
const differential = kubeadm !== undefined && canUnshare();
const skipped = differential
  ? ""
  : ` [ignored: ${
    kubeadm
      ? "unshare -m with a bind mount is not possible here"
      : "the kubeadm v1.37.2 binary is not cached"
  }]`;

let shared: Promise<string> | undefined;
function sharedRoot(): Promise<string> {
  shared ??= makeRoot("kubestrap-kcuser-");
  return shared;
}

interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  "current-context": string;
  users: { name: string; user: Record<string, string> }[];
}

Deno.test("kubeconfig user: a client certificate signed by the cluster CA", async () => {
  const root = await sharedRoot();
  const r = await ks(
    "kubeconfig",
    "user",
    "--rootfs",
    root,
    "--client-name",
    "foo",
    "--org",
    "a,b",
    "--org",
    "c",
  );
  assertEquals(r.code, 0, r.err);
  assert(r.out.endsWith("\n\n"), "kubeadm prints the kubeconfig with Fprintln");
  assert(r.out.startsWith("apiVersion: v1\nclusters:\n- cluster:\n"), r.out);
  const kc = parse(r.out) as Kubeconfig;
  assertEquals(kc["current-context"], "foo@kubernetes");
  assertEquals(kc.contexts, [{
    name: "foo@kubernetes",
    context: { cluster: "kubernetes", user: "foo" },
  }]);
  assertEquals(kc.clusters[0].name, "kubernetes");
  assertMatch(kc.clusters[0].cluster.server, /^https:\/\/[\d.:a-f\[\]]+:6443$/);
  assertEquals(
    atob(kc.clusters[0].cluster["certificate-authority-data"]),
    await Deno.readTextFile(`${root}/etc/kubernetes/pki/ca.crt`),
  );
  const cert = clientCertOf(r.out);
  const info = await x509(cert, "-subject -ext extendedKeyUsage -startdate -enddate");
  assertStringIncludes(info, "subject=CN=foo,O=c+O=b+O=a");
  assertStringIncludes(info, "TLS Web Client Authentication");
  const days = (Date.parse(info.match(/notAfter=(.*)/)![1]) - Date.now()) / 86400_000;
  assert(days > 364 && days <= 365, `validity ${days} days`);
  const tmp = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(tmp, cert);
    const v = await sh(`openssl verify -CAfile '${root}/etc/kubernetes/pki/ca.crt' '${tmp}'`);
    assertEquals(v.code, 0, v.err);
  } finally {
    await Deno.remove(tmp);
  }
  // The private key matches the certificate.
  const key = atob(kc.users[0].user["client-key-data"]);
  const pubOfKey = await sh(`echo '${btoa(key)}' | base64 -d | openssl pkey -pubout`);
  const pubOfCert = await sh(`echo '${btoa(cert)}' | base64 -d | openssl x509 -noout -pubkey`);
  assertEquals(pubOfKey.out, pubOfCert.out);
});

Deno.test("kubeconfig user --token: token authentication, no client certificate", async () => {
  const root = await sharedRoot();
  const r = await ks(
    "kubeconfig",
    "user",
    "--rootfs",
    root,
    "--client-name",
    "bob",
    "--token",
    "abc.def",
  );
  assertEquals(r.code, 0, r.err);
  const kc = parse(r.out) as Kubeconfig;
  assertEquals(kc.users, [{ name: "bob", user: { token: "abc.def" } }]);
});

Deno.test("kubeconfig user: --validity-period, --config, and errors", async () => {
  const root = await sharedRoot();
  const long = await ks(
    "kubeconfig",
    "user",
    "--rootfs",
    root,
    "--client-name",
    "x",
    "--validity-period",
    "9000h",
  );
  assertEquals(long.code, 0);
  assertMatch(
    long.err,
    /^W\d{4} [\d:.]+ +\d+ kubeconfig\.go:\d+\] WARNING: the specified certificate validity period 9000h0m0s is longer than the default duration 8760h0m0s, this may increase security risks\.$/m,
  );
  const end = (await x509(clientCertOf(long.out), "-enddate")).match(/notAfter=(.*)/)![1];
  const hours = (Date.parse(end) - Date.now()) / 3600_000;
  assert(hours > 8999 && hours <= 9000, `validity ${hours}h`);

  const short = await ks(
    "kubeconfig",
    "user",
    "--rootfs",
    root,
    "--client-name",
    "x",
    "--validity-period",
    "1h",
  );
  assertEquals([short.code, short.err.includes("validity period")], [0, false]);

  await Deno.writeTextFile(
    `${root}/user.yaml`,
    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: prod\n" +
      "controlPlaneEndpoint: cp.example.com:7443\n",
  );
  const cfg = await ks(
    "kubeconfig",
    "user",
    "--rootfs",
    root,
    "--client-name",
    "y",
    "--config",
    "/user.yaml",
  );
  assertEquals(cfg.code, 0, cfg.err);
  const kc = parse(cfg.out) as Kubeconfig;
  assertEquals(kc.clusters[0].name, "prod");
  assertEquals(kc.clusters[0].cluster.server, "https://cp.example.com:7443");
  assertEquals(kc["current-context"], "y@prod");

  const none = await ks("kubeconfig", "user", "--rootfs", root);
  assertEquals(none.code, 1);
  assertStringIncludes(none.err, `error: required flag(s) "client-name" not set\n`);

  const empty = await Deno.makeTempDir({ prefix: "kubestrap-kcuser-empty-" });
  try {
    const noCA = await ks("kubeconfig", "user", "--rootfs", empty, "--client-name", "z");
    assertEquals(noCA.code, 1);
    assertStringIncludes(
      noCA.err,
      "error: couldn't create a kubeconfig; the CA files couldn't be loaded: failed to load " +
        "certificate: couldn't load the " +
        "certificate file /etc/kubernetes/pki/ca.crt: open /etc/kubernetes/pki/ca.crt: no such " +
        "file or directory\n",
    );
    assertEquals(noCA.out, "");
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test({
  name: "differential: kubeconfig user equals kubeadm's output but for the key material" + skipped,
  ignore: !differential,
  fn: async () => {
    const root = await sharedRoot();
    const mask = (s: string) =>
      s.replace(/client-(certificate|key)-data: \S+/g, "client-$1-data: X");
    for (
      const args of [
        ["--client-name", "foo", "--org", "a,b", "--org", "c"],
        ["--client-name", "bar", "--token", "abc.def"],
        ["--client-name", "baz", "--validity-period", "100h"],
      ]
    ) {
      const ours = await ks("kubeconfig", "user", "--rootfs", root, ...args);
      const theirs = await kubeadmIn(root, "kubeconfig", "user", ...args);
      assertEquals([ours.code, mask(ours.out)], [theirs.code, mask(theirs.out)], args.join(" "));
      if (!args.includes("--token")) {
        const a = await x509(clientCertOf(ours.out), "-subject -ext extendedKeyUsage -issuer");
        const b = await x509(clientCertOf(theirs.out), "-subject -ext extendedKeyUsage -issuer");
        assertEquals(a, b);
      }
    }
    const ours = await ks("kubeconfig", "user", "--rootfs", root);
    const theirs = await kubeadmIn(root, "kubeconfig", "user");
    assertEquals([ours.code, ours.out], [theirs.code, theirs.out]);
    assertStringIncludes(theirs.err, ours.err.split("\n")[0].replace("kubestrap", "kubeadm"));
  },
});
