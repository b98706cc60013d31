/**
 * kubeadm's `-o` printers (lib/output/printers.ts) against the real kubeadm v1.37.2, byte for byte
 * (stdout, stderr, exit code), wherever kubeadm runs offline:
 * - `config images list -o <every printer>` with and without `--config`, good and bad templates,
 *   `--allow-missing-template-keys=false`, template files;
 * - `certs check-expiration -o ...` on a PKI whose certificates expire in 48h (made with
 *   `certificateValidityPeriod: 48h`, one certificate renewed for a year), read by both tools
 *   (kubeadm through a bind mount of /etc/kubernetes, as tests/commands/certs_test.ts does),
 *   including kubespray's renewal-script line `-o 'jsonpath={.certificates[?(@.residualTime<N.0)]}'`;
 * - the printer errors of `token list` and `upgrade plan` (they need a cluster to print, but
 *   kubeadm builds the printer first), and `version -o <printer>` (kubeadm's version command has
 *   no printers: "invalid output format").
 * The BootstrapToken and UpgradePlan objects are printed through the printers directly.
 */
import { assert, assertEquals } from "../assert.ts";
import { canUnshare, ks, kubeadmPath, type RunResult } from "../commands/helpers.ts";
import {
  OUTPUT_FORMATS,
  printFlagValues,
  type StructuredPrinter,
  toPrinter,
} from "../../lib/output/printers.ts";
import { KubestrapError } from "../../lib/errors.ts";

const kubeadm = kubeadmPath();
const ignore = kubeadm === undefined;
const skipped = ignore ? " [ignored: the kubeadm v1.37.2 binary is not cached]" : "";
const unshareOK = !ignore && canUnshare();
const skippedPKI = unshareOK ? "" : " [ignored: needs the kubeadm binary and unshare -m (root)]";

const decoder = new TextDecoder();

async function runKubeadm(args: string[], cwd?: string): Promise<RunResult> {
  const r = await new Deno.Command(kubeadm!, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  return { code: r.code, out: decoder.decode(r.stdout), err: decoder.decode(r.stderr) };
}

/**
 * kubeadm with `<root>/etc/kubernetes` bind-mounted over /etc/kubernetes in a private mount
 * namespace; the arguments go through argv untouched (templates hold quotes, `$` and `\\`).
 */
async function kubeadmIn(root: string, ...args: string[]): Promise<RunResult> {
  return await runKubeadmVia("unshare", [
    "-m",
    "sh",
    "-c",
    'mkdir -p /etc/kubernetes && mount --bind "$0/etc/kubernetes" /etc/kubernetes && exec "$@"',
    root,
    kubeadm!,
    ...args,
  ]);
}

async function runKubeadmVia(cmd: string, args: string[]): Promise<RunResult> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  return { code: r.code, out: decoder.decode(r.stdout), err: decoder.decode(r.stderr) };
}

/** kubestrap (this tree's main.ts, as a process) with the same bind mount as kubeadmIn. */
async function kubestrapIn(root: string, ...args: string[]): Promise<RunResult> {
  return await runKubeadmVia("unshare", [
    "-m",
    "sh",
    "-c",
    'mkdir -p /etc/kubernetes && mount --bind "$0/etc/kubernetes" /etc/kubernetes && exec "$@"',
    root,
    Deno.execPath(),
    "run",
    "-A",
    new URL("../../main.ts", import.meta.url).pathname,
    ...args,
  ]);
}

/** Both tools' results for `args`, or a description of where they differ. */
async function differs(args: string[]): Promise<string | undefined> {
  const theirs = await runKubeadm(args);
  const ours = await ks(...args);
  if (JSON.stringify(theirs) === JSON.stringify(ours)) return undefined;
  return `${JSON.stringify(args)}\n--- kubeadm\n${JSON.stringify(theirs)}\n--- kubestrap\n${
    JSON.stringify(ours)
  }`;
}

const TMP = await Deno.makeTempDir({ prefix: "kubestrap-printers-" });
const JSONPATH_FILE = `${TMP}/images.jsonpath`;
const TEMPLATE_FILE = `${TMP}/images.tmpl`;
await Deno.writeTextFile(JSONPATH_FILE, '{range .images[*]}{@}{"\\n"}{end}');
await Deno.writeTextFile(
  TEMPLATE_FILE,
  '{{- range $i, $img := .images }}{{ $i }}: {{ $img }}\n{{ end -}}\n{{ .kind | printf "%q" }}\n',
);
const CONFIG = new URL("../config/valid/10-custom-image-repository.yaml", import.meta.url).pathname;

