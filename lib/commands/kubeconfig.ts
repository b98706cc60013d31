/** `kubeadm kubeconfig user`. */
import { type CommandContext, type CommandSpec, examples, longDesc } from "../cli.ts";
import { configFlag } from "./options.ts";

// The run body lives in kubeconfig_run.ts, loaded when the command runs.
async function runKubeconfigUser(ctx: CommandContext): Promise<void> {
  return (await import("./kubeconfig_run.ts")).runKubeconfigUser(ctx);
}

const userCommand: CommandSpec = {
  use: "user",
  short: "Output a kubeconfig file for an additional user",
  long: longDesc(`
	Output a kubeconfig file for an additional user.
	`),
  example: examples(`
	# Output a kubeconfig file for an additional user named foo
	kubeadm kubeconfig user --client-name=foo

	# Output a kubeconfig file for an additional user named foo using a kubeadm config file bar
	kubeadm kubeconfig user --client-name=foo --config=bar
	`),
  args: { kind: "none" },
  flags: [
    configFlag(),
    {
      name: "token",
      type: "string",
      usage: "The token that should be used as the authentication mechanism for this " +
        "kubeconfig, instead of client certificates",
    },
    {
      name: "client-name",
      type: "string",
      usage: "The name of user. It will be used as the CN if client certificates are created",
      required: true,
    },
    {
      name: "org",
      type: "strings",
      usage: "The organizations of the client certificate. It will be used as the O if client " +
        "certificates are created",
    },
    {
      name: "validity-period",
      type: "duration",
      default: "8760h0m0s",
      usage: "The validity period of the client certificate. It is an offset from the current " +
        "time.",
    },
  ],
  run: runKubeconfigUser,
};

export const kubeconfigCommand: CommandSpec = {
  use: "kubeconfig",
  short: "Kubeconfig file utilities",
  long: longDesc(`
	Kubeconfig file utilities.
	`),
  subcommands: [userCommand],
};
