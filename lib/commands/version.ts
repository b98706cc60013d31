import type { CommandSpec } from "../cli.ts";
import { KubestrapError } from "../errors.ts";
import { goSyntax, versionInfo } from "../version.ts";

export const versionCommand: CommandSpec = {
  use: "version",
  short: "Print the version of kubeadm",
  args: { kind: "none" },
  flags: [{
    name: "output",
    short: "o",
    type: "string",
    usage: "Output format; available options are 'yaml', 'json' and 'short'",
  }],
  run: async (ctx) => {
    const v = versionInfo();
    const of = (ctx.flags.output as string | undefined) ?? "";
    switch (of) {
      case "":
        ctx.out(`kubeadm version: ${goSyntax(v)}\n`);
        return;
      case "short":
        ctx.out(`${v.gitVersion}\n`);
        return;
      case "json":
        ctx.out(JSON.stringify({ clientVersion: v }, null, 2) + "\n");
        return;
      case "yaml": {
        // sigs.k8s.io/yaml.Marshal, then Fprintln.
        const { marshalGoYAML } = await import("../util/goyaml.ts");
        ctx.out(marshalGoYAML({ clientVersion: v }) + "\n");
        return;
      }
      default:
        throw new KubestrapError(`invalid output format: ${of}`);
    }
  },
};
