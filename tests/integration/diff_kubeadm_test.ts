/**
 * Differential test of the node-local `init` phases against the real kubeadm v1.37.2.
 *
 * For every case in testdata/diff/<case>/config.yaml (PATCHDIR stands for the case's patches/
 * directory), both tools run `init phase certs all`, `kubeconfig all`, `etcd local`,
 * `control-plane all` and `kubelet-start` with `--config`, each in its own root:
 *
 * - kubeadm in a private mount namespace (`unshare -m`) with overlays over /etc and /var/lib whose
 *   /etc/kubernetes, /var/lib/kubelet and /var/lib/etcd are removed first, so that kubeadm creates
 *   these directories itself (their modes are compared too); the three trees are copied out
 *   with `cp -a`.
 * - kubestrap as a separate `deno run main.ts ... --rootfs <dir>` process.
 *
 * Compared: the file tree (names, file and directory modes); manifests and kubelet files byte
 * for byte (with a field-by-field diff of the parsed YAML as the explanation); every certificate
 * (subject, issuer, SANs as sets, key usage, extended key usages, CA flag and path length, the
 * set of extensions with their criticality, key algorithm and size, signature algorithm,
 * validity: NotAfter − NotBefore equal and NotBefore within a minute of kubeadm's); every key
 * (PEM type, algorithm, size, matches its certificate); kubeconfigs byte for byte with the
 * base64 data masked, plus their embedded CA (= the tree's own ca.crt) and client
 * certificates/keys as above; each phase's stdout and exit code, and the error lines of a failing
 * phase (every phase runs even when an earlier one failed).
 *
 * Each tree is also checked on its own: every certificate verifies against its CA of the same
 * tree, and its AuthorityKeyIdentifier is the CA's SubjectKeyIdentifier.
 *
 * Differences that are kubestrap's deliberate choices are listed in EXCEPTIONS (and extra stdout
 * lines in OUTPUT_EXTRAS) with the reason; anything else fails the case with the complete list,
 * and so does a case-specific exception that no longer matches.
 *
 * kubeadm's `--rootfs` chroots, so it reads `--config` and the patches inside the root;
 * kubestrap's `init` reads them from the machine. The config and patches are therefore also
 * copied to the same paths inside kubestrap's root, so that the test holds either way. Needs root, unshare and overlayfs (ignored
 * only when kubeadm, root or unshare is absent).
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import * as path from "@std/path";
import { parse as parseYaml } from "yaml";
import { cacheDir, isRoot, testbed, testbedReady } from "../harness/mod.ts";
import { assert } from "../assert.ts";
import { isFile, kubestrapPhases, NODE_LOCAL_PHASES, PHASE_ENV, type PhaseRun } from "./common.ts";

const CASES_DIR = path.join(import.meta.dirname!, "testdata", "diff");
const CASES = [...Deno.readDirSync(CASES_DIR)].filter((e) => e.isDirectory).map((e) => e.name)
  .sort();

/** Cases in which kubeadm fails in some phase (the errors are compared). */
const CASES_EXPECTED_TO_FAIL = ["16-missing-patches-dir", "17-failing-patches"];

const KUBEADM = testbedReady
  ? testbed.path("kubeadm")
  : path.join(cacheDir(), "k8s/v1.37.2/bin/kubeadm");
const UNSHARE = "/usr/bin/unshare";

function why(): string {
  if (!isFile(KUBEADM)) return `no kubeadm v1.37.2 at ${KUBEADM} (deno task testbed)`;
  if (!isRoot) return "needs root (mount namespaces)";
  if (!isFile(UNSHARE)) return "needs unshare (util-linux)";
  return "";
}
const SKIP = why();
if (SKIP) console.log(`diff_kubeadm_test: ignored: ${SKIP}`);

/** kubeadm's caCertsExtraVolumePaths (app/phases/controlplane/volumes.go). */
const CA_CERTS_EXTRA_PATHS = [
  "/etc/pki/ca-trust",
  "/etc/pki/tls/certs",
  "/etc/ca-certificates",
  "/usr/share/ca-certificates",
  "/usr/local/share/ca-certificates",
];

function isDir(p: string): boolean {
  try {
    return Deno.statSync(p).isDirectory;
  } catch {
    return false;
  }
}

/** The three trees the node-local phases write. */
const TOPS = ["etc/kubernetes", "var/lib/kubelet", "var/lib/etcd"];

// ---------------------------------------------------------------------------------------------
// Deliberate differences. Each one names what it matches and why it is not a bug.

