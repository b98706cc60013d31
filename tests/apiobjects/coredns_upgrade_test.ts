// deno-lint-ignore-file no-explicit-any
/**
 * The CoreDNS addon over an existing CoreDNS (what `upgrade apply` meets), kubestrap against the
 * real kubeadm v1.37.2 on a real kube-apiserver: for each seeded ConfigMap + Deployment,
 * `kubeadm init phase addon coredns` (the same EnsureDNSAddon `upgrade apply phase addon
 * coredns` runs) and kubestrap's applyCoreDNS must leave the same ConfigMap and Deployment and
 * print the same lines (klog headers aside), or fail with the same error:
 * - a default Corefile of kubeadm before v1.32 is replaced; kubeadm's current one and a
 *   customized one are retained (corefile-migration's Default does not know the former);
 * - a Corefile that needs migrating (from CoreDNS 1.7.1) is migrated, backed up under
 *   `Corefile-backup` and the Deployment patched, when the deployed tag has no "v";
 * - with a "v" tag (as kubeadm deploys it) the migration fails with kubeadm's warning and the
 *   ConfigMap and Deployment are retained;
 * - an unknown deployed version fails the addon.
 */
import { assertEquals } from "../assert.ts";
import { applyCoreDNS, coreDNSImage } from "../../lib/apiobjects/addons/coredns.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { run, testbed } from "../harness/mod.ts";
import { ready, startTestCluster, why } from "../kube/testcluster.ts";
import { KUBEADM_PRE_1_32_COREFILE } from "./corefiles.ts";

const CUSTOM = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    hosts {
       10.0.0.1 one.example.org
       fallthrough
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . 8.8.8.8 {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

const KUBEADM_NOW = KUBEADM_PRE_1_32_COREFILE.replace(
  "    cache 30\n",
  "    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n",
);

/** A Corefile of the CoreDNS 1.7 days: its kubernetes `transfer` option is removed in 1.8.0. */
const NEEDS_MIGRATION = CUSTOM.replace(
  "       ttl 30\n",
  "       ttl 30\n       transfer to 10.0.0.53\n",
);

interface Scenario {
  name: string;
  corefile: string;
  image: string;
  /** What kubeadm did (checked on its result, so that the scenario means what it says). */
  expect: "replaced" | "retained" | "migrated" | "warned" | "failed";
}

const SCENARIOS: Scenario[] = [
  {
    name: "kubeadm's default before v1.32 is replaced",
    corefile: KUBEADM_PRE_1_32_COREFILE,
    image: "registry.k8s.io/coredns/coredns:v1.14.2",
    expect: "replaced",
  },
  {
    name: "kubeadm's current default is retained",
    corefile: KUBEADM_NOW,
    image: "registry.k8s.io/coredns/coredns:v1.14.2",
    expect: "retained",
  },
  {
    name: "a customized Corefile without removed plugins is retained",
    corefile: CUSTOM,
    image: "registry.k8s.io/coredns/coredns:v1.14.2",
    expect: "retained",
  },
  {
    name: "a Corefile that needs migrating is migrated (tag without v)",
    corefile: NEEDS_MIGRATION,
    image: "docker.io/coredns/coredns:1.7.1",
    expect: "migrated",
  },
  {
    name: "a Corefile that needs migrating, tag with v: kubeadm's warning, all retained",
    corefile: NEEDS_MIGRATION,
    image: "registry.k8s.io/coredns/coredns:v1.7.1",
    expect: "warned",
  },
  {
    name: "an unknown deployed version fails",
    corefile: CUSTOM,
    image: "registry.k8s.io/coredns/coredns:latest",
    expect: "failed",
  },
];

function seededDeployment(image: string) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "coredns",
      namespace: "kube-system",
      labels: { "k8s-app": "kube-dns" },
      annotations: { "kubestrap.test/seeded": "yes" },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { "k8s-app": "kube-dns" } },
      template: {
        metadata: { labels: { "k8s-app": "kube-dns" } },
        spec: {
          containers: [{
            name: "coredns",
            image,
            args: ["-conf", "/etc/coredns/Corefile"],
            volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns" }],
          }],
          volumes: [{
            name: "config-volume",
            configMap: { name: "coredns", items: [{ key: "Corefile", path: "Corefile" }] },
          }],
        },
      },
    },
  };
}

