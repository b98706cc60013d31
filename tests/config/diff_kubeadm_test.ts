/**
 * Differential tests against the real kubeadm v1.37.2 binary (built by the test bed into
 * tests/harness kubeadmBinary()). Skipped when absent.
 *  - `config print {init,join,reset,upgrade}-defaults` (+ `--component-configs`): byte-identical
 *    output, and document-by-document field comparison for a readable failure;
 *  - `config validate --config F` on every corpus file: same verdict (pass/fail);
 *  - `config images list` with several flag combinations and output formats: identical output;
 *  - `config migrate` on the valid corpus: same documents, modulo generated bootstrap tokens.
 */
import { parseAllDocuments } from "yaml";
import { assertEquals } from "../assert.ts";
import {
  listImages,
  migrateConfig,
  printDefaults,
  setPrintHostname,
  validateConfig,
} from "../../lib/commands/config_run.ts";
import { systemHostFacts } from "../../lib/config/host_facts.ts";
import { kubeadmBinary } from "../harness/testbed.ts";

const kubeadm = kubeadmBinary();
let present = false;
try {
  present = Deno.statSync(kubeadm).isFile;
} catch { /* absent */ }
const ignore = !present;
const reason = ignore ? ` (SKIPPED: ${kubeadm} not built; run the test bed to build it)` : "";

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const out = new Deno.Command(kubeadm, { args, stdout: "piped", stderr: "piped" }).outputSync();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function docs(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

const dir = new URL(".", import.meta.url).pathname;
const host = systemHostFacts();

for (const kind of ["init", "join", "reset", "upgrade"] as const) {
  Deno.test({
    name: `kubeadm config print ${kind}-defaults matches${reason}`,
    ignore,
    fn() {
      setPrintHostname(undefined);
      const real = run(["config", "print", `${kind}-defaults`]);
      assertEquals(real.code, 0);
      const ours = printDefaults(kind);
      assertEquals(docs(ours), docs(real.stdout), "documents differ field by field");
      assertEquals(ours, real.stdout, "byte-for-byte output differs");
    },
  });
}

for (
  const cc of [["KubeletConfiguration"], ["KubeProxyConfiguration"], [
    "KubeletConfiguration",
    "KubeProxyConfiguration",
  ]]
) {
  Deno.test({
    name: `kubeadm config print init-defaults --component-configs ${cc.join(",")}${reason}`,
    ignore,
    fn() {
      const real = run(["config", "print", "init-defaults", "--component-configs", cc.join(",")]);
      assertEquals(real.code, 0);
      const ours = printDefaults("init", { componentConfigs: cc });
      assertEquals(docs(ours), docs(real.stdout));
      assertEquals(ours, real.stdout);
    },
  });
}

const corpusFiles = ["invalid", "valid"].flatMap((k) =>
  [...Deno.readDirSync(`${dir}${k}`)].filter((e) => e.name.endsWith(".yaml")).map((e) =>
    `${dir}${k}/${e.name}`
  )
).sort();

Deno.test({
  name: `kubeadm config validate verdicts match on the whole corpus${reason}`,
  ignore,
  async fn() {
    const mismatches: string[] = [];
    for (const f of corpusFiles) {
      const real = run(["config", "validate", "--config", f]);
      let ok = true;
      let msg = "ok";
      try {
        await validateConfig(f, { host });
      } catch (e) {
        ok = false;
        msg = (e as Error).message;
      }
      if ((real.code === 0) !== ok) {
        mismatches.push(`${f}: kubeadm rc=${real.code} ${real.stderr.trim()} | ours: ${msg}`);
      }
    }
    assertEquals(mismatches, []);
  },
});

const imageCases: { args: string[]; opts: Parameters<typeof listImages>[0] }[] = [
  { args: [], opts: {} },
  { args: ["-o", "json"], opts: { output: "json" } },
  { args: ["-o", "yaml"], opts: { output: "yaml" } },
  { args: ["--kubernetes-version", "v1.36.3"], opts: { kubernetesVersion: "v1.36.3" } },
  {
    args: ["--kubernetes-version", "1.37.0-rc.1+abc"],
    opts: { kubernetesVersion: "1.37.0-rc.1+abc" },
  },
  {
    args: [
      "--image-repository",
      "registry.example.com:5000/k8s",
      "--kubernetes-version",
      "v1.37.1",
    ],
    opts: { imageRepository: "registry.example.com:5000/k8s", kubernetesVersion: "v1.37.1" },
  },
  { args: ["--kubernetes-version", "ci/latest"], opts: { kubernetesVersion: "ci/latest" } },
  {
    args: ["--config", `${dir}valid/10-custom-image-repository.yaml`],
    opts: { configPath: `${dir}valid/10-custom-image-repository.yaml` },
  },
  {
    args: ["--config", `${dir}valid/03-external-etcd.yaml`],
    opts: { configPath: `${dir}valid/03-external-etcd.yaml` },
  },
  {
    args: ["--config", `${dir}valid/20-addons-disabled.yaml`, "-o", "yaml"],
    opts: { configPath: `${dir}valid/20-addons-disabled.yaml`, output: "yaml" },
  },
];

for (const c of imageCases) {
  Deno.test({
    name: `kubeadm config images list ${c.args.join(" ")}${reason}`,
    ignore,
    async fn() {
      const real = run(["config", "images", "list", ...c.args]);
      assertEquals(real.code, 0, real.stderr);
      const ours = await listImages({ ...c.opts, host });
      assertEquals(ours.stdout, real.stdout);
    },
  });
}

function normalizeTokens(text: string): string {
  return text.replace(/token: [a-z0-9]{6}\.[a-z0-9]{16}/g, "token: TOKEN");
}

Deno.test({
  name: `kubeadm config migrate output matches on the valid corpus${reason}`,
  ignore,
  async fn() {
    const mismatches: string[] = [];
    for (const f of corpusFiles.filter((x) => x.includes("/valid/"))) {
      const real = run(["config", "migrate", "--old-config", f]);
      const ours = await migrateConfig({ oldConfigPath: f, host });
      if (normalizeTokens(ours.stdout) !== normalizeTokens(real.stdout)) {
        mismatches.push(`${f}:\n--- kubeadm\n${real.stdout}\n--- ours\n${ours.stdout}`);
      }
    }
    assertEquals(mismatches, []);
  },
});
