/**
 * The release artifact is self-contained: built by scripts/build.ts, copied with only the deno
 * binary into an empty directory, and run inside a new network namespace with no network, with
 * an empty DENO_DIR and no source tree or node_modules in reach.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import * as path from "@std/path";
import { RUNTIME_V8_ARG } from "../../scripts/runtime_flags.ts";

const repo = path.resolve(import.meta.dirname!, "../..");
const deno = Deno.execPath();

async function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: opts.env !== undefined,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const canUnshare = (await sh("unshare", ["-n", "true"]).catch(() => ({ code: 1 }))).code === 0;

Deno.test({
  name: "the bundled artifact runs offline with nothing but deno",
  // Needs `unshare -n` (root or user namespaces) to cut the network.
  ignore: !canUnshare,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "kubestrap-artifact-" });
    try {
      const build = await sh(deno, [
        "run",
        "-A",
        "scripts/build.ts",
        "--bundle-only",
        "--out",
        `${work}/dist`,
      ], {
        cwd: repo,
      });
      assertEquals(build.code, 0, build.stderr);
      const box = `${work}/box`;
      await Deno.mkdir(`${box}/root`, { recursive: true });
      await Deno.copyFile(`${work}/dist/kubestrap.js`, `${box}/kubestrap.js`);
      await Deno.copyFile(deno, `${box}/deno`);
      await Deno.chmod(`${box}/deno`, 0o755);
      const env = {
        PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: box,
        DENO_DIR: `${box}/deno-dir`,
        NO_COLOR: "1",
      };
      const run = (args: string[]) =>
        sh("unshare", [
          "-n",
          `${box}/deno`,
          "run",
          "-A",
          "--no-config",
          `${box}/kubestrap.js`,
          ...args,
        ], {
          cwd: box,
          env,
        });

      const version = await run(["version", "-o", "json"]);
      assertEquals(version.code, 0, version.stderr);
      const info = JSON.parse(version.stdout).clientVersion;
      // kubeadm's version exactly (tools compare it as a string); kubestrap's build after it.
      assertEquals(info.gitVersion, "v1.37.2");
      const head = (await sh("git", ["rev-parse", "HEAD"], { cwd: repo })).stdout.trim();
      assertEquals(info.kubestrapGitCommit, head);
      assert(
        info.kubestrapVersion !== "" && info.kubestrapVersion !== "dev",
        info.kubestrapVersion,
      );

      const defaults = await run(["config", "print", "init-defaults"]);
      assertEquals(defaults.code, 0, defaults.stderr);
      assertStringIncludes(defaults.stdout, "kind: InitConfiguration");
      assertStringIncludes(defaults.stdout, "kind: ClusterConfiguration");

      // No default route in the namespace: give the address as kubeadm would need it too.
      const certs = await run([
        "init",
        "phase",
        "certs",
        "all",
        "--cert-dir",
        `${box}/root/pki`,
        "--apiserver-advertise-address",
        "192.0.2.10",
      ]);
      assertEquals(certs.code, 0, certs.stderr);
      for (const f of ["ca.crt", "ca.key", "apiserver.crt", "etcd/ca.crt", "sa.key", "sa.pub"]) {
        assert((await Deno.stat(`${box}/root/pki/${f}`)).isFile, f);
      }

      const completion = await run(["completion", "bash"]);
      assertEquals(completion.code, 0, completion.stderr);
      await Deno.writeTextFile(`${box}/completion.bash`, completion.stdout);
      const syntax = await sh("bash", ["-n", `${box}/completion.bash`]);
      assertEquals(syntax.code, 0, syntax.stderr);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "the self-extracting executable is one file that runs offline",
  ignore: !canUnshare,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "kubestrap-sfx-test-" });
    try {
      const build = await sh(deno, [
        "run",
        "-A",
        "scripts/build.ts",
        "--self-extracting",
        "--target",
        Deno.build.arch,
        "--out",
        `${work}/dist`,
      ], { cwd: repo });
      assertEquals(build.code, 0, build.stderr);
      const suffix = Deno.build.arch === "x86_64" ? "amd64" : "arm64";
      const box = `${work}/box`;
      await Deno.mkdir(box);
      await Deno.copyFile(`${work}/dist/kubestrap-linux-${suffix}.run`, `${box}/kubestrap`);
      await Deno.chmod(`${box}/kubestrap`, 0o755);
      // The checksum file names the artifact and matches its bytes.
      const sum = await Deno.readTextFile(`${work}/dist/kubestrap-linux-${suffix}.run.sha256`);
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", await Deno.readFile(`${box}/kubestrap`)),
      );
      const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      assertEquals(sum, `${hex}  kubestrap-linux-${suffix}.run\n`);
      // The launcher runs the bundle with the release's V8 flags.
      const launcher = new TextDecoder().decode(
        (await Deno.readFile(`${box}/kubestrap`)).subarray(0, 1024),
      );
      assertStringIncludes(launcher, ` ${RUNTIME_V8_ARG} "$d/kubestrap.js" "$@"`);
      const env = { PATH: "/usr/bin:/bin", HOME: box };
      for (let i = 0; i < 2; i++) { // first run unpacks, second reuses
        const r = await sh("unshare", ["-n", `${box}/kubestrap`, "version", "-o", "short"], {
          cwd: box,
          env,
        });
        assertEquals(r.code, 0, r.stderr);
        assertEquals(r.stdout, "v1.37.2\n");
      }
      const bad = await sh("unshare", ["-n", `${box}/kubestrap`, "version", "--bogus"], {
        cwd: box,
        env,
      });
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "unknown flag: --bogus");
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
