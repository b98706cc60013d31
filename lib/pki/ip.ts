/**
 * IP and DNS-name helpers with Go semantics: netutils.ParseIPSloppy (IPv4 with leading zeros
 * accepted), net.IP.String() formatting (RFC 5952 for IPv6, dotted quad for IPv4 and
 * IPv4-mapped IPv6), and apimachinery's IsDNS1123Subdomain / IsWildcardDNS1123Subdomain.
 */

/** Parses an IP like netutils.ParseIPSloppy; returns 4 bytes for IPv4, 16 for IPv6. */
export function parseIP(s: string): Uint8Array | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split(".").map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return Uint8Array.from(parts);
  }
  if (!s.includes(":") || s.includes("%")) return undefined;
  let head = s;
  let v4tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    v4tail = parseIP(s.slice(lastColon + 1));
    if (!v4tail || v4tail.length !== 4) return undefined;
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = head.split("::");
  if (dbl.length > 2) return undefined;
  const parseGroups = (x: string): number[] | undefined => {
    if (x === "") return [];
    const out: number[] = [];
    for (const g of x.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(dbl[0]);
  const right = dbl.length === 2 ? parseGroups(dbl[1]) : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (dbl.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4tail) out.set(v4tail, 12);
  return out;
}

/** net.IP.To4: 4 bytes for IPv4 and IPv4-mapped IPv6, otherwise undefined. */
export function to4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === 4) return ip;
  if (
    ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff &&
    ip[11] === 0xff
  ) {
    return ip.subarray(12);
  }
  return undefined;
}

/** net.IP.String(). */
export function formatIP(ip: Uint8Array): string {
  const v4 = to4(ip);
  if (v4) return Array.from(v4).join(".");
  if (ip.length !== 16) {
    return "?" + Array.from(ip, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i] << 8) | ip[i + 1]);
  // longest run of >= 2 zero groups
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(":");
  const l = groups.slice(0, bestStart).map(hex).join(":");
  const r = groups.slice(bestStart + bestLen).map(hex).join(":");
  return `${l}::${r}`;
}

/** Normalizes an IP string to Go's String() form, or undefined if it is not an IP. */
export function normalizeIP(s: string): string | undefined {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : undefined;
}

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const WILDCARD_RE = new RegExp(`^\\*\\.${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

/** validation.IsDNS1123Subdomain == no errors. */
export function isDNS1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN_RE.test(s);
}

/** validation.IsWildcardDNS1123Subdomain == no errors. */
export function isWildcardDNS1123Subdomain(s: string): boolean {
  return s.length <= 253 && WILDCARD_RE.test(s);
}

/**
 * kubeadmutil.ParseHostPort: "host", "host:port", "ipv4:port", "[ipv6]:port"; host must be an
 * IP or an RFC-1123 subdomain.
 */
export function parseHostPort(hostport: string): { host: string; port: string } {
  let host = hostport;
  let port = "";
  const m = hostport.match(/^\[([^\]]*)\]:([^:]*)$/) ?? hostport.match(/^([^:[\]]*):([^:]*)$/);
  if (m) {
    host = m[1];
    port = m[2];
  }
  if (port !== "") {
    const n = /^\d+$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) {
      throw new Error(
        `hostport ${hostport}: port ${port} must be a valid number between 1 and 65535, inclusive`,
      );
    }
  }
  if (parseIP(host)) return { host, port };
  if (isDNS1123Subdomain(host)) return { host, port };
  throw new Error(
    `hostport ${hostport}: host '${host}' must be a valid IP address or a valid RFC-1123 DNS subdomain`,
  );
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** First usable IP of a CIDR (network address + 1), as kubeadm's GetAPIServerVirtualIP. */
export function firstIPOfCIDR(cidr: string): string {
  const [addr, bitsStr] = cidr.trim().split("/");
  const ip = parseIP(addr ?? "");
  const bits = Number(bitsStr);
  if (!ip || bitsStr === undefined || !/^\d+$/.test(bitsStr) || bits > ip.length * 8) {
    throw new Error(`invalid CIDR address: ${cidr}`);
  }
  const out = new Uint8Array(ip);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] &= (0xff << (8 - keep)) & 0xff;
  }
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === 0xff) {
      out[i] = 0;
      continue;
    }
    out[i]++;
    break;
  }
  return formatIP(out);
}

export function ipEqual(a: Uint8Array, b: Uint8Array): boolean {
  const x = to4(a) ?? a;
  const y = to4(b) ?? b;
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