/** `-o` values for `config images list` (each also with --allow-missing-template-keys=false). */
const IMAGE_OUTPUTS = [
  "text",
  "json",
  "yaml",
  "JSON",
  "Yaml",
  "kyaml",
  "KYAML",
  "jsonpath={.images}",
  'jsonpath={.images[0]}{"\\n"}',
  "jsonpath={.images[*]}",
  "jsonpath={.images[-1:]}",
  "jsonpath={.images[1:3]}",
  "jsonpath={.images[::3]}",
  "jsonpath={.images[0,2]}",
  "jsonpath={['kind','apiVersion']}",
  'jsonpath={.kind}{"\\t"}{.apiVersion}',
  'jsonpath={range .images[*]}{@}{"\\n"}{end}',
  'jsonpath={range .images[0:2]}[{.}]{end}{"|"}{.kind}',
  "jsonpath={..kind}",
  "jsonpath={.}",
  "jsonpath={}",
  "jsonpath={$.kind}",
  "jsonpath=prefix {.kind} suffix",
  'jsonpath={.images[?(@=="registry.k8s.io/pause:3.10.2")]}',
  'jsonpath={.images[?(@<"registry.k8s.io/kube")]}',
  "jsonpath={.images[?(@.x)]}",
  "jsonpath={.images[99]}",
  "jsonpath={.images[2:1]}",
  "jsonpath={.images[0:5:0]}",
  "jsonpath={.nope}",
  "jsonpath={.nope.deeper}{.kind}",
  "jsonpath={.kind[0]}",
  "jsonpath={.images[x]}",
  "jsonpath={.images",
  "jsonpath={.images[?(@<1)]}",
  "jsonpath={.images[?(@<1.5)]}",
  "jsonpath={end}",
  "jsonpath={foo}",
  "jsonpath={#}",
  "jsonpath={'unterminated}",
  "jsonpath=",
  "jsonpath",
  "jsonpath-as-json={.images[0:2]}",
  "jsonpath-as-json={.kind}",
  "jsonpath-as-json={.images[*]}{.kind}",
  "jsonpath-as-json={.nope}",
  `jsonpath-file=${JSONPATH_FILE}`,
  "jsonpath-file=/nonexistent/file",
  `jsonpath-file=${TMP}`,
  "go-template={{.kind}}",
  'go-template={{range .images}}{{.}}{{"\\n"}}{{end}}',
  "go-template={{range $i, $e := .images}}{{$i}}={{$e}} {{end}}",
  "go-template={{len .images}} {{index .images 0}} {{slice .images 5}}",
  "go-template={{index .images 99}}",
  'go-template={{printf "%s has %d images, %v" .kind (len .images) .apiVersion}}',
  'go-template={{printf "%d|%5s|%-5s|%q|%x" .kind "ab" "ab" .kind .kind}}',
  'go-template={{if eq .kind "Images"}}yes{{else}}no{{end}}',
  'go-template={{if ne .kind "Images"}}a{{else if eq .kind "x" "Images"}}b{{end}}',
  "go-template={{with .nope}}x{{else}}none{{end}} {{with .kind}}{{.}}{{end}}",
  "go-template={{.nope}}",
  "go-template={{.nope.deeper}}",
  "go-template={{.kind.x}}",
  "go-template={{.images.x}}",
  'go-template={{html "<a href=\'x\'>&"}} {{js "it\'s \\"q\\""}} {{urlquery "a b&c/d"}}',
  'go-template={{exists . "images" 0}} {{exists . "images" 99}} {{exists . "nope"}}',
  'go-template={{base64decode "aGVsbG8="}}',
  'go-template={{base64decode "!!"}}',
  'go-template={{println .kind .apiVersion}}{{print 1 2 "x" 3}}',
  "go-template={{eq 1 1.0}}",
  "go-template={{lt .kind 1}}",
  "go-template={{and .kind .nope}}|{{or .nope .kind}}|{{not .images}}",
  "go-template=[{{- .kind -}}]  {{/* a comment */}}",
  'go-template={{$x := .kind}}{{$x}} {{$x = "changed"}}{{$x}}',
  'go-template={{.images | len | printf "%d images"}}',
  'go-template={{range .images}}{{if eq . "registry.k8s.io/pause:3.10.2"}}{{break}}{{end}}{{.}},{{end}}',
  'go-template={{range .images}}{{if eq . "registry.k8s.io/pause:3.10.2"}}{{continue}}{{end}}+{{end}}',
  "go-template={{range .nope}}x{{else}}empty{{end}}",
  "go-template={{range 3}}{{.}}{{end}}",
  'go-template={{template "x"}}',
  'go-template={{define "img"}}<{{.}}>{{end}}{{range .images}}{{template "img" .}}{{end}}',
  'go-template={{block "b" .kind}}[{{.}}]{{end}} {{template "b" .apiVersion}}',
  'go-template={{define "x"}}{{.nope}}{{end}}{{template "x" .}}',
  "go-template={{.foo",
  "go-template={{foo}}",
  "go-template={{end}}",
  "go-template={{if .kind}}",
  "go-template={{$undefined}}",
  "go-template={{.kind 1}}",
  "go-template={{.kind | 3}}",
  "go-template={{nil}}",
  'go-template={{"unterminated}}',
  "go-template={{printf}}",
  "go-template={{len 1 2}}",
  "go-template={{len 3}}",
  "go-template={{index .kind 0}} {{'a'}} {{0x1F}} {{1e3}} {{-5}}",
  "go-template=",
  "go-template",
  "template={{.kind}}",
  `templatefile=${TEMPLATE_FILE}`,
  `go-template-file=${TEMPLATE_FILE}`,
  "go-template-file=/nonexistent/file",
  "templatefile=",
  "bogus",
  "",
  "wide",
  "name",
  "custom-columns=X:.kind",
  "json=x",
];

