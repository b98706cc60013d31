/**
 * `upgrade plan`'s printers and computation: the UpgradePlan object and its text, JSON and YAML
 * forms against kubeadm v1.37.2's own golden outputs (testdata/plan_golden.json, extracted from
 * cmd/kubeadm/app/cmd/upgrade/plan_test.go), the upgrades offered for a cluster, and the
 * version skew policy with kubeadm's texts.
 */
import { assertEquals } from "../assert.ts";
import { availableUpgrades, type ClusterState, type Upgrade } from "../../lib/upgrade/compute.ts";
import {
  type ComponentConfigVersionState,
  upgradePlan,
  upgradePlanText,
} from "../../lib/upgrade/plan.ts";
import { enforceVersionPolicies, skewVerdict } from "../../lib/upgrade/policy.ts";
import { tagFromImage } from "../../lib/config/images.ts";
import {
  OfflineLabelError,
  type Versioned,
  type VersionGetter,
} from "../../lib/upgrade/versions.ts";
import { goJSON } from "../../lib/util/gojson.ts";
import { marshalGoYAML } from "../../lib/util/goyaml.ts";
import { parseSemantic } from "../../lib/util/version.ts";

interface GoldenState {
  KubeVersion?: string;
  KubeadmVersion?: string;
  DNSVersion?: string;
  EtcdVersion?: string;
  KubeAPIServerVersions?: [string, string[]][];
  KubeControllerManagerVersions?: [string, string[]][];
  KubeSchedulerVersions?: [string, string[]][];
  KubeletVersions?: [string, string[]][];
  EtcdVersions?: [string, string[]][];
}

const golden = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/plan_golden.json", import.meta.url)),
) as {
  cases: {
    name: string;
    format: "text" | "json" | "yaml";
    upgrades: { description: string; before: GoldenState; after: GoldenState }[];
    expected: string;
  }[];
};

function state(s: GoldenState): ClusterState {
  const m = (x?: [string, string[]][]) => (x ? new Map(x) : undefined);
  return {
    kubeVersion: s.KubeVersion ?? "",
    kubeadmVersion: s.KubeadmVersion ?? "",
    dnsVersion: s.DNSVersion ?? "",
    etcdVersion: s.EtcdVersion,
    kubeAPIServerVersions: m(s.KubeAPIServerVersions),
    kubeControllerManagerVersions: m(s.KubeControllerManagerVersions),
    kubeSchedulerVersions: m(s.KubeSchedulerVersions),
    kubeletVersions: m(s.KubeletVersions),
    etcdVersions: m(s.EtcdVersions),
  };
}

const STATES: ComponentConfigVersionState[] = [
  {
    group: "kubeproxy.config.k8s.io",
    currentVersion: "v1alpha1",
    preferredVersion: "v1alpha1",
    manualUpgradeRequired: false,
  },
  {
    group: "kubelet.config.k8s.io",
    currentVersion: "v1beta1",
    preferredVersion: "v1beta1",
    manualUpgradeRequired: false,
  },
];

for (const c of golden.cases) {
  Deno.test(`upgrade plan printer: ${c.name} (${c.format}) is kubeadm's`, () => {
    const ups: Upgrade[] = c.upgrades.map((u) => ({
      description: u.description,
      before: state(u.before),
      after: state(u.after),
    }));
    const plan = upgradePlan(ups, STATES, true);
    const got = c.format === "json"
      ? goJSON(plan, "    ") + "\n"
      : c.format === "yaml"
      ? marshalGoYAML(plan)
      : upgradePlanText(plan);
    assertEquals(got, c.expected);
  });
}

Deno.test("upgrade plan printer: without component config states kubeadm's line", () => {
  assertEquals(
    upgradePlanText(upgradePlan([], [], true)),
    "No information available on component configs.\n",
  );
});

