/**
 * Go's proxy selection as kube-apiserver and kubeadm see it: http.ProxyFromEnvironment
 * (golang.org/x/net/http/httpproxy) wrapped by apimachinery's NewProxierWithNoProxyCIDR.
 * HTTPS_PROXY/https_proxy for https URLs, HTTP_PROXY/http_proxy for http, NO_PROXY/no_proxy
 * exceptions (domains, IPs, IP:port, CIDRs, "*"); localhost and loopback IPs never use a proxy.
 */
import {
  cidrContains,
  type IPNet,
  isLoopback,
  parseCIDR,
  parseIP,
  splitHostPort,
} from "../util/net.ts";

export type EnvGetter = (name: string) => string | undefined;

function getEnvAny(env: EnvGetter, ...names: string[]): string {
  for (const n of names) {
    const v = env(n);
    if (v) return v;
  }
  return "";
}

/** A proxy URL as Go would print it, with any password replaced by "xxxxx" (url.Redacted). */
export interface ProxyURL {
  /** Display form (password redacted). */
  text: string;
}

const schemeRE = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

function hostOf(raw: string): string | undefined {
  const m = schemeRE.exec(raw);
  if (!m) return undefined;
  const rest = raw.slice(m[0].length);
  if (!rest.startsWith("//")) return undefined;
  const auth = rest.slice(2).split(/[/?#]/)[0];
  const host = auth.includes("@") ? auth.slice(auth.lastIndexOf("@") + 1) : auth;
  return host;
}

function redact(raw: string): string {
  const m = schemeRE.exec(raw);
  if (!m || !raw.slice(m[0].length).startsWith("//")) return raw;
  const start = m[0].length + 2;
  const rest = raw.slice(start);
  const authEnd = rest.search(/[/?#]/);
  const auth = authEnd < 0 ? rest : rest.slice(0, authEnd);
  const at = auth.lastIndexOf("@");
  if (at < 0) return raw;
  const userinfo = auth.slice(0, at);
  const colon = userinfo.indexOf(":");
  if (colon < 0) return raw;
  const red = userinfo.slice(0, colon) + ":xxxxx" + auth.slice(at);
  return raw.slice(0, start) + red + (authEnd < 0 ? "" : rest.slice(authEnd));
}

/** httpproxy.parseProxy: a value without scheme or host gets "http://" prepended. */
function parseProxy(v: string): ProxyURL | undefined {
  if (v === "") return undefined;
  const host = hostOf(v);
  const raw = host ? v : "http://" + v;
  return { text: redact(raw) };
}

interface Matcher {
  match(host: string, port: string, ip: ReturnType<typeof parseIP>): boolean;
}

function buildMatchers(noProxy: string): { ip: Matcher[]; domain: Matcher[] } {
  const ipM: Matcher[] = [], domM: Matcher[] = [];
  for (let p of noProxy.split(",")) {
    p = p.trim().toLowerCase();
    if (p.length === 0) continue;
    if (p === "*") {
      const all = { match: () => true };
      return { ip: [all], domain: [all] };
    }
    const net = parseCIDR(p);
    if (net) {
      ipM.push({ match: (_h, _p, ip) => ip !== undefined && cidrContains(net, ip) });
      continue;
    }
    let phost = p, pport = "";
    try {
      [phost, pport] = splitHostPort(p);
      if (phost.length === 0) continue;
      if (phost.startsWith("[") && phost.endsWith("]")) phost = phost.slice(1, -1);
    } catch {
      phost = p;
    }
    const pip = parseIP(phost);
    if (pip) {
      ipM.push({
        match: (_h, port, ip) =>
          ip !== undefined && ip.every((x, i) => x === pip[i]) &&
          (pport === "" || pport === port),
      });
      continue;
    }
    if (phost.length === 0) continue;
    if (phost.startsWith("*.")) phost = phost.slice(1);
    let matchHost = false;
    if (!phost.startsWith(".")) {
      matchHost = true;
      phost = "." + phost;
    }
    const dom = phost;
    domM.push({
      match: (host, port, ip) => {
        if (ip !== undefined) return false;
        if (host.endsWith(dom) || (matchHost && host === dom.slice(1))) {
          return pport === "" || pport === port;
        }
        return false;
      },
    });
  }
  return { ip: ipM, domain: domM };
}

/**
 * The proxy Go would use for `scheme://host[:port]` (host may be a bracketed IPv6 with port),
 * or undefined for a direct connection.
 */
export function proxyFor(
  env: EnvGetter,
  scheme: "http" | "https",
  hostport: string,
): ProxyURL | undefined {
  // apimachinery's NewProxierWithNoProxyCIDR: CIDRs in NO_PROXY (sloppy parsing) win first.
  let hostname = hostport, port = "";
  try {
    [hostname, port] = splitHostPort(hostport);
  } catch {
    hostname = hostport.replace(/^\[(.*)\]$/, "$1");
  }
  const noProxyEnv = env("NO_PROXY") || env("no_proxy") || "";
  const cidrs = noProxyEnv.split(",").map((r) => parseCIDR(r, true)).filter((c): c is IPNet =>
    c !== undefined
  );
  if (cidrs.length > 0) {
    const ip = parseIP(hostname, true);
    if (ip && cidrs.some((c) => cidrContains(c, ip))) return undefined;
  }

  const proxy = scheme === "https"
    ? parseProxy(getEnvAny(env, "HTTPS_PROXY", "https_proxy"))
    : parseProxy(getEnvAny(env, "HTTP_PROXY", "http_proxy"));
  if (!proxy) return undefined;
  if (scheme === "http" && (env("REQUEST_METHOD") ?? "") !== "") return undefined;

  if (port === "") port = scheme === "https" ? "443" : "80";
  if (hostname === "localhost") return undefined;
  const ip = parseIP(hostname);
  if (ip && isLoopback(ip)) return undefined;
  const host = hostname.trim().toLowerCase();
  const m = buildMatchers(getEnvAny(env, "NO_PROXY", "no_proxy"));
  if (ip && m.ip.some((x) => x.match(host, port, ip))) return undefined;
  if (m.domain.some((x) => x.match(host, port, ip))) return undefined;
  return proxy;
}