function normalize(o: any): any {
  const c = structuredClone(o);
  for (const k of ["resourceVersion", "uid", "creationTimestamp", "managedFields"]) {
    delete c.metadata[k];
  }
  delete c.status;
  return c;
}

/** Output lines with klog's header (time, pid) taken out. */
function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "").map((l) =>
    l.replace(/^([IWE])\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ /, "$1 ")
  );
}

Deno.test({
  name: "coredns addon over an existing CoreDNS: kubestrap does what kubeadm v1.37.2 does",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    if (!ready) console.log(why);
    await using tc = await startTestCluster();
    using su = tc.client(tc.superAdmin);
    const cfgPath = `${tc.dir}/kubeadm.yaml`;
    await Deno.writeTextFile(
      cfgPath,
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  name: ks-cp
  criSocket: unix:///run/kubestrap-none.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
networking:
  serviceSubnet: 10.96.0.0/12
  dnsDomain: cluster.local
`,
    );

    const seed = async (client: KubeClient, s: Scenario) => {
      for (const [res, name] of [["configmaps", "coredns"], ["deployments", "coredns"]]) {
        await client.delete(res as any, name, "kube-system").catch(() => {});
      }
      await client.create("configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "coredns",
          namespace: "kube-system",
          annotations: { "kubestrap.test/seeded": "yes" },
        },
        data: { Corefile: s.corefile },
      });
      await client.create("deployments", seededDeployment(s.image));
    };
    const state = async () => ({
      configMap: normalize(await su.get("configmaps", "coredns", "kube-system")),
      deployment: normalize(await su.get("deployments", "coredns", "kube-system")),
    });

    for (const s of SCENARIOS) {
      await t.step(s.name, async () => {
        await seed(su, s);
        const k = await run(testbed.path("kubeadm"), [
          "init",
          "phase",
          "addon",
          "coredns",
          `--config=${cfgPath}`,
          `--kubeconfig=${tc.superAdminKubeconfig}`,
        ], { allowFailure: true });
        const kubeadmState = await state();

        await seed(su, s);
        const out: string[] = [];
        const err: string[] = [];
        let error = "";
        try {
          await applyCoreDNS(
            su,
            {
              dnsDomain: "cluster.local",
              serviceSubnet: "10.96.0.0/12",
              image: coreDNSImage({ imageRepository: "registry.k8s.io" }),
            },
            (l) => out.push(l),
            {
              timeoutMs: 10_000,
              warn: (at, msg) => err.push(`W ${at}] ${msg}`),
            },
          );
        } catch (e) {
          error = (e as Error).message;
        }
        const ours = await state();

        if (k.code !== 0) {
          // kubeadm: "error execution phase addon/coredns: <err>" and the --v=5 hint.
          const m = /^(?:error: )?error execution phase addon\/coredns: (.*)$/m.exec(k.stderr);
          assertEquals(error, m?.[1] ?? k.stderr);
          assertEquals(out, lines(k.stdout));
        } else {
          assertEquals(error, "");
          assertEquals(out, lines(k.stdout));
          assertEquals(err, lines(k.stderr));
        }
        assertEquals(ours, kubeadmState);

        const cm = kubeadmState.configMap;
        const seeded = cm.metadata.annotations?.["kubestrap.test/seeded"] === "yes";
        const keptDeployment = kubeadmState.deployment.spec.replicas === 3 &&
          kubeadmState.deployment.spec.template.spec.containers[0].image === s.image;
        const verdict = k.code !== 0
          ? "failed"
          : cm.data["Corefile-backup"] === s.corefile
          ? "migrated"
          : !seeded
          ? "replaced"
          : keptDeployment
          ? "warned"
          : "retained";
        assertEquals(verdict, s.expect);
        if (verdict === "warned") assertEquals(err.length, 1);
      });
    }
  },
});