for (const strict of [false, true]) {
  Deno.test({
    name: `config images list -o <each printer>${
      strict ? " --allow-missing-template-keys=false" : ""
    } = kubeadm's stdout, stderr and exit code${skipped}`,
    ignore,
    async fn() {
      const bad: string[] = [];
      for (const o of IMAGE_OUTPUTS) {
        const args = ["config", "images", "list", "--kubernetes-version", "v1.37.2", "-o", o];
        if (strict) args.push("--allow-missing-template-keys=false");
        const d = await differs(args);
        if (d) bad.push(d);
      }
      assertEquals(bad, []);
    },
  });
}

Deno.test({
  name: `config images list --config F -o <printers> = kubeadm's${skipped}`,
  ignore,
  async fn() {
    const bad: string[] = [];
    for (
      const o of [
        "json",
        "yaml",
        'jsonpath={range .images[*]}{@}{"\\n"}{end}',
        "jsonpath-as-json={.images}",
        'go-template={{range .images}}{{.}}{{"\\n"}}{{end}}',
        "go-template={{.nope}}",
      ]
    ) {
      const d = await differs(["config", "images", "list", "--config", CONFIG, "-o", o]);
      if (d) bad.push(d);
      const e = await differs([
        "config",
        "images",
        "list",
        "--config",
        CONFIG,
        "-o",
        o,
        "--allow-missing-template-keys=false",
      ]);
      if (e) bad.push(e);
    }
    assertEquals(bad, []);
  },
});

Deno.test({
  name:
    `version -o <printer>: kubeadm's version command has no printers ("invalid output format")${skipped}`,
  ignore,
  async fn() {
    const bad: string[] = [];
    for (const o of ["jsonpath={.clientVersion.gitVersion}", "go-template={{.}}", "bogus"]) {
      const d = await differs(["version", "-o", o]);
      if (d) bad.push(d);
    }
    assertEquals(bad, []);
  },
});

