// `init --resume` (kubestrap only, issue 16), at unit level under --rootfs: an init that fails
// in wait-control-plane (nothing listens on the API server's port) leaves the phases that
// completed recorded in /etc/kubernetes/kubestrap-init-state.json; `init --resume` with the same
// inputs skips them (the PKI, kubeconfig files and manifests stay byte-identical) and runs the
// failed phase again; changed inputs are refused, each change named.
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ksIsolated } from "./helpers.ts";

const STATE = "/etc/kubernetes/kubestrap-init-state.json";

const CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
timeouts:
  controlPlaneComponentHealthCheck: 1s
  kubeletHealthCheck: 1s
localAPIEndpoint:
  advertiseAddress: 10.0.0.10
  bindPort: 16443
nodeRegistration:
  name: node1
  criSocket: unix:///nonexistent/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
`;

function init(root: string, config: string, ...extra: string[]) {
  return ksIsolated([
    "init",
    "--config",
    config,
    "--rootfs",
    root,
    "--ignore-preflight-errors=all",
    ...extra,
  ]);
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else out.set(p.slice(dir.length), await Deno.readTextFile(p));
    }
  };
  await walk(dir);
  return out;
}

Deno.test("init --resume skips the phases that completed and runs the failed one again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-resume-" });
  const root = `${dir}/root`;
  await Deno.mkdir(root);
  const config = `${dir}/c.yaml`;
  await Deno.writeTextFile(config, CONFIG);

  const none = await init(root, config, "--resume");
  assertEquals(none.code, 1);
  assertStringIncludes(none.err, "--resume: there is no interrupted init to resume");

  const first = await init(root, config);
  assertEquals(first.code, 1, first.out + first.err);
  assertStringIncludes(first.err, "error execution phase wait-control-plane");
  const state = JSON.parse(await Deno.readTextFile(`${root}${STATE}`));
  assertEquals((await Deno.stat(`${root}${STATE}`)).mode! & 0o777, 0o600);
  assertEquals(state.completed.slice(0, 3), ["preflight", "certs", "certs/ca"]);
  assertEquals(state.completed.at(-1), "kubelet-start");
  assert(!state.completed.includes("wait-control-plane"));
  const before = await snapshot(`${root}/etc/kubernetes`);
  before.delete(STATE.slice("/etc/kubernetes".length));

  const again = await init(root, config, "--resume");
  assertEquals(again.code, 1, again.out + again.err);
  assertStringIncludes(
    again.out,
    `[resume] Continuing the interrupted init: ${state.completed.length} phases completed with the same inputs are skipped`,
  );
  for (const name of state.completed) {
    assertStringIncludes(again.out, `[resume] Skipping phase "${name}": it completed\n`);
  }
  assert(!again.out.includes("[certs] Generating"), again.out);
  assert(!again.out.includes("[preflight] Running pre-flight checks"), again.out);
  assertStringIncludes(again.out, "[wait-control-plane]");
  assertStringIncludes(again.err, "error execution phase wait-control-plane");
  const after = await snapshot(`${root}/etc/kubernetes`);
  after.delete(STATE.slice("/etc/kubernetes".length));
  assertEquals(after, before, "the completed phases' files are untouched");
  const state2 = JSON.parse(await Deno.readTextFile(`${root}${STATE}`));
  assertEquals(state2.tokens, state.tokens, "the generated bootstrap token is kept");

  // Changed inputs: refused, each change named, nothing touched.
  await Deno.writeTextFile(
    config,
    CONFIG + "apiServer:\n  certSANs: [san.example]\n",
  );
  const changed = await init(root, config, "--resume", "--skip-token-print");
  assertEquals(changed.code, 1);
  assertStringIncludes(
    changed.err,
    "--resume: the inputs changed since the interrupted init: configuration field " +
      "ClusterConfiguration.apiServer.certSANs added, flag --skip-token-print added. Resume " +
      "with the same configuration, flags and patches, or run 'kubestrap reset' and init again",
  );
  const untouched = await snapshot(`${root}/etc/kubernetes`);
  untouched.delete(STATE.slice("/etc/kubernetes".length));
  assertEquals(untouched, before);
  await Deno.remove(dir, { recursive: true });
});

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const UNSHARE = ["/usr/bin/unshare", "/bin/unshare"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});
const canUnshare = !!UNSHARE &&
  await new Deno.Command(UNSHARE, { args: ["-n", "true"], stderr: "null" })
    .output().then((r) => r.success, () => false);

/** `init` as ksIsolated runs it, in a network namespace of its own: no route anywhere. */
async function initNoNet(root: string, config: string, ...extra: string[]) {
  const r = await new Deno.Command(UNSHARE!, {
    args: [
      "-n",
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      MAIN,
      "init",
      "--config",
      config,
      "--rootfs",
      root,
      "--ignore-preflight-errors=all",
      ...extra,
    ],
    env: { PATH: "/nonexistent", HOME: Deno.env.get("HOME") ?? "/root", NO_COLOR: "1" },
    clearEnv: true,
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test({
  name: "init --resume prints the certificate key of an upload-certs it skips",
  // The API endpoint must be unreachable at once: a network namespace without routes.
  ignore: !canUnshare,
}, async () => {
  const local = CONFIG.replace("timeouts:\n", "timeouts:\n  kubernetesAPICall: 1s\n");
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-resume-key-" });
  const root = `${dir}/root`;
  await Deno.mkdir(root);
  const config = `${dir}/c.yaml`;
  await Deno.writeTextFile(config, local);
  const first = await initNoNet(root, config, "--upload-certs");
  assertEquals(first.code, 1, first.out + first.err);
  assertStringIncludes(first.err, "error execution phase wait-control-plane");
  // As a run killed after upload-certs leaves it: the key of the Secret it uploaded recorded.
  const key = "0123456789abcdef".repeat(4);
  const state = JSON.parse(await Deno.readTextFile(`${root}${STATE}`));
  state.completed.push(
    "wait-control-plane",
    "upload-config/kubeadm",
    "upload-config/kubelet",
    "upload-certs",
  );
  state.certificateKey = key;
  await Deno.writeTextFile(`${root}${STATE}`, JSON.stringify(state));

  const again = await initNoNet(root, config, "--upload-certs", "--resume");
  assertEquals(again.code, 1, again.out + again.err);
  assertStringIncludes(
    again.out,
    `[resume] Skipping phase "upload-certs": it completed\n[upload-certs] Using certificate key:\n${key}\n`,
  );
  assertStringIncludes(again.err, "error execution phase mark-control-plane");
  await Deno.remove(dir, { recursive: true });
});
