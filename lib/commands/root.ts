/** The root command and the global flags every command inherits. */
import type { CommandSpec, FlagSpec } from "../cli.ts";
import { programName } from "../host.ts";
import { type KubeClientConfig, setCATransport, type Transport } from "../kube/client.ts";

const globalFlags: FlagSpec[] = [
  {
    name: "rootfs",
    type: "string",
    usage: "The path to the 'real' host root filesystem. This will cause kubeadm to chroot into " +
      "the provided path.",
  },
  {
    name: "v",
    short: "v",
    type: "level",
    usage: "number for the log level verbosity",
  },
  {
    name: "vmodule",
    type: "string",
    typeName: "moduleSpec",
    usage: "comma-separated list of pattern=N settings for file-filtered logging",
  },
];

const long = `

    ┌──────────────────────────────────────────────────────────┐
    │ KUBESTRAP                                                │
    │ Easily bootstrap a secure Kubernetes cluster             │
    │ kubeadm v1.37 compatible: same commands, flags, config   │
    │ and files                                                │
    │                                                          │
    └──────────────────────────────────────────────────────────┘

Example usage:

    Create a two-machine cluster with one control-plane node
    (which controls the cluster), and one worker node
    (where your workloads, like Pods and Deployments run).

    ┌──────────────────────────────────────────────────────────┐
    │ On the first machine:                                    │
    ├──────────────────────────────────────────────────────────┤
    │ control-plane# kubestrap init                            │
    └──────────────────────────────────────────────────────────┘

    ┌──────────────────────────────────────────────────────────┐
    │ On the second machine:                                   │
    ├──────────────────────────────────────────────────────────┤
    │ worker# kubestrap join <arguments-returned-from-init>    │
    └──────────────────────────────────────────────────────────┘

    You can then repeat the second step on as many other machines as you like.

`;

export function rootCommand(subcommands: CommandSpec[]): CommandSpec {
  return {
    // Usage lines name the program as it was invoked (`kubeadm` when installed as kubeadm).
    use: programName(),
    short: "kubestrap: easily bootstrap a secure Kubernetes cluster",
    long,
    persistentFlags: globalFlags,
    subcommands,
  };
}

/**
 * Every API client whose kubeconfig carries a CA trusts that CA only, as client-go does:
 * lib/discovery's pinnedTransport (OpenSSL's verifier), loaded when a client first sends.
 */
export function installCATransport(): void {
  setCATransport((cfg: KubeClientConfig): Transport => {
    let t: Promise<Transport> | undefined;
    const get = () => t ??= import("../discovery/transport.ts").then((m) => m.pinnedTransport(cfg));
    return {
      send: async (req) => await (await get()).send(req),
      close: () => void t?.then((x) => x.close(), () => {}),
    };
  });
}