interface Exception {
  /** Cases it applies to (all when omitted). */
  cases?: string[];
  /** Matched against "<file>: <difference>". */
  match: RegExp;
  reason: string;
}

const EXCEPTIONS: Exception[] = [
  ...[
    /^"init phase etcd local": exited 1 \(kubeadm: 0\): error: error execution phase etcd\/local: error creating local etcd static pod manifest file: failed to patch static Pod manifest file for "etcd": patched manifest is not a valid Pod object$/,
    /^etc\/kubernetes\/manifests\/etcd\.yaml: missing \(kubeadm wrote a file\)$/,
  ].map((match) => ({
    cases: ["18-patch-not-a-pod"],
    match,
    reason: "a patch that makes the static Pod another kind: kubeadm's PatchStaticPod returns " +
      'errors.Wrap(nil, "patched manifest is not a valid Pod object") (nil), so kubeadm says the ' +
      "patch was applied and silently writes the unpatched manifest; kubestrap fails the phase " +
      "with that message instead of ignoring the user's patch",
  })),
];

/** Lines kubestrap prints beyond kubeadm's (removed from kubestrap's stdout before comparing). */
interface OutputExtra {
  phase: PhaseRun["phase"];
  line: RegExp;
  reason: string;
}

const OUTPUT_EXTRAS: OutputExtra[] = [
  {
    phase: "kubelet-start",
    line: /^\[kubelet-start\] Start the kubelet yourself, e\.g\.: \/usr\/bin\/kubelet /,
    reason: "with no init system kubeadm only says it cannot start the kubelet; kubestrap adds " +
      "the command line that would start it (a hint on stdout, no file changes)",
  },
];

// ---------------------------------------------------------------------------------------------
// Running both tools.

const KUBEADM_SCRIPT = `
set -eu
kubeadm="$1"; cfg="$2"; out="$3"; work="$4"
mount -t tmpfs tmpfs "$work"
for d in etc var/lib; do
  mkdir -p "$work/upper/$d" "$work/work/$d"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$work/upper/$d,workdir=$work/work/$d" "/$d"
  # Only ever remove anything below a private overlay.
  [ "$(findmnt -n -o FSTYPE --mountpoint "/$d")" = overlay ]
done
rm -rf /etc/kubernetes /var/lib/kubelet /var/lib/etcd
for phase in ${NODE_LOCAL_PHASES.map((p) => `"${p}"`).join(" ")}; do
  echo "@@phase $phase"
  echo "@@phase $phase" >&2
  # shellcheck disable=SC2086
  if ! PATH=/nonexistent "$kubeadm" init phase $phase --config "$cfg"; then
    echo "@@failed"
  fi
done
mkdir -p "$out/etc" "$out/var/lib"
for d in /etc/kubernetes /var/lib/kubelet /var/lib/etcd; do
  if [ -e "$d" ]; then cp -a "$d" "$out$(dirname "$d")/"; fi
done
`;

/**
 * Runs kubeadm's phases in a private mount namespace; the trees land in `out`. Every phase runs;
 * a failing one reports code 1.
 */