/** A VersionGetter over fixed data; labels answer from `labels` or fail as offline. */
class FakeGetter implements VersionGetter {
  constructor(
    private d: {
      cluster: string;
      kubeadm: string;
      kubelets: Record<string, string[]>;
      apiservers?: Record<string, string[]>;
      etcd?: Record<string, string[]>;
      dns?: string;
      labels?: Record<string, string>;
    },
  ) {}
  clusterVersion(): Promise<Versioned> {
    return Promise.resolve({ str: this.d.cluster, version: parseSemantic(this.d.cluster) });
  }
  kubeadmVersion(): Versioned {
    return { str: this.d.kubeadm, version: parseSemantic(this.d.kubeadm) };
  }
  versionFromCILabel(label: string, description: string): Versioned {
    const v = this.d.labels?.[label];
    if (!v) throw new OfflineLabelError(`Couldn't fetch latest ${description} from the internet`);
    return { str: v, version: parseSemantic(v) };
  }
  kubeletVersions(): Promise<Map<string, string[]>> {
    return Promise.resolve(new Map(Object.entries(this.d.kubelets)));
  }
  componentVersions(c: string): Promise<Map<string, string[]>> {
    if (c === "etcd") return Promise.resolve(new Map(Object.entries(this.d.etcd ?? {})));
    return Promise.resolve(
      new Map(Object.entries(this.d.apiservers ?? { [this.d.cluster]: ["cp1"] })),
    );
  }
  dnsAddonVersion(): Promise<string> {
    return Promise.resolve(this.d.dns ?? "v1.13.1");
  }
}

function collect() {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    out: (l: string) => lines.push(l),
    warn: (_: string, m: string) => warnings.push(m),
  };
}

Deno.test("upgrade plan: offline without a target, kubeadm's fallback offers its own version", async () => {
  const o = collect();
  const ups = await availableUpgrades(
    new FakeGetter({
      cluster: "v1.36.3",
      kubeadm: "v1.37.2",
      kubelets: { "v1.36.3": ["cp1", "w1"] },
      etcd: { "3.6.8-0": ["cp1"] },
    }),
    false,
    false,
    o,
  );
  assertEquals(ups.length, 1);
  assertEquals(ups[0].description, "stable version");
  assertEquals(ups[0].after, {
    kubeVersion: "v1.37.2",
    dnsVersion: "v1.14.6",
    kubeadmVersion: "v1.37.2",
    etcdVersion: "3.7.0-0",
  });
  assertEquals(o.lines, [
    "[upgrade] Fetching available versions to upgrade to",
    "[upgrade/versions] Cluster version: 1.36.3",
    "[upgrade/versions] kubeadm version: v1.37.2",
    "",
  ]);
  assertEquals(o.warnings, [
    "[upgrade/versions] WARNING: Couldn't fetch latest stable version from the internet\n",
    "[upgrade/versions] WARNING: Falling back to current kubeadm version as latest stable version",
    "[upgrade/versions] WARNING: Couldn't fetch latest version in the v1.36 series from the internet\n",
  ]);
  const plan = upgradePlan(ups, STATES, true);
  assertEquals(
    plan.availableUpgrades![0].components.map((
      c,
    ) => [c.name, c.nodeName ?? "", c.currentVersion, c.newVersion]),
    [
      ["kubelet", "cp1", "v1.36.3", "v1.37.2"],
      ["kubelet", "w1", "v1.36.3", "v1.37.2"],
      ["kube-apiserver", "cp1", "v1.36.3", "v1.37.2"],
      ["kube-controller-manager", "cp1", "v1.36.3", "v1.37.2"],
      ["kube-scheduler", "cp1", "v1.36.3", "v1.37.2"],
      ["kube-proxy", "", "1.36.3", "v1.37.2"],
      ["CoreDNS", "", "v1.13.1", "v1.14.6"],
      ["kubeadm", "", "v1.37.2", "v1.37.2"],
      ["etcd", "cp1", "3.6.8-0", "3.7.0-0"],
    ],
  );
});

Deno.test("upgrade plan: an explicit target answers every label (patch and minor)", async () => {
  const o = collect();
  const ups = await availableUpgrades(
    new FakeGetter({
      cluster: "v1.37.0",
      kubeadm: "v1.37.2",
      kubelets: { "v1.37.0": ["cp1"] },
      labels: { stable: "v1.37.2", "stable-1.37": "v1.37.2" },
    }),
    false,
    false,
    o,
  );
  assertEquals(ups.map((u) => [u.description, u.after.kubeVersion, u.after.etcdVersion]), [
    ["version in the v1.37 series", "v1.37.2", ""],
  ]);
  assertEquals(o.warnings, []);
  assertEquals(o.lines.slice(3), [
    "[upgrade/versions] Target version: v1.37.2",
    "[upgrade/versions] Latest version in the v1.37 series: v1.37.2",
    "",
  ]);
});

Deno.test("upgrade plan: an up-to-date cluster has no upgrade", async () => {
  const ups = await availableUpgrades(
    new FakeGetter({
      cluster: "v1.37.2",
      kubeadm: "v1.37.2",
      kubelets: { "v1.37.2": ["cp1"] },
      labels: { stable: "v1.37.2", "stable-1.37": "v1.37.2" },
    }),
    false,
    false,
    collect(),
  );
  assertEquals(ups, []);
});

