/**
 * kubestrap: a kubeadm-compatible Kubernetes cluster bootstrapper.
 * Entry point: builds kubeadm v1.37's command tree and runs it. Command modules are
 * declarative and cheap to import; heavy libraries load inside the commands that use them.
 */
import { createProgram } from "./lib/cli.ts";
import { rootCommand } from "./lib/commands/root.ts";
import { versionCommand } from "./lib/commands/version.ts";

export function program() {
  return createProgram(rootCommand([versionCommand]));
}

if (import.meta.main) {
  const code = await program().run(Deno.args);
  Deno.exit(code);
}
