/**
 * `kubeadm completion SHELL`: shell completion generated from the command tree. bash gets a
 * self-contained script (subcommands, aliases, flags, flag values skipped); zsh gets the same
 * script run through bashcompinit, as kubeadm does.
 */
import { type CommandSpec, dedent, type FlagSpec } from "../cli.ts";
import { KubestrapError } from "../errors.ts";

const completionLong = dedent(`
		Output shell completion code for the specified shell (bash or zsh).
		The shell code must be evaluated to provide interactive
		completion of kubeadm commands. This can be done by sourcing it from
		the .bash_profile.

		Note: this requires the bash-completion framework.

		To install it on Mac use homebrew:
		    $ brew install bash-completion
		Once installed, bash_completion must be evaluated. This can be done by adding the
		following line to the .bash_profile
		    $ source $(brew --prefix)/etc/bash_completion

		If bash-completion is not installed on Linux, please install the 'bash-completion' package
		via your distribution's package manager.

		Note for zsh users: [1] zsh completions are only supported in versions of zsh >= 5.2`);

const completionExample = dedent(`
		# Install bash completion on a Mac using homebrew
		brew install bash-completion
		printf "\\n# Bash completion support\\nsource $(brew --prefix)/etc/bash_completion\\n" >> $HOME/.bash_profile
		source $HOME/.bash_profile

		# Load the kubeadm completion code for bash into the current shell
		source <(kubeadm completion bash)

		# Write bash completion code to a file and source it from .bash_profile
		kubeadm completion bash > ~/.kube/kubeadm_completion.bash.inc
		printf "\\n# Kubeadm shell completion\\nsource '$HOME/.kube/kubeadm_completion.bash.inc'\\n" >> $HOME/.bash_profile
		source $HOME/.bash_profile

		# Load the kubeadm completion code for zsh[1] into the current shell
		source <(kubeadm completion zsh)`);

/** kubeadm's shells; kubestrap adds fish. */
const SHELLS = ["bash", "zsh", "fish"];

function nameOf(spec: CommandSpec): string {
  return spec.use.split(" ")[0];
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

interface Entry {
  path: string;
  spec: CommandSpec;
  flags: FlagSpec[];
}

function walk(spec: CommandSpec, path: string, inherited: FlagSpec[], out: Entry[]): void {
  const flags = [...inherited, ...(spec.persistentFlags ?? []), ...(spec.flags ?? [])];
  out.push({ path, spec, flags });
  const childInherited = [...inherited, ...(spec.persistentFlags ?? [])];
  for (const c of spec.subcommands ?? []) {
    if (c.hidden) continue;
    walk(c, path ? `${path} ${nameOf(c)}` : nameOf(c), childInherited, out);
  }
}

/** A bash completion script for `prog` built from the command tree under `root`. */
function bashCompletion(root: CommandSpec, prog: string): string {
  const entries: Entry[] = [];
  walk(root, "", [], entries);
  const fn = `__${prog.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const next: string[] = [];
  const words: string[] = [];
  for (const e of entries) {
    const subs = (e.spec.subcommands ?? []).filter((c) => !c.hidden);
    for (const c of subs) {
      for (const w of [nameOf(c), ...(c.aliases ?? [])]) {
        next.push(`    ${shellQuote(`${e.path}/${w}`)}) echo ${shellQuote(nameOf(c))} ;;`);
      }
    }
    const visible = e.flags.filter((f) => !f.hidden && !f.deprecated);
    const flagWords = [
      ...visible.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]),
      "--help",
      "-h",
    ];
    const valued = e.flags.filter((f) => f.type !== "bool").flatMap((f) => [
      `--${f.name}`,
      ...(f.short ? [`-${f.short}`] : []),
    ]);
    const cmds = subs.map(nameOf);
    if (e.path === "completion") cmds.push(...SHELLS);
    words.push(
      `    ${shellQuote(e.path)})\n` +
        `      cmds=${shellQuote(cmds.join(" "))}\n` +
        `      flags=${shellQuote(flagWords.join(" "))}\n` +
        `      valued=${shellQuote(" " + valued.join(" ") + " ")}\n      ;;`,
    );
  }
  return `# bash completion for ${prog}
${fn}_next() {
  case "$1/$2" in
${next.join("\n")}
  esac
}

${fn}_words() {
  case "$1" in
${words.join("\n")}
    *)
      cmds=""
      flags=""
      valued=""
      ;;
  esac
}

