/** Minimal assertions (no JSR access in this project). */
export class AssertionError extends Error {}

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  const a = JSON.stringify(actual, bigintSafe, 2);
  const e = JSON.stringify(expected, bigintSafe, 2);
  if (a !== e) {
    throw new AssertionError(`${msg ? msg + "\n" : ""}actual:   ${a}\nexpected: ${e}`);
  }
}

export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(
      `${msg ? msg + "\n" : ""}expected to find:\n  ${expected}\nin:\n  ${actual}`,
    );
  }
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    if (includes !== undefined) assertStringIncludes((e as Error).message, includes);
    return e as Error;
  }
  throw new AssertionError("expected the promise to reject");
}

export function assertThrows(fn: () => unknown, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    if (includes !== undefined) assertStringIncludes((e as Error).message, includes);
    return e as Error;
  }
  throw new AssertionError("expected the function to throw");
}

function bigintSafe(_k: string, v: unknown) {
  if (typeof v === "bigint") return v.toString() + "n";
  if (v && typeof v === "object" && !Array.isArray(v)) {
    // key order does not matter for equality
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return v;
}
