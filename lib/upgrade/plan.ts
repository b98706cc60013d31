/**
 * `kubeadm upgrade plan`'s result: the `output.kubeadm.k8s.io/v1alpha3` UpgradePlan object
 * (genUpgradePlan) and its text form (upgradePlanTextPrinter), as kubeadm v1.37 prints them.
 */
import type { UpgradeConfiguration } from "../config/types.ts";
import { KubestrapError } from "../errors.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { tabwrite } from "../tokens/output.ts";
import type { Printer } from "../output/printers.ts";
import { parseSemantic } from "../util/version.ts";
import { availableUpgrades, canUpgradeKubelets, type Upgrade } from "./compute.ts";
import { enforceRequirements, type UpgradeEnv, warnTo } from "./requirements.ts";

/** ComponentUpgradePlan. */
export interface ComponentUpgradePlan {
  name: string;
  currentVersion: string;
  newVersion: string;
  nodeName?: string;
}

/** AvailableUpgrade. */
export interface AvailableUpgrade {
  description: string;
  components: ComponentUpgradePlan[];
}

/** ComponentConfigVersionState. */
export interface ComponentConfigVersionState {
  group: string;
  currentVersion: string;
  preferredVersion: string;
  manualUpgradeRequired: boolean;
}

/** UpgradePlan (TypeMeta set as kubeadm's printer sets it). */
export interface UpgradePlan {
  kind: "UpgradePlan";
  apiVersion: "output.kubeadm.k8s.io/v1alpha3";
  availableUpgrades?: AvailableUpgrade[];
  configVersions?: ComponentConfigVersionState[];
}

function component(
  name: string,
  currentVersion: string,
  newVersion: string,
  nodeName = "",
): ComponentUpgradePlan {
  const c: ComponentUpgradePlan = { name, currentVersion, newVersion };
  if (nodeName) c.nodeName = nodeName;
  return c;
}

