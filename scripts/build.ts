/**
 * Release build.
 *
 *   deno run -A scripts/build.ts [--out dist] [--bundle-only | --self-extracting]
 *                                [--target x86_64|aarch64 ...]
 *
 * 1. Bundles main.ts and every dependency into one JavaScript file (dist/kubestrap.js), stamped
 *    with the git version, commit, tree state and build date. That artifact needs only the pinned
 *    deno binary: no source tree, no node_modules, no network.
 * 2. Compiles the stamped bundle with `deno compile -A` for linux x86_64 and aarch64. The Deno
 *    runtime (denort) comes from DENORT_BIN_<ARCH> / DENORT_BIN, or from Deno's cache
 *    ($DENO_DIR/dl/release/v<ver>/denort-<target>.zip); when neither exists and deno cannot
 *    download it, the build stops and names the missing file.
 *    `--self-extracting` instead makes dist/kubestrap-linux-<arch>.run: one executable file that
 *    carries the pinned deno runtime and the bundle (for machines where no denort exists).
 * 3. Writes a sha256 checksum beside every output (<file>.sha256, sha256sum format).
 */
import * as path from "@std/path";
import { RUNTIME_V8_ARG } from "./runtime_flags.ts";
import { ARGV0_ENV } from "../lib/host.ts";

const root = path.resolve(import.meta.dirname!, "..");
const TARGETS: Record<string, { triple: string; suffix: string; npm: string }> = {
  x86_64: { triple: "x86_64-unknown-linux-gnu", suffix: "linux-amd64", npm: "linux-x64-glibc" },
  aarch64: { triple: "aarch64-unknown-linux-gnu", suffix: "linux-arm64", npm: "linux-arm64-glibc" },
};

export class BuildError extends Error {}

function parseArgs(args: string[]) {
  const opts = {
    out: path.join(root, "dist"),
    bundleOnly: false,
    selfExtracting: false,
    targets: [] as string[],
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--out") opts.out = path.resolve(args[++i]);
    else if (a === "--bundle-only") opts.bundleOnly = true;
    else if (a === "--self-extracting") opts.selfExtracting = true;
    else if (a === "--target") opts.targets.push(args[++i]);
    else throw new BuildError(`unknown argument ${a}; see the header of scripts/build.ts`);
  }
  if (opts.targets.length === 0) opts.targets = Object.keys(TARGETS);
  for (const t of opts.targets) {
    if (!TARGETS[t]) {
      throw new BuildError(`unknown target ${t}; use one of ${Object.keys(TARGETS).join(", ")}`);
    }
  }
  return opts;
}

async function run(cmd: string, args: string[], env?: Record<string, string>) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: root,
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function git(args: string[]): Promise<string> {
  const r = await run("git", args);
  return r.code === 0 ? r.stdout.trim() : "";
}

export async function buildInfo() {
  const commit = await git(["rev-parse", "HEAD"]);
  const dirty = (await git(["status", "--porcelain", "--untracked-files=no"])) !== "";
  const describe = await git(["describe", "--tags", "--always", "--dirty"]);
  const date = new Date();
  date.setMilliseconds(0);
  return {
    gitCommit: commit,
    gitTreeState: commit ? (dirty ? "dirty" : "clean") : "",
    buildDate: date.toISOString().replace(".000Z", "Z"),
    // kubestrapVersion in `kubestrap version` (kept to [0-9A-Za-z-.]).
    build: (describe || "unknown").replace(/[^0-9A-Za-z-.]/g, "-"),
  };
}

async function sha256File(file: string): Promise<string> {
  const data = await Deno.readFile(file);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  await Deno.writeTextFile(`${file}.sha256`, `${hex}  ${path.basename(file)}\n`);
  return hex;
}

