/**
 * Hostile configuration files (issue 16): every command reads `--config` through one decoder
 * (lib/config/decode.ts) that is as strict and as bounded as kubeadm's (sigs.k8s.io/yaml →
 * go.yaml.in/yaml/v2 v2.4.4): excessive aliasing, unknown and self-containing anchors, control
 * characters and invalid UTF-8 are rejected at once with `FILE:LINE:COL:` and go-yaml's own text;
 * files larger than MAX_CONFIG_BYTES are refused before they are parsed; at most
 * MAX_REPORTED_PROBLEMS problems are printed, with a count of the rest. Where the real kubeadm
 * v1.37.2 binary is cached, its verdict and its yaml error text are compared with ours.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ks } from "../commands/helpers.ts";
import { MAX_CONFIG_BYTES, MAX_REPORTED_PROBLEMS } from "../../lib/config/decode.ts";
import { kubeadmBinary } from "../harness/testbed.ts";

const kubeadm = kubeadmBinary();
let present = false;
try {
  present = Deno.statSync(kubeadm).isFile;
} catch { /* absent */ }

function realKubeadm(args: string[]): { code: number; stderr: string } {
  const out = new Deno.Command(kubeadm, { args, stdout: "piped", stderr: "piped" }).outputSync();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

const HEAD = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n";
const enc = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => typeof p === "string" ? [...enc(p)] : p));

/** The issue's 504-byte alias bomb (9^10 nodes when expanded). */
function aliasBomb(): string {
  let s = HEAD + "x0: &a0 [l,l,l,l,l,l,l,l,l]\n";
  for (let i = 1; i < 10; i++) s += `x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(",")}]\n`;
  return s;
}

async function files(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(`${d}/${e.name}`);
      else out.push(`${d}/${e.name}`);
    }
  };
  await walk(root);
  return out;
}

/**
 * Runs `config validate` and `init phase certs all --rootfs` on `content`: both exit 1, name
 * the file with `expect` (`LINE:COL: message`), and nothing is written.
 */
async function rejectedEverywhere(content: string | Uint8Array, expect: string) {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-hostile-" });
  const file = `${dir}/c.yaml`;
  await Deno.writeFile(file, typeof content === "string" ? enc(content) : content);
  const root = `${dir}/root`;
  await Deno.mkdir(root);
  for (
    const args of [
      ["config", "validate", "--config", file],
      ["init", "phase", "certs", "all", "--config", file, "--rootfs", root],
      ["init", "phase", "kubeconfig", "all", "--config", file, "--rootfs", root],
    ]
  ) {
    const r = await ks(...args);
    assertEquals(r.code, 1, `${args.join(" ")}: ${r.out}${r.err}`);
    assertStringIncludes(r.err, `error: ${file}:${expect}`, args.join(" "));
    assert(!r.err.includes("Maximum call stack"), r.err);
  }
  assertEquals(await files(root), [], "nothing is written");
  await Deno.remove(dir, { recursive: true });
  return file;
}

/** kubeadm rejects the same bytes, with the same go-yaml text. */
function kubeadmRejects(content: string | Uint8Array, yamlText: string) {
  if (!present) return;
  const f = Deno.makeTempFileSync({ suffix: ".yaml" });
  Deno.writeFileSync(f, typeof content === "string" ? enc(content) : content);
  const r = realKubeadm(["config", "validate", "--config", f]);
  Deno.removeSync(f);
  assertEquals(r.code, 1, r.stderr);
  assertStringIncludes(r.stderr, yamlText);
}

Deno.test("the issue's alias bomb is rejected at once with go-yaml's 'excessive aliasing'", async () => {
  const bomb = aliasBomb();
  assertEquals(bomb.length, 504);
  await rejectedEverywhere(bomb, "6:22: yaml: document contains excessive aliasing");
  kubeadmRejects(bomb, "yaml: document contains excessive aliasing");
});

