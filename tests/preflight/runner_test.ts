// RunChecks output, ignore rules and ignore-list validation (kubeadm v1.37.2 texts).
import { assertEquals, assertThrows } from "../assert.ts";
import { KubestrapError } from "../../lib/errors.ts";
import {
  FATAL_FOOTER,
  FATAL_HEADER,
  isIgnored,
  runChecks,
  validateIgnorePreflightErrors,
} from "../../lib/preflight/runner.ts";
import type { Checker, CheckResult } from "../../lib/preflight/types.ts";
import { fakeCtx, FakeHost, text } from "./helpers.ts";

function fake(name: string, res: Partial<CheckResult>): Checker {
  return {
    name,
    expected: `${name} fine`,
    check: () => Promise.resolve({ warnings: [], errors: [], ...res }),
  };
}

const checks = () => [
  fake("Swap", { warnings: ["swap is on"] }),
  fake("Port-6443", { errors: ["Port 6443 is in use"], observed: "busy", remediation: "ss" }),
  fake("NumCPU", {}),
  fake("Mixed", { warnings: ["w1"], errors: ["e1", "e2"] }),
];

Deno.test("runChecks prints warnings at once and errors in kubeadm's fatal block", async () => {
  const r = await runChecks(checks(), new Set(), fakeCtx(new FakeHost("/")));
  assertEquals(r.failed, true);
  assertEquals(
    text(r.output),
    "\t[WARNING Swap]: swap is on\n" +
      "\t[WARNING Mixed]: w1\n" +
      "[preflight] Some fatal errors occurred:\n" +
      "\t[ERROR Port-6443]: Port 6443 is in use\n" +
      "\t[ERROR Mixed]: e1\n" +
      "\t[ERROR Mixed]: e2\n" +
      "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\n",
  );
  assertEquals(r.output.every((l) => l.stream === "stderr"), true);
  assertEquals(FATAL_HEADER, "[preflight] Some fatal errors occurred:");
  assertEquals(
    FATAL_FOOTER,
    "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`",
  );
  assertEquals(r.reports.map((c) => [c.id, c.severity]), [
    ["Swap", "warning"],
    ["Port-6443", "error"],
    ["NumCPU", "ok"],
    ["Mixed", "error"],
  ]);
});

Deno.test("ignored checks: errors become warnings after the check's own warnings", async () => {
  const r = await runChecks(
    checks(),
    validateIgnorePreflightErrors(["port-6443", "MIXED"]),
    fakeCtx(new FakeHost("/")),
  );
  assertEquals(r.failed, false);
  assertEquals(
    text(r.output),
    "\t[WARNING Swap]: swap is on\n" +
      "\t[WARNING Port-6443]: Port 6443 is in use\n" +
      "\t[WARNING Mixed]: w1\n" +
      "\t[WARNING Mixed]: e1\n" +
      "\t[WARNING Mixed]: e2\n",
  );
  assertEquals(r.reports.map((c) => c.severity), ["warning", "ignored", "ok", "ignored"]);
  // "all" ignores everything; an unknown name changes nothing and is not an error.
  const all = await runChecks(checks(), new Set(["all"]), fakeCtx(new FakeHost("/")));
  assertEquals(all.failed, false);
  const unknown = await runChecks(
    checks(),
    validateIgnorePreflightErrors(["NoSuchCheck"]),
    fakeCtx(new FakeHost("/")),
  );
  assertEquals(unknown.failed, true);
});

Deno.test("a crashing check reports its exception as its error", async () => {
  const boom: Checker = {
    name: "Boom",
    expected: "",
    check: () => Promise.reject(new Error("kaput")),
  };
  const r = await runChecks([boom], new Set(), fakeCtx(new FakeHost("/")));
  assertEquals(r.output[1].text, "\t[ERROR Boom]: kaput");
});

Deno.test("validateIgnorePreflightErrors: union, lower-case, 'all' alone", () => {
  assertEquals(
    [...validateIgnorePreflightErrors(["Swap", "NumCPU"], ["swap", "Mem"])].sort(),
    ["mem", "numcpu", "swap"],
  );
  assertEquals([...validateIgnorePreflightErrors(["ALL"])], ["all"]);
  assertEquals([...validateIgnorePreflightErrors(["all", "All"])], ["all"]);
  const e = assertThrows(
    () => validateIgnorePreflightErrors(["all", "Port-6443"], ["Swap"]),
    KubestrapError,
  );
  assertEquals(
    e.message,
    `ignore-preflight-errors: Invalid value: "all,port-6443,swap": don't specify individual checks if 'all' is used`,
  );
  assertEquals(
    isIgnored(
      new Set(["filecontent--proc-sys-net-ipv4-ip_forward"]),
      "FileContent--proc-sys-net-ipv4-ip_forward",
    ),
    true,
  );
  assertEquals(isIgnored(new Set(["swap"]), "Mem"), false);
});