Deno.test({
  name: `token list / upgrade plan: printer errors before any API call = kubeadm's${skipped}`,
  ignore,
  async fn() {
    const kubeconfig = `${TMP}/admin.conf`;
    await Deno.writeTextFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://127.0.0.1:1
    insecure-skip-tls-verify: true
  name: c
contexts:
- context:
    cluster: c
    user: u
  name: c
current-context: c
users:
- name: u
  user:
    token: abcdef.0123456789abcdef
`,
    );
    const bad: string[] = [];
    for (
      const o of [
        "bogus",
        "jsonpath",
        "jsonpath={.token",
        "go-template={{.token",
        "go-template-file=/nonexistent/file",
        "custom-columns=X:.token",
      ]
    ) {
      for (
        const args of [
          ["token", "list", "--kubeconfig", kubeconfig, "-o", o],
          ["upgrade", "plan", "--kubeconfig", kubeconfig, "-o", o],
        ]
      ) {
        const d = await differs(args);
        if (d) bad.push(d);
      }
    }
    assertEquals(bad, []);
  },
});

// ---------------------------------------------------------------------------------------------
// certs check-expiration on a PKI that expires soon

/** A root with the PKI and kubeconfigs of a 48h certificateValidityPeriod; apiserver renewed (1y). */
async function shortLivedRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "kubestrap-printers-pki-" });
  const cfg = `${root}/cluster.yaml`;
  await Deno.writeTextFile(
    cfg,
    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n" +
      "kubernetesVersion: v1.37.2\ncertificateValidityPeriod: 48h\n",
  );
  for (const phase of ["certs", "kubeconfig"]) {
    const r = await ks("init", "phase", phase, "all", "--rootfs", root, "--config", cfg);
    assertEquals(r.code, 0, r.err);
  }
  const r = await ks("certs", "renew", "apiserver", "--rootfs", root);
  assertEquals(r.code, 0, r.err);
  return root;
}

/** Residual times of two runs differ by the seconds between them: blanked in every form. */
function normaliseText(s: string): string {
  return s.replace(/(residualTime\\?"?:? ?)[0-9][0-9.e+]*/g, "$1N");
}

function normalise(r: RunResult): string {
  return JSON.stringify({ code: r.code, out: normaliseText(r.out), err: normaliseText(r.err) });
}

const SOON = 200000; // seconds: beyond the 48h (172800s) certificates, short of a year

Deno.test({
  name:
    `check-expiration: kubespray's renewal line selects the certificates that expire soon, as kubeadm's does${skippedPKI}`,
  ignore: !unshareOK,
  async fn() {
    const root = await shortLivedRoot();
    // kubespray k8s-certs-renew.sh: expired_certs=$(kubeadm certs check-expiration
    //   -o jsonpath="{.certificates[?(@.residualTime<${expiry_threshold}.0)]}")
    // and renews when the extraction is not empty.
    const line = `jsonpath={.certificates[?(@.residualTime<${SOON}.0)]}`;
    const ours = await ks("certs", "check-expiration", "--rootfs", root, "-o", line);
    const theirs = await kubeadmIn(root, "certs", "check-expiration", "-o", line);
    assertEquals([ours.code, ours.err], [0, ""]);
    assertEquals([theirs.code, theirs.err], [0, ""]);
    assert(ours.out !== "", "kubespray would conclude that nothing expires");
    assertEquals(normaliseText(ours.out), normaliseText(theirs.out));
    // What it selected: every certificate but the renewed apiserver; no CA.
    const names = `jsonpath={.certificates[?(@.residualTime<${SOON}.0)].name}`;
    const ourNames = await ks("certs", "check-expiration", "--rootfs", root, "-o", names);
    const theirNames = await kubeadmIn(root, "certs", "check-expiration", "-o", names);
    assertEquals(ourNames, theirNames);
    assertEquals(
      ourNames.out,
      "admin.conf apiserver-etcd-client apiserver-kubelet-client controller-manager.conf " +
        "etcd-healthcheck-client etcd-peer etcd-server front-proxy-client scheduler.conf " +
        "super-admin.conf",
    );
    // A threshold below every residual time selects nothing: the script skips the renewal.
    const none = "jsonpath={.certificates[?(@.residualTime<1000.0)]}";
    assertEquals(
      await ks("certs", "check-expiration", "--rootfs", root, "-o", none),
      await kubeadmIn(root, "certs", "check-expiration", "-o", none),
    );
    // Without the ".0" the comparison is float64 against int: kubeadm's error, byte for byte.
    const intLine = `jsonpath={.certificates[?(@.residualTime<${SOON})]}`;
    const a = await ks("certs", "check-expiration", "--rootfs", root, "-o", intLine);
    const b = await kubeadmIn(root, "certs", "check-expiration", "-o", intLine);
    assertEquals(a.code, 1);
    assertEquals(normalise(a), normalise(b));
  },
});

const EXPIRATION_OUTPUTS = [
  "json",
  "yaml",
  "kyaml",
  "jsonpath={.certificates[*].name}",
  'jsonpath={range .certificates[*]}{.name}{"\\t"}{.caName}{"\\t"}{.missing}{"\\n"}{end}',
  "jsonpath={.certificateAuthorities[?(@.externallyManaged==false)].name}",
  "jsonpath={.certificates[?(@.caName=='etcd-ca')].name}",
  "jsonpath={.certificates[?(@.residualTime>=200000.0)].name}",
  "jsonpath={.certificates[?(@.residualTime>1e+100)].name}",
  "jsonpath={.certificates[?(@.missing)].name}",
  "jsonpath={.certificates[?(@.expirationDate<'2000')].name}",
  "jsonpath={.certificates[?(@.missing==0)]}",
  "jsonpath-as-json={.certificateAuthorities[0:2].name}",
  "jsonpath={.certificates[0].expirationDate}",
  'go-template={{range .certificates}}{{.name}} {{lt .residualTime 200000}} {{.externallyManaged}}{{"\\n"}}{{end}}',
  "go-template={{range .certificates}}{{if gt .residualTime 200000}}{{.name}}{{end}}{{end}}",
  "go-template={{range .certificates}}{{lt .residualTime 5.0}}{{end}}",
  'go-template={{(index .certificateAuthorities 0).residualTime | printf "%T %d"}}',
  "go-template={{len .certificates}} {{len .certificateAuthorities}}",
  "go-template={{(index .certificates 0).caName}} {{(index .certificateAuthorities 0).caName}}",
];

Deno.test({
  name:
    `check-expiration -o <printers> on a short-lived PKI = kubeadm's (residual times blanked)${skippedPKI}`,
  ignore: !unshareOK,
  async fn() {
    const root = await shortLivedRoot();
    const bad: string[] = [];
    for (const o of EXPIRATION_OUTPUTS) {
      for (const extra of [[], ["--allow-missing-template-keys=false"]]) {
        const ours = await ks("certs", "check-expiration", "--rootfs", root, "-o", o, ...extra);
        const theirs = await kubeadmIn(root, "certs", "check-expiration", "-o", o, ...extra);
        const a = normalise(ours), b = normalise(theirs);
        if (a !== b) bad.push(`-o ${o} ${extra.join(" ")}\n--- kubeadm\n${b}\n--- kubestrap\n${a}`);
      }
    }
    assertEquals(bad, []);
  },
});

Deno.test({
  name:
    `check-expiration --config F / --cert-dir D -o <printers>: the PKI named by the flags = kubeadm's${skippedPKI}`,
  ignore: !unshareOK,
  async fn() {
    const root = await shortLivedRoot();
    // The certificates from a directory of their own (the kubeconfigs stay under /etc/kubernetes).
    const pki = `${root}/elsewhere/pki`;
    await Deno.mkdir(`${root}/elsewhere`);
    await Deno.rename(`${root}/etc/kubernetes/pki`, pki);
    const cfg = `${root}/check.yaml`;
    await Deno.writeTextFile(
      cfg,
      "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n" +
        `kubernetesVersion: v1.37.2\ncertificatesDir: ${pki}\n`,
    );
    const bad: string[] = [];
    for (
      const o of [
        `jsonpath={.certificates[?(@.residualTime<${SOON}.0)].name}`,
        "jsonpath={.certificates[?(@.missing==true)].name}",
        "go-template={{range .certificateAuthorities}}{{.name}}:{{.missing}} {{end}}",
        "yaml",
      ]
    ) {
      for (const flags of [["--config", cfg], ["--cert-dir", pki]]) {
        const args = ["certs", "check-expiration", ...flags, "-o", o];
        const a = normalise(await kubestrapIn(root, ...args));
        const b = normalise(await kubeadmIn(root, ...args));
        if (a !== b) bad.push(`${args.join(" ")}\n--- kubeadm\n${b}\n--- kubestrap\n${a}`);
      }
    }
    assertEquals(bad, []);
  },
});

// ---------------------------------------------------------------------------------------------
// The printers on the objects of token list and upgrade plan (they need a cluster to run)

async function printer(output: string, allowMissing = true): Promise<StructuredPrinter> {
  const p = await toPrinter({
    output,
    allowMissingTemplateKeys: allowMissing,
    showManagedFields: false,
  });
  assert(p.kind === "structured");
  return p;
}

function printAll(p: StructuredPrinter, objs: object[]): string {
  let out = "";
  for (const o of objs) p.print(o, (s) => void (out += s));
  return out;
}

const TOKENS = [
  {
    kind: "BootstrapToken",
    apiVersion: "output.kubeadm.k8s.io/v1alpha3",
    token: "abcdef.0123456789abcdef",
    description: "kubespray",
    expires: "2026-12-08T17:00:00Z",
    usages: ["authentication", "signing"],
    groups: ["system:bootstrappers:kubeadm:default-node-token"],
  },
  {
    kind: "BootstrapToken",
    apiVersion: "output.kubeadm.k8s.io/v1alpha3",
    token: "uvwxyz.0123456789abcdef",
    ttl: "24h0m0s",
  },
];

Deno.test("token list printers: one PrintObj per token (yaml separates them, jsonpath does not)", async () => {
  assertEquals(
    printAll(await printer("jsonpath={.token}"), TOKENS),
    TOKENS.map((t) => t.token).join(""),
  );
  assertEquals(
    printAll(await printer('jsonpath={.token}{"\\n"}'), TOKENS),
    "abcdef.0123456789abcdef\nuvwxyz.0123456789abcdef\n",
  );
  assertEquals(
    printAll(await printer('go-template={{.token}} {{.description}} {{.usages}}{{"\\n"}}'), TOKENS),
    "abcdef.0123456789abcdef kubespray [authentication signing]\n" +
      "uvwxyz.0123456789abcdef <no value> <no value>\n",
  );
  const yaml = printAll(await printer("yaml"), TOKENS);
  assertEquals(yaml.split("---\n").length, 2);
  assert(yaml.startsWith("apiVersion: output.kubeadm.k8s.io/v1alpha3\n"), yaml);
  assertEquals(
    printAll(await printer("json"), [TOKENS[1]]),
    '{\n    "kind": "BootstrapToken",\n    "apiVersion": "output.kubeadm.k8s.io/v1alpha3",\n' +
      '    "token": "uvwxyz.0123456789abcdef",\n    "ttl": "24h0m0s"\n}\n',
  );
  // minikube / kubeadm users: the token of the first usable one
  assertEquals(
    printAll(await printer("jsonpath={.groups[0]}"), TOKENS),
    "system:bootstrappers:kubeadm:default-node-token",
  );
});

Deno.test("token list printers: a missing key with --allow-missing-template-keys=false fails with cli-runtime's text", async () => {
  const p = await printer("jsonpath={.description}", false);
  let out = "";
  p.print(TOKENS[0], (s) => void (out += s));
  assertEquals(out, "kubespray");
  try {
    p.print(TOKENS[1], (s) => void (out += s));
    throw new Error("no error");
  } catch (e) {
    assert(e instanceof KubestrapError);
    assertEquals(
      e.message.split("\n")[0],
      'error executing jsonpath "{.description}": Error executing template: description is not ' +
        "found. Printing more information for debugging the template:",
    );
  }
});

Deno.test("upgrade plan printers: the UpgradePlan object through jsonpath and go-template", async () => {
  const plan = {
    kind: "UpgradePlan",
    apiVersion: "output.kubeadm.k8s.io/v1alpha3",
    availableUpgrades: [{
      description: "version in the v1.37 series",
      components: [
        { name: "kube-apiserver", currentVersion: "v1.37.1", newVersion: "v1.37.2" },
        { name: "kubelet", currentVersion: "v1.37.1", newVersion: "v1.37.2", nodeName: "cp-1" },
      ],
    }],
    configVersions: [{
      group: "kubeproxy.config.k8s.io",
      currentVersion: "v1alpha1",
      preferredVersion: "v1alpha1",
      manualUpgradeRequired: false,
    }],
  };
  assertEquals(
    printAll(
      await printer(
        "jsonpath={.availableUpgrades[0].components[?(@.name=='kube-apiserver')].newVersion}",
      ),
      [plan],
    ),
    "v1.37.2",
  );
  assertEquals(
    printAll(
      await printer(
        "go-template={{range .availableUpgrades}}{{range .components}}{{.name}}={{.newVersion}}{{with .nodeName}}@{{.}}{{end}} {{end}}{{end}}",
      ),
      [plan],
    ),
    "kube-apiserver=v1.37.2 kubelet=v1.37.2@cp-1 ",
  );
  assertEquals(
    printAll(await printer("jsonpath={.configVersions[?(@.manualUpgradeRequired==true)]}"), [plan]),
    "",
  );
});

Deno.test("printer flags: kubeadm's defaults and its allowed formats, sorted", () => {
  assertEquals(printFlagValues({}), {
    output: "text",
    allowMissingTemplateKeys: true,
    showManagedFields: false,
  });
  assertEquals(
    OUTPUT_FORMATS.join(","),
    "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,template," +
      "templatefile,text,yaml",
  );
});
