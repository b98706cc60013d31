/**
 * kubeadm's component argument handling (apis/kubeadm/argument.go, util/arguments.go, v1.37.2).
 */
import type { ArgLike } from "./types.ts";

/** GetArgValue: the value and index of the LAST argument named `name` (from startIdx down). */
export function getArgValue(args: ArgLike[] | undefined, name: string, startIdx = -1): [
  string,
  number,
] {
  const list = args ?? [];
  let start = startIdx;
  if (start < 0 || start > list.length - 1) start = list.length - 1;
  for (let i = start; i >= 0; i--) {
    if (list[i].name === name) return [list[i].value, i];
  }
  return ["", -1];
}

/**
 * SetArgValues: sets the value of up to `nArgs` arguments named `name`, working backwards
 * (all of them when nArgs < 1), or appends one. Mutates and returns `args`.
 */
export function setArgValues(args: ArgLike[], name: string, value: string, nArgs = 1): ArgLike[] {
  let count = 0;
  let found = false;
  for (let i = args.length - 1; i >= 0; i--) {
    if (args[i].name === name) {
      found = true;
      args[i].value = value;
      if (nArgs < 1) continue;
      count++;
      if (count >= nArgs) return args;
    }
  }
  if (found) return args;
  args.push({ name, value });
  return args;
}

/** MergeArgWithBase: append / prepend / replace by the argument's merge method. */
export function mergeArgWithBase(base: string, arg: ArgLike): string {
  switch (arg.mergeMethod) {
    case "append":
      return base + arg.value;
    case "prepend":
      return arg.value + base;
    default:
      return arg.value;
  }
}

/** Go's string comparison (byte-wise on UTF-8, which equals code point order). */
function goStringLess(a: string, b: string): boolean {
  if (a === b) return false;
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < ea.length && i < eb.length; i++) {
    if (ea[i] !== eb[i]) return ea[i] < eb[i];
  }
  return ea.length < eb.length;
}

function goCompare(a: string, b: string): number {
  return a === b ? 0 : goStringLess(a, b) ? -1 : 1;
}

/** sortArgsSlice: by name, then value. */
function sortArgs(args: ArgLike[]): ArgLike[] {
  return [...args].sort((x, y) => goCompare(x.name, y.name) || goCompare(x.value, y.value));
}

/**
 * ArgumentsToCommand: the base arguments sorted, each dropped when an override of the same name
 * without merge method exists (or merged when the last override of that name has one), followed
 * by the replacing overrides in their given order (duplicates kept). Renders `--name=value`.
 */
export function argumentsToCommand(base: ArgLike[], overrides: ArgLike[] | undefined): string[] {
  const sorted = sortArgs(base);
  const overrideArgs = new Map<string, ArgLike>();
  const tail: string[] = [];
  for (const arg of overrides ?? []) {
    overrideArgs.set(arg.name, arg);
    if (!arg.mergeMethod) tail.push(`--${arg.name}=${arg.value}`);
  }
  const command: string[] = [];
  for (const arg of sorted) {
    const ov = overrideArgs.get(arg.name);
    let value = arg.value;
    if (ov !== undefined) {
      if (!ov.mergeMethod) continue;
      value = mergeArgWithBase(arg.value, ov);
    }
    command.push(`--${arg.name}=${value}`);
  }
  return [...command, ...tail];
}

/** ArgumentsFromCommand: parses `--name=value` items (others skipped), sorted. */
export function argumentsFromCommand(command: string[]): ArgLike[] {
  const args: ArgLike[] = [];
  for (const a of command) {
    if (!a.startsWith("--") || !a.includes("=")) continue;
    const rest = a.slice(2);
    const eq = rest.indexOf("=");
    if (eq === 0) continue;
    args.push({ name: rest.slice(0, eq), value: rest.slice(eq + 1) });
  }
  return sortArgs(args);
}