Deno.test("aliases within go-yaml's ratio are accepted (certSANs shared through an anchor)", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/ok.yaml`;
  // 2000 plain nodes and a few hundred alias-driven ones: well under the 99% ratio.
  const sans = Array.from({ length: 1000 }, (_, i) => `"san${i}.example"`).join(",");
  await Deno.writeTextFile(
    file,
    `${HEAD}apiServer:\n  certSANs: &s [${sans}]\n  extraArgs: &e\n  - {name: a, value: b}\n` +
      `controllerManager:\n  extraArgs: *e\nscheduler:\n  extraArgs: *e\n`,
  );
  const r = await ks("config", "validate", "--config", file);
  assertEquals(r.code, 0, r.err);
  if (present) assertEquals(realKubeadm(["config", "validate", "--config", file]).code, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an alias to a missing anchor is rejected by every command", async () => {
  const text = `${HEAD}apiServer:\n  certSANs: *nope\n`;
  await rejectedEverywhere(text, "4:13: yaml: unknown anchor 'nope' referenced");
  kubeadmRejects(text, "yaml: unknown anchor 'nope' referenced");
  // An anchor defined after its alias is unknown at the alias, as go-yaml's parser sees it.
  const later = `${HEAD}apiServer:\n  certSANs: *s\nx: &s [a]\n`;
  await rejectedEverywhere(later, "4:13: yaml: unknown anchor 's' referenced");
  kubeadmRejects(later, "yaml: unknown anchor 's' referenced");
});

Deno.test("an anchor that contains its own alias is rejected", async () => {
  const text = `${HEAD}apiServer:\n  certSANs: &a [x, *a]\n`;
  await rejectedEverywhere(text, "4:20: yaml: anchor 'a' value contains itself");
  kubeadmRejects(text, "yaml: anchor 'a' value contains itself");
});

for (
  const [name, bytes, where, text] of [
    ["a NUL byte in a comment", cat(HEAD, "# a", [0], "b\n"), "3:4", "control characters"],
    ["a NUL byte in a key", cat(HEAD, "cluster", [0], "Name: x\n"), "3:8", "control characters"],
    ["a raw ESC", cat(HEAD, "clusterName: a", [0x1b], "b\n"), "3:15", "control characters"],
    ["a DEL", cat(HEAD, "clusterName: a", [0x7f], "b\n"), "3:15", "control characters"],
    [
      "a C1 control",
      cat(HEAD, "clusterName: a", [0xc2, 0x9b], "b\n"),
      "3:15",
      "control characters",
    ],
    ["U+FFFE", cat(HEAD, "clusterName: a", [0xef, 0xbf, 0xbe], "\n"), "3:15", "control characters"],
    [
      "an invalid leading octet",
      cat(HEAD, "clusterName: a", [0xff], "b\n"),
      "3:15",
      "invalid leading UTF-8 octet",
    ],
    [
      "a bad trailing octet",
      cat(HEAD, "clusterName: a", [0xc3, 0x41], "\n"),
      "3:15",
      "invalid trailing UTF-8 octet",
    ],
    [
      "an overlong sequence",
      cat(HEAD, "clusterName: a", [0xc0, 0x80], "\n"),
      "3:15",
      "invalid length of a UTF-8 sequence",
    ],
    [
      "a UTF-16 surrogate",
      cat(HEAD, "clusterName: a", [0xed, 0xa0, 0x80], "\n"),
      "3:15",
      "invalid Unicode character",
    ],
    [
      "a truncated sequence at the end (a newline follows, as in kubeadm's reader)",
      cat(HEAD, "clusterName: a", [0xe2, 0x82]),
      "3:15",
      "invalid trailing UTF-8 octet",
    ],
  ] as const
) {
  Deno.test(`${name} is rejected with FILE:LINE:COL and go-yaml's text`, async () => {
    const msg = text === "control characters" ? "control characters are not allowed" : text;
    await rejectedEverywhere(bytes, `${where}: yaml: ${msg}`);
    kubeadmRejects(bytes, `yaml: ${msg}`);
  });
}

