/** `kubeadm join [api-server-endpoint]`: flags of join.go, bound to the join workflow. */
import { type CommandContext, type CommandSpec, dedent, type FlagSpec } from "../cli.ts";
import { Workflow, type WorkflowOptions } from "../workflow.ts";
import type { JoinData } from "../../phases/join/data.ts";
import { joinPhases } from "../../phases/join/mod.ts";
import {
  configFlag,
  criSocketFlag,
  DRY_RUN_USAGE,
  dryRunFlag,
  ignorePreflightErrorsFlag,
  offlineFlag,
  patchesFlag,
} from "./options.ts";
import { type RunExtras, runWorkflow } from "./workflow_cmd.ts";
import { ADMIN_KUBECONFIG_PATH } from "../config/constants.ts";
import { KubestrapError } from "../errors.ts";

const joinLong = dedent(`
	When joining a kubeadm initialized cluster, we need to establish
	bidirectional trust. This is split into discovery (having the Node
	trust the Kubernetes Control Plane) and TLS bootstrap (having the
	Kubernetes Control Plane trust the Node).

	There are 2 main schemes for discovery. The first is to use a shared
	token along with the IP address of the API server. The second is to
	provide a file - a subset of the standard kubeconfig file. The
	discovery/kubeconfig file supports token, client-go authentication
	plugins ("exec"), "tokenFile", and "authProvider". This file can be a
	local file or downloaded via an HTTPS URL. The forms are
	kubeadm join --discovery-token abcdef.1234567890abcdef 1.2.3.4:6443,
	kubeadm join --discovery-file path/to/file.conf, or kubeadm join
	--discovery-file https://url/file.conf. Only one form can be used. If
	the discovery information is loaded from a URL, HTTPS must be used.
	Also, in that case the host installed CA bundle is used to verify
	the connection.

	If you use a shared token for discovery, you should also pass the
	--discovery-token-ca-cert-hash flag to validate the public key of the
	root certificate authority (CA) presented by the Kubernetes Control Plane.
	The value of this flag is specified as "<hash-type>:<hex-encoded-value>",
	where the supported hash type is "sha256". The hash is calculated over
	the bytes of the Subject Public Key Info (SPKI) object (as in RFC7469).
	This value is available in the output of "kubeadm init" or can be
	calculated using standard tools. The --discovery-token-ca-cert-hash flag
	may be repeated multiple times to allow more than one public key.

	If you cannot know the CA public key hash ahead of time, you can pass
	the --discovery-token-unsafe-skip-ca-verification flag to disable this
	verification. This weakens the kubeadm security model since other nodes
	can potentially impersonate the Kubernetes Control Plane.

	The TLS bootstrap mechanism is also driven via a shared token. This is
	used to temporarily authenticate with the Kubernetes Control Plane to submit a
	certificate signing request (CSR) for a locally created key pair. By
	default, kubeadm will set up the Kubernetes Control Plane to automatically
	approve these signing requests. This token is passed in with the
	--tls-bootstrap-token abcdef.1234567890abcdef flag.

	Often times the same token is used for both parts. In this case, the
	--token flag can be used instead of specifying each token individually.
	`);

const joinFlags: FlagSpec[] = [
  // addJoinConfigFlags
  { name: "node-name", type: "string", usage: "Specify the node name." },
  {
    name: "certificate-key",
    type: "string",
    usage: "Use this key to decrypt the certificate secrets uploaded by init. The certificate " +
      "key is a hex encoded string that is an AES key of size 32 bytes.",
  },
  {
    name: "apiserver-advertise-address",
    type: "string",
    usage: "If the node should host a new control plane instance, the IP address the API " +
      "Server will advertise it's listening on. If not set the default network interface will " +
      "be used.",
  },
  {
    name: "apiserver-bind-port",
    type: "int32",
    default: 6443,
    usage: "If the node should host a new control plane instance, the port for the API Server " +
      "to bind to.",
  },
  {
    name: "discovery-token",
    type: "string",
    usage: "For token-based discovery, the token used to validate cluster information fetched " +
      "from the API server.",
  },
  {
    name: "discovery-token-ca-cert-hash",
    type: "strings",
    usage: "For token-based discovery, validate that the root CA public key matches this hash " +
      `(format: "<type>:<value>").`,
  },
  {
    name: "discovery-token-unsafe-skip-ca-verification",
    type: "bool",
    usage: "For token-based discovery, allow joining without --discovery-token-ca-cert-hash " +
      "pinning.",
  },
  {
    name: "discovery-file",
    type: "string",
    usage: "For file-based discovery, a file or URL from which to load cluster information.",
  },
  {
    name: "tls-bootstrap-token",
    type: "string",
    usage: "Specify the token used to temporarily authenticate with the Kubernetes Control " +
      "Plane while joining the node.",
  },
  criSocketFlag(),
  // addJoinOtherFlags
  configFlag(),
  ignorePreflightErrorsFlag(),
  {
    name: "token",
    type: "string",
    usage: "Use this token for both discovery-token and tls-bootstrap-token when those values " +
      "are not provided.",
  },
  {
    name: "control-plane",
    type: "bool",
    usage: "Create a new control plane instance on this node",
  },
  dryRunFlag(DRY_RUN_USAGE),
  patchesFlag(),
  offlineFlag(), // kubestrap only (lib/airgap)
  // kubestrap only: continue an interrupted join (lib/resume.ts).
  {
    name: "resume",
    type: "bool",
    usage: "kubestrap only: continue a join that failed or was killed: the phases that " +
      "completed with the same configuration, flags and patches are skipped, the rest run; " +
      "refuses and names what changed otherwise",
  },
];

