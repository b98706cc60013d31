// `kubestrap certs check` (beyond kubeadm) on trees made by kubestrap's own
// `init phase certs/kubeconfig all` and by the real kubeadm v1.37.2, each breakage failing with
// its message and fix, and its expiration data equal to the real kubeadm's
// `certs check-expiration -o json` on the same tree.
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  canUnshare,
  copyRoot,
  ks,
  kubeadmIn,
  kubeadmPath,
  makeRoot,
  normaliseResidual,
} from "./helpers.ts";
import { Host } from "../../lib/host.ts";
import { renewCertificate } from "../../lib/renewal/renewal.ts";
import { renewalFS } from "../../lib/renewal/staged.ts";

const differential = kubeadmPath() !== undefined && canUnshare();
const skipped = differential ? "" : " [ignored: no kubeadm v1.37.2 binary or no unshare -m]";
const PKI = "/etc/kubernetes/pki";

let shared: Promise<string> | undefined;
let foreign: Promise<string> | undefined;
/** One kubestrap-made tree (copied by each test) and one of another cluster (another CA). */
const sharedRoot = () => shared ??= makeRoot("kubestrap-check-");
const foreignRoot = () => foreign ??= makeRoot("kubestrap-check-other-");

type CheckJSON = {
  ok: boolean;
  items: { name: string; status: string; externallyManaged: boolean; problems: unknown[] }[];
  expiration: unknown;
};

async function checkJSON(root: string, ...extra: string[]) {
  const r = await ks("certs", "check", "--rootfs", root, "-o", "json", ...extra);
  return { ...r, obj: JSON.parse(r.out) as CheckJSON };
}

Deno.test("certs check: a tree made by kubestrap's init phases passes (text, json, yaml)", async () => {
  const root = await sharedRoot();
  const text = await ks("certs", "check", "--rootfs", root);
  assertEquals(text.code, 0, text.err);
  assertStringIncludes(text.out, "ITEM");
  for (const n of ["ca", "apiserver", "etcd-peer", "sa", "admin.conf", "kubelet.conf"]) {
    assert(new RegExp(`^${n.replace(".", "\\.")} +\\S+ +ok `, "m").test(text.out), n);
  }
  const { code, obj } = await checkJSON(root);
  assertEquals(code, 0);
  assertEquals(obj.ok, true);
  assertEquals(obj.items.length, 16);
  assert(obj.items.every((i) => i.status === "ok" && i.problems.length === 0));
  const yaml = await ks("certs", "check", "--rootfs", root, "-o", "yaml");
  assertEquals(yaml.code, 0);
  assertStringIncludes(yaml.out, "kind: CertificateCheck\n");
  assertStringIncludes(yaml.out, "ok: true\n");
});

