import { assertEquals } from "../assert.ts";
import { objectYAML, redactSecret } from "../../lib/dryrun/client.ts";

Deno.test("dry-run object dumps never carry Secret values", () => {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system" },
    type: "bootstrap.kubernetes.io/token",
    data: { "token-id": "YWJjZGVm", "token-secret": "MDEyMzQ1Njc4OWFiY2RlZg==" },
  };
  const text = objectYAML(redactSecret(secret));
  assertEquals(text.includes("MDEyMzQ1Njc4OWFiY2RlZg=="), false, text);
  assertEquals(text.includes("token-secret: <redacted 24 bytes>"), true, text);
  assertEquals(text.includes("name: bootstrap-token-abcdef"), true, text);
  // Other kinds pass unchanged.
  const cm = { kind: "ConfigMap", data: { a: "b" } };
  assertEquals(redactSecret(cm), cm);
});
