/**
 * Where kubestrap may touch the host without lib/host.ts, each with its reason. Everything else
 * in main.ts, lib/ and phases/ reaches files, commands, processes, sockets and /proc through a
 * Host, so that `--rootfs` and dry-run hold. The calls meant are Deno's host effects:
 * `Deno.(readTextFile|readFile|writeFile|writeTextFile|Command|stat|lstat|mkdir|remove|readDir|
 * connect|open|rename|chmod|makeTemp|readLink|symlink|realPath|chown|truncate|kill|dlopen)`,
 * with their *Sync forms.
 *
 * A key is a file, or a directory ending in "/" that covers everything under it.
 */
export const HOST_EFFECT_ALLOWLIST: Readonly<Record<string, string>> = {
  "lib/host.ts": "the one module that touches the host: every other module goes through it",
  "lib/pki/libcrypto.ts":
    "Deno.dlopen of the host's OpenSSL libcrypto (FFI) for certificate verification and RSA " +
    "key generation: loading a shared library into this process, not a file kubestrap reads " +
    "or writes",
  "tests/": "test-only code: the harness builds temporary hosts, starts the real components and " +
    "inspects what kubestrap wrote from outside, as an operator would",
  "scripts/": "build, test-bed and benchmark tooling run by developers and CI, not part of the " +
    "kubestrap program",
};