async function kubeadmPhases(config: string, out: string, work: string): Promise<PhaseRun[]> {
  const r = await new Deno.Command(UNSHARE, {
    args: [
      "-m",
      "--propagation",
      "private",
      "/bin/sh",
      "-c",
      KUBEADM_SCRIPT,
      "sh",
      KUBEADM,
      config,
      out,
      work,
    ],
    env: { ...PHASE_ENV, PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(r.stdout);
  const stderr = new TextDecoder().decode(r.stderr);
  assert(
    r.code === 0,
    `kubeadm's script failed (${r.code})\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
  );
  const errs = stderr.split(/^@@phase .*\n/m).slice(1);
  return stdout.split(/^@@phase /m).slice(1).map((chunk, i) => {
    const nl = chunk.indexOf("\n");
    const body = chunk.slice(nl + 1);
    const failed = body.endsWith("@@failed\n");
    return {
      phase: chunk.slice(0, nl) as PhaseRun["phase"],
      code: failed ? 1 : 0,
      stdout: failed ? body.slice(0, -"@@failed\n".length) : body,
      stderr: errs[i] ?? "",
    };
  });
}

/** The error lines of a failed phase (klog lines, which carry times and pids, dropped). */
function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l && !/^[IWEF]\d{4} /.test(l));
}

// ---------------------------------------------------------------------------------------------
// Trees.

interface Entry {
  dir: boolean;
  mode: number;
}

/** Relative path (e.g. "etc/kubernetes/pki/ca.crt") -> entry, for the three trees under root. */
function walkTree(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (rel: string) => {
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(path.join(root, rel));
    } catch {
      return;
    }
    out.set(rel, { dir: st.isDirectory, mode: st.mode! & 0o7777 });
    if (st.isDirectory) {
      for (const e of Deno.readDirSync(path.join(root, rel))) walk(`${rel}/${e.name}`);
    }
  };
  for (const t of TOPS) walk(t);
  return out;
}

class Diffs {
  readonly list: string[] = [];
  add(file: string, what: string) {
    this.list.push(`${file}: ${what}`);
  }
}

const j = (v: unknown) => JSON.stringify(v);

/** Field-by-field differences of two parsed YAML/JSON values (ours vs kubeadm's). */
export function deepDiff(ours: unknown, theirs: unknown, at = ""): string[] {
  const out: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(ours) && isObj(theirs)) {
    const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort();
    for (const k of keys) {
      const p = at ? `${at}.${k}` : k;
      if (!(k in ours)) out.push(`${p}: missing (kubeadm: ${j(theirs[k])})`);
      else if (!(k in theirs)) out.push(`${p}: extra ${j(ours[k])} (kubeadm has none)`);
      else out.push(...deepDiff(ours[k], theirs[k], p));
    }
  } else if (Array.isArray(ours) && Array.isArray(theirs)) {
    for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
      const p = `${at}[${i}]`;
      if (i >= ours.length) out.push(`${p}: missing (kubeadm: ${j(theirs[i])})`);
      else if (i >= theirs.length) out.push(`${p}: extra ${j(ours[i])} (kubeadm has none)`);
      else out.push(...deepDiff(ours[i], theirs[i], p));
    }
  } else if (j(ours) !== j(theirs)) {
    out.push(`${at || "(document)"}: ${j(ours)} (kubeadm: ${j(theirs)})`);
  }
  return out;
}

function parseDocs(text: string): unknown[] {
  // Both tools write YAML 1.1-free documents (kubelet's config is yaml, the env file is not).
  return text.split(/^---\s*$/m).filter((d) => d.trim()).map((d) => parseYaml(d));
}

/** Byte comparison with a field-level explanation for YAML files. */
function compareText(d: Diffs, file: string, ours: string, theirs: string) {
  if (ours === theirs) return;
  if (file.endsWith(".yaml") || file.endsWith(".conf")) {
    let fields: string[] = [];
    try {
      fields = deepDiff(parseDocs(ours), parseDocs(theirs));
    } catch (e) {
      fields = [`unparsable: ${e}`];
    }
    for (const f of fields) d.add(file, f);
    if (fields.length === 0) {
      d.add(file, `same fields, different bytes:\n${lineDiff(ours, theirs)}`);
    }
  } else {
    d.add(file, `differs:\n${lineDiff(ours, theirs)}`);
  }
}

function lineDiff(ours: string, theirs: string): string {
  const a = ours.split("\n");
  const b = theirs.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) out.push(`  line ${i + 1}: ours ${j(a[i])}\n           kubeadm ${j(b[i])}`);
    if (out.length >= 8) break;
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Certificates and keys.

interface CertFacts {
  subject: string;
  issuer: string;
  sans: string[];
  keyUsage: string[];
  extKeyUsage: string[];
  isCA: boolean;
  pathLength: number | null;
  extensions: string[];
  publicKey: string;
  signature: string;
  version: number;
  durationSec: number;
  notBefore: Date;
}

const KEY_USAGE_NAMES: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, "digitalSignature"],
  [x509.KeyUsageFlags.nonRepudiation, "nonRepudiation"],
  [x509.KeyUsageFlags.keyEncipherment, "keyEncipherment"],
  [x509.KeyUsageFlags.dataEncipherment, "dataEncipherment"],
  [x509.KeyUsageFlags.keyAgreement, "keyAgreement"],
  [x509.KeyUsageFlags.keyCertSign, "keyCertSign"],
  [x509.KeyUsageFlags.cRLSign, "cRLSign"],
  [x509.KeyUsageFlags.encipherOnly, "encipherOnly"],
  [x509.KeyUsageFlags.decipherOnly, "decipherOnly"],
];

const EKU_NAMES: Record<string, string> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
};

function keyDescription(k: KeyObject): string {
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === "rsa") return `RSA-${d.modulusLength} e=${d.publicExponent}`;
  if (k.asymmetricKeyType === "ec") return `EC-${d.namedCurve}`;
  return String(k.asymmetricKeyType);
}

function spkiDer(k: KeyObject): string {
  return btoa(String.fromCharCode(...new Uint8Array(k.export({ type: "spki", format: "der" }))));
}

function certPublicKey(cert: x509.X509Certificate): KeyObject {
  return createPublicKey(cert.publicKey.toString("pem"));
}

function certFacts(cert: x509.X509Certificate): CertFacts {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const pub = certPublicKey(cert);
  const sig = cert.signatureAlgorithm as { name: string; hash?: { name: string } };
  return {
    subject: j(cert.subjectName.toJSON()),
    issuer: j(cert.issuerName.toJSON()),
    sans: (san?.names.items ?? []).map((n) => `${n.type}:${n.value}`).sort(),
    keyUsage: ku ? KEY_USAGE_NAMES.filter(([f]) => ku.usages & f).map(([, n]) => n) : [],
    extKeyUsage: (eku?.usages ?? []).map((u) => EKU_NAMES[String(u)] ?? String(u)).sort(),
    isCA: bc?.ca ?? false,
    pathLength: bc?.pathLength ?? null,
    extensions: cert.extensions.map((e) => `${e.type}${e.critical ? "(critical)" : ""}`).sort(),
    publicKey: keyDescription(pub),
    signature: `${sig.name}/${sig.hash?.name ?? ""}`,
    version: 3,
    durationSec: (cert.notAfter.getTime() - cert.notBefore.getTime()) / 1000,
    notBefore: cert.notBefore,
  };
}

interface CompareOpts {
  /** Allowed |duration difference| in seconds (kubeconfig certs: see below). */
  durationToleranceSec?: number;
}

function compareCerts(
  d: Diffs,
  file: string,
  ours: x509.X509Certificate,
  theirs: x509.X509Certificate,
  opts: CompareOpts = {},
) {
  const a = certFacts(ours);
  const b = certFacts(theirs);
  for (const k of Object.keys(a) as (keyof CertFacts)[]) {
    if (k === "notBefore" || k === "durationSec") continue;
    if (j(a[k]) !== j(b[k])) d.add(file, `certificate ${k}: ${j(a[k])} (kubeadm: ${j(b[k])})`);
  }
  const tol = opts.durationToleranceSec ?? 0;
  if (Math.abs(a.durationSec - b.durationSec) > tol) {
    d.add(
      file,
      `certificate validity ${a.durationSec}s (kubeadm: ${b.durationSec}s, tolerance ${tol}s)`,
    );
  }
  const skew = Math.abs(a.notBefore.getTime() - b.notBefore.getTime()) / 1000;
  if (skew > 60) {
    d.add(
      file,
      `certificate NotBefore ${a.notBefore.toISOString()} is ${skew}s from kubeadm's ` +
        b.notBefore.toISOString(),
    );
  }
}

function pemLabels(text: string): string[] {
  return [...text.matchAll(/^-----BEGIN ([A-Z0-9 ]+)-----$/gm)].map((m) => m[1]);
}

function compareKeys(d: Diffs, file: string, ours: string, theirs: string) {
  if (j(pemLabels(ours)) !== j(pemLabels(theirs))) {
    d.add(file, `PEM blocks ${j(pemLabels(ours))} (kubeadm: ${j(pemLabels(theirs))})`);
  }
  const load = (t: string) =>
    pemLabels(t)[0]?.includes("PRIVATE") ? createPrivateKey(t) : createPublicKey(t);
  const a = keyDescription(load(ours));
  const b = keyDescription(load(theirs));
  if (a !== b) d.add(file, `key ${a} (kubeadm: ${b})`);
}

// ---------------------------------------------------------------------------------------------
// One tree on its own: pairs and chains.

interface Tree {
  root: string;
  entries: Map<string, Entry>;
  text(rel: string): string;
}

function openTree(root: string): Tree {
  return {
    root,
    entries: walkTree(root),
    text: (rel) => Deno.readTextFileSync(path.join(root, rel)),
  };
}

function b64decode(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}

interface Kubeconfig {
  clusters?: { name: string; cluster: Record<string, string> }[];
  users?: { name: string; user: Record<string, string> }[];
  contexts?: { name: string; context: Record<string, string> }[];
  "current-context"?: string;
}

/** Self-consistency of one tree: key pairs, signatures, key identifiers, kubeconfig CA data. */
async function checkTree(d: Diffs, who: string, t: Tree) {
  const certs = new Map<string, x509.X509Certificate>();
  for (const [rel, e] of t.entries) {
    if (!e.dir && rel.endsWith(".crt")) certs.set(rel, new x509.X509Certificate(t.text(rel)));
  }
  const cas = [...certs.values()].filter((c) => c.getExtension(x509.BasicConstraintsExtension)?.ca);
  const extra: [string, x509.X509Certificate, string | undefined][] = [];
  for (const [rel, e] of t.entries) {
    if (e.dir || !rel.endsWith(".conf")) continue;
    const kc = parseYaml(t.text(rel)) as Kubeconfig;
    for (const u of kc.users ?? []) {
      if (!u.user["client-certificate-data"]) continue;
      extra.push([
        `${rel} user ${u.name}`,
        new x509.X509Certificate(b64decode(u.user["client-certificate-data"])),
        b64decode(u.user["client-key-data"] ?? ""),
      ]);
    }
    for (const c of kc.clusters ?? []) {
      const ca = b64decode(c.cluster["certificate-authority-data"] ?? "");
      const own = [...certs.entries()].find(([p, x]) =>
        !p.includes("/etcd/") && x.subject === "CN=kubernetes"
      );
      if (!own || ca !== t.text(own[0])) {
        d.add(rel, `${who}: certificate-authority-data of ${c.name} is not the tree's ca.crt`);
      }
    }
  }
  const all: [string, x509.X509Certificate, string | undefined][] = [
    ...[...certs.entries()].map(([rel, c]): [string, x509.X509Certificate, string | undefined] => {
      const keyRel = rel.replace(/\.crt$/, ".key");
      return [rel, c, t.entries.has(keyRel) ? t.text(keyRel) : undefined];
    }),
    ...extra,
  ];
  for (const [what, cert, keyPem] of all) {
    if (keyPem === undefined) d.add(what, `${who}: no private key next to the certificate`);
    else {
      const pub = createPublicKey(createPrivateKey(keyPem));
      const certPub = certPublicKey(cert);
      if (spkiDer(pub) !== spkiDer(certPub)) d.add(what, `${who}: key does not match certificate`);
    }
    const ca = cas.find((c) => c.subject === cert.issuer);
    if (!ca) {
      d.add(what, `${who}: no CA ${cert.issuer} in the tree`);
      continue;
    }
    if (!(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }))) {
      d.add(what, `${who}: signature does not verify with ${ca.subject}`);
    }
    const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    if (cert !== ca && aki !== ski) {
      d.add(what, `${who}: AuthorityKeyIdentifier ${aki} is not the CA's SKI ${ski}`);
    }
  }
  for (const [rel] of t.entries) {
    if (!rel.endsWith("/sa.key")) continue;
    const pubRel = rel.replace(/sa\.key$/, "sa.pub");
    if (!t.entries.has(pubRel)) {
      d.add(rel, `${who}: no sa.pub`);
      continue;
    }
    const a = spkiDer(createPublicKey(createPrivateKey(t.text(rel))));
    const b = spkiDer(createPublicKey(t.text(pubRel)));
    if (a !== b) d.add(rel, `${who}: sa.pub is not sa.key's public key`);
  }
}

