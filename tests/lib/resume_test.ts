// lib/resume.ts, the record behind `init --resume` and `join --resume` (kubestrap only, issue
// 16): each command keeps its own file; a fresh run records its inputs' digests (never the
// values: a join's discovery token and certificate key are not in the file) and each completed
// phase; a resumed run with the same inputs skips exactly those phases; changed inputs, a
// missing record and an unreadable record are refused with the change or the file named; a
// successful run removes the record.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import { Host } from "../../lib/host.ts";
import {
  inputChanges,
  readRunState,
  recordRun,
  RUN_STATE_PATHS,
  runInputs,
} from "../../lib/resume.ts";
import { KubestrapError } from "../../lib/errors.ts";

const TOKEN = "abcdef.0123456789abcdef";
const CERT_KEY = "2e3c4239bc78c27f40530ddc2df7049a2c5ff146e5a702e9c9b6cdbec70df9f3";

function joinYAML(o: { advertise?: string; name?: string } = {}): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: 10.0.0.10:6443
    token: ${TOKEN}
    caCertHashes: ["sha256:${"a".repeat(64)}"]
nodeRegistration:
  name: ${o.name ?? "cp2"}
controlPlane:
  certificateKey: ${CERT_KEY}
  localAPIEndpoint:
    advertiseAddress: ${o.advertise ?? "10.0.0.11"}
