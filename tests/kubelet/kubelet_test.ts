/**
 * kubelet-start files against the goldens the real kubeadm v1.37.2 wrote
 * (tests/manifests/testdata/<case>/golden), plus flag, init-system and parsing details.
 */
import { type CommandResult, Host } from "../../lib/host.ts";
import {
  buildKubeletArgs,
  formatGoDuration,
  instanceConfigContent,
  kubeadmFlagsArgs,
  kubeadmFlagsEnvContent,
  kubeletCommandLine,
  kubeletConfigFileContent,
  marshalKubeletConfig,
  parseKubeadmFlagsEnv,
  runKubeletStart,
  tryStartKubelet,
} from "../../lib/kubelet/mod.ts";
import { resetPatchManagerCache } from "../../lib/patches/patches.ts";
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { CASES, golden, lineDiff, loadCase } from "../manifests/cases.ts";

/** A Host rooted in a temp dir, with no init system and a fixed hostname. */
class FakeHost extends Host {
  paths = new Map<string, string>();
  runs: string[][] = [];
  results = new Map<string, CommandResult>();
  override hostname(): string {
    return "Golden-Host ";
  }
  override lookPath(name: string): Promise<string | undefined> {
    return Promise.resolve(this.paths.get(name));
  }
  override run(cmd: string, args: string[]): Promise<CommandResult> {
    this.runs.push([cmd, ...args]);
    return Promise.resolve(
      this.results.get([cmd, ...args].join(" ")) ??
        { code: 0, stdout: "", stderr: "", timedOut: false },
    );
  }
}

