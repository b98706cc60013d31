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
        // sigs.k8s.io/yaml.Marshal, then Fprintln. yaml sorts the keys; kubestrap's own are
        // appended after kubeadm's, as in the json and text forms.
        const { marshalGoYAML } = await import("../util/goyaml.ts");
        const { kubestrapVersion, kubestrapGitCommit, kubestrapGitTreeState, ...kubeadm } = v;
        const own = marshalGoYAML({ kubestrapVersion, kubestrapGitCommit, kubestrapGitTreeState })
          .replace(/^(?=.)/gm, "  ");
        ctx.out(marshalGoYAML({ clientVersion: kubeadm }) + own + "\n");
        return;
      }
      default:
        throw new KubestrapError(`invalid output format: ${of}`);
    }
  },
};
