// deno-lint-ignore-file no-explicit-any
/**
 * The CoreDNS preflight checks of `upgrade plan` / `upgrade apply` (kubeadm's
 * RunCoreDNSMigrationCheck: CoreDNSUnsupportedPlugins and CoreDNSMigration), kubestrap against
 * the real kubeadm v1.37.2 on a real kube-apiserver. `upgrade plan` runs them right after the
 * root check, so both tools' stdout and stderr up to the configuration read that follows must
 * be the same (klog headers aside) for each seeded CoreDNS: plugins corefile-migration does not
 * know (failing, and with --ignore-preflight-errors), an unknown or missing CoreDNS version, a
 * ConfigMap without a Corefile, kubeadm's default, and CoreDNS already at kubeadm's version.
 */
import { assert, assertEquals } from "../assert.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { COREDNS_UNSUPPORTED_NOTE } from "../../lib/upgrade/preflight.ts";
import { run as runKubestrap } from "../cli/helpers.ts";
import { run, testbed } from "../harness/mod.ts";
import { ready, startTestCluster, why } from "../kube/testcluster.ts";
import { kubeadmDefaultCorefile } from "../apiobjects/corefiles.ts";

const DEFAULT = kubeadmDefaultCorefile();

const UNKNOWN = DEFAULT.replace(
  "    ready\n",
  "    ready\n    dnssec\n    template IN A x {\n       answer x\n    }\n",
)
  .replace("       ttl 30\n", "       ttl 30\n       multicluster clusterset.local\n");

interface Scenario {
  name: string;
  /** The Corefile (null: no Corefile key; undefined: no ConfigMap). */
  corefile?: string | null;
  /** The Deployment's image (undefined: no Deployment). */
  image?: string;
  flags?: string[];
  /** Whether the checks fail (asserted on kubeadm, so that the scenario means what it says). */
  fails: boolean;
  /** Whether kubeadm prints its note on unsupported plugins (asserted on kubeadm too). */
  note?: boolean;
}

const V1_14_2 = "registry.k8s.io/coredns/coredns:v1.14.2";

const SCENARIOS: Scenario[] = [
  {
    name: "kubeadm's default Corefile at v1.14.2",
    corefile: DEFAULT,
    image: V1_14_2,
    fails: false,
  },
  {
    name: "unknown plugins and options",
    corefile: UNKNOWN,
    image: V1_14_2,
    fails: true,
    note: true,
  },
  {
    name: "unknown plugins, CoreDNSUnsupportedPlugins ignored",
    corefile: UNKNOWN,
    image: V1_14_2,
    flags: ["--ignore-preflight-errors=coredNSunsupportedplugins"],
    fails: false,
    note: true,
  },
  {
    name: "unknown plugins, ignored, -o json (the note still on stdout)",
    corefile: UNKNOWN,
    image: V1_14_2,
    flags: ["-o", "json", "--ignore-preflight-errors=CoreDNSUnsupportedPlugins"],
    fails: false,
    note: true,
  },
  {
    name: "unknown plugins with CoreDNS already at v1.14.6",
    corefile: UNKNOWN,
    image: "registry.k8s.io/coredns/coredns:v1.14.6",
    fails: false,
  },
  {
    name: "an unknown deployed version",
    corefile: DEFAULT,
    image: "registry.k8s.io/coredns/coredns:latest",
    fails: true,
  },
  {
    name: "an unknown deployed version, both checks ignored",
    corefile: DEFAULT,
    image: "registry.k8s.io/coredns/coredns:latest",
    flags: ["--ignore-preflight-errors=CoreDNSUnsupportedPlugins,CoreDNSMigration"],
    fails: false,
  },
  { name: "no CoreDNS at all", fails: true },
  { name: "a ConfigMap without a Corefile", corefile: null, image: V1_14_2, fails: true },
];

/** The lines before the configuration read back (what the preflight checks print). */
function preflightPart(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split("\n")) {
    if (/upgrade\/config|upgrade\/init config|error execution|^error: \[upgrade/.test(l)) break;
    if (l === "" || l.startsWith("To see the stack trace")) continue;
    out.push(l.replace(/^([IWE])\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ /, "$1 "));
  }
  return out;
}

Deno.test({
  name: "upgrade preflight: the CoreDNS checks say what kubeadm v1.37.2 says",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    if (!ready) console.log(why);
    await using tc = await startTestCluster();
    using su = tc.client(tc.superAdmin);
    // After the checks both tools read kubeadm-config: without its ClusterConfiguration they
    // stop there at once (instead of retrying a missing ConfigMap).
    await su.create("configmaps", {
      metadata: { name: "kubeadm-config", namespace: "kube-system" },
      data: { other: "x" },
    });

    const seed = async (client: KubeClient, s: Scenario) => {
      for (const [res, name] of [["configmaps", "coredns"], ["deployments", "coredns"]]) {
        await client.delete(res as any, name, "kube-system").catch(() => {});
      }
      if (s.corefile !== undefined) {
        await client.create("configmaps", {
          metadata: { name: "coredns", namespace: "kube-system" },
          data: s.corefile === null ? { other: "x" } : { Corefile: s.corefile },
        });
      }
      if (s.image !== undefined) {
        await client.create("deployments", {
          metadata: {
            name: "coredns",
            namespace: "kube-system",
            labels: { "k8s-app": "kube-dns" },
          },
          spec: {
            selector: { matchLabels: { "k8s-app": "kube-dns" } },
            template: {
              metadata: { labels: { "k8s-app": "kube-dns" } },
              spec: { containers: [{ name: "coredns", image: s.image }] },
            },
          },
        });
      }
    };

    for (const s of SCENARIOS) {
      await t.step(s.name, async () => {
        await seed(su, s);
        const args = [
          "upgrade",
          "plan",
          `--kubeconfig=${tc.superAdminKubeconfig}`,
          ...s.flags ?? [],
        ];
        const k = await run(testbed.path("kubeadm"), args, { allowFailure: true });
        const ours = await runKubestrap(...args);
        const kubeadmFailed = k.stderr.includes("[preflight] Some fatal errors occurred:");
        assertEquals(kubeadmFailed, s.fails, k.stdout + k.stderr);
        assertEquals(k.stdout.includes(COREDNS_UNSUPPORTED_NOTE), s.note ?? false);
        assertEquals(preflightPart(ours.out), preflightPart(k.stdout));
        assertEquals(preflightPart(ours.err), preflightPart(k.stderr));
        assert(k.code !== 0 && ours.code === k.code, `exit codes ${ours.code} / ${k.code}`);
        if (s.fails) {
          // The failure is the preflight error itself (nothing after it).
          assertEquals(ours.err, k.stderr);
          assert(ours.err.includes("\nerror: preflight checks failed\n"), ours.err);
        }
      });
    }
  },
});
