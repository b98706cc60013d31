// Runs kubestrap's preflight for the oracle test in its own process (own PATH and env):
//   deno run -A tests/preflight/oracle_cli.ts '<json {command, inputs, ignore[]}>'
// Writes kubeadm's lines to stdout/stderr and, on failure, kubeadm's final error line.
import { preflightError, preflightReport } from "../../lib/preflight/report.ts";
import { validateIgnorePreflightErrors, writeOutput } from "../../lib/preflight/runner.ts";

const req = JSON.parse(Deno.args[0]);
const enc = new TextEncoder();
const sinks = {
  stdout: (s: string) => Deno.stdout.writeSync(enc.encode(s)),
  stderr: (s: string) => Deno.stderr.writeSync(enc.encode(s)),
};
let ignore: Set<string>;
try {
  ignore = validateIgnorePreflightErrors(req.ignore ?? []);
} catch (e) {
  sinks.stderr(`error: ${(e as Error).message}\n`);
  Deno.exit(1);
}
const report = await preflightReport(req.command, req.inputs, ignore);
writeOutput(report.output, sinks);
const err = preflightError(report);
if (err) {
  sinks.stderr(`error: error execution phase preflight: ${err.message}\n`);
  Deno.exit(1);
}
