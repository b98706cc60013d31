/**
 * `version` against the real kubeadm v1.37.2: `-o short` is the same string (kinder, kubekey and
 * image-builder's goss check compare it as one), and every form keeps kubeadm's keys in kubeadm's
 * order with kubestrap's build after them.
 */
import { assert, assertEquals } from "../assert.ts";
import { run } from "./helpers.ts";
import { kubeadmBinary } from "../harness/testbed.ts";

const kubeadm = kubeadmBinary();
const present = (() => {
  try {
    return Deno.statSync(kubeadm).isFile;
  } catch {
    return false;
  }
})();

async function theirs(...args: string[]): Promise<string> {
  const out = await new Deno.Command(kubeadm, { args, stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

const OWN = ["kubestrapVersion", "kubestrapGitCommit", "kubestrapGitTreeState"];

Deno.test({
  name: "version: -o short and gitVersion are kubeadm's; kubestrap's build follows kubeadm's keys",
  ignore: !present,
  fn: async () => {
    for (const o of [["-o", "short"], ["-o=short"], ["-oshort"], ["--output=short"]]) {
      const r = await run("version", ...o);
      assertEquals(r.code, 0, r.err);
      assertEquals(r.out, await theirs("version", ...o));
      assertEquals(r.out, "v1.37.2\n");
    }

    const json = JSON.parse((await run("version", "-o", "json")).out).clientVersion;
    const kjson = JSON.parse(await theirs("version", "-o", "json")).clientVersion;
    assertEquals(Object.keys(json), [...Object.keys(kjson), ...OWN]);
    for (const k of ["major", "minor", "gitVersion", "platform"]) assertEquals(json[k], kjson[k]);

    // yaml: kubeadm's keys in its (sorted) order, then kubestrap's; a blank line at the end.
    const keys = (s: string) =>
      s.split("\n").filter((l) => /^ {2}\w/.test(l)).map((l) => l.trim().split(":")[0]);
    const yaml = (await run("version", "-o", "yaml")).out;
    const kyaml = await theirs("version", "-o", "yaml");
    assertEquals(keys(yaml), [...keys(kyaml), ...[...OWN].sort()]);
    assert(yaml.startsWith("clientVersion:\n") && yaml.endsWith("\n\n"), yaml);
    assert(yaml.includes("  gitVersion: v1.37.2\n"), yaml);

    // Text: Go's %#v of version.Info with kubeadm's fields first.
    const fields = (s: string) => [...s.matchAll(/(\w+):"/g)].map((m) => m[1]);
    const text = (await run("version")).out;
    const ktext = await theirs("version");
    assertEquals(fields(text), [
      ...fields(ktext),
      "KubestrapVersion",
      "KubestrapGitCommit",
      "KubestrapGitTreeState",
    ]);
    assert(text.startsWith('kubeadm version: &version.Info{Major:"1", Minor:"37", '), text);
    assert(text.includes(' GitVersion:"v1.37.2", '), text);
  },
});