`;
}

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-resume-" });
  const root = `${dir}/root`;
  await Deno.mkdir(`${root}/etc/patches`, { recursive: true });
  const config = `${dir}/join.yaml`;
  await Deno.writeTextFile(config, joinYAML());
  await Deno.writeTextFile(`${root}/etc/patches/etcd+json.json`, "[]");
  await Deno.writeTextFile(`${root}/etc/discovery.conf`, "apiVersion: v1\nkind: Config\n");
  const host = new Host(root);
  const inputs = () =>
    runInputs({
      configPath: config,
      flags: { "token": TOKEN, "certificate-key": CERT_KEY, "v": "5", "resume": true },
      patchesDir: "/etc/patches",
      files: ["/etc/discovery.conf"],
    }, host);
  return { dir, root, config, host, inputs };
}

Deno.test("a join records its inputs as digests and each completed phase, in its own file", async () => {
  const { dir, root, host, inputs } = await setup();
  try {
    const lines: string[] = [];
    const hooks = await recordRun(host, "join", {
      resume: false,
      inputs: await inputs(),
      progress: (l) => lines.push(l),
    });
    const file = `${root}${RUN_STATE_PATHS.join}`;
    assertEquals(RUN_STATE_PATHS.join, "/etc/kubernetes/kubestrap-join-state.json");
    assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
    for (const name of ["preflight", "control-plane-prepare/download-certs", "check-etcd"]) {
      assertEquals(hooks.completed(name), false);
      await hooks.onCompleted(name);
    }
    await hooks.onCompleted("check-etcd"); // recorded once
    const text = await Deno.readTextFile(file);
    const state = JSON.parse(text);
    assertEquals(state.completed, [
      "preflight",
      "control-plane-prepare/download-certs",
      "check-etcd",
    ]);
    // Digests only: neither the discovery token (nor its secret half) nor the certificate key.
    for (const secret of [TOKEN, TOKEN.split(".")[1], CERT_KEY]) {
      assert(!text.includes(secret), `the record holds a secret:\n${text}`);
    }
    assertEquals(Object.keys(state.inputs.flags).sort(), [
      "--certificate-key",
      "--token",
    ]);
    assert(state.inputs.config["JoinConfiguration.discovery.bootstrapToken.token"]);
    assert(state.inputs.config["JoinConfiguration.controlPlane.certificateKey"]);
    assertEquals(Object.keys(state.inputs.files).sort(), [
      `/etc/discovery.conf`,
      `/etc/patches/etcd+json.json`,
    ]);
    assertEquals(state.tokens, undefined);
    // init's record is another file: untouched.
    assertEquals(await readRunState(host, "init"), undefined);
    assertEquals(lines, []);
    await hooks.onSuccess();
    assertEquals(await readRunState(host, "join"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("join --resume skips exactly the recorded phases and goes on recording", async () => {
  const { dir, host, inputs } = await setup();
  try {
    const first = await recordRun(host, "join", {
      resume: false,
      inputs: await inputs(),
      progress: () => {},
    });
    await first.onCompleted("preflight");
    await first.onCompleted("kubelet-start");
    const lines: string[] = [];
    const again = await recordRun(host, "join", {
      resume: true,
      inputs: await inputs(),
      progress: (l) => lines.push(l),
    });
    assertEquals(lines, [
      "[resume] Continuing the interrupted join: 2 phases completed with the same inputs are skipped\n",
    ]);
    assertEquals(again.completed("preflight"), true);
    assertEquals(again.completed("kubelet-start"), true);
    assertEquals(again.completed("etcd-join"), false);
    assertEquals(lines.slice(1), [
      `[resume] Skipping phase "preflight": it completed\n`,
      `[resume] Skipping phase "kubelet-start": it completed\n`,
    ]);
    await again.onCompleted("etcd-join");
    assertEquals((await readRunState(host, "join"))?.completed, [
      "preflight",
      "kubelet-start",
      "etcd-join",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("join --resume refuses changed inputs, naming each change, and leaves the record", async () => {
  const { dir, root, config, host, inputs } = await setup();
  try {
    const first = await recordRun(host, "join", {
      resume: false,
      inputs: await inputs(),
      progress: () => {},
    });
    await first.onCompleted("preflight");
    const before = await Deno.readTextFile(`${root}${RUN_STATE_PATHS.join}`);
    // Another advertise address would add a second etcd member: refused.
    await Deno.writeTextFile(config, joinYAML({ advertise: "10.0.0.12" }));
    await Deno.writeTextFile(`${root}/etc/discovery.conf`, "changed");
    await Deno.remove(`${root}/etc/patches/etcd+json.json`);
    const err = await assertRejects(
      async () =>
        await recordRun(host, "join", { resume: true, inputs: await inputs(), progress: () => {} }),
      KubestrapError,
    );
    assertEquals(
      err.message,
      "--resume: the inputs changed since the interrupted join: configuration field " +
        "JoinConfiguration.controlPlane.localAPIEndpoint.advertiseAddress changed, file " +
        "/etc/discovery.conf changed, file /etc/patches/etcd+json.json removed. Resume with the " +
        "same configuration, flags and patches, or run 'kubestrap reset' and join again",
    );
    assertEquals(await Deno.readTextFile(`${root}${RUN_STATE_PATHS.join}`), before);
    // A flag added or left out is a change too; --resume and -v are not inputs.
    const a = await runInputs({ flags: { token: TOKEN, v: "1" } }, host);
    const b = await runInputs(
      { flags: { "token": TOKEN, "node-name": "x", "resume": true } },
      host,
    );
    assertEquals(inputChanges(a, b), ["flag --node-name added"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--resume without a record, or with an unreadable one, is refused naming the file", async () => {
  const { dir, root, host, inputs } = await setup();
  try {
    const none = await assertRejects(
      async () =>
        await recordRun(host, "join", { resume: true, inputs: await inputs(), progress: () => {} }),
      KubestrapError,
    );
    assertEquals(
      none.message,
      `--resume: there is no interrupted join to resume (${root}/etc/kubernetes/kubestrap-join-state.json does not exist); run join without --resume`,
    );
    // An init record does not make a join resumable.
    await recordRun(host, "init", { resume: false, inputs: await inputs(), progress: () => {} });
    await assertRejects(
      async () =>
        await recordRun(host, "join", { resume: true, inputs: await inputs(), progress: () => {} }),
      KubestrapError,
      "no interrupted join",
    );
    await Deno.writeTextFile(`${root}${RUN_STATE_PATHS.join}`, "{not json");
    const bad = await assertRejects(
      async () =>
        await recordRun(host, "join", { resume: true, inputs: await inputs(), progress: () => {} }),
      KubestrapError,
    );
    assertStringIncludes(
      bad.message,
      `${root}/etc/kubernetes/kubestrap-join-state.json cannot be read (`,
    );
    assertStringIncludes(bad.message, "run 'kubestrap reset' and join again");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("init's record keeps what it generated: restored on resume, updated before each write", async () => {
  const { dir, host, inputs } = await setup();
  try {
    let key = "";
    const first = await recordRun(host, "init", {
      resume: false,
      inputs: await inputs(),
      progress: () => {},
      fresh: () => ({ tokens: ["gen123.0123456789abcdef"] }),
      beforeSave: (s) => {
        if (key) s.certificateKey = key;
      },
    });
    key = CERT_KEY;
    await first.onCompleted("upload-certs");
    const restored: unknown[] = [];
    await recordRun(host, "init", {
      resume: true,
      inputs: await inputs(),
      progress: () => {},
      restore: (s) => restored.push(s.tokens, s.certificateKey),
    });
    assertEquals(restored, [["gen123.0123456789abcdef"], CERT_KEY]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
