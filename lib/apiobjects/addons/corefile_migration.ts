/**
 * What kubeadm takes from github.com/coredns/corefile-migration (v1.0.34, the version kubeadm
 * v1.37.2 is built with), re-written for kubestrap: the Corefile reader and printer (the
 * library's `corefile` package over caddy's Caddyfile lexer), the table of CoreDNS releases
 * with each release's plugin and option rules, and the four entry points kubeadm calls:
 * {@link migrate}, {@link unsupported}, {@link deprecated} and {@link isDefault}.
 *
 * The behaviour follows the Go library to the byte, quirks included, because kubeadm's
 * decisions and the Corefile it writes depend on them; tests/apiobjects/corefile_migration_test.ts
 * compares every result with the library itself (the oracle in tests/fixtures/corefilemig).
 * Where the Go code would panic (a Corefile opening with `{`, a `kubernetes` plugin without a
 * zone met by the 1.8.0 step, ...) this module throws a {@link CorefilePanic} with Go's runtime
 * text; kubeadm would crash there.
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// The Corefile model

/** A Corefile: its server blocks, in order. */
export interface Corefile {
  servers: Server[];
}

/** A server block: its keys (`.:53`, `example.org`, ...) and its plugins. */
export interface Server {
  domPorts: string[];
  plugins: Plugin[];
}

/** A plugin line, with the option lines of its block. */
export interface Plugin {
  name: string;
  args: string[];
  options: Option[];
}

/** An option line inside a plugin's block. */
export interface Option {
  name: string;
  args: string[];
}

/** Where the Go library would panic; the message is Go's runtime error. */
export class CorefilePanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorefilePanic";
  }
}

/** Go's unicode.IsSpace. */
function isSpace(c: string): boolean {
  switch (c) {
    case "\t":
    case "\n":
    case "\v":
    case "\f":
    case "\r":
    case " ":
    case "\u0085":
    case "\u00a0":
    case "\u1680":
    case "\u2028":
    case "\u2029":
    case "\u202f":
    case "\u205f":
    case "\u3000":
      return true;
  }
  return c >= "\u2000" && c <= "\u200a";
}

/** How many words strings.Fields finds in `s`. */
function fieldCount(s: string): number {
  let n = 0, inWord = false;
  for (const c of s) {
    if (isSpace(c)) inWord = false;
    else if (!inWord) {
      inWord = true;
      n++;
    }
  }
  return n;
}

interface Token {
  text: string;
  line: number;
}

/**
 * The Caddyfile lexer: words split on white space (a carriage return is dropped, even inside
 * a word), `"..."` quoting with `\"` as the only escape, `#` comments to the end of the line,
 * a leading byte order mark discarded.
 */
function tokenize(input: string): Token[] {
  const chars = [...input];
  let i = chars[0] === "\ufeff" ? 1 : 0;
  let line = 1;
  const tokens: Token[] = [];
  let val: string[] = [];
  let tokLine = 0;
  let comment = false, quoted = false, escaped = false;
  const emit = () => {
    tokens.push({ text: val.join(""), line: tokLine });
    val = [];
    comment = quoted = escaped = false;
  };
  for (; i < chars.length; i++) {
    const ch = chars[i];
    if (quoted) {
      if (!escaped) {
        if (ch === "\\") {
          escaped = true;
          continue;
        }
        if (ch === '"') {
          emit();
          continue;
        }
      }
      if (ch === "\n") line++;
      if (escaped && ch !== '"') val.push("\\");
      val.push(ch);
      escaped = false;
      continue;
    }
    if (isSpace(ch)) {
      if (ch === "\r") continue;
      if (ch === "\n") {
        line++;
        comment = false;
      }
      if (val.length > 0) emit();
      continue;
    }
    if (ch === "#") comment = true;
    if (comment) continue;
    if (val.length === 0) {
      tokLine = line;
      if (ch === '"') {
        quoted = true;
        continue;
      }
    }
    val.push(ch);
  }
  if (val.length > 0) emit();
  return tokens;
}

/** How many line breaks a token spans (a quoted token may hold some). */
function lineBreaks(t: Token): number {
  return t.text.split("\n").length - 1;
}

/**
 * Reads a Corefile as the library's corefile.New does: a word at depth 0 starts a server
 * block, at depth 1 a plugin, at depth 2 an option; the rest of its line are its arguments
 * (up to a `{`). Deeper words are dropped. It never fails on bad syntax.
 */
export function parseCorefile(s: string): Corefile {
  const tokens = tokenize(s);
  const cf: Corefile = { servers: [] };
  let depth = 0;
  let server: Server | undefined;
  let plugin: Plugin | undefined;
  let cursor = -1;
  while (cursor < tokens.length - 1) {
    cursor++;
    const val = tokens[cursor].text;
    if (val === "{") {
      depth++;
      continue;
    }
    if (val === "}") {
      depth--;
      continue;
    }
    // Dispenser.RemainingArgs: the next tokens on this token's line, up to a "{".
    const args: string[] = [];
    while (
      cursor < tokens.length - 1 &&
      tokens[cursor].line + lineBreaks(tokens[cursor]) === tokens[cursor + 1].line
    ) {
      if (tokens[cursor + 1].text === "{") break;
      cursor++;
      args.push(tokens[cursor].text);
    }
    if (depth === 0) {
      server = { domPorts: [val, ...args], plugins: [] };
      cf.servers.push(server);
    } else if (depth === 1) {
      if (!server) throw nilPointer();
      plugin = { name: val, args, options: [] };
      server.plugins.push(plugin);
    } else if (depth === 2) {
      if (!plugin) throw nilPointer();
      plugin.options.push({ name: val, args });
    }
  }
  return cf;
}