// ---------------------------------------------------------------------------------------------
// The comparison.

const MASK = /^(\s*(?:certificate-authority-data|client-certificate-data|client-key-data): )\S+$/gm;

function compareKubeconfig(d: Diffs, file: string, ours: string, theirs: string) {
  compareText(d, file, ours.replace(MASK, "$1<data>"), theirs.replace(MASK, "$1<data>"));
  const a = parseYaml(ours) as Kubeconfig;
  const b = parseYaml(theirs) as Kubeconfig;
  for (const u of b.users ?? []) {
    const mine = (a.users ?? []).find((x) => x.name === u.name);
    if (!mine) continue; // reported by the masked text comparison
    for (const field of ["client-certificate-data", "client-key-data"]) {
      if (!!mine.user[field] !== !!u.user[field]) {
        d.add(file, `user ${u.name}: ${field} ${mine.user[field] ? "present" : "absent"}`);
      }
    }
    if (mine.user["client-certificate-data"] && u.user["client-certificate-data"]) {
      // kubeadm: NotBefore is the CA's (from the certs phase), NotAfter is the kubeconfig
      // phase's start time + certificateValidityPeriod, so the validity includes the time
      // between the two phases, which differs between the tools by a few seconds.
      compareCerts(
        d,
        `${file} user ${u.name}`,
        new x509.X509Certificate(b64decode(mine.user["client-certificate-data"])),
        new x509.X509Certificate(b64decode(u.user["client-certificate-data"])),
        { durationToleranceSec: 60 },
      );
      compareKeys(
        d,
        `${file} user ${u.name} key`,
        b64decode(mine.user["client-key-data"]),
        b64decode(u.user["client-key-data"]),
      );
    }
  }
}