for (const name of CASES) {
  Deno.test(`kubelet-start: ${name} files and output match kubeadm v1.37.2`, async () => {
    resetPatchManagerCache();
    const c = loadCase(name);
    const root = await Deno.makeTempDir();
    try {
      const host = new FakeHost(root);
      const lines: string[] = [];
      await runKubeletStart(host, { init: c.init, kubeletConfig: c.kubeletConfig }, {
        output: (l) => lines.push(l),
        warn: () => {},
      });
      for (const f of ["kubeadm-flags.env", "instance-config.yaml", "config.yaml"]) {
        const ours = (await host.readText(`/var/lib/kubelet/${f}`))!;
        const exp = golden(name, f)!;
        assert(ours === exp, `${name}/${f} differs from kubeadm:\n${lineDiff(ours, exp)}`);
        assertEquals(((await host.stat(`/var/lib/kubelet/${f}`))!.mode ?? 0) & 0o777, 0o644);
      }
      assertEquals(((await host.stat("/var/lib/kubelet"))!.mode ?? 0) & 0o777, 0o700);
      const stdout = golden(name, "stdout")!.split("\n");
      const from = stdout.findIndex((l) => l.startsWith("[kubelet-start]"));
      const expected = stdout.slice(from);
      const ours = lines.join("").replaceAll(c.patchesDir ?? "\0", "PATCHDIR").split("\n");
      // kubestrap adds the manual start command after kubeadm's last line
      assertStringIncludes(ours[ours.length - 2], "[kubelet-start] Start the kubelet yourself");
      ours.splice(ours.length - 2, 1);
      assertEquals(ours, expected);
    } finally {
      resetPatchManagerCache();
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("kubelet flags: hostname-override, extra args after defaults, taints on join", () => {
  const nodeReg = {
    name: "node-a",
    kubeletExtraArgs: [{ name: "node-ip", value: "10.0.0.1" }, { name: "v", value: "2" }],
    taints: [
      { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
      { key: "k", value: "v", effect: "NoExecute" },
    ],
  };
  assertEquals(kubeadmFlagsArgs(nodeReg, "node-a"), ["--node-ip=10.0.0.1", "--v=2"]);
  assertEquals(kubeadmFlagsArgs(nodeReg, "other"), [
    "--hostname-override=node-a",
    "--node-ip=10.0.0.1",
    "--v=2",
  ]);
  assertEquals(buildKubeletArgs(nodeReg, "node-a", true), [{
    name: "register-with-taints",
    value: "node-role.kubernetes.io/control-plane:NoSchedule,k=v:NoExecute",
  }]);
  // hostname-override in kubeletExtraArgs wins and replaces the computed one
  const ov = { name: "x", kubeletExtraArgs: [{ name: "hostname-override", value: "y" }] };
  assertEquals(kubeadmFlagsArgs(ov, "h"), ["--hostname-override=y"]);
  assertEquals(kubeadmFlagsEnvContent([]), 'KUBELET_KUBEADM_ARGS=""\n');
  assertEquals(
    kubeadmFlagsEnvContent(['--a="b c"']),
    'KUBELET_KUBEADM_ARGS="--a=\\"b c\\""\n',
  );
  assertEquals(parseKubeadmFlagsEnv('KUBELET_KUBEADM_ARGS="--a=1 --b 2"\n'), ["--a=1", "--b=2"]);
  assertEquals(
    instanceConfigContent("unix:///run/containerd/containerd.sock"),
    'containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock"\n',
  );
});

Deno.test("kubelet config: ConfigMap form, resolvConf mutation, durations", () => {
  const base = {
    staticPodPath: "/etc/kubernetes/manifests",
    featureGates: {},
    shutdownGracePeriod: "90s",
    evictionHard: {},
  };
  const cm = marshalKubeletConfig(base);
  assertStringIncludes(cm, 'containerRuntimeEndpoint: ""\n');
  assertStringIncludes(cm, "shutdownGracePeriod: 1m30s\n");
  assert(!cm.includes("featureGates"), "empty featureGates is omitted");
  assert(!cm.includes("evictionHard"), "empty maps are omitted");
  const lines: string[] = [];
  const warns: string[] = [];
  const file = kubeletConfigFileContent({ ...base, resolvConf: "/etc/resolv.conf" }, {
    instanceConfig: instanceConfigContent("unix:///x.sock"),
    systemdResolvedActive: true,
    output: (l) => lines.push(l),
    warn: (w) => warns.push(w),
  });
  assertStringIncludes(file, "containerRuntimeEndpoint: unix:///x.sock\n");
  assertStringIncludes(file, "resolvConf: /etc/resolv.conf\n");
  assertEquals(lines, [
    '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "kubeletconfiguration"\n',
  ]);
  assertStringIncludes(warns[0], 'The recommended value for "resolvConf"');
  const dflt = kubeletConfigFileContent(base, { systemdResolvedActive: true });
  assertStringIncludes(dflt, "resolvConf: /run/systemd/resolve/resolv.conf\n");
  assertEquals(formatGoDuration(0), "0s");
  assertEquals(formatGoDuration(3600), "1h0m0s");
  assertEquals(formatGoDuration(0.25), "250ms");
  assertEquals(formatGoDuration(61.5), "1m1.5s");
});

Deno.test("kubelet service: systemd restart, failure warnings, no init system", async () => {
  const root = await Deno.makeTempDir();
  try {
    const host = new FakeHost(root);
    host.paths.set("systemctl", "/usr/bin/systemctl");
    // systemd counts only when it runs (sd_booted); a systemctl binary alone is not enough.
    const noSystemd: string[] = [];
    await tryStartKubelet(host, { output: (l) => noSystemd.push(l), kubeadmArgs: [] });
    assertEquals(host.runs, []);
    assertEquals(
      noSystemd[0],
      "[kubelet-start] No supported init system detected, won't make sure the kubelet is running properly.\n",
    );
    await Deno.mkdir(`${root}/run/systemd/system`, { recursive: true });
    const out: string[] = [];
    const warn: string[] = [];
    assert(await tryStartKubelet(host, { output: (l) => out.push(l), warn: (l) => warn.push(l) }));
    assertEquals(host.runs, [
      ["systemctl", "status", "kubelet"],
      ["systemctl", "daemon-reload"],
      ["systemctl", "restart", "kubelet"],
    ]);
    assertEquals(out, []);
    host.runs = [];
    host.results.set("systemctl daemon-reload", {
      code: 1,
      stdout: "",
      stderr: "boom",
      timedOut: false,
    });
    host.results.set("systemctl status kubelet", {
      code: 4,
      stdout: "Unit kubelet.service could not be found.",
      stderr: "",
      timedOut: false,
    });
    assert(
      !(await tryStartKubelet(host, { output: (l) => out.push(l), warn: (l) => warn.push(l) })),
    );
    assertEquals(out, [
      "[kubelet-start] Couldn't detect a kubelet service, can't make sure the kubelet is running properly.\n",
      "[kubelet-start] Please ensure kubelet is reloaded and running manually.\n",
    ]);
    assertEquals(warn, [
      "[kubelet-start] WARNING: unable to start the kubelet service: [failed to reload systemd: exit status 1]\n",
    ]);
    // OpenRC
    const rc = new FakeHost(root);
    for (const b of ["openrc", "rc-service", "rc-update"]) rc.paths.set(b, `/sbin/${b}`);
    assert(await tryStartKubelet(rc, { output: () => {}, warn: () => {} }));
    assertEquals(rc.runs, [["rc-service", "kubelet", "status"], [
      "rc-service",
      "kubelet",
      "restart",
    ]]);
    // none: kubeadm's line plus kubestrap's command line
    const none = new FakeHost(root);
    const lines: string[] = [];
    await tryStartKubelet(none, {
      output: (l) => lines.push(l),
      kubeadmArgs: ["--node-ip=1.2.3.4"],
    });
    assertEquals(lines, [
      "[kubelet-start] No supported init system detected, won't make sure the kubelet is running properly.\n",
      `[kubelet-start] Start the kubelet yourself, e.g.: ${
        kubeletCommandLine(["--node-ip=1.2.3.4"])
      }\n`,
    ]);
    assertEquals(
      kubeletCommandLine(["--v=2"]),
      "/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --v=2",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