function nilPointer(): CorefilePanic {
  return new CorefilePanic("runtime error: invalid memory address or nil pointer dereference");
}

function escapeArgs(args: string[]): string[] {
  return args.map((a) => fieldCount(a) > 1 ? `"${a.replaceAll('"', '\\"')}"` : a);
}

const INDENT = "    ";

function optionString(o: Option): string {
  return [o.name, ...escapeArgs(o.args)].join(" ");
}

function pluginString(p: Plugin): string {
  let s = [p.name, ...escapeArgs(p.args)].join(" ");
  if (p.options.length > 0) {
    s += " {\n" + p.options.map((o) => INDENT + INDENT + optionString(o)).join("\n") + "\n" +
      INDENT + "}";
  }
  return s;
}

function serverString(sv: Server): string {
  let s = escapeArgs(sv.domPorts).join(" ");
  if (sv.plugins.length > 0) {
    s += " {\n" + sv.plugins.map((p) => INDENT + pluginString(p)).join("\n") + "\n}\n";
  }
  return s;
}

/**
 * Prints a Corefile as the library does: four spaces per level, arguments with white space
 * quoted, every server block with plugins ending in "}\n", blocks joined by a newline.
 */
export function printCorefile(cf: Corefile): string {
  return cf.servers.map(serverString).join("\n");
}

/**
 * FindMatch over words: `want` matches `got` word for word, where `*` in `want` stands for any
 * one word and `***` for all the rest.
 */
function wordsMatch(want: string[], got: string[]): boolean {
  for (const [i, w] of want.entries()) {
    if (w === "*") continue;
    if (w === "***") return true;
    if (i >= got.length || w !== got[i]) return false;
  }
  return want.length === got.length;
}

// ---------------------------------------------------------------------------------------------
// The release table

/** Severities of a {@link Notice} (the library's Sev* constants). */
const SEV_DEPRECATED = "deprecated";
const SEV_IGNORED = "ignored";
export const SEV_REMOVED = "removed";
export const SEV_NEW_DEFAULT = "newdefault";
const SEV_UNSUPPORTED = "unsupported";
const SEV_ALL = "all";

interface OptionRule {
  status?: string;
  /** Rewrites the option; null removes it. */
  action?: (o: Option) => Option | null;
  /** Adds the option (a new default) to a plugin that lacks it. */
  add?: (p: Plugin) => Plugin;
}

interface PluginRule {
  status?: string;
  replacedBy?: string;
  additional?: string;
  namedOptions?: Record<string, OptionRule>;
  /** Options matched by a regular expression (searched, not anchored) on their name. */
  patternOptions?: Record<string, OptionRule>;
  /** Rewrites the plugin in place; null removes it. */
  action?: (p: Plugin) => Plugin | null;
  /** Adds the plugin (a new default) to a server block that lacks it. */
  add?: (s: Server) => Server;
}

interface Release {
  nextVersion?: string;
  plugins: Record<string, PluginRule>;
  /** Corefile-wide steps before / after the plugin rules of this release. */
  preProcess?: (cf: Corefile) => Corefile;
  postProcess?: (cf: Corefile) => Corefile;
  /** The Corefile kubeadm deployed with this release (see {@link isDefault}). */
  defaultConf?: string;
}

const has = (o: object | undefined, k: string): boolean => o !== undefined && Object.hasOwn(o, k);

const removeOption = (): null => null;

/** Keeps only the first argument (kubernetes' `endpoint` took one from 1.2.6 on). */
const firstArgumentOnly = (o: Option): Option => {
  if (o.args.length >= 1) o.args = o.args.slice(0, 1);
  return o;
};

const removeHttpsGoogle = (o: Option): Option | null =>
  o.args.length > 0 && o.args[0] === "https_google" ? null : o;

/** Names of the options every version of a plugin knows, with no rule attached. */
const known = (...names: string[]): Record<string, OptionRule> =>
  Object.fromEntries(names.map((n) => [n, {}]));

function addOption(name: string): OptionRule["add"] {
  return (p) => {
    p.options.push({ name, args: [] });
    return p;
  };
}

/** addToServerBlockWithPlugins: appended to blocks holding one of `withAny` (all if empty). */
function addPluginTo(name: string, withAny: string[]): PluginRule["add"] {
  return (sb) => {
    if (withAny.length === 0 || sb.plugins.some((p) => withAny.includes(p.name))) {
      sb.plugins.push({ name, args: [], options: [] });
    }
    return sb;
  };
}

const K8S_BASE = [
  "tls",
  "namespaces",
  "labels",
  "pods",
  "endpoint_pod_names",
];
const K8S_TAIL = ["ttl", "noendpoints", "fallthrough", "ignore"];

