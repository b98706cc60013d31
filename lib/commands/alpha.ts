/** `kubeadm alpha`: no subcommands in v1.37, an additional help topic. */
import type { CommandSpec } from "../cli.ts";

export const alphaCommand: CommandSpec = {
  use: "alpha",
  short: "Kubeadm experimental sub-commands",
};
