/**
 * lib/apiobjects/addons/corefile_migration.ts against github.com/coredns/corefile-migration
 * itself (v1.0.34, the library kubeadm v1.37.2 links): the Go oracle in
 * tests/fixtures/corefilemig runs Migrate, Unsupported, Deprecated and Default on a corpus of
 * Corefiles (kubeadm's defaults of several releases, customized ones, odd syntax) for many
 * release pairs, and every output, notice, error and panic must be the port's, byte for byte.
 * The unit tests below pin the cases kubeadm's upgrade meets.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  CorefilePanic,
  deprecated,
  isDefault,
  migrate,
  type Notice,
  noticeString,
  parseCorefile,
  printCorefile,
  RELEASES,
  unsupported,
} from "../../lib/apiobjects/addons/corefile_migration.ts";
import { KUBEADM_PRE_1_32_COREFILE, kubeadmDefaultCorefile } from "./corefiles.ts";
import { cacheDir, run } from "../harness/mod.ts";
import { haveGo } from "../discovery/chains.ts";

const CUSTOM_HOSTS = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    hosts /etc/coredns/customdomains.db example.org {
       10.0.0.1 one.example.org
       fd00::1:2 two.example.org
       ttl 60
       reload 1m
       fallthrough
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    rewrite name regex (.*)\\.corp\\.example\\.com {1}.default.svc.cluster.local
    rewrite stop {
       name regex (.*)\\.example\\.com {1}.svc.cluster.local
       answer name (.*)\\.svc\\.cluster\\.local {1}.example.com
    }
    prometheus :9153
    forward . 8.8.8.8 9.9.9.9 {
       max_concurrent 1000
       policy sequential
       health_check 5s
       prefer_udp
       expire 10s
       unknown_option x
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
       prefetch 10
       serve_stale
    }
    log . {
       class denial error
    }
    loop
    reload
    loadbalance
}
example.com:53 {
    errors
    cache 30
    forward . 10.150.0.1
}
`;

const OLD_STYLE = `.:53 {
    errors
    health
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       upstream
       resyncperiod 30s
       endpoint https://a:6443 https://b:6443
       transfer to * 10.0.0.1
       fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    proxy . /etc/resolv.conf {
       policy least_conn
       protocol https_google
       fail_timeout 5s
       except example.org
    }
    proxy corp.example 10.1.1.1
    cache 30
    reload
}
`;

const UNKNOWN_PLUGINS = `.:53 {
    errors
    etcd skydns.local {
        endpoint http://localhost:2379
        path /skydns
    }
    template IN A example {
        answer "{{ .Name }} 60 IN A 127.0.0.1"
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods verified
        namespaces default kube-system
        kubeconfig /etc/kubeconfig ctx
        noendpoints
        ignore empty_service
    }
    k8s_external example.com {
        apex dns
        fallthrough
    }
    autopath @kubernetes
    dnssec
    forward . tls://9.9.9.9 {
        tls_servername dns.quad9.net
        failfast_all_unhealthy_upstreams
        next NXDOMAIN
    }
    cache {
        keepttl
        servfail 5
    }
    errors {
        consolidate 5m ".* i/o timeout$"
        stacktrace
    }
}
`;

const ODD_SYNTAX = [
  "",
  "   \n\t\n",
  "# only a comment\n",
  "\ufeff.:53 {\n    errors\n}\n",
  ".:53 {\r\n    errors\r\n    cache 30\r\n}\r\n",
  ".:53 { errors }\n",
  ".:53 {\n    health { lameduck 5s }\n    ready\n}\n",
  '.:53 {\n    rewrite name "a b" "c\\"d" e\\f\n    hosts {\n        "1.2.3.4 x" y\n    }\n}\n',
  '. "quoted key" {\n    errors\n    log "multi\nline" x\n}\n',
  ".:53 {\n    kubernetes cluster.local {\n        pods insecure {\n            deeper 1\n        }\n        ttl 5\n    }\n}\n",
  ".:53 {\n    errors#comment\n    cache 30 # trailing\n    log#x y\n}\n",
  '.:53 {\n    forward . ""\n    "" x\n}\n',
  "a\nb {\n    errors\n}\nc\n",
  ".:53 {\n}\n",
  "{\n    errors\n}\n",
  "a {\n    p\n}\nb {\n    {\n        opt 1\n    }\n}\n",
  ".:53 {\n    kubernetes\n    errors\n}\n",
  ".:53 {\n    forward\n}\n",
  ".:53 {\n    errors\n}}\n}\n.:54 {\n    errors\n}\n",
  ".:53 {\n    toString\n    __proto__ x {\n        constructor 1\n        hasOwnProperty\n    }\n}\n",
  ". {\n    proxy a.com 1.1.1.1\n    proxy b.com 2.2.2.2\n}\n",
  '.:53\u00a0{\n\u2003errors\u0085cache\v30\f\n\u3000log x\u200ay\n rewrite "a\u00a0b" c\n}\n',
  ".:53 {\n    errors\ufeff\n    cache 30\u2028reload\n}\n",
  ". {\n    proxy a.com 1.1.1.1\n    errors\n    proxy . 2.2.2.2\n}\n",
  "example.org {\n    proxy a.com 1.1.1.1\n}\n",
  ".:53 .:54 {\n    forward a.com 1.1.1.1\n}\n",
  ".:53 {\n    kubernetes cluster.local {\n        transfer to 10.0.0.1 10.0.0.2\n    }\n    kubernetes other.local {\n        transfer to *\n    }\n}\n",
  ".:53 {\n    health {\n        lameduck 5s\n        lameduck 1s\n    }\n    errors\n    errors\n}\n",
  ".:53 {\n    hosts {\n        1.2.3.4.5.6 x\n        fe80::1 y\n        ::1 z\n        not-an-ip w\n    }\n}\n",
];

/** The library's own default Corefiles, with concrete zones and upstreams. */
const LIBRARY_DEFAULTS = Object.values(RELEASES).flatMap((r) =>
  r.defaultConf
    ? [
      r.defaultConf.replace("kubernetes * ***", "kubernetes cluster.local in-addr.arpa ip6.arpa")
        .replace(/(forward|proxy) \. \*/, "$1 . /etc/resolv.conf"),
    ]
    : []
);