/** The kubernetes plugin's rules, release by release. */
const kubernetes = {
  v1: {
    namedOptions: known(
      "resyncperiod",
      "endpoint",
      ...K8S_BASE,
      "upstream",
      ...K8S_TAIL,
      "transfer",
    ),
  },
  v2: {
    namedOptions: known(
      "resyncperiod",
      "endpoint",
      ...K8S_BASE,
      "upstream",
      ...K8S_TAIL,
      "transfer",
      "kubeconfig",
    ),
  },
  v3: {
    namedOptions: {
      ...known("resyncperiod", "kubeconfig", ...K8S_BASE, "upstream", ...K8S_TAIL, "transfer"),
      endpoint: { status: SEV_DEPRECATED, action: firstArgumentOnly },
    },
  },
  v4: {
    namedOptions: {
      ...known("resyncperiod", "kubeconfig", ...K8S_BASE, ...K8S_TAIL, "transfer"),
      endpoint: { status: SEV_IGNORED, action: firstArgumentOnly },
      upstream: { status: SEV_DEPRECATED, action: removeOption },
    },
  },
  v5: {
    namedOptions: {
      ...known("kubeconfig", ...K8S_BASE, ...K8S_TAIL, "transfer"),
      resyncperiod: { status: SEV_DEPRECATED, action: removeOption },
      endpoint: { status: SEV_IGNORED, action: firstArgumentOnly },
      upstream: { status: SEV_IGNORED, action: removeOption },
    },
  },
  v6: {
    namedOptions: {
      ...known("kubeconfig", ...K8S_BASE, ...K8S_TAIL, "transfer"),
      resyncperiod: { status: SEV_IGNORED, action: removeOption },
      endpoint: { status: SEV_IGNORED, action: firstArgumentOnly },
      upstream: { status: SEV_IGNORED, action: removeOption },
    },
  },
  v7: {
    namedOptions: {
      ...known("kubeconfig", ...K8S_BASE, ...K8S_TAIL, "transfer"),
      resyncperiod: { status: SEV_REMOVED, action: removeOption },
      endpoint: { status: SEV_IGNORED, action: firstArgumentOnly },
      upstream: { status: SEV_REMOVED, action: removeOption },
    },
  },
  v8RemoveTransfer: {
    namedOptions: {
      ...known("kubeconfig", ...K8S_BASE, ...K8S_TAIL),
      endpoint: { status: SEV_IGNORED, action: firstArgumentOnly },
      transfer: { status: SEV_REMOVED, action: removeOption },
    },
  },
  v8: {
    namedOptions: {
      ...known("kubeconfig", ...K8S_BASE, ...K8S_TAIL),
      endpoint: { status: SEV_IGNORED, action: firstArgumentOnly },
    },
  },
} satisfies Record<string, PluginRule>;

const errorsPlugin = {
  v1: {},
  v2: { namedOptions: known("consolidate") },
  v3: { namedOptions: known("consolidate", "stacktrace") },
} satisfies Record<string, PluginRule>;

const health = {
  v1: { namedOptions: known("lameduck") },
  v1AddLameduck: {
    namedOptions: { lameduck: { status: SEV_NEW_DEFAULT, add: addOption("lameduck 5s") } },
  },
} satisfies Record<string, PluginRule>;

const hosts: PluginRule = {
  namedOptions: known("ttl", "no_reverse", "reload", "fallthrough"),
  patternOptions: {
    "\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}": {},
    "[0-9A-Fa-f]{1,4}:[:0-9A-Fa-f]+:[0-9A-Fa-f]{1,4}": {},
  },
};

const REWRITE = ["type", "class", "name", "answer name", "edns0"];
const rewrite = {
  v1: { namedOptions: known(...REWRITE) },
  v2: { namedOptions: known(...REWRITE, "ttl") },
  v3: { namedOptions: known(...REWRITE, "ttl", "cname_target") },
} satisfies Record<string, PluginRule>;

const log: PluginRule = { namedOptions: known("class") };

const CACHE = ["success", "denial", "prefetch"];
const cache = {
  v1: { namedOptions: known(...CACHE) },
  v2: { namedOptions: known(...CACHE, "serve_stale") },
  v3: { namedOptions: known(...CACHE, "serve_stale", "disable", "servfail") },
  v4: { namedOptions: known(...CACHE, "serve_stale", "disable", "servfail", "keepttl") },
} satisfies Record<string, PluginRule>;

const FORWARD = ["except", "force_tcp", "expire", "max_fails", "tls", "tls_servername"];
const FORWARD2 = [...FORWARD, "prefer_udp", "policy", "health_check"];
const forward = {
  v1: { namedOptions: known(...FORWARD, "policy", "health_check") },
  v2: { namedOptions: known(...FORWARD2) },
  v3: { namedOptions: known(...FORWARD2, "max_concurrent") },
  v3AddMaxConcurrent: {
    namedOptions: {
      ...known(...FORWARD2),
      max_concurrent: { status: SEV_NEW_DEFAULT, add: addOption("max_concurrent 1000") },
    },
  },
  v4: { namedOptions: known(...FORWARD2, "max_concurrent", "next", "fail_fast") },
  v5: {
    namedOptions: known(
      ...FORWARD2,
      "max_concurrent",
      "next",
      "failfast_all_unhealthy_upstreams",
    ),
  },
} satisfies Record<string, PluginRule>;