/** Bundles main.ts into one stamped JavaScript file; returns its path. */
export async function bundle(outDir: string): Promise<string> {
  await Deno.mkdir(outDir, { recursive: true });
  const deno = Deno.execPath();
  const out = path.join(outDir, "kubestrap.js");
  const tmp = `${out}.tmp`;
  // Minified: V8 keeps the source of a lazily compiled script for its whole run, and the
  // smaller bundle (0.7 instead of 1.3 MB) takes about 3.5 MiB off every run's peak RSS.
  const r = await run(deno, [
    "bundle",
    "--quiet",
    "--minify",
    "--platform",
    "deno",
    "-o",
    tmp,
    "main.ts",
  ]);
  if (r.code !== 0) throw new BuildError(`deno bundle failed:\n${r.stderr}`);
  const info = await buildInfo();
  let js = await Deno.readTextFile(tmp);
  // The bundle keeps lib/build_info.ts's object literal; replace its fields in place.
  const re =
    /gitCommit:\s*"",\s*gitTreeState:\s*"",\s*buildDate:\s*"1970-01-01T00:00:00Z",\s*build:\s*"dev"/;
  if (!re.test(js)) {
    await Deno.remove(tmp);
    throw new BuildError(
      "could not find the build-info stamp in the bundle: lib/build_info.ts must keep its " +
        "four fields together and in order",
    );
  }
  js = js.replace(
    re,
    `gitCommit:${JSON.stringify(info.gitCommit)},gitTreeState:${
      JSON.stringify(info.gitTreeState)
    },buildDate:${JSON.stringify(info.buildDate)},build:${JSON.stringify(info.build)}`,
  );
  // CommonJS npm packages inside the bundle require() node builtins; esbuild's shim needs a
  // real `require` in scope for that.
  js = 'import { createRequire as __ksCreateRequire } from "node:module";\n' +
    "const require = __ksCreateRequire(import.meta.url);\n" + js.replace(/^#!.*\n/, "");
  js = "#!/usr/bin/env -S deno run -A\n" + js;
  await Deno.writeTextFile(tmp, js);
  await Deno.rename(tmp, out);
  await sha256File(out);
  return out;
}

function denoDir(): string {
  const env = Deno.env.get("DENO_DIR");
  if (env) return env;
  const home = Deno.env.get("HOME") ?? "/root";
  return path.join(Deno.env.get("XDG_CACHE_HOME") ?? path.join(home, ".cache"), "deno");
}

/** Where the runtime for `arch` comes from, or a BuildError naming what is missing. */
export async function runtimeFor(arch: string): Promise<{ env: Record<string, string> }> {
  const { triple } = TARGETS[arch];
  const specific = Deno.env.get(`DENORT_BIN_${arch.toUpperCase()}`);
  const hostArch = Deno.build.arch;
  const generic = arch === hostArch ? Deno.env.get("DENORT_BIN") : undefined;
  const bin = specific ?? generic;
  if (bin) {
    try {
      await Deno.stat(bin);
    } catch {
      throw new BuildError(`the Deno runtime file ${bin} (from DENORT_BIN) does not exist`);
    }
    return { env: { DENORT_BIN: bin } };
  }
  const zip = path.join(
    denoDir(),
    "dl",
    "release",
    `v${Deno.version.deno}`,
    `denort-${triple}.zip`,
  );
  try {
    await Deno.stat(zip);
    return { env: {} };
  } catch {
    // fall through
  }
  throw new BuildError(
    `no Deno runtime for ${triple}: ${zip} does not exist and neither ` +
      `DENORT_BIN_${arch.toUpperCase()}${arch === hostArch ? " nor DENORT_BIN" : ""} is set.\n` +
      `Provide it with one of:\n` +
      `  - DENORT_BIN_${arch.toUpperCase()}=/path/to/denort (the unzipped denort ${Deno.version.deno} ` +
      `binary for ${triple})\n` +
      `  - copy denort-${triple}.zip (from the Deno ${Deno.version.deno} release) to ${zip}\n` +
      `  - or run with KUBESTRAP_ALLOW_RUNTIME_DOWNLOAD=1 on a connected machine`,
  );
}

export async function compile(bundlePath: string, outDir: string, arch: string): Promise<string> {
  const { triple, suffix } = TARGETS[arch];
  const out = path.join(outDir, `kubestrap-${suffix}`);
  let env: Record<string, string> = {};
  if (Deno.env.get("KUBESTRAP_ALLOW_RUNTIME_DOWNLOAD") !== "1") env = (await runtimeFor(arch)).env;
  const r = await run(Deno.execPath(), [
    "compile",
    "-A",
    "--no-config",
    RUNTIME_V8_ARG,
    "--target",
    triple,
    "-o",
    out,
    bundlePath,
  ], env);
  if (r.code !== 0) throw new BuildError(`deno compile for ${triple} failed:\n${r.stderr}`);
  await sha256File(out);
  return out;
}

/** The deno CLI binary for `arch`: this one on the same architecture, else npm's package. */
async function denoBinaryFor(arch: string, work: string): Promise<string> {
  if (arch === Deno.build.arch) return Deno.execPath();
  const pkg = `@deno/${TARGETS[arch].npm}@${Deno.version.deno}`;
  const r = await run("npm", ["pack", pkg, "--pack-destination", work, "--silent"]);
  if (r.code !== 0) throw new BuildError(`npm pack ${pkg} failed:\n${r.stderr}`);
  const tgz = path.join(work, r.stdout.trim().split("\n").pop()!);
  const x = await run("tar", ["xzf", tgz, "-C", work, "package/deno"]);
  if (x.code !== 0) throw new BuildError(`cannot unpack ${tgz}: ${x.stderr}`);
  return path.join(work, "package", "deno");
}

/**
 * A single self-extracting executable: a POSIX sh header and a tar.gz of the pinned deno
 * runtime plus the stamped bundle. On first run it unpacks into
 * $KUBESTRAP_RUNTIME_DIR (default ~/.cache/kubestrap/runtime/<sha256>) and then always execs
 * `deno run -A --cached-only` on the bundle: no network, no source tree. Its `$0` goes to the
 * bundle in KUBESTRAP_ARGV0, so that a launcher installed as `kubeadm` prints `kubeadm join ...`. This is what operators
 * get when no denort is available for `deno compile`.
 */
export async function selfExtracting(bundlePath: string, outDir: string, arch: string) {
  const work = await Deno.makeTempDir({ prefix: "kubestrap-sfx-" });
  try {
    const denoBin = await denoBinaryFor(arch, work);
    const stage = path.join(work, "stage");
    await Deno.mkdir(stage);
    await Deno.copyFile(denoBin, path.join(stage, "deno"));
    await Deno.chmod(path.join(stage, "deno"), 0o755);
    await Deno.copyFile(bundlePath, path.join(stage, "kubestrap.js"));
    const payload = path.join(work, "payload.tar.gz");
    const t = await run("tar", ["czf", payload, "-C", stage, "deno", "kubestrap.js"]);
    if (t.code !== 0) throw new BuildError(`tar failed: ${t.stderr}`);
    const data = await Deno.readFile(payload);
    const sum = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", data)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const header = (offset: string) =>
      `#!/bin/sh
# kubestrap for ${TARGETS[arch].triple}: self-extracting (deno ${Deno.version.deno} + kubestrap.js).
set -e
d="\${KUBESTRAP_RUNTIME_DIR:-\${XDG_CACHE_HOME:-\${HOME:-/root}/.cache}/kubestrap/runtime}/${sum}"
if [ ! -x "$d/deno" ] || [ ! -f "$d/kubestrap.js" ]; then
  t="$d.tmp.$$"
  rm -rf "$t" && mkdir -p "$t"
  tail -c +${offset} "$0" | tar xzf - -C "$t"
  rm -rf "$d" && mv "$t" "$d"
fi
DENO_NO_UPDATE_CHECK=1 ${ARGV0_ENV}="$0" exec "$d/deno" run -A --no-config --cached-only ${RUNTIME_V8_ARG} "$d/kubestrap.js" "$@"
exit 1
`;
    // The offset field has a fixed width so that the header length does not depend on it.
    const probe = new TextEncoder().encode(header("0000000000"));
    const offset = String(probe.length + 1).padStart(10, "0");
    const head = new TextEncoder().encode(header(offset));
    const out = path.join(outDir, `kubestrap-${TARGETS[arch].suffix}.run`);
    const all = new Uint8Array(head.length + data.length);
    all.set(head);
    all.set(data, head.length);
    await Deno.writeFile(`${out}.tmp`, all, { mode: 0o755 });
    await Deno.rename(`${out}.tmp`, out);
    await sha256File(out);
    return out;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  try {
    const opts = parseArgs(Deno.args);
    const js = await bundle(opts.out);
    console.log(`bundle: ${js} (${(await Deno.stat(js)).size} bytes)`);
    if (opts.selfExtracting) {
      for (const t of opts.targets) {
        const bin = await selfExtracting(js, opts.out, t);
        console.log(`self-extracting: ${bin} (${(await Deno.stat(bin)).size} bytes)`);
      }
    } else if (!opts.bundleOnly) {
      for (const t of opts.targets) {
        const bin = await compile(js, opts.out, t);
        console.log(`binary: ${bin} (${(await Deno.stat(bin)).size} bytes)`);
      }
    }
  } catch (e) {
    if (e instanceof BuildError) {
      console.error(`build: ${e.message}`);
      Deno.exit(1);
    }
    throw e;
  }
}
