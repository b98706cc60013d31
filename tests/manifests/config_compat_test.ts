/** lib/config's InitConfig must stay assignable to the inputs of the manifests/kubelet library. */
import type { InitConfig } from "../../lib/config/types.ts";
import type { InitConfigLike } from "../../lib/manifests/types.ts";
import { assert } from "../assert.ts";

function accepts(_c: InitConfigLike, _k: Record<string, unknown>): boolean {
  return true;
}

Deno.test("lib/config InitConfig is accepted by the manifest builders (type check)", () => {
  const use = (c: InitConfig) => accepts(c, c.componentConfigs.kubelet);
  assert(typeof use === "function");
});