${fn}_complete() {
  local cur path i w sub cmds flags valued skip
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ $skip -eq 1 ]]; then
      skip=0
      continue
    fi
    if [[ "$w" == -* ]]; then
      ${fn}_words "$path"
      if [[ "$w" != *=* && "$valued" == *" $w "* ]]; then
        skip=1
      fi
      continue
    fi
    sub="$(${fn}_next "$path" "$w")"
    if [[ -n "$sub" ]]; then
      if [[ -z "$path" ]]; then path="$sub"; else path="$path $sub"; fi
    fi
  done
  if [[ $skip -eq 1 ]]; then
    compopt -o default 2>/dev/null
    return 0
  fi
  ${fn}_words "$path"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
  fi
  return 0
}

complete -o default -F ${fn}_complete ${prog}
`;
}

/** kubeadm's zsh wrapper: runs the bash script through bashcompinit. */
function zshCompletion(root: CommandSpec, prog: string): string {
  const fn = `__${prog.replace(/[^A-Za-z0-9_]/g, "_")}`;
  return `#compdef ${prog}

autoload -U +X bashcompinit && bashcompinit

${fn}_bash_source() {
	alias shopt=':'
	emulate -L sh
	setopt kshglob noshglob braceexpand

	source "$@"
}

${fn}_bash_source <(cat <<'BASH_COMPLETION_EOF'
${bashCompletion(root, prog)}
BASH_COMPLETION_EOF
)
`;
}

function fishQuote(s: string): string {
  return `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** A fish completion script (beyond kubeadm, which has none) built from the same tree. */
function fishCompletion(root: CommandSpec, prog: string): string {
  const entries: Entry[] = [];
  walk(root, "", [], entries);
  const fn = `__${prog.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const paths = entries.filter((e) => e.path !== "").map((e) => fishQuote(e.path));
  const lines: string[] = [];
  for (const e of entries) {
    const cond = fishQuote(`${fn}_at ${fishQuote(e.path)}`);
    for (const c of (e.spec.subcommands ?? []).filter((c) => !c.hidden)) {
      lines.push(
        `complete -c ${prog} -f -n ${cond} -a ${fishQuote(nameOf(c))} -d ${fishQuote(c.short)}`,
      );
    }
    if (e.path === "completion") {
      for (const sh of SHELLS) lines.push(`complete -c ${prog} -f -n ${cond} -a ${sh}`);
    }
    for (const f of e.flags.filter((f) => !f.hidden && !f.deprecated)) {
      const short = f.short ? ` -s ${f.short}` : "";
      const value = f.type === "bool" ? "" : " -r";
      const desc = f.usage.split("\n")[0].replace(/`/g, "");
      lines.push(
        `complete -c ${prog} -n ${cond} -l ${f.name}${short}${value} -d ${fishQuote(desc)}`,
      );
    }
  }
  return `# fish completion for ${prog}
set -g ${fn}_paths ${paths.join(" ")}

# The command path typed so far ("init phase certs"), flags and their values left out.
function ${fn}_path
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l path
    for t in $toks
        if string match -q -- '-*' $t
            continue
        end
        set -l cand (string join ' ' $path $t)
        if contains -- $cand $${fn}_paths
            set path $path $t
        end
    end
    string join ' ' $path
end

function ${fn}_at
    set -l p (${fn}_path)
    test "$p" = "$argv[1]"
end

complete -c ${prog} -f
${lines.join("\n")}
`;
}

const boilerPlate = `
# Shell completion for kubestrap, a kubeadm-compatible Kubernetes cluster bootstrapper.
`;

/** `completion SHELL`; `root` returns the whole command tree at run time. */
export function completionCommand(root: () => CommandSpec): CommandSpec {
  return {
    use: "completion SHELL",
    short: "Output shell completion code for the specified shell (bash or zsh)",
    long: completionLong,
    example: completionExample,
    run: (ctx) => {
      if (ctx.args.length === 0) throw new KubestrapError("shell not specified");
      if (ctx.args.length > 1) {
        throw new KubestrapError("too many arguments. expected only the shell type");
      }
      const shell = ctx.args[0];
      if (!SHELLS.includes(shell)) {
        throw new KubestrapError(
          `unsupported shell type ${JSON.stringify(shell)}, the supported shell types are ` +
            `[${SHELLS.join(" ")}]`,
        );
      }
      const spec = root();
      const prog = nameOf(spec);
      ctx.out(boilerPlate);
      if (shell === "fish") ctx.out(fishCompletion(spec, prog));
      else ctx.out(shell === "bash" ? bashCompletion(spec, prog) : zshCompletion(spec, prog));
    },
  };
}
