/**
 * A certificates directory that cannot be read (a file where `pki` should be) or files in it that
 * do not parse: the single `certs` and `kubeconfig` phases fail with kubeadm's error chain
 * (pkiutil.TryLoad*FromDisk wrapping certutil/keyutil, "failed to load certificate", "failure
 * loading ca certificate", ...), exit 1 and write nothing. Compared with the real kubeadm v1.37.2
 * when the test bed built it.
 */
import { assertEquals } from "../assert.ts";
import { canUnshare, ks, kubeadmIn, kubeadmPath } from "./helpers.ts";

const differential = kubeadmPath() !== undefined && canUnshare();

const NOTDIR = (f: string) => `couldn't load the certificate file ${f}: open ${f}: not a directory`;

/** A rootfs whose /etc/kubernetes holds `files` (path → content). */
async function rootWith(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-pkiload-" });
  for (const [p, text] of Object.entries(files)) {
    const full = `${root}/etc/kubernetes/${p}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
  return root;
}

/** Every path under `dir`, sorted. */
async function tree(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}${rel}`)) {
    out.push(`${rel}/${e.name}`);
    if (e.isDirectory) out.push(...await tree(dir, `${rel}/${e.name}`));
  }
  return out.sort();
}

const errorLine = (stderr: string) => stderr.split("\n").find((l) => l.startsWith("error:"));

const CASES: { name: string; files: Record<string, string>; args: string[]; want: string }[] = [
  {
    name: "certs ca, pki is a file",
    files: { pki: "" },
    args: ["init", "phase", "certs", "ca"],
    want: "error: error execution phase certs/ca: failure loading ca certificate: " +
      `failed to load certificate: ${NOTDIR("/etc/kubernetes/pki/ca.crt")}`,
  },
  {
    name: "certs etcd-ca, pki is a file",
    files: { pki: "" },
    args: ["init", "phase", "certs", "etcd-ca"],
    want: "error: error execution phase certs/etcd-ca: failure loading etcd/ca certificate: " +
      `failed to load certificate: ${NOTDIR("/etc/kubernetes/pki/etcd/ca.crt")}`,
  },
  {
    name: "certs apiserver, pki is a file",
    files: { pki: "" },
    args: ["init", "phase", "certs", "apiserver"],
    want: "error: error execution phase certs/apiserver: couldn't load CA certificate ca: " +
      "failure loading ca certificate authority: failed to load certificate: " +
      NOTDIR("/etc/kubernetes/pki/ca.crt"),
  },
  {
    name: "certs front-proxy-client, pki is a file",
    files: { pki: "" },
    args: ["init", "phase", "certs", "front-proxy-client"],
    want: "error: error execution phase certs/front-proxy-client: couldn't load CA certificate " +
      "front-proxy-ca: failure loading front-proxy-ca certificate authority: failed to load " +
      `certificate: ${NOTDIR("/etc/kubernetes/pki/front-proxy-ca.crt")}`,
  },
  {
    name: "kubeconfig admin, pki is a file",
    files: { pki: "" },
    args: ["init", "phase", "kubeconfig", "admin"],
    want: "error: error execution phase kubeconfig/admin: couldn't create a kubeconfig; the CA " +
      `files couldn't be loaded: failed to load certificate: ${
        NOTDIR("/etc/kubernetes/pki/ca.crt")
      }`,
  },
  {
    name: "kubeconfig admin, an empty ca.crt",
    files: { "pki/ca.crt": "" },
    args: ["init", "phase", "kubeconfig", "admin"],
    want: "error: error execution phase kubeconfig/admin: couldn't create a kubeconfig; the CA " +
      "files couldn't be loaded: failed to load certificate: couldn't load the certificate file " +
      "/etc/kubernetes/pki/ca.crt: error reading /etc/kubernetes/pki/ca.crt: data does not " +
      "contain any valid RSA or ECDSA certificates",
  },
  {
    name: "certs sa, pki is a file",
    files: { pki: "" },
    args: ["init", "phase", "certs", "sa"],
    want: "error: error execution phase certs/sa: file sa.key existed but it could not be loaded " +
      "properly: open /etc/kubernetes/pki/sa.key: not a directory",
  },
  {
    name: "certs sa, an sa.key that is no key",
    files: { "pki/sa.key": "not a key\n" },
    args: ["init", "phase", "certs", "sa"],
    want: "error: error execution phase certs/sa: file sa.key existed but it could not be loaded " +
      "properly: error reading private key file /etc/kubernetes/pki/sa.key: data does not " +
      "contain a valid RSA or ECDSA private key",
  },
  {
    name: "kubeconfig user, no CA",
    files: {},
    args: ["kubeconfig", "user", "--client-name", "z"],
    want: "error: couldn't create a kubeconfig; the CA files couldn't be loaded: failed to load " +
      "certificate: couldn't load the certificate file /etc/kubernetes/pki/ca.crt: open " +
      "/etc/kubernetes/pki/ca.crt: no such file or directory",
  },
];

for (const c of CASES) {
  Deno.test(`pki load errors: ${c.name}: kubeadm's error, exit 1, nothing written`, async () => {
    const root = await rootWith(c.files);
    try {
      await Deno.mkdir(`${root}/etc/kubernetes`, { recursive: true });
      const before = await tree(root);
      const r = await ks(...c.args, "--rootfs", root);
      assertEquals([r.code, errorLine(r.err)], [1, c.want], r.err);
      assertEquals(r.out.includes("[certs] Generated"), false, r.out);
      assertEquals(await tree(root), before, "nothing written");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test({
  name: "pki load errors: the same error lines as kubeadm v1.37.2" +
    (differential ? "" : " [ignored: no kubeadm binary or no unshare]"),
  ignore: !differential,
  fn: async () => {
    for (const c of CASES) {
      const root = await rootWith(c.files);
      try {
        await Deno.mkdir(`${root}/etc/kubernetes`, { recursive: true });
        const theirs = await kubeadmIn(root, ...c.args);
        assertEquals([theirs.code, errorLine(theirs.err)], [1, c.want], c.name);
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    }
  },
});
