// Minimal assertions (jsr:@std/assert cannot be reached here). Each throws with a clear diff.
export class AssertionError extends Error {}

function fmt(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Deno.inspect(v, { depth: 10, sorted: true });
}

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

/** Every element and character: two values differ as soon as their printed forms do. */
const INSPECT = { depth: 20, sorted: true, strAbbreviateSize: 1e9, iterableLimit: Infinity };

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  const a = Deno.inspect(actual, INSPECT);
  const e = Deno.inspect(expected, INSPECT);
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

export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (Deno.inspect(actual, INSPECT) === Deno.inspect(expected, INSPECT)) {
    throw new AssertionError(`${msg ? msg + "\n" : ""}Expected ${fmt(actual)} to differ`);
  }
}

export function assertNotMatch(actual: string, re: RegExp, msg?: string): void {
  if (re.test(actual)) {
    throw new AssertionError(`${msg ? msg + "\n" : ""}Expected ${fmt(actual)} not to match ${re}`);
  }
}

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

/** The thrown value must be a `cls` whose message includes (or matches) `includes`. */
function checkError(e: unknown, cls?: ErrorClass, includes?: string | RegExp): Error {
  if (cls && !(e instanceof cls)) {
    throw new AssertionError(`Expected error of class ${cls.name}, got ${fmt(e)}`);
  }
  const message = (e as Error).message;
  if (typeof includes === "string" && includes && !message.includes(includes)) {
    throw new AssertionError(
      `Expected error message to include ${fmt(includes)}, got ${fmt(message)}`,
    );
  }
  if (includes instanceof RegExp && !includes.test(message)) {
    throw new AssertionError(`Expected error message to match ${includes}, got ${fmt(message)}`);
  }
  return e as Error;
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  cls?: ErrorClass,
  includes?: string | RegExp,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return checkError(e, cls, includes);
  }
  throw new AssertionError("Expected function to reject");
}

export function assertThrows(
  fn: () => unknown,
  cls?: ErrorClass,
  includes?: string | RegExp,
): Error {
  try {
    fn();
  } catch (e) {
    return checkError(e, cls, includes);
  }
  throw new AssertionError("Expected function to throw");
}
