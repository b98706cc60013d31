// `join --resume` (kubestrap only, issue 16) through the command line, under --rootfs: a join
// whose discovery fails (nothing answers at the endpoint) leaves its record in
// /etc/kubernetes/kubestrap-join-state.json without the token or the certificate key; `join
// --resume` with the same inputs continues it; a changed configuration is refused with the
// change named; --resume without a record, or with --dry-run, is refused. The phases of a real
// control-plane join, killed and resumed, are in tests/e2e/join_resume_test.ts.
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ksIsolated } from "./helpers.ts";

const STATE = "/etc/kubernetes/kubestrap-join-state.json";
const TOKEN = "abcdef.0123456789abcdef";
const CERT_KEY = "2e3c4239bc78c27f40530ddc2df7049a2c5ff146e5a702e9c9b6cdbec70df9f3";

function config(advertise: string): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: 127.0.0.1:1
    token: ${TOKEN}
    unsafeSkipCAVerification: true
timeouts:
  discovery: 1s
nodeRegistration:
  name: cp2
  criSocket: unix:///nonexistent/containerd.sock
controlPlane:
  certificateKey: ${CERT_KEY}
  localAPIEndpoint:
    advertiseAddress: ${advertise}
`;
}

function join(root: string, file: string, ...extra: string[]) {
  return ksIsolated([
    "join",
    "--config",
    file,
    "--rootfs",
    root,
    "--ignore-preflight-errors=all",
    ...extra,
  ]);
}

Deno.test("join --resume continues a recorded join, refuses changed inputs and dry runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-join-resume-" });
  try {
    const root = `${dir}/root`;
    await Deno.mkdir(root);
    const file = `${dir}/join.yaml`;
    await Deno.writeTextFile(file, config("10.0.0.11"));

    const none = await join(root, file, "--resume");
    assertEquals(none.code, 1, none.out + none.err);
    assertStringIncludes(
      none.err,
      `--resume: there is no interrupted join to resume (${root}${STATE} does not exist); run join without --resume`,
    );
    const dry = await join(root, file, "--resume", "--dry-run");
    assertEquals(dry.code, 1);
    assertStringIncludes(
      dry.err,
      "--resume continues a whole join; it cannot be used with --dry-run",
    );

    const first = await join(root, file);
    assertEquals(first.code, 1, first.out + first.err);
    assertStringIncludes(first.err, "error execution phase preflight");
    const text = await Deno.readTextFile(`${root}${STATE}`);
    assertEquals((await Deno.stat(`${root}${STATE}`)).mode! & 0o777, 0o600);
    for (const secret of [TOKEN, TOKEN.split(".")[1], CERT_KEY]) {
      assert(!text.includes(secret), `the record holds a secret:\n${text}`);
      assert(!(first.out + first.err).includes(secret), "a secret was printed");
    }
    assertEquals(JSON.parse(text).completed, []);

    const again = await join(root, file, "--resume");
    assertEquals(again.code, 1, again.out + again.err);
    assertStringIncludes(
      again.out,
      "[resume] Continuing the interrupted join: 0 phases completed with the same inputs are skipped\n",
    );
    assertStringIncludes(again.out, "[preflight] Running pre-flight checks");
    assertStringIncludes(again.err, "error execution phase preflight");

    // Another advertise address would be another etcd member: refused, the record kept.
    await Deno.writeTextFile(file, config("10.0.0.12"));
    const changed = await join(root, file, "--resume", "--node-name", "cp3");
    assertEquals(changed.code, 1);
    assertStringIncludes(
      changed.err,
      "--resume: the inputs changed since the interrupted join: configuration field " +
        "JoinConfiguration.controlPlane.localAPIEndpoint.advertiseAddress changed, flag " +
        "--node-name added. Resume with the same configuration, flags and patches, or run " +
        "'kubestrap reset' and join again",
    );
    assert(!changed.out.includes("[preflight]"), changed.out);
    assertEquals(await Deno.readTextFile(`${root}${STATE}`), text);

    // reset removes the record.
    const reset = await ksIsolated([
      "reset",
      "--force",
      "--rootfs",
      root,
      "--cri-socket",
      "unix:///nonexistent/containerd.sock",
    ]);
    assertEquals(reset.code, 0, reset.out + reset.err);
    assert(!(await Deno.stat(`${root}${STATE}`).then(() => true, () => false)), "record kept");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
