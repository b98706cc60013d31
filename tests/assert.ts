// Minimal assertions (jsr:@std/assert cannot be reached here). Each throws with a clear diff.
export class AssertionError extends Error {}

function fmt(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Deno.inspect(v, { depth: 10, sorted: true });
}

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  const a = Deno.inspect(actual, { depth: 20, sorted: true, strAbbreviateSize: 1e9 });
  const e = Deno.inspect(expected, { depth: 20, sorted: true, strAbbreviateSize: 1e9 });
  if (a !== e) {
    throw new AssertionError(
      `${msg ? msg + "\n" : ""}Values are not equal:\n  actual:   ${fmt(actual)}\n  expected: ${
        fmt(expected)
      }`,
    );
  }
}

export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(
      `${msg ? msg + "\n" : ""}Expected ${fmt(actual)} to include ${fmt(expected)}`,
    );
  }
}

export function assertMatch(actual: string, re: RegExp, msg?: string): void {
  if (!re.test(actual)) {
    throw new AssertionError(`${msg ? msg + "\n" : ""}Expected ${fmt(actual)} to match ${re}`);
  }
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls?: new (...args: any[]) => Error,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) {
      throw new AssertionError(`Expected error of class ${cls.name}, got ${fmt(e)}`);
    }
    if (includes && !(e as Error).message.includes(includes)) {
      throw new AssertionError(
        `Expected error message to include ${fmt(includes)}, got ${fmt((e as Error).message)}`,
      );
    }
    return e as Error;
  }
  throw new AssertionError("Expected function to reject");
}

export function assertThrows(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  cls?: new (...args: any[]) => Error,
  includes?: string,
): Error {
  try {
    fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) {
      throw new AssertionError(`Expected error of class ${cls.name}, got ${fmt(e)}`);
    }
    if (includes && !(e as Error).message.includes(includes)) {
      throw new AssertionError(
        `Expected error message to include ${fmt(includes)}, got ${fmt((e as Error).message)}`,
      );
    }
    return e as Error;
  }
  throw new AssertionError("Expected function to throw");
}