async function compareTrees(ours: Tree, theirs: Tree): Promise<Diffs> {
  const d = new Diffs();
  const names = [...new Set([...ours.entries.keys(), ...theirs.entries.keys()])].sort();
  for (const rel of names) {
    const a = ours.entries.get(rel);
    const b = theirs.entries.get(rel);
    if (!a) {
      d.add(rel, `missing (kubeadm wrote a ${b!.dir ? "directory" : "file"})`);
      continue;
    }
    if (!b) {
      d.add(rel, `extra ${a.dir ? "directory" : "file"} (kubeadm wrote none)`);
      continue;
    }
    if (a.dir !== b.dir) d.add(rel, `directory ${a.dir} (kubeadm: ${b.dir})`);
    if (a.mode !== b.mode) {
      d.add(rel, `mode 0${a.mode.toString(8)} (kubeadm: 0${b.mode.toString(8)})`);
    }
    if (a.dir || b.dir) continue;
    const ta = ours.text(rel);
    const tb = theirs.text(rel);
    if (rel.endsWith(".crt")) {
      compareCerts(d, rel, new x509.X509Certificate(ta), new x509.X509Certificate(tb));
      if (j(pemLabels(ta)) !== j(pemLabels(tb))) {
        d.add(rel, `PEM blocks ${j(pemLabels(ta))} (kubeadm: ${j(pemLabels(tb))})`);
      }
    } else if (rel.endsWith(".key") || rel.endsWith(".pub")) {
      compareKeys(d, rel, ta, tb);
    } else if (/^etc\/kubernetes\/[^/]+\.conf$/.test(rel)) {
      compareKubeconfig(d, rel, ta, tb);
    } else {
      compareText(d, rel, ta, tb);
    }
  }
  await checkTree(d, "kubestrap", ours);
  await checkTree(d, "kubeadm", theirs);
  return d;
}

