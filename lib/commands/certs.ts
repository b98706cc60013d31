/** `kubeadm certs` (alias `certificates`) and its subcommands. */
import {
  type CommandContext,
  type CommandSpec,
  dedent,
  examples,
  type FlagSpec,
  longDesc,
} from "../cli.ts";
import { type RenewableCert, renewableCerts } from "../renewal/inventory.ts";
import { configFlag, kubeconfigDirFlag, kubeconfigFlag, outputFlags } from "./options.ts";

// The run bodies live in certs_run.ts, loaded when a command runs (keeps startup cheap).
async function runRenew(ctx: CommandContext, name: string): Promise<void> {
  return (await import("./certs_run.ts")).runRenew(ctx, name);
}

async function runRenewGroup(ctx: CommandContext): Promise<void> {
  return (await import("./certs_run.ts")).runRenewGroup(ctx);
}

async function runCheck(ctx: CommandContext): Promise<void> {
  return (await import("./certs_run.ts")).runCheck(ctx);
}

async function runCheckExpiration(ctx: CommandContext): Promise<void> {
  return (await import("./certs_run.ts")).runCheckExpiration(ctx);
}

async function runCertificateKey(ctx: CommandContext): Promise<void> {
  return (await import("./certs_run.ts")).runCertificateKey(ctx);
}

async function runGenerateCSR(ctx: CommandContext): Promise<void> {
  return (await import("./certs_run.ts")).runGenerateCSR(ctx);
}

const genericCertRenewLongDesc = longDesc(`
	Renew the %s.

	Renewals run unconditionally, regardless of certificate expiration date; extra attributes such as SANs will
	be based on the existing file/certificates, there is no need to resupply them.

	Renewal by default tries to use the certificate authority in the local PKI managed by kubeadm; as alternative
	it is possible to use K8s certificate API for certificate renewal, or as a last option, to generate a CSR request.

	After renewal, in order to make changes effective, is required to restart control-plane components and
	eventually re-distribute the renewed certificate in case the file is used elsewhere.
`);

function renewFlags(): FlagSpec[] {
  return [
    configFlag(),
    {
      name: "cert-dir",
      type: "string",
      default: "/etc/kubernetes/pki",
      usage: "The path where to save the certificates",
    },
    kubeconfigFlag(),
  ];
}

/** kubestrap only: the flags of `certs renew <name>` and `certs renew all` beyond kubeadm's. */
function renewExtraFlags(): FlagSpec[] {
  return [
    {
      name: "if-expiring-within",
      type: "duration",
      usage: "kubestrap only: renew only the certificates that expire within this duration " +
        "(e.g. 720h); the others are listed as left",
    },
    {
      name: "restart-components",
      type: "bool",
      default: true,
      usage: "kubestrap only: after a renewal, restart the static Pods that load the renewed " +
        "certificates (etcd, kube-apiserver, kube-controller-manager, kube-scheduler), one at a " +
        "time, each healthy before the next",
    },
  ];
}

/** `kubeadm certs renew <name>` for one certificate of the renewal manager. */
function renewCommand(t: RenewableCert): CommandSpec {
  return {
    use: t.name,
    short: `Renew the ${t.longName}`,
    long: genericCertRenewLongDesc.replace("%s", t.longName),
    flags: [...renewFlags(), ...renewExtraFlags()],
    args: { kind: "none" },
    run: (ctx) => runRenew(ctx, t.name),
  };
}

const renewAllCommand: CommandSpec = {
  use: "all",
  short: "Renew all available certificates",
  long: longDesc(`
    Renew all known certificates necessary to run the control plane. Renewals are run unconditionally, regardless
    of expiration date. Renewals can also be run individually for more control.
`),
  flags: [...renewFlags(), ...renewExtraFlags()],
  args: { kind: "none" },
  run: (ctx) => runRenew(ctx, "all"),
};

