/**
 * Load time: `kubestrap version` and `kubestrap --help` must not load the heavy libraries. The
 * module graph of main.ts, followed through static imports only, reaches our own modules and no npm
 * package (lib/cli.ts parses the command line itself); @kubernetes/client-node, @peculiar/x509
 * and yaml load through dynamic imports only.
 */
import { assertEquals } from "../assert.ts";

interface Dep {
  specifier: string;
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface Module {
  specifier: string;
  dependencies?: Dep[];
}

const deno = Deno.execPath();
const root = new URL("../../main.ts", import.meta.url).pathname;

Deno.test("main.ts reaches heavy packages through dynamic imports only", async () => {
  const out = await new Deno.Command(deno, { args: ["info", "--json", root], stdout: "piped" })
    .output();
  assertEquals(out.code, 0);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: Module[];
    redirects: Record<string, string>;
  };
  const bySpec = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = [...info.roots];
  while (queue.length) {
    const s = queue.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpec.get(s)?.dependencies ?? []) {
      if (d.isDynamic || !d.code) continue;
      queue.push(info.redirects[d.code.specifier] ?? d.code.specifier);
    }
  }
  const npm = [...seen].filter((s) => s.startsWith("npm:"));
  assertEquals(npm, [], "npm packages reached through static imports");
  const heavy = [...seen].filter((s) => /client-node|peculiar|yaml@/.test(s));
  assertEquals(heavy, []);
});

Deno.test("`version` and `--help` run without the heavy packages", async () => {
  for (const args of [["version"], ["--help"]]) {
    const out = await new Deno.Command(deno, {
      args: ["run", "-A", "--cached-only", root, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  }
});