const k8sExternal = {
  v1: { namedOptions: known("apex", "ttl") },
  v2: { namedOptions: known("apex", "ttl", "fallthrough") },
} satisfies Record<string, PluginRule>;

/** proxy's options as they carry over to forward. */
const proxyToForwardOptions: Record<string, OptionRule> = {
  policy: {
    action: (o) => {
      if (o.args.length === 1 && o.args[0] === "least_conn") {
        o.name = "force_tcp";
        o.args = [];
      }
      return o;
    },
  },
  except: {},
  fail_timeout: { action: removeOption },
  max_fails: { action: removeOption },
  health_check: { action: removeOption },
  spray: { action: removeOption },
  protocol: {
    action: (o) => {
      if (o.args.length >= 2 && o.args[0] === "force_tcp") {
        o.name = "force_tcp";
        o.args = [];
        return o;
      }
      return null;
    },
  },
};

const renameToForward = (p: Plugin): Plugin => {
  p.name = "forward";
  return p;
};

const PROXY = ["policy", "fail_timeout", "max_fails", "health_check", "except", "spray"];
const proxy = {
  v1: {
    namedOptions: {
      ...known(...PROXY),
      protocol: { status: SEV_IGNORED, action: removeHttpsGoogle },
    },
  },
  v2: {
    namedOptions: {
      ...known(...PROXY),
      protocol: { status: SEV_REMOVED, action: removeHttpsGoogle },
    },
  },
  deprecation: {
    status: SEV_DEPRECATED,
    replacedBy: "forward",
    action: renameToForward,
    namedOptions: proxyToForwardOptions,
  },
  removal: {
    status: SEV_REMOVED,
    replacedBy: "forward",
    action: renameToForward,
    namedOptions: proxyToForwardOptions,
  },
} satisfies Record<string, PluginRule>;

const transfer: PluginRule = { namedOptions: known("to") };

/** 1.8.0: a `transfer` option of the kubernetes plugin becomes a `transfer` plugin. */
function copyKubernetesTransferOptToPlugin(cf: Corefile): Corefile {
  for (const s of cf.servers) {
    let to: string[] = [];
    let zone = "";
    for (const p of s.plugins) {
      if (p.name !== "kubernetes") continue;
      if (p.args.length === 0) {
        throw new CorefilePanic("runtime error: index out of range [0] with length 0");
      }
      zone = p.args[0];
      for (const o of p.options) {
        if (o.name === "transfer") to = o.args;
      }
    }
    if (to.length < 2) continue;
    s.plugins.push({
      name: "transfer",
      args: [zone],
      options: [{ name: "to", args: to.slice(1) }],
    });
  }
  return cf;
}

/**
 * 1.5.0: each `forward ZONE ...` but `forward . ...` moves out of the default server block into
 * a block of its own (with loop, errors and cache 30). Go removes the plugin from the slice it
 * ranges over; this walks the same backing array, so two stub domains in one block end as they
 * do in Go (the second one visited twice, then Go's slice-bounds panic).
 */
function breakForwardStubDomainsIntoServerBlocks(cf: Corefile): Corefile {
  const servers = cf.servers.length;
  for (let si = 0; si < servers; si++) {
    const sb = cf.servers[si];
    const backing = sb.plugins;
    const n = backing.length;
    let len = n;
    for (let j = 0; j < n; j++) {
      const fwd = backing[j];
      if (fwd.name !== "forward") continue;
      if (fwd.args.length === 0) throw new Error("found invalid forward plugin declaration");
      if (fwd.args[0] === ".") continue;
      if (sb.domPorts.length !== 1) {
        throw new Error("unhandled migration of multi-domain/port server block");
      }
      if (sb.domPorts[0] !== "." && sb.domPorts[0] !== ".:53") {
        throw new Error("unhandled migration of non-default domain/port server block");
      }
      const zone = fwd.args[0];
      fwd.args[0] = ".";
      cf.servers.push({
        domPorts: [zone],
        plugins: [
          fwd,
          { name: "loop", args: [], options: [] },
          { name: "errors", args: [], options: [] },
          { name: "cache", args: ["30"], options: [] },
        ],
      });
      if (j + 1 > len) {
        throw new CorefilePanic(`runtime error: slice bounds out of range [${j + 1}:${len}]`);
      }
      backing.copyWithin(j, j + 1, len);
      len--;
    }
    sb.plugins = backing.slice(0, len);
  }
  return cf;
}

const PLUGINS_1_6_0: Record<string, PluginRule> = {
  errors: errorsPlugin.v2,
  log,
  health: health.v1,
  ready: {},
  autopath: {},
  kubernetes: kubernetes.v6,
  k8s_external: k8sExternal.v1,
  prometheus: {},
  forward: forward.v2,
  cache: cache.v1,
  loop: {},
  reload: {},
  loadbalance: {},
  hosts,
  rewrite: rewrite.v2,
};

/** The plugin set of 1.8.3 on; later sets differ in the rules named. */
function pluginsFrom1_8(rules: Partial<Record<string, PluginRule>>): Record<string, PluginRule> {
  return {
    errors: errorsPlugin.v2,
    log,
    health: health.v1,
    ready: {},
    autopath: {},
    kubernetes: kubernetes.v8,
    k8s_external: k8sExternal.v1,
    prometheus: {},
    forward: forward.v3,
    cache: cache.v1,
    loop: {},
    reload: {},
    loadbalance: {},
    hosts,
    rewrite: rewrite.v2,
    transfer,
    ...rules,
  } as Record<string, PluginRule>;
}