/** The keys of a version -> nodes map, sorted as Go's sort.Strings sorts them. */
function sortedKeys(m: Map<string, string[]> | undefined): string[] {
  return [...(m?.keys() ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function perNode(
  out: ComponentUpgradePlan[],
  name: string,
  m: Map<string, string[]> | undefined,
  newVersion: string,
): void {
  for (const v of sortedKeys(m)) {
    for (const node of m!.get(v)!) out.push(component(name, v, newVersion, node));
  }
}

/** genAvailableUpgrade. */
function availableUpgrade(up: Upgrade, etcdUpgrade: boolean): AvailableUpgrade {
  const c: ComponentUpgradePlan[] = [];
  if (canUpgradeKubelets(up)) {
    perNode(c, "kubelet", up.before.kubeletVersions, up.after.kubeVersion);
  }
  perNode(c, "kube-apiserver", up.before.kubeAPIServerVersions, up.after.kubeVersion);
  perNode(
    c,
    "kube-controller-manager",
    up.before.kubeControllerManagerVersions,
    up.after.kubeVersion,
  );
  perNode(c, "kube-scheduler", up.before.kubeSchedulerVersions, up.after.kubeVersion);
  c.push(component("kube-proxy", up.before.kubeVersion, up.after.kubeVersion));
  if (up.before.dnsVersion || up.after.dnsVersion) {
    c.push(component("CoreDNS", up.before.dnsVersion, up.after.dnsVersion));
  }
  if (up.before.kubeadmVersion || up.after.kubeadmVersion) {
    c.push(component("kubeadm", up.before.kubeadmVersion, up.after.kubeadmVersion));
  }
  if (etcdUpgrade) perNode(c, "etcd", up.before.etcdVersions, up.after.etcdVersion ?? "");
  return { description: up.description, components: c };
}

/** genUpgradePlan. */
export function upgradePlan(
  upgrades: Upgrade[],
  configVersions: ComponentConfigVersionState[],
  etcdUpgrade: boolean,
): UpgradePlan {
  const plan: UpgradePlan = { kind: "UpgradePlan", apiVersion: "output.kubeadm.k8s.io/v1alpha3" };
  if (upgrades.length > 0) {
    plan.availableUpgrades = upgrades.map((u) => availableUpgrade(u, etcdUpgrade));
  }
  if (configVersions.length > 0) plan.configVersions = configVersions;
  return plan;
}

const SEPARATOR = "_____________________________________________________________________\n\n";

function table(rows: string[][]): string {
  return tabwrite(rows.map((r) => r.join("\t") + "\n").join(""));
}

/** upgradePlanTextPrinter.printAvailableUpgrade. */
function availableUpgradeText(au: AvailableUpgrade): string {
  let kubeVersion = "";
  let kubeadmBefore = "", kubeadmAfter = "";
  for (const c of au.components) {
    if (c.name === "kube-apiserver") kubeVersion = c.newVersion;
    if (c.name === "kubeadm") {
      kubeadmBefore = c.currentVersion;
      kubeadmAfter = c.newVersion;
    }
  }
  let pre: string;
  try {
    pre = parseSemantic(kubeVersion).preRelease;
  } catch (e) {
    throw new Error(
      `Unable to parse normalized version "${kubeVersion}" as a semantic version: ${
        (e as Error).message
      }`,
    );
  }
  const flag = pre === ""
    ? ""
    : pre.startsWith("rc")
    ? " --allow-release-candidate-upgrades"
    : " --allow-experimental-upgrades";
  const head = ["COMPONENT", "NODE", "CURRENT", "TARGET"];
  const row = (
    c: ComponentUpgradePlan,
  ) => [c.name, c.nodeName ?? "", c.currentVersion, c.newVersion];
  let s =
    "Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':\n";
  s += table([head, ...au.components.filter((c) => c.name === "kubelet").map(row)]);
  s += "\n";
  s += `Upgrade to the latest ${au.description}:\n\n`;
  s += table([
    head,
    ...au.components.filter((c) => c.name !== "kubelet" && c.name !== "kubeadm").map(row),
  ]);
  s += "\nYou can now apply the upgrade by executing the following command:\n\n";
  s += `\tkubeadm upgrade apply ${kubeVersion}${flag}\n\n`;
  if (kubeadmBefore !== kubeadmAfter) {
    s +=
      `Note: Before you can perform this upgrade, you have to update kubeadm to ${kubeadmAfter}.\n\n`;
  }
  return s + SEPARATOR;
}

/** upgradePlanTextPrinter.printComponentConfigVersionStates. */
function configVersionsText(states: ComponentConfigVersionState[] | undefined): string {
  if (!states || states.length === 0) return "No information available on component configs.\n";
  let s = "\n" +
    "The table below shows the current state of component configs as understood by this version of kubeadm.\n" +
    `Configs that have a "yes" mark in the "MANUAL UPGRADE REQUIRED" column require manual config upgrade or\n` +
    "resetting to kubeadm defaults before a successful upgrade can be performed. The version to manually\n" +
    `upgrade to is denoted in the "PREFERRED VERSION" column.\n\n`;
  s += table([
    ["API GROUP", "CURRENT VERSION", "PREFERRED VERSION", "MANUAL UPGRADE REQUIRED"],
    ...states.map((st) => [
      st.group,
      st.currentVersion || "-",
      st.preferredVersion || "-",
      st.manualUpgradeRequired ? "yes" : "no",
    ]),
  ]);
  return s + SEPARATOR;
}

/** The plan as `kubeadm upgrade plan` prints it in text form. */
export function upgradePlanText(plan: UpgradePlan): string {
  return (plan.availableUpgrades ?? []).map(availableUpgradeText).join("") +
    configVersionsText(plan.configVersions);
}

// ---------------------------------------------------------------------------------------------
// `kubeadm upgrade plan`

/** The component configs kubeadm knows (componentconfigs known handlers), in its order. */
const COMPONENT_CONFIGS = [
  {
    group: "kubeproxy.config.k8s.io",
    version: "v1alpha1",
    configMap: "kube-proxy",
    key: "config.conf",
  },
  {
    group: "kubelet.config.k8s.io",
    version: "v1beta1",
    configMap: "kubelet-config",
    key: "kubelet",
  },
];

/**
 * componentconfigs.GetVersionStates: a config found in its ConfigMap at the version kubeadm
 * supports is current; a missing (or kubeadm-generated, older) one is left for kubeadm to
 * regenerate.
 */
async function componentConfigVersionStates(
  client: KubeClient,
): Promise<ComponentConfigVersionState[]> {
  const out: ComponentConfigVersionState[] = [];
  for (const cc of COMPONENT_CONFIGS) {
    let current = "";
    try {
      const cm = await client.get<{ data?: Record<string, string> }>(
        "configmaps",
        cc.configMap,
        "kube-system",
      );
      const text = cm.data?.[cc.key] ?? "";
      const m = /^apiVersion:\s*["']?([^\s"']+)["']?\s*$/m.exec(text);
      if (m && m[1] === `${cc.group}/${cc.version}`) current = cc.version;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    out.push({
      group: cc.group,
      currentVersion: current,
      preferredVersion: cc.version,
      manualUpgradeRequired: false,
    });
  }
  return out;
}

/** What `upgrade plan` needs besides the environment and the UpgradeConfiguration. */
export interface PlanOptions {
  /** The command's arguments ([version]). */
  args: string[];
  /** The `-o` printer (output.PrintFlags.ToPrinter). */
  printer: Printer;
  /** Raw stdout (the printers' text is written as they make it). */
  write: (s: string) => void;
}

/** runPlan: prints the plan (stdout) in the chosen format. */
export async function runUpgradePlan(
  env: UpgradeEnv,
  u: UpgradeConfiguration,
  o: PlanOptions,
): Promise<void> {
  // Informational lines go to stdout only for text output (kubeadm's printer discards them).
  const print = o.printer.kind === "text" ? env.out : () => {};
  const quiet: UpgradeEnv = { ...env, out: print };
  const req = await enforceRequirements(quiet, u, {
    args: o.args,
    apply: false,
    dryRun: false,
    printConfig: u.plan.printConfig ?? false,
    stdout: env.out,
  });
  const allowRC = u.plan.allowRCUpgrades ?? false;
  const allowExperimental = u.plan.allowExperimentalUpgrades ?? false;
  let upgrades: Upgrade[];
  try {
    upgrades = await availableUpgrades(req.getter, allowExperimental, allowRC, {
      out: print,
      warn: warnTo(env),
    });
  } catch (e) {
    throw new KubestrapError(`[upgrade/versions] FATAL: ${(e as Error).message}`);
  }
  let states: ComponentConfigVersionState[];
  try {
    states = await componentConfigVersionStates(env.client);
  } catch (e) {
    throw new KubestrapError(`[upgrade/versions] FATAL: ${(e as Error).message}`);
  }
  if (upgrades.length === 0) return; // "Awesome, you're up-to-date! Enjoy!" (klog V(1) only)
  const plan = upgradePlan(upgrades, states, u.plan.etcdUpgrade ?? true);
  if (o.printer.kind === "structured") o.printer.print(plan, o.write);
  else env.out(upgradePlanText(plan).replace(/\n$/, ""));
}
