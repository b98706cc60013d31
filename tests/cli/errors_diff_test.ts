/**
 * Differential test of parse-level behaviour (usage errors, group commands, help topics): the
 * exit code and the combined output must equal the real kubeadm v1.37.2's, with the program
 * name normalised. Only invocations that fail or print help before any action are listed.
 */
import { assertEquals } from "../assert.ts";
import { run } from "./helpers.ts";
import { kubeadmBinary } from "../harness/testbed.ts";

const kubeadm = kubeadmBinary();
const present = (() => {
  try {
    return Deno.statSync(kubeadm).isFile;
  } catch {
    return false;
  }
})();

const CASES = [
  "version --x",
  "version extra",
  "inti",
  "foo",
  "init extra",
  "join a b",
  "token",
  "token foo",
  "token delete",
  "kubeconfig",
  "kubeconfig foo",
  "alpha",
  "alpha foo",
  "certs",
  "certs renew",
  "certs renew foo",
  "config",
  "config print",
  "config images",
  "upgrade",
  "upgrade foo",
  "init phase",
  "init phase foo",
  "init phase certs",
  "init phase certs foo",
  "init phase etcd",
  "join phase control-plane-join all x",
  "join phase control-plane-prepare all x y",
  "init phase certs ca extra",
  "completion",
  "completion bash zsh",
  "kubeconfig user",
  "config validate",
  "config migrate",
  "token list -o",
  "token list --output",
  "init -q",
  "init --token-ttl bogus",
  "init --apiserver-bind-port x",
  "init --dry-run=maybe",
  "upgrade plan a b c --x",
  "upgrade apply -y=false --x",
  "help init",
  "help bogus",
  "help init phase bogus",
  "init phase certs --help extra",
  // cobra finds the command by the words that are not flags, wherever the flags are (the
  // command's own and its parents' persistent flags), and takes an unknown flag before a word
  // as that word's flag value; pflag then parses the found command's flags.
  "--foo token list",
  "--foo=1 token list",
  "-x token list",
  "--dry-run token list",
  "--dry-run=true token list --help",
  "--rootfs=/ --dry-run token list --help",
  "--v 3 token list --help",
  "-v3 token list --help",
  "--v=4 token",
  "--kubeconfig /x token create --help",
  "token --kubeconfig /x create --help",
  "token --kubeconfig=/x --foo list",
  "token create --kubeconfig /x --dry-run --help",
  "token -h create",
  "token -- list",
  "token list -- x",
  "init phase --config F upload-certs --upload-certs --help",
  "init --config F phase upload-certs --help",
  "init --foo phase",
  "init phase --foo upload-certs",
  "init phase foo --config x",
  "init --config x phase foo",
  "foo --bogus",
  "--bogus",
  "help --v=3 init",
  "--v=3 help init",
  // pflag's flag forms and their errors.
  "version -x",
  "version -ox",
  "version -vx",
  "version -v",
  "version -o",
  "version -hv5",
  "version -vh",
  "version -ho json",
  "version -hx",
  "version --=x",
  "version -=x",
  "version ---x",
  "version --o short",
  "version -output short",
  "version -h=",
  "version --help=maybe",
  "token list --v=x",
  "token list -v=x",
  "--vmodule=x token --help",
  "--vmodule=a=1,b=2 token --help",
  "token create --print_join_command --help",
  "token create --print-join-command -h=true",
  "token create --ttl=1x",
  "token create --ttl=1",
  "token create --ttl=x",
  "upgrade apply -yf --x",
  "upgrade apply -y=0 --x",
];

/** Help lines of kubestrap-only flags and commands (lib/airgap), left out of the comparison. */
const KUBESTRAP_ONLY_LINES = [
  /^ {6}--offline {2,}/,
  /^ {6}--resume {2,}/, // init and join --resume (lib/resume.ts)
  /^ {2}bundle {2,}/,
  /^ {2}-o, --output string {2,}Print the result/, // init -o json|yaml
  // certs check, certs renew's timer and renewal flags (after "kubestrap" became "kubeadm")
  /^ {2}check {2,}.*\(kubeadm only\)$/,
  /^ {6}--[a-z-]+(?: \w+)? {2,}kubeadm only: /,
];

function dropKubestrapOnly(text: string): string {
  return text.split("\n").filter((l) => !KUBESTRAP_ONLY_LINES.some((re) => re.test(l))).join("\n");
}

/**
 * pflag aligns the usage column to the longest flag, kubestrap-only flags included: the
 * padding between a flag and its usage is compared as one space.
 */
function unpad(text: string): string {
  return text.split("\n").map((l) => l.replace(/^(\s+(?:-\w, )?--\S+(?: \w+)?) {2,}/, "$1 ")).join(
    "\n",
  );
}

async function kubeadmRun(args: string[]): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command(kubeadm, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { HOME: "/nonexistent", PATH: "/usr/bin:/bin" },
  }).output();
  const d = new TextDecoder();
  return { code: out.code, text: d.decode(out.stdout) + "\u0000" + d.decode(out.stderr) };
}

Deno.test({
  name: "usage errors and help topics match kubeadm v1.37.2",
  ignore: !present,
  fn: async () => {
    const failures: string[] = [];
    for (const c of CASES) {
      const args = c.split(" ");
      const theirs = await kubeadmRun(args);
      const r = await run(...args);
      const ours = {
        code: r.code,
        text: dropKubestrapOnly((r.out + "\u0000" + r.err).replaceAll("kubestrap", "kubeadm")),
      };
      if (theirs.code !== ours.code || unpad(theirs.text) !== unpad(ours.text)) {
        failures.push(
          `${c}:\n  kubeadm:   ${JSON.stringify(theirs)}\n  kubestrap: ${JSON.stringify(ours)}`,
        );
      }
    }
    assertEquals(failures, []);
  },
});