const PLUGINS_1_8_3 = pluginsFrom1_8({});
const PLUGINS_1_9_3 = pluginsFrom1_8({ errors: errorsPlugin.v3 });
const PLUGINS_1_9_4 = pluginsFrom1_8({ errors: errorsPlugin.v3, cache: cache.v3 });
const PLUGINS_1_10_1 = pluginsFrom1_8({ errors: errorsPlugin.v3, cache: cache.v4 });
const PLUGINS_1_11_0 = pluginsFrom1_8({
  errors: errorsPlugin.v3,
  cache: cache.v4,
  k8s_external: k8sExternal.v2,
  rewrite: rewrite.v3,
});
const PLUGINS_1_11_4 = { ...PLUGINS_1_11_0, forward: forward.v4 };
const PLUGINS_1_12_0 = { ...PLUGINS_1_11_0, forward: forward.v5 };

/** The plugin set of the 1.2.x releases (`loop` aside). */
function plugins1_2(
  errors: PluginRule,
  k8s: PluginRule,
  rw: PluginRule,
): Record<string, PluginRule> {
  return {
    errors,
    log,
    health: health.v1,
    autopath: {},
    kubernetes: k8s,
    prometheus: {},
    proxy: proxy.v2,
    forward: forward.v2,
    cache: cache.v1,
    loop: {},
    reload: {},
    loadbalance: {},
    hosts,
    rewrite: rw,
  };
}

/** The plugin set of 1.3.0 to 1.7.1 with the rules that differ. */
function plugins1_3(rules: Partial<Record<string, PluginRule>>): Record<string, PluginRule> {
  return {
    errors: errorsPlugin.v2,
    log,
    health: health.v1,
    autopath: {},
    k8s_external: k8sExternal.v1,
    prometheus: {},
    forward: forward.v2,
    cache: cache.v1,
    loop: {},
    reload: {},
    loadbalance: {},
    hosts,
    rewrite: rewrite.v2,
    ...rules,
  } as Record<string, PluginRule>;
}