function comparePhaseOutput(
  d: Diffs,
  ours: PhaseRun[],
  theirs: PhaseRun[],
  used: Set<OutputExtra>,
) {
  for (let i = 0; i < theirs.length; i++) {
    const phase = theirs[i].phase;
    const mine = (ours[i]?.stdout ?? "").split("\n").filter((line) => {
      const extra = OUTPUT_EXTRAS.find((x) => x.phase === phase && x.line.test(line));
      if (extra) used.add(extra);
      return !extra;
    }).join("\n");
    compareText(d, `stdout of "init phase ${phase}"`, mine, theirs[i].stdout);
  }
}

// ---------------------------------------------------------------------------------------------
// The cases. Each runs once; the trees stay until the module ends (the comparator's own test
// below reuses two of them).

interface CaseRun {
  ours: string;
  theirs: string;
  ourOut: PhaseRun[];
  theirOut: PhaseRun[];
}

let base = "";
const runs = new Map<string, CaseRun>();

function removeBase() {
  if (base) Deno.removeSync(base, { recursive: true });
  base = "";
  runs.clear();
}
globalThis.addEventListener("unload", () => {
  try {
    removeBase();
  } catch {
    // best effort
  }
});

async function runCase(name: string): Promise<CaseRun> {
  const done = runs.get(name);
  if (done) return done;
  if (!base) base = await Deno.makeTempDir({ prefix: "kubestrap-diff-" });
  const tmp = path.join(base, name);
  const caseDir = path.join(CASES_DIR, name);
  const cfgText = Deno.readTextFileSync(path.join(caseDir, "config.yaml"))
    .replaceAll("PATCHDIR", path.join(caseDir, "patches"));
  const cfg = path.join(tmp, "config.yaml");
  await Deno.mkdir(path.join(tmp, "work"), { recursive: true });
  await Deno.writeTextFile(cfg, cfgText);

  const theirs = path.join(tmp, "kubeadm");
  await Deno.mkdir(theirs);
  const theirOut = await kubeadmPhases(cfg, theirs, path.join(tmp, "work"));

  const ours = path.join(tmp, "kubestrap");
  // kubeadm mounts the CA bundle directories that exist on its host; kubestrap looks in its
  // --rootfs (as kubeadm does under --rootfs, where it chroots): give it the same ones.
  for (const dir of CA_CERTS_EXTRA_PATHS) {
    if (isDir(dir)) await Deno.mkdir(path.join(ours, dir), { recursive: true });
  }
  // Should kubestrap read --config and the patches under --rootfs (kubeadm chroots there), the
  // same files are found at the same paths inside it.
  await Deno.mkdir(path.join(ours, tmp), { recursive: true });
  await Deno.copyFile(cfg, path.join(ours, cfg));
  if (isDir(path.join(caseDir, "patches"))) {
    await copyTree(path.join(caseDir, "patches"), path.join(ours, caseDir, "patches"));
  }
  // Every phase runs; exit codes and errors are compared with kubeadm's.
  const ourOut = await kubestrapPhases(cfg, ours, { allowFailure: true });
  const run = { ours, theirs, ourOut, theirOut };
  runs.set(name, run);
  return run;
}