/**
 * Corefiles made at random (a fixed seed) from the words the rules know and some they do not,
 * with braces, quotes, comments and line breaks in odd places.
 */
function randomCorefiles(n: number): string[] {
  let seed = 0x2545f491;
  const rnd = (k: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % k;
  };
  const pick = <T>(a: T[]) => a[rnd(a.length)];
  const plugins = [
    ...new Set(Object.values(RELEASES).flatMap((r) => Object.keys(r.plugins))),
    "etcd",
    "template",
    "dnssec",
  ];
  const options = [
    "pods",
    "upstream",
    "resyncperiod",
    "endpoint",
    "transfer",
    "lameduck",
    "max_concurrent",
    "policy",
    "protocol",
    "fail_timeout",
    "except",
    "spray",
    "disable",
    "keepttl",
    "ttl",
    "to",
    "10.0.0.1",
    "fd00::1:2",
    "unknown",
  ];
  const args = [
    ".",
    "a.com",
    "least_conn",
    "https_google",
    "force_tcp",
    "*",
    "5s",
    "1.2.3.4",
    '"x y"',
    "{",
    "}",
    "#c",
  ];
  const words = (k: number) => Array.from({ length: rnd(k) }, () => pick(args));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let text = "";
    for (let b = 0; b <= rnd(3); b++) {
      text += [pick([".", ".:53", "a.com", "b.org:53"]), ...words(2)].join(" ") + " {\n";
      for (let p = 0; p < rnd(6); p++) {
        text += "    " + [pick(plugins), ...words(3)].join(" ");
        if (rnd(2)) {
          text += " {\n";
          for (let o = 0; o < rnd(4); o++) {
            text += "        " + [pick(options), ...words(3)].join(" ") + "\n";
          }
          text += "    }";
        }
        text += "\n";
      }
      text += rnd(8) ? "}\n" : "\n";
    }
    out.push(text);
  }
  return out;
}

const CORPUS = [
  kubeadmDefaultCorefile("cluster.local"),
  kubeadmDefaultCorefile("example.internal"),
  kubeadmDefaultCorefile(""),
  KUBEADM_PRE_1_32_COREFILE,
  CUSTOM_HOSTS,
  OLD_STYLE,
  UNKNOWN_PLUGINS,
  ...LIBRARY_DEFAULTS,
  ...ODD_SYNTAX,
  ...randomCorefiles(150),
];

