/**
 * kubestrap: a kubeadm-compatible Kubernetes cluster bootstrapper.
 * Entry point: builds kubeadm v1.37's command tree and runs it. Command modules are
 * declarative and cheap to import; heavy libraries load inside the commands that use them.
 */
import { type CommandSpec, createProgram, type Io } from "./lib/cli.ts";
import { alphaCommand } from "./lib/commands/alpha.ts";
import { bundleCommand } from "./lib/commands/bundle.ts";
import { certsCommand } from "./lib/commands/certs.ts";
import { completionCommand } from "./lib/commands/completion.ts";
import { configCommand } from "./lib/commands/config.ts";
import { initCommand } from "./lib/commands/init.ts";
import { joinCommand } from "./lib/commands/join.ts";
import { kubeconfigCommand } from "./lib/commands/kubeconfig.ts";
import { resetCommand } from "./lib/commands/reset.ts";
import { installCATransport, rootCommand } from "./lib/commands/root.ts";
import { tokenCommand } from "./lib/commands/token.ts";
import { upgradeCommand } from "./lib/commands/upgrade.ts";
import { versionCommand } from "./lib/commands/version.ts";

/** The whole command tree, in kubeadm's AddCommand order. */
export function rootSpec(): CommandSpec {
  const root: CommandSpec = rootCommand([
    certsCommand,
    completionCommand(() => root),
    configCommand,
    initCommand,
    joinCommand,
    resetCommand,
    versionCommand,
    tokenCommand,
    upgradeCommand,
    alphaCommand,
    kubeconfigCommand,
    bundleCommand,
  ]);
  return root;
}

export function program(io?: Io) {
  installCATransport();
  return createProgram(rootSpec(), io);
}

if (import.meta.main) {
  const code = await program().run(Deno.args);
  Deno.exit(code);
}