Deno.test("a UTF-8 byte order mark and non-ASCII text are accepted, as by kubeadm", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/ok.yaml`;
  await Deno.writeFile(file, cat([0xef, 0xbb, 0xbf], HEAD, "clusterName: grüße-𝔘\n"));
  const r = await ks("config", "validate", "--config", file);
  assertEquals(r.code, 0, r.err);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a configuration file larger than the limit is refused before it is parsed", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/big.yaml`;
  await Deno.writeTextFile(file, HEAD + "#".repeat(MAX_CONFIG_BYTES) + "\n");
  for (
    const args of [
      ["config", "validate", "--config", file],
      ["init", "phase", "certs", "all", "--config", file, "--rootfs", dir],
    ]
  ) {
    const r = await ks(...args);
    assertEquals(r.code, 1);
    assertStringIncludes(
      r.err,
      `${file} is larger than ${MAX_CONFIG_BYTES} bytes (kubestrap's limit for configuration files)`,
    );
  }
  // A device that never ends is refused too (it is read at most up to the limit).
  const z = await ks("config", "validate", "--config", "/dev/zero");
  assertEquals(z.code, 1);
  assertStringIncludes(z.err, "/dev/zero is larger than");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("100,000 unknown fields: the first problems are printed with a count of the rest", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/many.yaml`;
  const n = 100_000;
  await Deno.writeTextFile(
    file,
    HEAD + Array.from({ length: n }, (_, i) => `f${i}: 1\n`).join(""),
  );
  const r = await ks("config", "validate", "--config", file);
  assertEquals(r.code, 1);
  const lines = r.err.trimEnd().split("\n");
  assertStringIncludes(lines[0], `error: ${file}:3:1: unknown field "f0"`);
  assert(lines.length <= MAX_REPORTED_PROBLEMS + 3, `${lines.length} lines`);
  assertStringIncludes(
    r.err,
    `... and ${
      n - MAX_REPORTED_PROBLEMS
    } more problems (kubestrap prints the first ${MAX_REPORTED_PROBLEMS})`,
  );
  // Outside `config validate` they are warnings, bounded the same way.
  const w = await ks("init", "phase", "certs", "all", "--config", file, "--rootfs", dir);
  assertEquals(w.code, 0, w.err.slice(0, 2000));
  assert(w.err.length < 20_000, `${w.err.length} bytes of warnings`);
  assertStringIncludes(w.err, `... and ${n - MAX_REPORTED_PROBLEMS} more problems`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deep nesting is a clear error with the position, never a stack overflow", async () => {
  for (const depth of [300, 5000, 20000]) {
    const text = `${HEAD}x: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    await rejectedEverywhere(text, "3:");
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/d.yaml`, text);
    const r = await ks("config", "validate", "--config", `${dir}/d.yaml`);
    assertStringIncludes(r.err, "yaml: exceeded max depth of");
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Documents whose apiVersion is unknown: kubeadm decodes each document of a kind the command
// reads (InitConfiguration, ClusterConfiguration, JoinConfiguration, ...) into its scheme, which
// fails for a version it does not know. Only documents of other kinds are ignored with a warning.

const UNKNOWN_GV = [
  ["kubeadm.k8s.io/v1beta5", "ClusterConfiguration"],
  ["KUBEADM.K8S.IO/V1BETA4", "ClusterConfiguration"],
  ["kubeadm.k8s.io/v1beta5", "InitConfiguration"],
] as const;

for (const [gv, kind] of UNKNOWN_GV) {
  Deno.test(`init and its phases fail on ${kind} at ${gv}, as kubeadm does`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "kubestrap-unknown-gv-" });
    const file = `${dir}/c.yaml`;
    // certificatesDir keeps kubeadm (run without --rootfs) inside the temporary directory.
    const other = kind === "ClusterConfiguration"
      ? ""
      : "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n";
    await Deno.writeTextFile(
      file,
      `apiVersion: ${gv}\nkind: ${kind}\n` +
        (kind === "ClusterConfiguration"
          ? `apiServer:\n  certSANs: [san.example]\ncertificatesDir: ${dir}/pki\n`
          : "") +
        other,
    );
    const want = `no kind ${JSON.stringify(kind)} is registered for version ${
      JSON.stringify(gv)
    } in scheme "pkg/runtime/scheme.go:111"`;
    const root = `${dir}/root`;
    await Deno.mkdir(root);
    for (const phase of [["certs", "all"], ["kubeconfig", "all"], ["control-plane", "all"]]) {
      const r = await ks("init", "phase", ...phase, "--config", file, "--rootfs", root);
      assertEquals(r.code, 1, `${phase.join(" ")}: ${r.err}`);
      assertStringIncludes(r.err, `error: ${file}:1:1: ${want}`);
    }
    assertEquals(await files(root), [], "nothing is written");
    if (present) {
      const k = realKubeadm(["init", "phase", "certs", "all", "--config", file]);
      assertEquals(k.code, 1, k.stderr);
      assertStringIncludes(k.stderr, `error: ${want}\n`);
      assertEquals(await files(dir), [file], "kubeadm wrote nothing either");
    }
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("join, reset and upgrade configurations at an unknown apiVersion fail, as in kubeadm", async () => {
  const { loadJoinConfig, loadResetConfig, loadUpgradeConfig } = await import(
    "../../lib/config/load.ts"
  );
  const { systemHostFacts } = await import("../../lib/config/host_facts.ts");
  for (
    const [kind, load] of [
      ["JoinConfiguration", (t: string) =>
        loadJoinConfig({
          configText: t,
          configPath: "j.yaml",
          host: systemHostFacts(),
          skipCRIDetect: true,
        })],
      ["ResetConfiguration", (t: string) =>
        loadResetConfig({
          configText: t,
          configPath: "j.yaml",
          host: systemHostFacts(),
          skipCRIDetect: true,
        })],
      [
        "UpgradeConfiguration",
        (t: string) => Promise.resolve(loadUpgradeConfig({ configText: t, configPath: "j.yaml" })),
      ],
    ] as const
  ) {
    let err = "";
    try {
      await load(`apiVersion: kubeadm.k8s.io/v1beta5\nkind: ${kind}\n`);
    } catch (e) {
      err = (e as Error).message;
    }
    assertStringIncludes(
      err,
      `j.yaml:1:1: no kind "${kind}" is registered for version "kubeadm.k8s.io/v1beta5" in scheme "pkg/runtime/scheme.go:111"`,
    );
  }
  if (present) {
    const f = Deno.makeTempFileSync({ suffix: ".yaml" });
    Deno.writeTextFileSync(f, "apiVersion: kubeadm.k8s.io/v1beta5\nkind: ResetConfiguration\n");
    const k = realKubeadm(["reset", "--config", f, "--dry-run"]);
    assertEquals(k.code, 1);
    assertStringIncludes(
      k.stderr,
      `no kind "ResetConfiguration" is registered for version "kubeadm.k8s.io/v1beta5"`,
    );
    Deno.removeSync(f);
  }
});

Deno.test("a document of another kind at an unknown apiVersion is ignored with kubeadm's warning", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/c.yaml`;
  await Deno.writeTextFile(
    file,
    `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n---\napiVersion: foo.io/v1\nkind: Bar\n`,
  );
  const r = await ks("init", "phase", "certs", "ca", "--config", file, "--rootfs", dir);
  assertEquals(r.code, 0, r.err);
  assertStringIncludes(
    r.err,
    "[config] WARNING: Ignored configuration document with GroupVersionKind foo.io/v1, Kind=Bar",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("versions are parsed with kubeadm's range checks in every command", async () => {
  const v = "v99999999999999999999.0.0";
  const want = `couldn't parse Kubernetes version "${v}": illegal non-numeric version component ` +
    `"99999999999999999999" in "${v}": strconv.ParseUint: parsing "99999999999999999999": value out of range`;
  const dir = await Deno.makeTempDir();
  const file = `${dir}/c.yaml`;
  await Deno.writeTextFile(file, `${HEAD}kubernetesVersion: ${v}\n`);
  for (
    const args of [
      ["config", "validate", "--config", file],
      ["init", "phase", "certs", "all", "--config", file, "--rootfs", dir],
      ["init", "phase", "certs", "all", "--kubernetes-version", v, "--rootfs", dir],
      ["config", "images", "list", "--kubernetes-version", v],
    ]
  ) {
    const r = await ks(...args);
    assertEquals(r.code, 1, args.join(" "));
    assertStringIncludes(r.err, want, args.join(" "));
    if (present && !args.includes("--rootfs")) {
      assertStringIncludes(realKubeadm(args).stderr, want);
    }
  }
  assertEquals(await files(dir), [file]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("100,000 invalid certSANs: validation errors are bounded too, with a count of the rest", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sans.yaml`;
  const n = 100_000;
  await Deno.writeTextFile(
    file,
    `${HEAD}apiServer:\n  certSANs:\n` +
      Array.from({ length: n }, (_, i) => `  - "bad_${i}!"\n`).join(""),
  );
  const r = await ks("config", "validate", "--config", file);
  assertEquals(r.code, 1);
  assert(r.err.length < 60_000, `${r.err.length} bytes (50 problems of ~700 bytes)`);
  assertStringIncludes(r.err, `error: [apiServer.certSANs: Invalid value: "bad_0!"`);
  assertStringIncludes(
    r.err,
    `... and ${
      n - MAX_REPORTED_PROBLEMS
    } more problems (kubestrap prints the first ${MAX_REPORTED_PROBLEMS})`,
  );
  await Deno.remove(dir, { recursive: true });
});
