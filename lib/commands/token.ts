/** `kubeadm token {create,delete,generate,list}`. */
import { type CommandSpec, dedent } from "../cli.ts";
import { KubestrapError } from "../errors.ts";
import { configFlag, kubeconfigFlag, outputFlags } from "./options.ts";

const createCommand: CommandSpec = {
  use: "create [token]",
  disableFlagsInUseLine: true,
  short: "Create bootstrap tokens on the server",
  long: dedent(`
			This command will create a bootstrap token for you.
			You can specify the usages for this token, the "time to live" and an optional human friendly description.

			The [token] is the actual token to write.
			This should be a securely generated random token of the form "[a-z0-9]{6}.[a-z0-9]{16}".
			If no [token] is given, kubeadm will generate a random token instead.
		`),
  flags: [
    configFlag(),
    {
      name: "print-join-command",
      type: "bool",
      usage: "Instead of printing only the token, print the full 'kubeadm join' flag needed to " +
        "join the cluster using the token.",
    },
    {
      name: "certificate-key",
      type: "string",
      usage: "When used together with '--print-join-command', print the full 'kubeadm join' " +
        "flag needed to join the cluster as a control-plane. To create a new certificate key " +
        "you must use 'kubeadm init phase upload-certs --upload-certs'.",
    },
    {
      name: "ttl",
      type: "duration",
      default: "24h0m0s",
      usage: "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). If set " +
        "to '0', the token will never expire",
    },
    {
      name: "usages",
      type: "strings",
      default: ["signing", "authentication"],
      usage: "Describes the ways in which this token can be used. You can pass --usages " +
        "multiple times or provide a comma separated list of options. Valid options: " +
        "[signing,authentication]",
    },
    {
      name: "groups",
      type: "strings",
      default: ["system:bootstrappers:kubeadm:default-node-token"],
      usage: "Extra groups that this token will authenticate as when used for authentication. " +
        'Must match "\\\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\\\z"',
    },
    {
      name: "description",
      type: "string",
      usage: "A human friendly description of how this token is used.",
    },
  ],
  run: async (ctx) => {
    const { runCreateToken } = await import("./token_run.ts");
    await runCreateToken(ctx);
  },
};

const generateCommand: CommandSpec = {
  use: "generate",
  short: "Generate and print a bootstrap token, but do not create it on the server",
  long: dedent(`
			This command will print out a randomly-generated bootstrap token that can be used with
			the "init" and "join" commands.

			You don't have to use this command in order to generate a token. You can do so
			yourself as long as it is in the format "[a-z0-9]{6}.[a-z0-9]{16}". This
			command is provided for convenience to generate tokens in the given format.

			You can also use "kubeadm init" without specifying a token and it will
			generate and print one for you.
		`),
  args: { kind: "none" },
  run: async (ctx) => {
    const { generateToken } = await import("../tokens/token.ts");
    ctx.out(generateToken() + "\n");
  },
};

const listCommand: CommandSpec = {
  use: "list",
  short: "List bootstrap tokens on the server",
  long: dedent(`
			This command will list all bootstrap tokens for you.
		`),
  args: { kind: "none" },
  flags: outputFlags(),
  run: async (ctx) => {
    const { runListTokens } = await import("./token_run.ts");
    await runListTokens(ctx);
  },
};

const deleteCommand: CommandSpec = {
  use: "delete [token-value] ...",
  disableFlagsInUseLine: true,
  short: "Delete bootstrap tokens on the server",
  long: dedent(`
			This command will delete a list of bootstrap tokens for you.

			The [token-value] is the full Token of the form "[a-z0-9]{6}.[a-z0-9]{16}" or the
			Token ID of the form "[a-z0-9]{6}" to delete.
		`),
  run: async (ctx) => {
    if (ctx.args.length < 1) {
      throw new KubestrapError(
        "missing argument; 'token delete' is missing token of form " +
          JSON.stringify("\\A([a-z0-9]{6})\\.([a-z0-9]{16})\\z") + " or " +
          JSON.stringify("\\A([a-z0-9]{6})\\z"),
      );
    }
    const { runDeleteTokens } = await import("./token_run.ts");
    await runDeleteTokens(ctx);
  },
};

export const tokenCommand: CommandSpec = {
  use: "token",
  short: "Manage bootstrap tokens",
  long: dedent(`
			This command manages bootstrap tokens. It is optional and needed only for advanced use cases.

			In short, bootstrap tokens are used for establishing bidirectional trust between a client and a server.
			A bootstrap token can be used when a client (for example a node that is about to join the cluster) needs
			to trust the server it is talking to. Then a bootstrap token with the "signing" usage can be used.
			bootstrap tokens can also function as a way to allow short-lived authentication to the API Server
			(the token serves as a way for the API Server to trust the client), for example for doing the TLS Bootstrap.

			What is a bootstrap token more exactly?
			 - It is a Secret in the kube-system namespace of type "bootstrap.kubernetes.io/token".
			 - A bootstrap token must be of the form "[a-z0-9]{6}.[a-z0-9]{16}". The former part is the public token ID,
			   while the latter is the Token Secret and it must be kept private at all circumstances!
			 - The name of the Secret must be named "bootstrap-token-(token-id)".

			You can read more about bootstrap tokens here:
			  https://kubernetes.io/docs/admin/bootstrap-tokens/
		`),
  requireSubcommand: true,
  args: { kind: "none" },
  persistentFlags: [
    kubeconfigFlag(),
    { name: "dry-run", type: "bool", usage: "Whether to enable dry-run mode or not" },
  ],
  subcommands: [createCommand, generateCommand, listCommand, deleteCommand],
};
