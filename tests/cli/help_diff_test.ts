/**
 * Differential help test: every command and phase subcommand's `--help` compared with the real
 * kubeadm v1.37.2 binary (KUBESTRAP_CACHE, default ~/.cache/kubestrap, k8s/v1.37.2/bin/kubeadm).
 * Normalised: the program name in the usage lines, the root's "help for" line, the "Use ... --help" line and the "Additional
 * help topics" command paths, and the root banner (the text above the root's "Usage:").
 */
import { assertEquals } from "../assert.ts";
import { program } from "../../main.ts";
import { renewableCerts } from "../../lib/renewal/inventory.ts";
import { kubeadmBinary } from "../harness/testbed.ts";

const kubeadm = kubeadmBinary();
const present = (() => {
  try {
    return Deno.statSync(kubeadm).isFile;
  } catch {
    return false;
  }
})();

/**
 * Deliberate differences, by command path, with the reason. Empty: every screen matches.
 */
const DELIBERATE: Record<string, string> = {};

/** Flags kubestrap adds beyond kubeadm, by command path; their help lines are left out. */
const ADDED_FLAGS: Record<string, string[]> = {
  "init phase preflight": ["--output"],
  "reset": ["--cleanup-network"],
  "reset phase cleanup-node": ["--cleanup-network"],
  // lib/airgap: --offline (air-gapped installs).
  "init": ["--offline", "--output", "--resume"],
  "join": ["--offline", "--resume"],
  "config images list": ["--offline"],
  "config images pull": ["--offline"],
  // The root lists kubestrap's own top-level commands (ADDED_COMMANDS).
  "": ["bundle"],
  // certs check (ADDED_COMMANDS); renewal beyond kubeadm (--if-expiring-within,
  // --restart-components; the renew group's timer).
  "certs": ["check"],
  "certs renew": ["--install-timer", "--uninstall-timer", "--if-expiring-within"],
  ...Object.fromEntries(
    ["all", ...renewableCerts().map((c) => c.name)].map((n) => [
      `certs renew ${n}`,
      ["--if-expiring-within", "--restart-components"],
    ]),
  ),
};

/** Commands kubestrap adds beyond kubeadm (not compared; their help is their own). */
const ADDED_COMMANDS = new Set(["bundle", "certs check"]);

/**
 * Where kubestrap adds flags, pflag aligns every usage column to the longest flag: the padding
 * between a flag and its usage is compared as one space there.
 */
function unpad(text: string): string {
  return text.split("\n").map((l) => l.replace(/^(\s+(?:-\w, )?--\S+(?: \w+)?) {2,}/, "$1 ")).join(
    "\n",
  );
}

function normalise(help: string, isRoot: boolean): string {
  let text = help;
  if (isRoot) text = text.slice(text.indexOf("Usage:"));
  const lines = text.split("\n");
  let section = "";
  return lines.map((line) => {
    if (/^[A-Z][A-Za-z ]*:$/.test(line)) section = line;
    if ((section === "Usage:" || section === "Additional help topics:") && line.startsWith("  ")) {
      return line.replace(/^ {2}kubeadm(?= |$)/, "  kubestrap");
    }
    if (isRoot) line = line.replace(/ help for kubeadm$/, " help for kubestrap");
    return line.replace(/^Use "kubeadm /, 'Use "kubestrap ');
  }).join("\n");
}

async function kubeadmHelp(path: string[]): Promise<string> {
  const out = await new Deno.Command(kubeadm, {
    args: [...path, "--help"],
    stdout: "piped",
    stderr: "piped",
    env: { HOME: "/nonexistent", PATH: "/usr/bin:/bin" },
  }).output();
  return new TextDecoder().decode(out.stdout);
}

/** The subcommands listed in a help screen, including "Additional help topics". */
function subcommands(help: string): string[] {
  const listed = help.split("Available Commands:\n")[1]?.split("\n\n")[0] ?? "";
  const names = listed.split("\n").map((l) => l.trim().split(/\s+/)[0]);
  const topics = help.split("Additional help topics:\n")[1]?.split("\n\n")[0] ?? "";
  names.push(...topics.split("\n").map((l) => l.trim().split(/\s+/)[1]));
  return names.filter((s) => s && s !== "help");
}

Deno.test({
  name: "every --help screen matches kubeadm v1.37.2",
  ignore: !present,
  fn: async () => {
    if (!present) return;
    const prog = program({ out: () => {}, err: () => {} });
    // Walk kubeadm's own tree, so that commands we lack are found as well.
    const paths: string[][] = [];
    const queue: string[][] = [[]];
    const texts = new Map<string, string>();
    while (queue.length) {
      const batch = queue.splice(0, 16);
      const helps = await Promise.all(batch.map(kubeadmHelp));
      batch.forEach((p, i) => {
        paths.push(p);
        texts.set(p.join(" "), helps[i]);
        for (const s of subcommands(helps[i])) queue.push([...p, s]);
      });
    }
    const failures: string[] = [];
    for (const p of paths) {
      const key = p.join(" ");
      if (key in DELIBERATE) continue;
      let ours: string;
      try {
        ours = prog.helpOf(p);
      } catch {
        failures.push(`missing command: kubeadm ${key}`);
        continue;
      }
      const theirs = normalise(texts.get(key)!, p.length === 0);
      const added = ADDED_FLAGS[key] ?? [];
      const mine = normalise(
        ours.split("\n").filter((l) => !added.some((f) => l.includes(` ${f} `))).join("\n"),
        p.length === 0,
      );
      if ((added.length > 0 ? unpad(theirs) !== unpad(mine) : theirs !== mine)) {
        const a = theirs.split("\n");
        const b = mine.split("\n");
        const i = a.findIndex((l, j) => l !== b[j]);
        failures.push(
          `kubeadm ${key} --help differs at line ${i + 1}:\n  kubeadm:   ${
            JSON.stringify(a[i])
          }\n  kubestrap: ${JSON.stringify(b[i])}`,
        );
      }
    }
    // Commands we have that kubeadm does not list.
    const walk = (n: typeof prog.root, p: string[]) => {
      if (ADDED_COMMANDS.has(p.join(" "))) return;
      if (p.length && !n.spec.hidden && !texts.has(p.join(" "))) {
        failures.push(`extra command: kubestrap ${p.join(" ")}`);
      }
      for (const c of n.children) walk(c, [...p, c.spec.use.split(" ")[0]]);
    };
    walk(prog.root, []);
    assertEquals(failures, [], `${failures.length} of ${paths.length} screens differ`);
  },
});