const DEFAULT_1_7_0 = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes * *** {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . * {
        max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}`;

const DEFAULT_1_6_5 = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes * *** {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . *
    cache 30
    loop
    reload
    loadbalance
}`;

const DEFAULT_1_6_2 = `.:53 {
    errors
    health
    ready
    kubernetes * *** {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . *
    cache 30
    loop
    reload
    loadbalance
}`;

const DEFAULT_1_3_1 = `.:53 {
    errors
    health
    kubernetes * *** {
        pods insecure
        upstream
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . *
    cache 30
    loop
    reload
    loadbalance
}`;

const DEFAULT_1_2_2 = `.:53 {
    errors
    health
    kubernetes * *** {
        pods insecure
        upstream
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    proxy . *
    cache 30
    loop
    reload
    loadbalance
}`;

const DEFAULT_1_1_3 = `.:53 {
    errors
    health
    kubernetes * *** {
        pods insecure
        upstream
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    proxy . *
	cache 30
	reload
}`;

/**
 * The CoreDNS releases the library knows (1.1.3 to 1.14.6), each with the next release, the
 * rules of its plugins, its Corefile-wide steps and, for the releases a Kubernetes version
 * shipped, kubeadm's default Corefile of that time. Migrations walk `nextVersion` one release
 * at a time. kubeadm v1.36 deploys 1.14.2 and v1.37 1.14.6 (constants.CoreDNSVersion).
 */
export const RELEASES: Readonly<Record<string, Release>> = {
  "1.14.6": { plugins: PLUGINS_1_12_0 },
  "1.14.4": { nextVersion: "1.14.6", plugins: PLUGINS_1_12_0 },
  "1.14.3": { nextVersion: "1.14.4", plugins: PLUGINS_1_12_0 },
  "1.14.2": { nextVersion: "1.14.3", plugins: PLUGINS_1_12_0 },
  "1.14.1": { nextVersion: "1.14.2", plugins: PLUGINS_1_12_0 },
  "1.14.0": { nextVersion: "1.14.1", plugins: PLUGINS_1_12_0 },
  "1.13.2": { nextVersion: "1.14.0", plugins: PLUGINS_1_12_0 },
  "1.13.1": { nextVersion: "1.13.2", plugins: PLUGINS_1_12_0 },
  "1.13.0": { nextVersion: "1.13.1", plugins: PLUGINS_1_12_0 },
  "1.12.4": { nextVersion: "1.13.0", plugins: PLUGINS_1_12_0 },
  "1.12.3": { nextVersion: "1.12.4", plugins: PLUGINS_1_12_0 },
  "1.12.2": { nextVersion: "1.12.3", plugins: PLUGINS_1_12_0 },
  "1.12.1": { nextVersion: "1.12.2", plugins: PLUGINS_1_12_0 },
  "1.12.0": { nextVersion: "1.12.1", plugins: PLUGINS_1_12_0 },
  "1.11.4": { nextVersion: "1.12.0", plugins: PLUGINS_1_11_4 },
  "1.11.3": { nextVersion: "1.11.4", plugins: PLUGINS_1_11_0 },
  "1.11.1": { nextVersion: "1.11.3", plugins: PLUGINS_1_11_0 },
  "1.11.0": { nextVersion: "1.11.1", plugins: PLUGINS_1_11_0 },
  "1.10.1": { nextVersion: "1.11.0", plugins: PLUGINS_1_10_1 },
  "1.10.0": { nextVersion: "1.10.1", plugins: PLUGINS_1_9_4 },
  "1.9.4": { nextVersion: "1.10.0", plugins: PLUGINS_1_9_4 },
  "1.9.3": { nextVersion: "1.9.4", plugins: PLUGINS_1_9_3 },
  "1.9.2": { nextVersion: "1.9.3", plugins: PLUGINS_1_8_3 },
  "1.9.1": { nextVersion: "1.9.2", plugins: PLUGINS_1_8_3 },
  "1.9.0": { nextVersion: "1.9.1", plugins: PLUGINS_1_8_3 },
  "1.8.7": { nextVersion: "1.9.0", plugins: PLUGINS_1_8_3 },
  "1.8.6": { nextVersion: "1.8.7", plugins: PLUGINS_1_8_3 },
  "1.8.5": { nextVersion: "1.8.6", plugins: PLUGINS_1_8_3 },
  "1.8.4": { nextVersion: "1.8.5", plugins: PLUGINS_1_8_3 },
  // 1.8.1's images were never released and 1.8.2 is not a valid version.
  "1.8.3": { nextVersion: "1.8.4", plugins: PLUGINS_1_8_3 },
  "1.8.0": {
    nextVersion: "1.8.3",
    plugins: plugins1_3({
      ready: {},
      kubernetes: kubernetes.v8RemoveTransfer,
      forward: forward.v3,
      transfer,
    }),
    preProcess: copyKubernetesTransferOptToPlugin,
  },
  "1.7.1": {
    nextVersion: "1.8.0",
    plugins: plugins1_3({ ready: {}, kubernetes: kubernetes.v7, forward: forward.v3 }),
  },
  "1.7.0": {
    nextVersion: "1.7.1",
    plugins: plugins1_3({
      ready: {},
      kubernetes: kubernetes.v7,
      forward: forward.v3AddMaxConcurrent,
    }),
    defaultConf: DEFAULT_1_7_0,
  },
  "1.6.9": {
    nextVersion: "1.7.0",
    plugins: plugins1_3({
      ready: {},
      kubernetes: kubernetes.v6,
      forward: forward.v3,
      cache: cache.v2,
    }),
  },
  "1.6.7": {
    nextVersion: "1.6.9",
    plugins: plugins1_3({ ready: {}, kubernetes: kubernetes.v6, cache: cache.v2 }),
    defaultConf: DEFAULT_1_6_5,
  },
  "1.6.6": {
    nextVersion: "1.6.7",
    plugins: plugins1_3({ ready: {}, kubernetes: kubernetes.v6, cache: cache.v2 }),
  },
  "1.6.5": {
    nextVersion: "1.6.6",
    plugins: plugins1_3({ ready: {}, kubernetes: kubernetes.v6, health: health.v1AddLameduck }),
    defaultConf: DEFAULT_1_6_5,
  },
  "1.6.4": { nextVersion: "1.6.5", plugins: PLUGINS_1_6_0 },
  "1.6.3": { nextVersion: "1.6.4", plugins: PLUGINS_1_6_0 },
  "1.6.2": { nextVersion: "1.6.3", plugins: PLUGINS_1_6_0, defaultConf: DEFAULT_1_6_2 },
  "1.6.1": { nextVersion: "1.6.2", plugins: PLUGINS_1_6_0 },
  "1.6.0": { nextVersion: "1.6.1", plugins: PLUGINS_1_6_0 },
  "1.5.2": {
    nextVersion: "1.6.0",
    plugins: plugins1_3({ ready: {}, kubernetes: kubernetes.v5 }),
  },
  "1.5.1": {
    nextVersion: "1.5.2",
    plugins: plugins1_3({ ready: {}, kubernetes: kubernetes.v5 }),
  },
  "1.5.0": {
    nextVersion: "1.5.1",
    plugins: plugins1_3({
      ready: { status: SEV_NEW_DEFAULT, add: addPluginTo("ready", ["kubernetes"]) },
      kubernetes: kubernetes.v5,
      proxy: proxy.removal,
    }),
    postProcess: breakForwardStubDomainsIntoServerBlocks,
  },
  "1.4.0": {
    nextVersion: "1.5.0",
    plugins: plugins1_3({ kubernetes: kubernetes.v4, proxy: proxy.deprecation }),
    postProcess: breakForwardStubDomainsIntoServerBlocks,
  },
  "1.3.1": {
    nextVersion: "1.4.0",
    plugins: plugins1_3({ kubernetes: kubernetes.v3, proxy: proxy.v2 }),
    defaultConf: DEFAULT_1_3_1,
  },
  "1.3.0": {
    nextVersion: "1.3.1",
    plugins: plugins1_3({ kubernetes: kubernetes.v2, proxy: proxy.v2 }),
  },
  "1.2.6": {
    nextVersion: "1.3.0",
    plugins: plugins1_2(errorsPlugin.v2, kubernetes.v2, rewrite.v2),
    defaultConf: DEFAULT_1_2_2,
  },
  "1.2.5": {
    nextVersion: "1.2.6",
    plugins: plugins1_2(errorsPlugin.v1, kubernetes.v2, rewrite.v2),
  },
  "1.2.4": {
    nextVersion: "1.2.5",
    plugins: plugins1_2(errorsPlugin.v1, kubernetes.v2, rewrite.v2),
  },
  "1.2.3": {
    nextVersion: "1.2.4",
    plugins: plugins1_2(errorsPlugin.v1, kubernetes.v2, rewrite.v2),
  },
  "1.2.2": {
    nextVersion: "1.2.3",
    plugins: plugins1_2(errorsPlugin.v1, kubernetes.v1, rewrite.v1),
    defaultConf: DEFAULT_1_2_2,
  },
  "1.2.1": {
    nextVersion: "1.2.2",
    plugins: {
      ...plugins1_2(errorsPlugin.v1, kubernetes.v1, rewrite.v1),
      loop: { status: SEV_NEW_DEFAULT, add: addPluginTo("loop", ["forward", "proxy"]) },
    },
  },
  "1.2.0": {
    nextVersion: "1.2.1",
    plugins: withoutLoop(plugins1_2(errorsPlugin.v1, kubernetes.v1, rewrite.v1)),
  },
  "1.1.4": {
    nextVersion: "1.2.0",
    plugins: {
      ...withoutLoop(plugins1_2(errorsPlugin.v1, kubernetes.v1, rewrite.v1)),
      proxy: proxy.v1,
      forward: forward.v1,
    },
  },
  "1.1.3": { nextVersion: "1.1.4", plugins: {}, defaultConf: DEFAULT_1_1_3 },
};

function withoutLoop(p: Record<string, PluginRule>): Record<string, PluginRule> {
  const { loop: _, ...rest } = p;
  return rest;
}

function release(v: string): Release | undefined {
  return has(RELEASES, v) ? RELEASES[v] : undefined;
}

function rulesOf(v: string, plugin: string): PluginRule | undefined {
  const plugins = release(v)?.plugins;
  return has(plugins, plugin) ? plugins![plugin] : undefined;
}

/** matchOption: the option's rule by name, else by the first pattern its name contains. */
function matchOption(name: string, p: PluginRule | undefined): OptionRule | undefined {
  if (has(p?.namedOptions, name)) return p!.namedOptions![name];
  for (const [pattern, o] of Object.entries(p?.patternOptions ?? {})) {
    if (new RegExp(pattern).test(name)) return o;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The entry points

/** A migration notice (the library's Notice). */
export interface Notice {
  plugin: string;
  option?: string;
  /** One of the SEV_* severities. */
  severity: string;
  replacedBy?: string;
  additional?: string;
  /** The release the notice is about. */
  version: string;
}

/** Notice.ToString: the sentence kubeadm prints for a notice. */
export function noticeString(n: Notice): string {
  let s = n.option ? `Option "${n.option}" in plugin "${n.plugin}" ` : `Plugin "${n.plugin}" `;
  if (n.severity === SEV_UNSUPPORTED) {
    s += `is unsupported by this migration tool in ${n.version}.`;
  } else if (n.severity === SEV_NEW_DEFAULT) {
    s += `is added as a default in ${n.version}.`;
  } else {
    s += `is ${n.severity} in ${n.version}.`;
  }
  if (n.replacedBy) s += ` It is replaced by "${n.replacedBy}".`;
  if (n.additional) s += ` ${n.additional}`;
  return s;
}

/**
 * ValidUpMigration: `from` must be a known release and `to` one of the releases after it
 * (or `from` itself). Throws the library's error text otherwise.
 */
function validUpMigration(from: string, to: string): void {
  if (!release(from)) throw new Error(`start version '${from}' not supported`);
  if (from === to) return;
  for (
    let next = release(from)?.nextVersion ?? "";
    next !== "";
    next = release(next)?.nextVersion ?? ""
  ) {
    if (next === to) return;
  }
  throw new Error(`cannot migrate up to '${to}' from '${from}'`);
}

/**
 * Deprecated: the notices about the Corefile's deprecated, ignored or removed plugins and
 * options, and new defaults a migration would add, for each release after `from` up to `to`.
 */
export function deprecated(from: string, to: string, corefile: string): Notice[] {
  if (from === to) return [];
  return status(from, to, corefile, SEV_ALL);
}

/**
 * Unsupported: the Corefile's plugins and options this migration tool does not know, for each
 * release after `from` up to `to` (they may still be valid in CoreDNS).
 */
export function unsupported(from: string, to: string, corefile: string): Notice[] {
  if (from === to) return [];
  return status(from, to, corefile, SEV_UNSUPPORTED);
}

function status(from: string, to: string, corefile: string, want: string): Notice[] {
  validUpMigration(from, to);
  const cf = parseCorefile(corefile);
  const notices: Notice[] = [];
  const unsup = want === SEV_UNSUPPORTED;
  let v = from;
  for (;;) {
    v = release(v)?.nextVersion ?? "";
    const plugins = release(v)?.plugins ?? {};
    for (const s of cf.servers) {
      for (const p of s.plugins) {
        const vp = rulesOf(v, p.name);
        if (!vp) {
          if (unsup) notices.push({ plugin: p.name, severity: want, version: v });
          continue;
        }
        if (vp.status && vp.status !== SEV_NEW_DEFAULT && !unsup) {
          notices.push({
            plugin: p.name,
            severity: vp.status,
            version: v,
            replacedBy: vp.replacedBy,
            additional: vp.additional,
          });
          continue;
        }
        for (const o of p.options) {
          const vo = matchOption(o.name, vp);
          if (unsup) {
            if (!vo) notices.push({ plugin: p.name, option: o.name, severity: want, version: v });
            continue;
          }
          if (vo?.status && vo.status !== SEV_NEW_DEFAULT) {
            notices.push({ plugin: p.name, option: o.name, severity: vo.status, version: v });
          }
        }
        if (!unsup) {
          for (const [name, vo] of Object.entries(vp.namedOptions ?? {})) {
            if (vo.status !== SEV_NEW_DEFAULT || p.options.some((o) => o.name === name)) continue;
            notices.push({ plugin: p.name, option: name, severity: SEV_NEW_DEFAULT, version: v });
          }
        }
      }
      if (!unsup) {
        for (const [name, vp] of Object.entries(plugins)) {
          if (vp.status !== SEV_NEW_DEFAULT || s.plugins.some((p) => p.name === name)) continue;
          notices.push({ plugin: name, severity: SEV_NEW_DEFAULT, version: v });
        }
      }
    }
    if (v === to) break;
  }
  return notices;
}

/**
 * Migrate: the Corefile rewritten for CoreDNS `to`, release by release from `from` (a forward
 * migration only). Plugins and options the rules do not name are kept as they are. With
 * `withDeprecations` false (as kubeadm calls it) deprecated plugins and options are migrated
 * only once they are removed or ignored. Returns `corefile` unchanged when `from === to`;
 * throws the library's error when it cannot migrate.
 */
export function migrate(
  from: string,
  to: string,
  corefile: string,
  withDeprecations: boolean,
): string {
  if (from === to) return corefile;
  validUpMigration(from, to);
  let cf = parseCorefile(corefile);
  let v = from;
  for (;;) {
    v = release(v)?.nextVersion ?? "";
    const rel = release(v);
    if (rel?.preProcess) cf = rel.preProcess(cf);
    const servers: Server[] = [];
    for (const s of cf.servers) {
      const plugins: Plugin[] = [];
      for (const p of s.plugins) {
        const vp = rulesOf(v, p.name);
        if (!vp || (!withDeprecations && vp.status === SEV_DEPRECATED)) {
          plugins.push(p);
          continue;
        }
        const options: Option[] = [];
        for (const o of p.options) {
          const vo = matchOption(o.name, vp);
          if (!vo || (!withDeprecations && vo.status === SEV_DEPRECATED) || !vo.action) {
            options.push(o);
            continue;
          }
          const changed = vo.action(o);
          if (changed) options.push(changed);
        }
        // Plugin actions rewrite the plugin in place (a rename) or drop it.
        if (vp.action && vp.action(p) === null) continue;
        let np: Plugin = { name: p.name, args: p.args, options };
        for (const [name, vo] of Object.entries(rulesOf(v, p.name)?.namedOptions ?? {})) {
          if (vo.status !== SEV_NEW_DEFAULT || p.options.some((o) => o.name === name)) continue;
          np = vo.add!(np);
        }
        plugins.push(np);
      }
      let ns: Server = { domPorts: s.domPorts, plugins };
      for (const [name, vp] of Object.entries(rel?.plugins ?? {})) {
        if (vp.status !== SEV_NEW_DEFAULT || s.plugins.some((p) => p.name === name)) continue;
        ns = vp.add!(ns);
      }
      servers.push(ns);
    }
    cf = { servers };
    if (rel?.postProcess) cf = rel.postProcess(cf);
    if (v === to) break;
  }
  return printCorefile(cf);
}

/**
 * Default (as kubeadm calls it, for any Kubernetes version): whether the Corefile has the shape
 * of a Corefile kubeadm once deployed by default: the same server blocks, plugins and options,
 * in any order, with the kubernetes zones and the forward upstream free. A Corefile without
 * server blocks counts as default too (the library compares it with the releases that have no
 * default Corefile). kubeadm's own default since v1.32 (with `cache 30 { disable ... }`) is
 * not one of them.
 */
export function isDefault(corefile: string): boolean {
  const cf = parseCorefile(corefile);
  for (const rel of Object.values(RELEASES)) {
    const def = parseCorefile(rel.defaultConf ?? "");
    if (sameShape(cf, def)) return true;
  }
  return false;
}

function sameShape(cf: Corefile, def: Corefile): boolean {
  if (cf.servers.length !== def.servers.length) return false;
  for (const s of cf.servers) {
    const ds = def.servers.find((d) => wordsMatch(d.domPorts, s.domPorts));
    if (!ds || s.plugins.length !== ds.plugins.length) return false;
    for (const p of s.plugins) {
      const dp = ds.plugins.find((d) => d.name === p.name && wordsMatch(d.args, p.args));
      if (!dp || p.options.length !== dp.options.length) return false;
      for (const o of p.options) {
        if (!dp.options.some((d) => d.name === o.name && wordsMatch(d.args, o.args))) return false;
      }
    }
  }
  return true;
}
