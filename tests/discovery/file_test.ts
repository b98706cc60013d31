/**
 * File discovery (file.ValidateConfigInfo): the timeout in the abort message is Go's
 * time.Duration.String() of timeouts.discovery.
 */
import { assertStringIncludes } from "../assert.ts";
import { DiscoveryError, validateConfigInfo } from "../../lib/discovery/mod.ts";
import { createBasic } from "../../lib/kubeconfig/kubeconfig.ts";
import { makePKI } from "./helpers.ts";

const pki = await makePKI();

Deno.test("file discovery: a 90s timeout is reported as Go prints it (1m30s)", async () => {
  // Nothing listens on port 1; a clock that jumps past the deadline on the first check ends
  // the poll after one attempt instead of 90 real seconds.
  const cfg = createBasic("https://127.0.0.1:1", "kubernetes", "user", pki.caPem);
  const realNow = Date.now;
  let fake = realNow();
  Date.now = () => (fake += 100_000);
  let err: unknown;
  try {
    await validateConfigInfo(cfg, { timeoutMs: 90_000, intervalMs: 5_000 });
  } catch (e) {
    err = e;
  } finally {
    Date.now = realNow;
  }
  if (!(err instanceof DiscoveryError)) throw new Error(`expected a DiscoveryError, got ${err}`);
  assertStringIncludes(
    err.message,
    "Abort reading the cluster-info ConfigMap after timeout of 1m30s: ",
  );
});
