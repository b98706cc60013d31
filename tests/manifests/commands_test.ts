/** Command lines (flags and order) and serialisation details of the static Pods. */
import {
  apiServerCommand,
  argumentsToCommand,
  controllerManagerCommand,
  etcdCommand,
  etcdProbeEndpoint,
  marshalGoYAML,
  schedulerCommand,
} from "../../lib/manifests/mod.ts";
import { assertEquals } from "../assert.ts";
import { loadCase } from "./cases.ts";

Deno.test("ArgumentsToCommand: sorted defaults, replaced by name, overrides appended in order", () => {
  const base = [{ name: "b", value: "1" }, { name: "a", value: "2" }, { name: "c", value: "3" }];
  assertEquals(
    argumentsToCommand(base, [{ name: "c", value: "x" }, { name: "z", value: "1" }, {
      name: "c",
      value: "y",
    }]),
    ["--a=2", "--b=1", "--c=x", "--z=1", "--c=y"],
  );
  assertEquals(argumentsToCommand(base, [{ name: "a", value: ",x", mergeMethod: "append" }]), [
    "--a=2,x",
    "--b=1",
    "--c=3",
  ]);
});

Deno.test("kube-apiserver command: default and HA/extraArgs", () => {
  const d = loadCase("default");
  assertEquals(apiServerCommand(d.cluster, "10.0.0.10", 6443).slice(0, 4), [
    "kube-apiserver",
    "--advertise-address=10.0.0.10",
    "--allow-privileged=true",
    "--authorization-mode=Node,RBAC",
  ]);
  const warns: string[] = [];
  const ha = apiServerCommand(loadCase("ha").cluster, "192.168.1.5", 7443, (w) => warns.push(w));
  // a replacing override drops the computed default entirely
  assertEquals(ha.filter((a) => a.startsWith("--authorization-mode")), [
    "--authorization-mode=Node,RBAC,Webhook,Foo",
  ]);
  assertEquals(
    ha.find((a) => a.startsWith("--etcd-servers")),
    "--etcd-servers=https://192.168.1.5:2379,https://lb:2379",
  );
  assertEquals(ha.slice(-5), [
    "--authorization-mode=Node,RBAC,Webhook,Foo",
    "--secure-port=7443",
    "--audit-log-path=/var/log/a.log",
    "--audit-log-path=/var/log/b.log",
    "--anonymous-auth=false",
  ]);
  assertEquals(warns.length, 2);
});

Deno.test("external etcd, dual-stack/IPv6, KCM pod subnet, scheduler", () => {
  const ext = apiServerCommand(loadCase("external").cluster, "10.1.2.3", 6443);
  assertEquals(ext.filter((a) => a.startsWith("--etcd")), [
    "--etcd-cafile=/etc/etcd/pki/ca.crt",
    "--etcd-certfile=/etc/etcd/pki/sub/client.crt",
    "--etcd-keyfile=/opt/keys/client.key",
    "--etcd-servers=https://e1:2379,https://e2:2379",
  ]);
  const v6 = loadCase("dualstack");
  assertEquals(
    apiServerCommand(v6.cluster, "fd00::10", 6443).find((a) => a.startsWith("--etcd-servers")),
    "--etcd-servers=https://[::1]:2379",
  );
  assertEquals(
    etcdCommand(v6.cluster, "fd00::10", "n6").filter((a) => a.includes("listen")),
    [
      "--listen-client-urls=https://[::1]:2379,https://[fd00::10]:2379",
      "--listen-metrics-urls=http://[::1]:2381",
      "--listen-peer-urls=https://[fd00::10]:2380",
    ],
  );
  assertEquals(etcdProbeEndpoint(v6.cluster, true), ["::1", 2381, "HTTP"]);
  assertEquals(etcdProbeEndpoint(loadCase("ha").cluster, false), ["0.0.0.0", 2390, "HTTPS"]);
  assertEquals(
    controllerManagerCommand(v6.cluster).filter((a) => /cidr|range/.test(a)),
    [
      "--allocate-node-cidrs=true",
      "--cluster-cidr=fd01::/48,10.244.0.0/16",
      "--service-cluster-ip-range=fd02::/112,10.96.0.0/16",
    ],
  );
  assertEquals(
    controllerManagerCommand(loadCase("default").cluster, true).filter((a) =>
      a.includes("signing")
    ),
    ["--cluster-signing-cert-file=", "--cluster-signing-key-file="],
  );
  assertEquals(schedulerCommand(loadCase("default").cluster), [
    "kube-scheduler",
    "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
    "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
    "--bind-address=127.0.0.1",
    "--kubeconfig=/etc/kubernetes/scheduler.conf",
    "--leader-elect=true",
  ]);
  assertEquals(
    etcdCommand(loadCase("default").cluster, "10.0.0.10", "node1", [
      { name: "a", peerURL: "https://10.0.0.1:2380" },
      { name: "node1", peerURL: "https://10.0.0.10:2380" },
    ]).filter((a) => a.startsWith("--initial-cluster")),
    [
      "--initial-cluster=a=https://10.0.0.1:2380,node1=https://10.0.0.10:2380",
      "--initial-cluster-state=existing",
    ],
  );
});

Deno.test("yaml.v2 serialisation: key order, quoting, wrapping, empty collections", () => {
  assertEquals(
    marshalGoYAML({
      b: [],
      a: {},
      "a10": 1,
      "a9": 2,
      "a-b": true,
      s: ["yes", "1.5", "0x1F", "2024-01-02", "*", "- x", "a: b", "", "ok", "multi\nline", "tab\t"],
      n: null,
      f: 0.5,
    }),
    `a: {}
a-b: true
a9: 2
a10: 1
b: []
f: 0.5
"n": null
s:
- "yes"
- "1.5"
- "0x1F"
- "2024-01-02"
- '*'
- '- x'
- 'a: b'
- ""
- ok
- |-
  multi
  line
- "tab\\t"
`,
  );
  assertEquals(
    marshalGoYAML({ k: "word ".repeat(20).trim() }),
    `k: word word word word word word word word word word word word word word word word
  word word word word
`,
  );
});