const renewGroup: CommandSpec = {
  use: "renew",
  short: "Renew certificates for a Kubernetes cluster",
  // Without --install-timer/--uninstall-timer (kubestrap only) it fails as kubeadm's does:
  // its help and "subcommand is required".
  flags: [
    {
      name: "install-timer",
      type: "bool",
      usage: "kubestrap only: install a systemd timer (a cron entry without systemd) that runs " +
        "'certs renew all --if-expiring-within' daily",
    },
    {
      name: "uninstall-timer",
      type: "bool",
      usage: "kubestrap only: remove what --install-timer installed",
    },
    {
      name: "if-expiring-within",
      type: "duration",
      usage: "kubestrap only: with --install-timer, the window of the daily renewal " +
        "(default 720h)",
    },
  ],
  args: { kind: "none" },
  run: runRenewGroup,
  subcommands: [...renewableCerts().map(renewCommand), renewAllCommand],
};

/** kubestrap only: `certs check`. */
const checkCommand: CommandSpec = {
  use: "check",
  short: "Check the node's certificates, keys and kubeconfig files (kubestrap only)",
  long: longDesc(`
	Checks the PKI and kubeconfig files of this node (kubestrap only): every key matches its
	certificate; every certificate verifies against its CA on disk and is within its validity
	period; the apiserver certificate covers the control-plane endpoint, the advertise address,
	the Service IP and the API server names; sa.key and sa.pub are one key pair; each kubeconfig
	file trusts ca.crt and holds a client certificate signed by it, matching its client key; and
	the expiration of each certificate, as "certs check-expiration" reports it.

	Exits non-zero when something is wrong, naming each file and the command that repairs it.
`),
  args: { kind: "none" },
  flags: [...renewFlags(), ...outputFlags()],
  run: runCheck,
};

const checkExpirationCommand: CommandSpec = {
  use: "check-expiration",
  short: "Check certificates expiration for a Kubernetes cluster",
  long: longDesc(`
	Checks expiration for the certificates in the local PKI managed by kubeadm.
`),
  args: { kind: "none" },
  flags: [...renewFlags(), ...outputFlags()],
  run: runCheckExpiration,
};

const certificateKeyCommand: CommandSpec = {
  use: "certificate-key",
  short: "Generate certificate keys",
  long: dedent(`
	This command will print out a secure randomly-generated certificate key that can be used with
	the "init" command.

	You can also use "kubeadm init --upload-certs" without specifying a certificate key and it will
	generate and print one for you.
`),
  args: { kind: "none" },
  run: runCertificateKey,
};

const generateCSRCommand: CommandSpec = {
  use: "generate-csr",
  short: "Generate keys and certificate signing requests",
  long: longDesc(`
	Generates keys and certificate signing requests (CSRs) for all the certificates required to run the control plane.
	This command also generates partial kubeconfig files with private key data in the  "users > user > client-key-data" field,
	and for each kubeconfig file an accompanying ".csr" file is created.

	This command is designed for use in [Kubeadm External CA Mode](https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/#external-ca-mode).
	It generates CSRs which you can then submit to your external certificate authority for signing.

	The PEM encoded signed certificates should then be saved alongside the key files, using ".crt" as the file extension,
	or in the case of kubeconfig files, the PEM encoded signed certificate should be base64 encoded
	and added to the kubeconfig file in the "users > user > client-certificate-data" field.
`),
  example: examples(`
	# The following command will generate keys and CSRs for all control-plane certificates and kubeconfig files:
	kubeadm certs generate-csr --kubeconfig-dir /tmp/etc-k8s --cert-dir /tmp/etc-k8s/pki
`),
  args: { kind: "none" },
  flags: [
    configFlag(),
    { name: "cert-dir", type: "string", usage: "The path where to save the certificates" },
    kubeconfigDirFlag(),
  ],
  run: runGenerateCSR,
};

export const certsCommand: CommandSpec = {
  use: "certs",
  aliases: ["certificates"],
  short: "Commands related to handling Kubernetes certificates",
  requireSubcommand: true,
  args: { kind: "none" },
  subcommands: [
    renewGroup,
    checkExpirationCommand,
    certificateKeyCommand,
    generateCSRCommand,
    checkCommand,
  ],
};
