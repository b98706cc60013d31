/**
 * `kubestrap init --dry-run` on this machine, as the README's newcomer demo runs it (no
 * container runtime, no kubelet, no API server): it succeeds, prints kubeadm's dry-run
 * account of the API writes, writes only under its dry-run directory, and `-o json` gives the
 * machine-readable result. Also `--print-manifest` of both addons against the real kubeadm's.
 */
import * as path from "@std/path";
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { REPO } from "../integration/common.ts";
import { testbed, testbedReady } from "../harness/mod.ts";
import { lineDiff } from "../manifests/cases.ts";

async function kubestrap(args: string[], env: Record<string, string> = {}) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", path.join(REPO, "main.ts"), ...args],
    cwd: REPO,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: r.code, stdout: d.decode(r.stdout), stderr: d.decode(r.stderr) };
}

/** The same arguments to the real kubeadm and to kubestrap, with an empty PATH. */
async function bothTools(args: string[]) {
  const t = await new Deno.Command(testbed.path("kubeadm"), {
    args,
    env: { PATH: "/nonexistent" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return {
    theirs: { code: t.code, stdout: d.decode(t.stdout), stderr: d.decode(t.stderr) },
    ours: await kubestrap(args, { PATH: "/nonexistent" }),
  };
}

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(p)];
    } catch {
      return;
    }
    for (const e of entries) {
      const f = `${p}/${e.name}`;
      const st = Deno.lstatSync(f);
      out.push(`${f} ${st.size} ${st.mtime?.getTime()}`);
      if (e.isDirectory) walk(f);
    }
  };
  walk(dir);
  return out.sort();
}

