/**
 * Work that runs outside the JavaScript thread and must end before the process does.
 *
 * An FFI call declared `nonblocking` (OpenSSL's RSA key generation, lib/pki/rsa.ts) runs on one
 * of the runtime's threads. When a command fails while such a call still runs, exiting at once
 * tears the library down under it (OpenSSL's exit handlers free what the call is using) and the
 * process can die of SIGSEGV instead of exiting with the command's code. Such calls register
 * here, and the command runner (lib/cli.ts) waits for them before it returns the exit code.
 */

const running = new Set<Promise<unknown>>();

/** Registers `p` until it settles; returns `p`. */
export function track<T>(p: Promise<T>): Promise<T> {
  running.add(p);
  const done = () => running.delete(p);
  p.then(done, done);
  return p;
}

/** Resolves once every registered call has settled (at once when none runs). */
export async function settled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}