Deno.test("upgrade: image tags as kubeadm reads them", () => {
  assertEquals(tagFromImage("registry.k8s.io/kube-apiserver:v1.36.3"), "v1.36.3");
  assertEquals(tagFromImage("localhost:5000/etcd:3.6.8-0"), "3.6.8-0");
  assertEquals(tagFromImage("localhost:5000/etcd"), "");
  assertEquals(
    tagFromImage(`registry.k8s.io/pause:3.10@sha256:${"a".repeat(64)}`),
    "3.10",
  );
});

async function policy(
  cluster: string,
  target: string,
  kubelets: Record<string, string[]> = { [cluster]: ["n1"] },
  flags: { experimental?: boolean; rc?: boolean } = {},
) {
  const lines: string[] = [];
  const errs = await enforceVersionPolicies(
    new FakeGetter({ cluster, kubeadm: "v1.37.2", kubelets }),
    target,
    parseSemantic(target),
    !!flags.experimental,
    !!flags.rc,
    (l) => lines.push(l),
  );
  return { errs, lines };
}

Deno.test("upgrade policy: v1.36 -> v1.37.2 is allowed and prints the versions", async () => {
  const { errs, lines } = await policy("v1.36.3", "v1.37.2");
  assertEquals(errs, undefined);
  assertEquals(lines, [
    "[upgrade/versions] Cluster version: v1.36.3",
    "[upgrade/versions] kubeadm version: v1.37.2",
  ]);
});

Deno.test("upgrade policy: kubeadm's mandatory and skippable errors", async () => {
  assertEquals((await policy("v1.37.0", "v1.38.0")).errs, {
    mandatory: [
      'Specified version to upgrade to "v1.38.0" is at least one minor release higher than the kubeadm minor release (38 > 37). Such an upgrade is not supported',
    ],
    skippable: [],
  });
  assertEquals((await policy("v1.35.1", "v1.37.2")).errs, {
    mandatory: [
      'Specified version to upgrade to "v1.37.2" is too high; kubeadm can upgrade only 1 minor version at a time',
    ],
    skippable: [],
  });
  assertEquals((await policy("v1.37.0", "v1.37.5")).errs, {
    mandatory: [],
    skippable: [
      'Specified version to upgrade to "v1.37.5" is higher than the kubeadm version "v1.37.2". Upgrade kubeadm first using the tool you used to install kubeadm',
    ],
  });
  assertEquals((await policy("v1.36.3", "v1.36.5")).errs, {
    mandatory: [],
    skippable: ["Kubeadm version v1.37.2 can only be used to upgrade to Kubernetes version 1.37"],
  });
  assertEquals((await policy("v1.36.0", "v1.35.9")).errs?.mandatory, [
    'Specified version to upgrade to "v1.35.9" is equal to or lower than the minimum supported version "v1.36.0". Please specify a higher version to upgrade to',
  ]);
  assertEquals((await policy("v1.36.3", "v1.37.2", { "v1.33.1": ["old"] })).errs, {
    mandatory: [],
    skippable: [
      "There are kubelets in this cluster that are too old that have these versions [v1.33.1]",
    ],
  });
  assertEquals((await policy("v1.36.3", "v1.37.2-rc.1")).errs?.skippable, [
    'Specified version to upgrade to "v1.37.2-rc.1" is an unstable version and such upgrades weren\'t allowed via setting the --allow-*-upgrades flags',
  ]);
  assertEquals((await policy("v1.36.3", "v1.37.2-rc.1", undefined, { rc: true })).errs, undefined);
});

Deno.test("upgrade policy: the verdict texts of upgrade apply", () => {
  const errs = { mandatory: [], skippable: ["a", "b"] };
  assertEquals(
    skewVerdict(errs, false).error,
    "the version argument is invalid due to these errors:\n\n\t- a\n\t- b\n\nCan be bypassed if you pass the --force flag",
  );
  assertEquals(
    skewVerdict(errs, true).warning,
    "[upgrade/preflight] Found 2 potential version compatibility errors but skipping since the --force flag is set: \n\n\t- a\n\t- b\n",
  );
  assertEquals(
    skewVerdict({ mandatory: ["x"], skippable: ["a"] }, true).error,
    "the version argument is invalid due to these fatal errors:\n\n\t- x\n\nPlease fix the misalignments highlighted above and try upgrading again",
  );
});
