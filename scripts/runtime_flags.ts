/**
 * V8 flags every release artifact runs with: baked into the compiled binary
 * (`deno compile --v8-flags`), passed by the self-extracting executable's launcher, and used by
 * the end-to-end tests and benchmarks that run the bundle.
 *
 * `--max-semi-space-size=1` caps V8's young generation at 1 MiB per semi-space instead of
 * letting it grow to tens of MiB: kubestrap allocates little that lives long. `--lite-mode`
 * trades JIT compilation for memory (V8's mode for small devices: bytecode only, lazily
 * allocated feedback): kubestrap's own work is waiting on files, processes, sockets and native
 * crypto, so it costs no measurable time. Together they take peak RSS of `init --dry-run` from
 * about 105 MiB to 67 MiB, and of a real `init` (scripts/bench.ts e2e) from about 95 to 79 MiB.
 */
export const RUNTIME_V8_FLAGS = "--max-semi-space-size=1,--lite-mode";

/** The `deno run` / `deno compile` argument carrying RUNTIME_V8_FLAGS. */
export const RUNTIME_V8_ARG = `--v8-flags=${RUNTIME_V8_FLAGS}`;