for (const name of CASES) {
  Deno.test({
    name: `node-local init phases vs kubeadm v1.37.2: ${name}`,
    ignore: SKIP !== "",
    async fn() {
      const run = await runCase(name);
      const d = await compareTrees(openTree(run.ours), openTree(run.theirs));
      const usedOutput = new Set<OutputExtra>();
      comparePhaseOutput(d, run.ourOut, run.theirOut, usedOutput);
      // When kubeadm fails (e.g. no default route to find an address on, or a missing patches
      // directory), kubestrap must fail in the same phases with the same errors.
      for (const theirRun of run.theirOut) {
        const ourRun = run.ourOut.find((r) => r.phase === theirRun.phase);
        if (!ourRun) continue;
        if ((ourRun.code === 0) !== (theirRun.code === 0)) {
          d.add(
            `"init phase ${theirRun.phase}"`,
            `exited ${ourRun.code} (kubeadm: ${theirRun.code})` +
              (ourRun.code !== 0 ? `: ${errorLines(ourRun.stderr)[0] ?? ""}` : ""),
          );
        }
        if (theirRun.code !== 0) {
          compareText(
            d,
            `stderr of "init phase ${theirRun.phase}"`,
            errorLines(ourRun.stderr).join("\n"),
            errorLines(theirRun.stderr).join("\n"),
          );
        }
      }
      assert(
        CASES_EXPECTED_TO_FAIL.includes(name) === run.theirOut.some((r) => r.code !== 0),
        `${name}: kubeadm ${run.theirOut.map((r) => `${r.phase}=${r.code}`).join(" ")}`,
      );
      const used = new Set<Exception>();
      const left = d.list.filter((diff) => {
        const ex = EXCEPTIONS.find((e) =>
          (!e.cases || e.cases.includes(name)) && e.match.test(diff)
        );
        if (ex) used.add(ex);
        return !ex;
      });
      for (const e of [...used, ...usedOutput]) {
        console.log(`  deliberate: ${"match" in e ? e.match : e.line} (${e.reason})`);
      }
      assert(
        left.length === 0,
        `${name}: ${left.length} difference(s) from kubeadm v1.37.2:\n- ${left.join("\n- ")}`,
      );
      // An exception written for this case that no longer matches is stale: remove it.
      const stale = EXCEPTIONS.filter((e) => e.cases?.includes(name) && !used.has(e));
      assert(stale.length === 0, `${name}: stale exceptions ${stale.map((e) => e.match)}`);
      // A floor against a comparison of two empty runs.
      const files = [...openTree(run.ours).entries.values()].filter((e) => !e.dir).length;
      assert(files >= 10, `${name}: only ${files} files written`);
    },
  });
}

/** Copies a tree (modes included) with cp -a. */
async function copyTree(from: string, to: string) {
  await Deno.mkdir(path.dirname(to), { recursive: true });
  const r = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  assert(r.code === 0, `cp -a ${from} ${to}: ${new TextDecoder().decode(r.stderr)}`);
}

