/**
 * The host's OpenSSL libcrypto, opened through Deno's FFI.
 *
 * kubestrap uses it where a vetted implementation must do the work: certificate path
 * validation (`verify.ts`) and RSA key generation (`rsa.ts`). The library is the machine's own
 * (like the runtime's libc, not a file under `--rootfs`): OpenSSL 3 first, then 1.1, which both
 * export every symbol asked for here.
 */

/** Sonames tried in order: OpenSSL 3, then 1.1. */
export const LIBCRYPTO_SONAMES = ["libcrypto.so.3", "libcrypto.so.1.1"];

/** The result of trying to open libcrypto with a set of symbols. */
export type OpenResult<S extends Deno.ForeignLibraryInterface> =
  | { lib: Deno.DynamicLibrary<S>; why?: undefined }
  | { lib: null; why: string };

/**
 * Opens the first soname of LIBCRYPTO_SONAMES that loads with `symbols`. On failure `why` says,
 * per soname, what went wrong (missing library, missing symbol, FFI not permitted).
 */
export function openLibcrypto<S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): OpenResult<S> {
  const why: string[] = [];
  for (const name of LIBCRYPTO_SONAMES) {
    try {
      return { lib: Deno.dlopen(name, symbols) };
    } catch (e) {
      why.push(`${name}: ${e instanceof Error ? e.message : e}`);
    }
  }
  return { lib: null, why: why.join("; ") };
}

/** A C string (NUL-terminated UTF-8) for an FFI `buffer` parameter. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}