Deno.test("init --dry-run (the demo): succeeds without runtime or kubelet, writes only its dir", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-demo-dryrun-" });
  try {
    const before = [...tree("/etc/kubernetes"), ...tree("/var/lib/kubelet")];
    const r = await kubestrap(["init", "--dry-run", "--ignore-preflight-errors=all"], {
      KUBEADM_INIT_DRYRUN_DIR: dir,
    });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    for (
      const want of [
        `[dryrun] Wrote certificates, kubeconfig files and control plane manifests to the "${dir}" directory`,
        `[dryrun] Would write file "/etc/kubernetes/manifests/kube-apiserver.yaml" with content:`,
        "[dryrun] Would make sure the kubelet returns 'ok' at http://127.0.0.1:10248/healthz",
        `[dryrun] Would perform action CREATE on resource "configmaps" in API group "core/v1"`,
        `[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"`,
        "Your Kubernetes control-plane has initialized successfully!",
        "[dryrun] API writes that would have been made (none was sent to an API server): 29",
        "[dryrun]   CREATE configmaps (core/v1) kube-public/cluster-info",
        "[dryrun]   -rw-------",
      ]
    ) assertStringIncludes(r.stdout, want);
    assertStringIncludes(r.stdout, "kubestrap join ");
    assertEquals([...tree("/etc/kubernetes"), ...tree("/var/lib/kubelet")], before);
    assert(tree(dir).some((l) => l.includes("/etc/kubernetes/admin.conf")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("init --dry-run -o json: the result on stdout, progress on stderr", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubestrap-demo-dryrun-" });
  try {
    const r = await kubestrap([
      "init",
      "--dry-run",
      "--ignore-preflight-errors=all",
      "--upload-certs",
      "--control-plane-endpoint=cp.example:6443",
      "-o",
      "json",
    ], { KUBEADM_INIT_DRYRUN_DIR: dir });
    assertEquals(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assertEquals(j.kind, "InitResult");
    assertEquals(j.controlPlaneEndpoint, "cp.example:6443");
    assert(/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(j.token));
    assert(/^[0-9a-f]{64}$/.test(j.certificateKey));
    assertStringIncludes(
      j.controlPlaneJoinCommand,
      `--control-plane --certificate-key ${j.certificateKey}`,
    );
    assertStringIncludes(j.joinCommand, `kubestrap join cp.example:6443 --token ${j.token}`);
    assertEquals(j.dryRun, true);
    assertStringIncludes(r.stderr, "[upload-certs] Using certificate key:");
    const bad = await kubestrap(["init", "--dry-run", "-o", "xml"]);
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stderr, 'invalid output format "xml"');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "addon --print-manifest: byte for byte what kubeadm prints",
  ignore: !testbedReady,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "kubestrap-printmanifest-" });
    try {
      const cfg = path.join(dir, "c.yaml");
      await Deno.writeTextFile(
        cfg,
        `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.1.2.3
nodeRegistration:
  name: n1
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
networking:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.100.0.0/16
  dnsDomain: example.internal
`,
      );
      for (const addon of ["coredns", "kube-proxy"]) {
        const { theirs, ours } = await bothTools(
          ["init", "phase", "addon", addon, "--print-manifest", "--config", cfg],
        );
        assertEquals(theirs.code, 0, theirs.stderr);
        assertEquals(ours.code, 0, ours.stderr);
        assertEquals(ours.stdout, theirs.stdout, addon);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "addon --print-manifest with corednsdeployment/kubeproxydaemonset patches: as kubeadm",
  ignore: !testbedReady,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "kubestrap-addonpatch-" });
    try {
      const patches = path.join(dir, "patches");
      const bad = path.join(dir, "bad");
      await Deno.mkdir(patches);
      await Deno.mkdir(bad);
      await Deno.writeTextFile(
        path.join(patches, "corednsdeployment+strategic.yaml"),
        "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: coredns\n" +
          "        resources:\n          limits:\n            memory: 300Mi\n",
      );
      await Deno.writeTextFile(
        path.join(patches, "kubeproxydaemonset+merge.json"),
        `{"metadata":{"labels":{"patched":"yes"}}}`,
      );
      await Deno.writeTextFile(path.join(bad, "corednsdeployment+json.json"), "{not json\n");
      const config = (patchDir: string) =>
        `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.1.2.3
nodeRegistration:
  name: n1
  criSocket: unix:///run/containerd/containerd.sock
patches:
  directory: ${patchDir}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
`;
      const run = (addon: string, cfg: string) =>
        bothTools(["init", "phase", "addon", addon, "--print-manifest", "--config", cfg]);
      const good = path.join(dir, "good.yaml");
      await Deno.writeTextFile(good, config(patches));
      const want: Record<string, string[]> = {
        coredns: [
          `[patches] Applied patch of type "application/strategic-merge-patch+json" to target "corednsdeployment"\n`,
          "  replicas: 3\n",
          "            memory: 300Mi\n",
        ],
        "kube-proxy": [
          `[patches] Applied patch of type "application/merge-patch+json" to target "kubeproxydaemonset"\n`,
          `    patched: "yes"\n`,
        ],
      };
      for (const addon of ["coredns", "kube-proxy"]) {
        const { theirs, ours } = await run(addon, good);
        assertEquals(theirs.code, 0, theirs.stderr);
        assertEquals(ours.code, 0, ours.stderr);
        assertEquals(ours.stdout, theirs.stdout, addon);
        for (const w of want[addon]) assertStringIncludes(ours.stdout, w);
      }
      // A patch that does not parse: the phase fails, naming the addon and the directory.
      const broken = path.join(dir, "broken.yaml");
      await Deno.writeTextFile(broken, config(bad));
      const { theirs, ours } = await run("coredns", broken);
      assertEquals([ours.code, theirs.code], [1, 1]);
      const prefix = `error: error execution phase addon/coredns: could not apply patches to the ` +
        `CoreDNS Deployment: could not list patch files for path "${bad}": could not convert ` +
        `patch to JSON:\n{not json\n: `;
      assert(theirs.stderr.startsWith(prefix), theirs.stderr);
      assert(ours.stderr.startsWith(prefix), ours.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "kubelet-finalize enable-client-cert-rotation: kubelet.conf as kubeadm rewrites it",
  ignore: !testbedReady || Deno.uid() !== 0,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "kubestrap-finalize-" });
    try {
      const ours = path.join(dir, "ours");
      const theirs = path.join(dir, "theirs");
      // kubeadm chroots into --rootfs and reads /c.yaml there; kubestrap reads the path given.
      await Deno.mkdir(ours);
      const cfg = path.join(dir, "c.yaml");
      await Deno.writeTextFile(
        cfg,
        `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.1.2.3
nodeRegistration:
  name: n1
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
`,
      );
      for (const phase of [["certs", "ca"], ["kubeconfig", "kubelet"]]) {
        const r = await kubestrap(["init", "phase", ...phase, "--config", cfg, "--rootfs", ours]);
        assertEquals(r.code, 0, r.stderr);
      }
      // Without the rotated certificate the phase does nothing.
      const none = await kubestrap([
        "init",
        "phase",
        "kubelet-finalize",
        "all",
        "--config",
        cfg,
        "--rootfs",
        ours,
      ]);
      assertEquals([none.code, none.stdout], [0, ""]);
      await Deno.mkdir(`${ours}/var/lib/kubelet/pki`, { recursive: true });
      await Deno.writeTextFile(`${ours}/var/lib/kubelet/pki/kubelet-client-current.pem`, "x");
      await new Deno.Command("cp", { args: ["-a", ours, theirs] }).output();
      await Deno.copyFile(cfg, path.join(theirs, "c.yaml"));
      const args = ["init", "phase", "kubelet-finalize", "all", "--rootfs"];
      const k = await new Deno.Command(testbed.path("kubeadm"), {
        args: [...args, theirs, "--config", "/c.yaml"],
        env: { PATH: "/nonexistent" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(k.code, 0, new TextDecoder().decode(k.stderr));
      const r = await kubestrap([...args, ours, "--config", cfg], { PATH: "/nonexistent" });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, new TextDecoder().decode(k.stdout));
      assertStringIncludes(
        r.stdout,
        `[kubelet-finalize] Updating "/etc/kubernetes/kubelet.conf" to point to a rotatable kubelet client certificate and key`,
      );
      const mine = await Deno.readTextFile(`${ours}/etc/kubernetes/kubelet.conf`);
      assertEquals(mine, await Deno.readTextFile(`${theirs}/etc/kubernetes/kubelet.conf`));
      assertStringIncludes(mine, "client-key: /var/lib/kubelet/pki/kubelet-client-current.pem");
      assert(!mine.includes("client-key-data"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * Normalises one tool's `init --dry-run` stdout for comparison: its dry-run directory becomes
 * `<DIR>`, run-specific values (the CA's base64, the CA hash) become placeholders, and the
 * differences README lists as deliberate are mapped onto kubestrap's form: Secret values are
 * redacted (`<redacted N bytes>`), phase lines name the real destinations rather than the
 * dry-run directory, the printed join command and the upload-certs hint name kubestrap, and
 * kubestrap's closing account
 * of files and API writes (after the join command) is dropped.
 */
function normaliseDryRun(out: string, dir: string, tool: "kubeadm" | "kubestrap"): string {
  let s = out;
  if (tool === "kubeadm") {
    const real: [string, string][] = [
      [`[certs] Using certificateDir folder "${dir}"`, "/etc/kubernetes/pki"],
      [`[kubeconfig] Using kubeconfig folder "${dir}"`, "/etc/kubernetes"],
      [
        `[etcd] Creating static Pod manifest for local etcd in "${dir}"`,
        "/etc/kubernetes/manifests",
      ],
      [`[control-plane] Using manifest folder "${dir}"`, "/etc/kubernetes/manifests"],
    ];
    for (const [line, to] of real) s = s.replace(line, line.replace(dir, to));
    s = s.replaceAll(`to file "${dir}/`, `to file "/var/lib/kubelet/`);
    s = s.replaceAll(`sudo cp -i ${dir}/admin.conf`, `sudo cp -i <DIR>/etc/kubernetes/admin.conf`);
    s = s.replaceAll("kubeadm join ", "kubestrap join ");
    s = s.replaceAll('"kubeadm init phase upload-certs', '"kubestrap init phase upload-certs');
  } else {
    s = s.replace(/\n\[dryrun\] Finished dry-running successfully\.[\s\S]*$/, "\n");
  }
  // Secret data: kubestrap redacts the values (`<redacted N bytes>`, N the base64 length);
  // kubeadm-certs holds freshly encrypted keys in kubestrap's run and nulls in kubeadm's (its
  // dry run reads the real certificate directory, not the one it wrote).
  const blocks = s.split("[dryrun] Attached object:\n");
  s = blocks.map((b, i) => {
    const end = b.indexOf("\n\n");
    const obj = end < 0 ? b : b.slice(0, end);
    if (i === 0 || !/^kind: Secret$/m.test(obj)) return b;
    const certs = /^ {2}name: kubeadm-certs$/m.test(obj);
    const redacted = obj.replace(
      /^data:\n((?: {2}[^\n]+(?:\n|$))+)/m,
      (all, body: string) =>
        all.replace(
          body,
          body.replace(
            /^( {2}[^:]+): (.+)$/gm,
            (_m, k, v) =>
              `${k}: ${
                certs ? "<encrypted>" : tool === "kubeadm" ? `<redacted ${v.length} bytes>` : v
              }`,
          ),
        ),
    );
    return redacted + b.slice(obj.length);
  }).join("[dryrun] Attached object:\n");
  return s.replaceAll(dir, "<DIR>")
    // the random ID of upload-certs' short-lived token
    .replace(/bootstrap-token-(?!abcdef)[a-z0-9]{6}/g, "bootstrap-token-<ID>")
    .replace(/certificate-authority-data: \S+/g, "certificate-authority-data: <CA>")
    .replace(/sha256:[0-9a-f]{64}/g, "sha256:<HASH>");
}

const DRY_RUN_CASES: {
  name: string;
  config: string;
  args?: string[];
  patches?: Record<string, string>;
}[] = [
  {
    name: "one node, defaults",
    config: `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: abcdef.0123456789abcdef
localAPIEndpoint:
  advertiseAddress: 10.0.0.5
nodeRegistration:
  name: node1
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
`,
  },
  {
    name: "HA endpoint, upload-certs, patches, pod subnet, extra args",
    args: ["--upload-certs"],
    config: `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
certificateKey: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
bootstrapTokens:
- token: abcdef.0123456789abcdef
  description: first token
  ttl: 2h0m0s
localAPIEndpoint:
  advertiseAddress: 10.0.0.5
nodeRegistration:
  name: node1
  criSocket: unix:///run/containerd/containerd.sock
  taints: []
patches:
  directory: PATCHES
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
controlPlaneEndpoint: cp.example.internal:6443
networking:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.100.0.0/16
apiServer:
  extraArgs:
  - name: audit-log-maxage
    value: "7"
  certSANs: [api.example.internal]
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ipvs
`,
    patches: {
      "etcd+merge.yaml": "metadata:\n  annotations:\n    patched: etcd\n",
      "corednsdeployment.yaml": "spec:\n  replicas: 3\n",
      "kubeproxydaemonset+json.json":
        '[{"op":"add","path":"/metadata/annotations","value":{"patched":"kube-proxy"}}]',
    },
  },
];

for (const c of DRY_RUN_CASES) {
  Deno.test({
    name:
      `init --dry-run (${c.name}): stdout line for line as kubeadm's, but for the listed differences`,
    ignore: !testbedReady,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "kubestrap-dryrun-diff-" });
      try {
        const patches = path.join(dir, "patches");
        await Deno.mkdir(patches);
        for (const [f, text] of Object.entries(c.patches ?? {})) {
          await Deno.writeTextFile(path.join(patches, f), text);
        }
        const cfg = path.join(dir, "c.yaml");
        await Deno.writeTextFile(cfg, c.config.replace("PATCHES", patches));
        const args = [
          "init",
          "--dry-run",
          "--config",
          cfg,
          "--ignore-preflight-errors=all",
          ...c.args ?? [],
        ];
        const theirDir = path.join(dir, "kubeadm");
        const ourDir = path.join(dir, "kubestrap");
        const t = await new Deno.Command(testbed.path("kubeadm"), {
          args,
          env: { PATH: "/nonexistent", KUBEADM_INIT_DRYRUN_DIR: theirDir },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const theirs = new TextDecoder().decode(t.stdout);
        assertEquals(t.code, 0, new TextDecoder().decode(t.stderr));
        const ours = await kubestrap(args, {
          PATH: "/nonexistent",
          KUBEADM_INIT_DRYRUN_DIR: ourDir,
        });
        assertEquals(ours.code, 0, ours.stderr);
        // Checks of the normalisation itself: what it maps must be there to map.
        assertStringIncludes(theirs, "token-secret: MDEyMzQ1Njc4OWFiY2RlZg==");
        assertStringIncludes(ours.stdout, "token-secret: <redacted 24 bytes>");
        assertStringIncludes(ours.stdout, "[dryrun] Finished dry-running successfully.");
        const a = normaliseDryRun(ours.stdout, ourDir, "kubestrap");
        const e = normaliseDryRun(theirs, theirDir, "kubeadm");
        assert(a === e, lineDiff(a, e));
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