Deno.test({
  name: "certs check: a tree made by the real kubeadm v1.37.2 passes" + skipped,
  ignore: !differential,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "kubestrap-check-kubeadm-" });
    try {
      await Deno.mkdir(`${root}/etc/kubernetes`, { recursive: true });
      for (const phase of ["certs", "kubeconfig"]) {
        const r = await kubeadmIn(root, "init", "phase", phase, "all");
        assertEquals(r.code, 0, r.err);
      }
      const r = await ks("certs", "check", "--rootfs", root);
      assertEquals(r.code, 0, r.out + r.err);
      const { obj } = await checkJSON(root);
      assert(obj.items.every((i) => i.status === "ok"), JSON.stringify(obj.items));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

/** Each breakage: what it does to a copy of the tree, and the message and fix it must give. */
const BREAKAGES: {
  what: string;
  item: string;
  breakIt: (root: string, other: string) => Promise<unknown>;
  message: string;
  fix: string;
  args?: string[];
}[] = [
  {
    what: "swapped key",
    item: "apiserver",
    breakIt: (r) =>
      Deno.copyFile(`${r}${PKI}/apiserver-kubelet-client.key`, `${r}${PKI}/apiserver.key`),
    message: `${PKI}/apiserver.key is not the private key of ${PKI}/apiserver.crt`,
    fix: "kubestrap certs renew apiserver",
  },
  {
    what: "certificate from another CA",
    item: "front-proxy-client",
    breakIt: async (r, o) => {
      for (const ext of ["crt", "key"]) {
        await Deno.copyFile(
          `${o}${PKI}/front-proxy-client.${ext}`,
          `${r}${PKI}/front-proxy-client.${ext}`,
        );
      }
    },
    message:
      `${PKI}/front-proxy-client.crt is not signed by ${PKI}/front-proxy-ca.crt: x509: certificate signed by unknown authority`,
    fix: "kubestrap certs renew front-proxy-client",
  },
  {
    what: "missing SAN",
    item: "apiserver",
    breakIt: (r) =>
      Deno.writeTextFile(
        `${r}/cfg.yaml`,
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n" +
          "controlPlaneEndpoint: cp.example.com:6443\n",
      ),
    args: ["--config", "/cfg.yaml"],
    message: `${PKI}/apiserver.crt is not valid for cp.example.com`,
    fix: `rm ${PKI}/apiserver.crt ${PKI}/apiserver.key && kubestrap init phase certs apiserver`,
  },
  {
    what: "mismatched sa pair",
    item: "sa",
    breakIt: (r, o) => Deno.copyFile(`${o}${PKI}/sa.pub`, `${r}${PKI}/sa.pub`),
    message: `${PKI}/sa.pub is not the public key of ${PKI}/sa.key`,
    fix: `openssl pkey -in ${PKI}/sa.key -pubout -out ${PKI}/sa.pub`,
  },
  {
    what: "kubeconfig with a foreign CA",
    item: "admin.conf",
    breakIt: (r, o) =>
      Deno.copyFile(`${o}/etc/kubernetes/admin.conf`, `${r}/etc/kubernetes/admin.conf`),
    message:
      `the CA of /etc/kubernetes/admin.conf (current context "kubernetes-admin@kubernetes") is not ${PKI}/ca.crt`,
    fix: "kubestrap certs renew admin.conf",
  },
  {
    what: "kubeconfig whose client certificate another CA signed",
    item: "scheduler.conf",
    breakIt: async (r, o) => {
      // Only the user of another cluster's scheduler.conf: the cluster's CA is still ca.crt.
      const mine = await Deno.readTextFile(`${r}/etc/kubernetes/scheduler.conf`);
      const theirs = await Deno.readTextFile(`${o}/etc/kubernetes/scheduler.conf`);
      const user = (t: string) => t.slice(t.indexOf("users:"));
      await Deno.writeTextFile(
        `${r}/etc/kubernetes/scheduler.conf`,
        mine.replace(user(mine), user(theirs)),
      );
    },
    message:
      `the client certificate of /etc/kubernetes/scheduler.conf is not signed by ${PKI}/ca.crt: x509: certificate signed by unknown authority`,
    fix: "kubestrap certs renew scheduler.conf",
  },
  {
    what: "expired certificate",
    item: "etcd-server",
    breakIt: (r) =>
      // Renewed "two years ago" with the default one-year validity: expired a year ago.
      renewCertificate(
        {
          certificatesDir: PKI,
          kubeconfigDir: "/etc/kubernetes",
          clock: () => new Date(Date.now() - 2 * 365 * 24 * 3600_000),
        },
        renewalFS(new Host(r)),
        "etcd-server",
      ),
    message: `${PKI}/etcd/server.crt: the certificate has expired: NotBefore: `,
    fix: "kubestrap certs renew etcd-server",
  },
];

for (const b of BREAKAGES) {
  Deno.test(`certs check: ${b.what} fails, naming the file and the fix`, async () => {
    const root = await copyRoot(await sharedRoot());
    try {
      await b.breakIt(root, await foreignRoot());
      const r = await ks("certs", "check", "--rootfs", root, ...(b.args ?? []));
      assertEquals(r.code, 1, r.out + r.err);
      assert(new RegExp(`^${b.item.replace(".", "\\.")} +\\S+ +FAILED `, "m").test(r.out), r.out);
      assertStringIncludes(r.err, "problem(s) found in the node's PKI and kubeconfig files");
      assertStringIncludes(r.err, b.message);
      assertStringIncludes(r.err, `fix: ${b.fix}`);
      const { obj } = await checkJSON(root, ...(b.args ?? []));
      assertEquals(obj.ok, false);
      // Only the broken item fails.
      assertEquals(obj.items.filter((i) => i.status === "failed").map((i) => i.name), [b.item]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("certs check: an external CA (no ca.key) passes; its fixes name the external CA", async () => {
  const root = await copyRoot(await sharedRoot());
  try {
    await Deno.remove(`${root}${PKI}/ca.key`);
    const { code, obj } = await checkJSON(root);
    assertEquals(code, 0);
    const byName = new Map(obj.items.map((i) => [i.name, i]));
    assertEquals(byName.get("ca")!.externallyManaged, true);
    assertEquals(byName.get("apiserver")!.externallyManaged, true);
    assertEquals(byName.get("front-proxy-client")!.externallyManaged, false);
    await Deno.copyFile(
      `${root}${PKI}/apiserver-kubelet-client.key`,
      `${root}${PKI}/apiserver.key`,
    );
    const r = await ks("certs", "check", "--rootfs", root);
    assertEquals(r.code, 1);
    assertStringIncludes(
      r.err,
      `fix: have the external CA ${PKI}/ca.crt sign a new certificate for ${PKI}/apiserver.key`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "certs check: its expiration data equals the real kubeadm's check-expiration" + skipped,
  ignore: !differential,
  fn: async () => {
    const root = await copyRoot(await sharedRoot());
    try {
      for (const external of [false, true]) {
        // Also with a missing certificate, and with an external CA.
        if (external) await Deno.remove(`${root}${PKI}/ca.key`);
        else await Deno.remove(`${root}/etc/kubernetes/super-admin.conf`);
        const { obj } = await checkJSON(root);
        const theirs = await kubeadmIn(root, "certs", "check-expiration", "-o", "json");
        assertEquals(theirs.code, 0, theirs.err);
        assertEquals(
          normaliseResidual(JSON.stringify(obj.expiration, null, 4) + "\n"),
          normaliseResidual(theirs.out),
          `external CA: ${external}`,
        );
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("certs check: exit codes and formats as check-expiration's flags", async () => {
  const r = await ks("certs", "check", "--rootfs", await sharedRoot(), "-o", "wide");
  assertEquals(r.code, 1);
  assertStringIncludes(r.err, "unable to match a printer suitable for the output format");
});

Deno.test("certs check: (cleanup of the shared trees)", async () => {
  for (const p of [shared, foreign]) {
    if (p) await Deno.remove(await p, { recursive: true });
  }
});