const joinWorkflow = new Workflow<JoinData>(joinPhases);

/** Phase commands without discovery flags (kubeadm: cmd.Flags().Lookup("discovery-file") == nil). */
const NO_DISCOVERY_FLAGS =
  /join phase (control-plane-prepare control-plane|kubelet-wait-bootstrap|control-plane-join|etcd-join|wait-control-plane)/;

/**
 * The set flags that make join's configuration (camelCase, `args` the endpoints). As kubeadm's
 * newJoinData, the phases without discovery flags discover the cluster through admin.conf.
 */
async function joinConfigFlags(ctx: CommandContext): Promise<Record<string, unknown>> {
  const { changedFlags } = await import("./flags_to_config.ts");
  // kubestrap's --offline (lib/airgap) and --resume (lib/resume.ts) set no configuration field.
  const flags = changedFlags(ctx, ["offline", "resume"]);
  if (ctx.args.length > 0) flags.args = ctx.args;
  if (NO_DISCOVERY_FLAGS.test(ctx.path) && !ctx.flags.config) {
    const { Host } = await import("../host.ts");
    const rootfs = (ctx.flags.rootfs as string | undefined) || "/";
    if (!(await new Host(rootfs).exists(ADMIN_KUBECONFIG_PATH))) {
      throw new KubestrapError(
        `File ${ADMIN_KUBECONFIG_PATH} does not exists. Please use 'kubeadm join phase control-plane-prepare' subcommands to generate it.`,
      );
    }
    flags.discoveryFile = ADMIN_KUBECONFIG_PATH;
    delete flags.args;
  }
  return flags;
}

/**
 * Runs the join workflow (whole, or one phase) on the data of `newJoinData`
 * (phases/join/data.ts, loaded when join runs); the whole workflow ends with kubeadm's "This
 * node has joined the cluster" message.
 */
async function startJoin(ctx: CommandContext, opts: WorkflowOptions): Promise<void> {
  const { joinOptions } = await import("./flags_to_config.ts");
  const { newJoinData, printJoinDone } = await import("../../phases/join/data.ts");
  const factory = async (ctx: CommandContext) =>
    newJoinData(ctx, joinOptions(await joinConfigFlags(ctx)));
  const whole = !opts.filterPhases;
  const data = await runWorkflow(joinWorkflow, ctx, opts, factory, async (data) => {
    if (!whole || data.dryRun) {
      if (ctx.flags.resume === true) {
        throw new KubestrapError(
          "--resume continues a whole join; it cannot be used with --dry-run",
        );
      }
      return;
    }
    return await resumableJoin(ctx, data);
  });
  if (whole) await printJoinDone(data, ctx);
}

/**
 * `join` records its inputs and completed phases (lib/resume.ts); `join --resume` skips what
 * completed with the same inputs. The discovery token and the certificate key are inputs like
 * any other: only their digests are recorded.
 */
async function resumableJoin(ctx: CommandContext, data: JoinData): Promise<RunExtras> {
  const resume = await import("../resume.ts");
  const flags = Object.fromEntries([...ctx.changed].map((n) => [n, ctx.flags[n]]));
  const discoveryFile = data.join.discovery.file?.kubeConfigPath ?? "";
  const local = discoveryFile && !/^https:\/\//i.test(discoveryFile)
    ? [discoveryFile.replace(/^file:\/\//, "")]
    : [];
  const inputs = await resume.runInputs({
    configPath: (ctx.flags.config as string | undefined) || undefined,
    flags,
    patchesDir: data.patchesDir,
    files: local,
  }, data.realHost);
  return await resume.recordRun(data.host, "join", {
    resume: ctx.flags.resume === true,
    inputs,
    progress: (s) => data.out(s),
  });
}

export const joinCommand: CommandSpec = joinWorkflow.bind(
  {
    use: "join [api-server-endpoint]",
    short: "Run this on any machine you wish to join an existing cluster",
    long: joinLong,
    args: { kind: "max", n: 1 },
    flags: joinFlags,
  },
  startJoin,
);