const PAIRS: [string, string][] = [
  ["1.14.2", "1.14.6"],
  ["1.14.6", "1.14.6"],
  ["1.14.4", "1.14.6"],
  ["1.13.1", "1.14.6"],
  ["1.12.0", "1.14.2"],
  ["1.11.3", "1.14.6"],
  ["1.10.1", "1.11.1"],
  ["1.9.3", "1.10.0"],
  ["1.8.0", "1.14.6"],
  ["1.7.0", "1.8.0"],
  ["1.7.1", "1.8.3"],
  ["1.6.7", "1.7.0"],
  ["1.6.2", "1.6.5"],
  ["1.5.2", "1.14.6"],
  ["1.4.0", "1.5.0"],
  ["1.3.1", "1.4.0"],
  ["1.3.1", "1.14.6"],
  ["1.2.6", "1.14.6"],
  ["1.2.0", "1.2.2"],
  ["1.1.3", "1.14.6"],
  ["1.14.6", "1.14.2"],
  ["v1.14.2", "1.14.6"],
  ["", "1.14.6"],
  ["1.8.2", "1.14.6"],
  ["1.14.2", "1.15.0"],
  ["1.14.2", ""],
];

interface Case {
  op: "migrate" | "unsupported" | "deprecated" | "default";
  from?: string;
  to?: string;
  corefile: string;
  deprecations?: boolean;
}

interface GoNotice {
  plugin: string;
  option: string;
  severity: string;
  replacedBy: string;
  additional: string;
  version: string;
  text: string;
}

interface Result {
  out?: string;
  notices?: GoNotice[];
  default?: boolean;
  error?: string;
  panic?: string;
}

function goNotices(ns: Notice[]): GoNotice[] | undefined {
  return ns.map((n) => ({
    plugin: n.plugin,
    option: n.option ?? "",
    severity: n.severity,
    replacedBy: n.replacedBy ?? "",
    additional: n.additional ?? "",
    version: n.version,
    text: noticeString(n),
  }));
}

/** The port's answer in the oracle's shape. */
function port(c: Case): Result {
  try {
    switch (c.op) {
      case "migrate":
        return { out: migrate(c.from!, c.to!, c.corefile, c.deprecations ?? false) };
      case "unsupported":
        return { notices: goNotices(unsupported(c.from!, c.to!, c.corefile)) };
      case "deprecated":
        return { notices: goNotices(deprecated(c.from!, c.to!, c.corefile)) };
      case "default":
        return { default: isDefault(c.corefile) };
    }
  } catch (e) {
    if (e instanceof CorefilePanic) return { panic: e.message };
    return { error: (e as Error).message };
  }
}

/** Go's `omitempty`: an empty notice list is left out. */
function normalize(r: Result): Result {
  const o = { ...r };
  if (o.notices && o.notices.length === 0) delete o.notices;
  return o;
}

let oracle: Promise<string> | undefined;

/** The oracle binary, built once into the test bed's cache from the Go module cache. */
function corefileOracle(): Promise<string> {
  oracle ??= (async () => {
    const dir = new URL("../fixtures/corefilemig/", import.meta.url).pathname;
    const parts = await Promise.all(
      ["main.go", "go.mod", "go.sum"].map((f) => Deno.readFile(dir + f)),
    );
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) all.set(p, (off += p.length) - p.length);
    const sum = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", all)))
      .slice(0, 6).map((b) => b.toString(16).padStart(2, "0")).join("");
    const bin = `${cacheDir()}/oracles/corefilemig-${sum}`;
    try {
      await Deno.stat(bin);
    } catch {
      await Deno.mkdir(`${cacheDir()}/oracles`, { recursive: true });
      const modcache = (await run("go", ["env", "GOMODCACHE"])).stdout.trim();
      let cached = true;
      try {
        await Deno.stat(
          `${modcache}/cache/download/github.com/coredns/corefile-migration/@v/v1.0.34.zip`,
        );
      } catch {
        cached = false;
      }
      const env: Record<string, string> = {
        GOTOOLCHAIN: "local",
        CGO_ENABLED: "0",
        GOFLAGS: "-mod=mod",
      };
      if (cached) env.GOPROXY = "off";
      await run("go", ["build", "-o", bin, "."], { env, cwd: dir });
    }
    return bin;
  })();
  return oracle;
}