Deno.test({
  name: "node-local init phases vs kubeadm v1.37.2: the comparison catches differences",
  ignore: SKIP !== "",
  async fn() {
    try {
      // kubeadm's own tree of one case, altered in known ways, against the original.
      const ha = await runCase("02-ha");
      const ec = await runCase("06-ecdsa-p256");
      const valid = await runCase("09-validity-periods");
      const altered = path.join(base, "altered");
      await copyTree(ha.theirs, altered);
      const pki = path.join(altered, "etc/kubernetes/pki");
      const k8s = path.join(altered, "etc/kubernetes");
      await Deno.chmod(path.join(pki, "ca.key"), 0o644);
      await Deno.chmod(path.join(pki, "etcd"), 0o700);
      for (const f of ["apiserver.crt", "apiserver.key"]) {
        await Deno.copyFile(path.join(ec.theirs, "etc/kubernetes/pki", f), path.join(pki, f));
      }
      await Deno.copyFile(
        path.join(valid.theirs, "etc/kubernetes/pki/front-proxy-client.crt"),
        path.join(pki, "front-proxy-client.crt"),
      );
      const api = path.join(k8s, "manifests/kube-apiserver.yaml");
      await Deno.writeTextFile(
        api,
        Deno.readTextFileSync(api).replace("--secure-port=6443", "--secure-port=6444"),
      );
      const admin = path.join(k8s, "admin.conf");
      await Deno.writeTextFile(
        admin,
        Deno.readTextFileSync(admin).replace("k8s-api.example.com:6443", "k8s-api.example.com")
          .replace(
            /client-certificate-data: \S+/,
            /client-certificate-data: \S+/.exec(
              Deno.readTextFileSync(path.join(ec.theirs, "etc/kubernetes/admin.conf")),
            )![0],
          ),
      );
      await Deno.remove(path.join(altered, "var/lib/kubelet/config.yaml"));
      await Deno.writeTextFile(path.join(k8s, "stray.txt"), "x");

      const d = await compareTrees(openTree(altered), openTree(ha.theirs));
      const expect = [
        /^etc\/kubernetes\/pki\/ca\.key: mode 0644 \(kubeadm: 0600\)$/,
        /^etc\/kubernetes\/pki\/etcd: mode 0700 \(kubeadm: 0755\)$/,
        /^etc\/kubernetes\/pki\/apiserver\.crt: certificate publicKey: "EC-prime256v1"/,
        /^etc\/kubernetes\/pki\/apiserver\.crt: certificate sans: .*"dns:ec-1"/,
        /^etc\/kubernetes\/pki\/apiserver\.crt: certificate signature: "ECDSA\/SHA-256"/,
        /^etc\/kubernetes\/pki\/apiserver\.key: key EC-prime256v1 \(kubeadm: RSA-2048/,
        /^etc\/kubernetes\/pki\/apiserver\.key: PEM blocks \["EC PRIVATE KEY"\]/,
        /^etc\/kubernetes\/pki\/apiserver\.crt: kubestrap: signature does not verify/,
        /^etc\/kubernetes\/pki\/front-proxy-client\.crt: certificate validity 7776300s \(kubeadm: 31536300s/,
        /^etc\/kubernetes\/pki\/front-proxy-client\.crt: kubestrap: key does not match/,
        /^etc\/kubernetes\/manifests\/kube-apiserver\.yaml: .*command\[\d+\]: "--secure-port=6444" \(kubeadm: "--secure-port=6443"\)$/,
        /^etc\/kubernetes\/admin\.conf: .*server: "https:\/\/k8s-api\.example\.com" \(kubeadm: "https:\/\/k8s-api\.example\.com:6443"\)$/,
        /^etc\/kubernetes\/admin\.conf user kubernetes-admin: certificate publicKey: "EC-prime256v1"/,
        /^etc\/kubernetes\/admin\.conf user kubernetes-admin: kubestrap: key does not match/,
        /^var\/lib\/kubelet\/config\.yaml: missing \(kubeadm wrote a file\)$/,
        /^etc\/kubernetes\/stray\.txt: extra file \(kubeadm wrote none\)$/,
      ];
      const missed = expect.filter((re) => !d.list.some((x) => re.test(x)));
      assert(
        missed.length === 0,
        `not reported: ${missed.join(", ")}\nreported:\n- ${d.list.join("\n- ")}`,
      );
      // And nothing else than what was altered.
      const touched = new Set([
        "etc/kubernetes/pki/ca.key",
        "etc/kubernetes/pki/etcd",
        "etc/kubernetes/pki/apiserver.crt",
        "etc/kubernetes/pki/apiserver.key",
        "etc/kubernetes/pki/front-proxy-client.crt",
        "etc/kubernetes/manifests/kube-apiserver.yaml",
        "etc/kubernetes/admin.conf",
        "var/lib/kubelet/config.yaml",
        "etc/kubernetes/stray.txt",
      ]);
      const unexpected = d.list.filter((x) => ![...touched].some((t) => x.startsWith(t)));
      assert(unexpected.length === 0, `unexpected:\n- ${unexpected.join("\n- ")}`);
    } finally {
      removeBase();
    }
  },
});
