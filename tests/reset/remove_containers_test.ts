/**
 * reset's container removal (phases/reset/cleanup_node.ts), as kubeadm's
 * CRIRuntime.RemoveContainers: each pod sandbox gets up to 5 stop+remove attempts, and one that
 * cannot be removed does not keep the others. A fake crictl on PATH plays a runtime whose first
 * pod is still starting a container for its first two removals ("container is in starting
 * state", what tests/e2e/join_resume_test.ts met right after the kubelet stopped) and whose third
 * pod can never be removed. Before, reset gave up at the first failure and left all three.
 */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { ksIsolated } from "../commands/helpers.ts";

const CRICTL = `#!/bin/sh
# fake crictl: pods p1 p2 p3; rmp p1 fails twice, rmp p3 always fails
log="\${0%/*}/calls"
shift 2 # --runtime-endpoint <socket>
echo "$*" >> "$log"
case "$1" in
  pods) printf 'p1\\np2\\np3\\n' ;;
  stopp) ;;
  rmp)
    if [ "$2" = p3 ]; then echo "p3 cannot be removed" >&2; exit 1; fi
    if [ "$2" = p1 ]; then
      n=$(/bin/grep -c '^rmp p1$' "$log")
      if [ "$n" -le 2 ]; then echo "container is in starting state, can't be removed" >&2; exit 1; fi
    fi ;;
esac
`;

Deno.test("reset retries each pod sandbox and goes on past one it cannot remove", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-reset-crictl-" });
  try {
    const bin = `${dir}/bin`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(`${bin}/crictl`, CRICTL, { mode: 0o755 });
    const root = `${dir}/root`;
    await Deno.mkdir(`${root}/etc/kubernetes`, { recursive: true });
    const r = await ksIsolated([
      "reset",
      "--force",
      "--rootfs",
      root,
      "--cri-socket",
      "unix:///run/fake.sock",
    ], { PATH: bin });
    assertEquals(r.code, 0, r.out + r.err);
    const calls = (await Deno.readTextFile(`${bin}/calls`)).trim().split("\n");
    const count = (c: string) => calls.filter((x) => x === c).length;
    assertEquals(calls[0], "pods -q");
    assertEquals([count("rmp p1"), count("rmp p2"), count("rmp p3")], [3, 1, 5]);
    assertEquals([count("stopp p1"), count("stopp p2"), count("stopp p3")], [3, 1, 5]);
    assertStringIncludes(
      r.err,
      "W [reset] Failed to remove containers: failed to remove pod sandbox p3: p3 cannot be removed\n",
    );
    assertStringIncludes(
      r.out,
      "[reset]   - Kubernetes-managed containers of unix:///run/fake.sock",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
