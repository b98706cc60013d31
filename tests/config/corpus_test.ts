/**
 * The configuration corpus: every tests/config/invalid/NN-name.yaml must be rejected by
 * `config validate` with exit code 1 and a message containing the sidecar .expect fragment, and
 * `config migrate` to a temporary path must fail without leaving a file; every
 * tests/config/valid/*.yaml must validate, and migrate to a file that validates again.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { migrateConfig, validateConfig } from "../../lib/commands/config_run.ts";
import { KubestrapError } from "../../lib/errors.ts";
import { fakeHostFacts } from "../../lib/config/host_facts.ts";

const dir = new URL(".", import.meta.url).pathname;
const host = fakeHostFacts({ hostname: "Node-1", ipv4: "192.0.2.10" });

function corpus(kind: "invalid" | "valid"): string[] {
  return [...Deno.readDirSync(`${dir}${kind}`)]
    .filter((e) => e.name.endsWith(".yaml"))
    .map((e) => `${dir}${kind}/${e.name}`)
    .sort();
}

const invalid = corpus("invalid");
const valid = corpus("valid");

Deno.test("corpus has at least 60 invalid and 20 valid documents", () => {
  assert(invalid.length >= 60, `only ${invalid.length} invalid files`);
  assert(valid.length >= 20, `only ${valid.length} valid files`);
});

for (const file of invalid) {
  const name = file.slice(file.lastIndexOf("/") + 1);
  Deno.test(`invalid corpus: ${name}`, async () => {
    const expect = Deno.readTextFileSync(file.replace(/\.yaml$/, ".expect")).trimEnd();
    let err: unknown;
    try {
      await validateConfig(file, { host });
    } catch (e) {
      err = e;
    }
    assert(err instanceof KubestrapError, `expected a KubestrapError, got ${err}`);
    assertEquals(err.exitCode, 1);
    assertStringIncludes(err.message, expect);
    // Secrets never appear in messages.
    assert(!err.message.includes("0123456789abcdef0123456789abcdef"), "certificate key leaked");
    // v1beta3 is converted by migrate (kubestrap extension, tests/config/migrate_v1beta3_test.ts).
    if (expect.includes("kubestrap can convert it")) return;
    const tmp = Deno.makeTempDirSync();
    const out = `${tmp}/new.yaml`;
    let migrateErr: unknown;
    try {
      await migrateConfig({ oldConfigPath: file, newConfigPath: out, host });
    } catch (e) {
      migrateErr = e;
    }
    assert(migrateErr instanceof KubestrapError, "migrate must fail on invalid input");
    assertEquals([...Deno.readDirSync(tmp)].length, 0, "migrate left a file behind");
    Deno.removeSync(tmp, { recursive: true });
  });
}

for (const file of valid) {
  const name = file.slice(file.lastIndexOf("/") + 1);
  Deno.test(`valid corpus: ${name}`, async () => {
    const r = await validateConfig(file, { host });
    assertEquals(r.stdout, "ok\n");
    const tmp = Deno.makeTempDirSync();
    const out = `${tmp}/new.yaml`;
    await migrateConfig({ oldConfigPath: file, newConfigPath: out, host });
    assertEquals(Deno.statSync(out).mode! & 0o777, 0o644);
    const again = await validateConfig(out, { host });
    assertEquals(again.stdout, "ok\n");
    // migrating the migrated file is a fixed point (tokens and hosts are fixed by then)
    const m1 = Deno.readTextFileSync(out);
    const m2 = await migrateConfig({ oldConfigPath: out, host });
    assertEquals(m2.stdout, m1);
    Deno.removeSync(tmp, { recursive: true });
  });
}