Deno.test({
  name: "corefile migration: Migrate/Unsupported/Deprecated/Default answer as the Go library",
  ignore: !haveGo(),
  async fn() {
    const cases: Case[] = [];
    for (const corefile of CORPUS) {
      cases.push({ op: "default", corefile });
      for (const [from, to] of PAIRS) {
        cases.push({ op: "migrate", from, to, corefile });
        cases.push({ op: "migrate", from, to, corefile, deprecations: true });
        cases.push({ op: "unsupported", from, to, corefile });
        cases.push({ op: "deprecated", from, to, corefile });
      }
    }
    const r = await run(await corefileOracle(), [], { stdin: JSON.stringify(cases) });
    const want = JSON.parse(r.stdout) as Result[];
    assertEquals(want.length, cases.length);
    let compared = 0;
    for (const [i, c] of cases.entries()) {
      const got = normalize(port(c)), exp = normalize(want[i]);
      // Compared as JSON first (fast); a difference is shown by assertEquals.
      if (JSON.stringify(got) !== JSON.stringify(exp)) assertEquals(got, exp, JSON.stringify(c));
      compared++;
    }
    // The corpus reaches every kind of answer.
    for (const k of ["out", "notices", "error", "panic"] as const) {
      assert(want.some((w) => w[k] !== undefined), `no case answers with ${k}`);
    }
    assert(want.some((w) => w.default === true) && want.some((w) => w.default === false));
    assertEquals(compared, cases.length);
  },
});

Deno.test("corefile: parse and print as the library (4-space indent, quoted args)", () => {
  const cf = parseCorefile('.:53 {\n  rewrite name "a b" c\n  health {\n lameduck 5s\n }\n}\n');
  assertEquals(cf.servers[0].plugins[0], {
    name: "rewrite",
    args: ["name", "a b", "c"],
    options: [],
  });
  assertEquals(
    printCorefile(cf),
    '.:53 {\n    rewrite name "a b" c\n    health {\n        lameduck 5s\n    }\n}\n',
  );
});

Deno.test("corefile migration: kubeadm's v1.36 -> v1.37 step (1.14.2 -> 1.14.6)", () => {
  // Nothing changes between the two releases: a migration reprints the Corefile.
  const def = kubeadmDefaultCorefile("cluster.local");
  assertEquals(deprecated("1.14.2", "1.14.6", def), []);
  assertEquals(unsupported("1.14.2", "1.14.6", def), []);
  assertEquals(migrate("1.14.2", "1.14.6", def, false), printCorefile(parseCorefile(def)));
  // kubeadm's default since v1.32 is not one the library knows as default; the older one is.
  assert(!isDefault(def));
  assert(isDefault(KUBEADM_PRE_1_32_COREFILE));
  assert(isDefault(""));
  // An unknown plugin is reported once per release stepped through.
  assertEquals(
    unsupported("1.14.2", "1.14.6", ".:53 {\n    foo\n}\n").map(noticeString),
    [
      'Plugin "foo" is unsupported by this migration tool in 1.14.3.',
      'Plugin "foo" is unsupported by this migration tool in 1.14.4.',
      'Plugin "foo" is unsupported by this migration tool in 1.14.6.',
    ],
  );
  // kubeadm passes the image tag as it is: "v1.14.2" is no release.
  assertThrows(() => migrate("v1.14.2", "1.14.6", def, false), Error, "start version 'v1.14.2'");
  assertThrows(() => migrate("1.14.6", "1.14.2", def, false), Error, "cannot migrate up to");
});

Deno.test("corefile migration: removed plugins and options are migrated", () => {
  const out = migrate("1.3.1", "1.14.6", OLD_STYLE, false);
  assert(!out.includes("proxy"));
  assert(!out.includes("upstream"));
  assert(!out.includes("resyncperiod"));
  assert(out.includes("corp.example {\n    forward . 10.1.1.1 {\n        max_concurrent 1000\n"));
  assert(out.includes("transfer cluster.local {\n        to * 10.0.0.1\n    }"));
  assert(out.includes("ready\n"));
  assertEquals(
    [...new Set(deprecated("1.4.0", "1.5.0", OLD_STYLE).map((n) => n.severity))].sort(),
    ["deprecated", "ignored", "newdefault", "removed"],
  );
});
