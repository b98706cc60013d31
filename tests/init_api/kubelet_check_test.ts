/**
 * wait-control-plane's kubelet check without an init system (this machine has none), in a
 * namespace host: when no kubelet runs in the host's network namespace within 1.5 s the check is
 * skipped with a line saying so; a kubelet that something else starts a moment after
 * kubelet-start (as a supervisor does) is waited for, with kubeadm's lines. The "kubelet" is
 * python3's HTTP server run through a symlink named kubelet (its /proc comm), answering 200 at
 * /healthz. Needs root (namespaces) and python3; no test bed.
 */
import * as path from "@std/path";
import { createHost, isRoot } from "../harness/mod.ts";
import { assert, assertEquals } from "../assert.ts";
import { isFile, REPO } from "../integration/common.ts";

const SKIP = !isRoot
  ? "needs root (network and mount namespaces)"
  : !isFile("/usr/bin/python3") || !isFile("/usr/bin/nsenter")
  ? "needs python3 and nsenter"
  : "";
if (SKIP) console.log(`kubelet_check_test: ignored: ${SKIP}`);

const ADDR = "192.168.95.10";
const EVERYTHING_BUT_WAIT = [
  "preflight,certs,kubeconfig,etcd,control-plane,kubelet-start",
  "upload-config,upload-certs,mark-control-plane,bootstrap-token,kubelet-finalize,addon",
  "show-join-command",
].join(",");
const WAITING =
  "[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s";
const SKIPPED =
  "[kubelet-check] Skipping the kubelet health check: no init system and no kubelet running in this network namespace (the control plane must be started some other way)";

Deno.test({
  name:
    "init's kubelet check without an init system: skipped when no kubelet turns up, else waited for",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  await using host = await createHost("kchk", { addr: `${ADDR}/24`, network: "kchk" });
  const config = path.join(host.root, "config.yaml");
  await Deno.writeTextFile(
    config,
    `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${ADDR}
nodeRegistration:
  name: kchk
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
`,
  );
  // The phase then fails on the missing static Pod manifests: what it printed before is checked.
  const init = () =>
    host.exec([
      "sh",
      "-c",
      `cd "${REPO}" && exec "$@"`,
      "sh",
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      "main.ts",
      "init",
      `--skip-phases=${EVERYTHING_BUT_WAIT}`,
      "--config",
      config,
    ], { allowFailure: true, env: { HOME: "/nonexistent", NO_COLOR: "1" } });

  const t0 = performance.now();
  const alone = await init();
  const secs = (performance.now() - t0) / 1000;
  assertEquals(alone.code, 1, alone.stdout + alone.stderr);
  assert(alone.stdout.split("\n").includes(SKIPPED), alone.stdout);
  assert(!alone.stdout.includes(WAITING), alone.stdout);
  assert(secs >= 1.5, `skipped after ${secs}s, before the grace period`);
  assert(
    alone.stderr.includes("could not parse the address and port of all control plane components"),
    alone.stderr,
  );

  // A kubelet that comes up half a second after the phase started.
  const dir = path.join(host.root, "fake-kubelet");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(path.join(dir, "healthz"), "ok");
  await Deno.symlink("/usr/bin/python3", path.join(dir, "kubelet"));
  const running = init();
  await new Promise((r) => setTimeout(r, 500));
  host.spawn("kubelet", [
    path.join(dir, "kubelet"),
    "-m",
    "http.server",
    "--bind",
    "127.0.0.1",
    "--directory",
    dir,
    "10248",
  ]);
  const late = await running;
  assertEquals(late.code, 1, late.stdout + late.stderr);
  const out = late.stdout.split("\n");
  assert(!out.includes(SKIPPED), late.stdout);
  const at = out.indexOf(WAITING);
  assert(at >= 0, late.stdout);
  assert(/^\[kubelet-check\] The kubelet is healthy after \S+$/.test(out[at + 1]), late.stdout);
});
