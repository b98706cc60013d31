/**
 * The bits of Go's net package and k8s.io/utils/net that preflight needs: IP and CIDR parsing
 * (strict and "sloppy"), containment, indexed IPs, Go's IP/CIDR string forms, host:port.
 */

/** An IP as 16 bytes (IPv4 stored v4-mapped) plus the family it was written in. */
export interface IP {
  bytes: Uint8Array;
  /** True when the address is an IPv4 address (Go: ip.To4() != nil). */
  v4: boolean;
}

export interface IPNet {
  ip: IP;
  prefix: number;
}

function parseV4(s: string, sloppy: boolean): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    if (!sloppy && p.length > 1 && p.startsWith("0")) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string, sloppy: boolean): Uint8Array | undefined {
  if (s.includes("%")) return undefined;
  const out = new Uint8Array(16);
  let head = s, tail = "";
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
    if (tail.includes("::")) return undefined;
  }
  const groups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const res: number[] = [];
    const ps = part.split(":");
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      if (i === ps.length - 1 && p.includes(".")) {
        const v4 = parseV4(p, sloppy);
        if (!v4) return undefined;
        res.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      res.push(parseInt(p, 16));
    }
    return res;
  };
  const h = groups(head), t = groups(tail);
  if (!h || !t) return undefined;
  if (dbl >= 0) {
    if (h.length + t.length > 7) return undefined;
  } else if (h.length !== 8) return undefined;
  const all = dbl >= 0 ? [...h, ...new Array(8 - h.length - t.length).fill(0), ...t] : h;
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i] >> 8;
    out[2 * i + 1] = all[i] & 0xff;
  }
  return out;
}

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function isV4Mapped(b: Uint8Array): boolean {
  return V4_PREFIX.every((x, i) => b[i] === x);
}

/** net.ParseIP (sloppy = k8s.io/utils/net.ParseIPSloppy: IPv4 parts may have leading zeros). */
export function parseIP(s: string, sloppy = false): IP | undefined {
  if (s.includes(":")) {
    const b = parseV6(s, sloppy);
    if (!b) return undefined;
    return { bytes: b, v4: isV4Mapped(b) };
  }
  const v4 = parseV4(s, sloppy);
  if (!v4) return undefined;
  const b = new Uint8Array(16);
  b.set(V4_PREFIX);
  b.set(v4, 12);
  return { bytes: b, v4: true };
}

/** net.ParseCIDR (sloppy = ParseCIDRSloppy). Returns the network (masked) and prefix length. */
export function parseCIDR(s: string, sloppy = false): IPNet | undefined {
  const i = s.indexOf("/");
  if (i < 0) return undefined;
  const addr = s.slice(0, i), bits = s.slice(i + 1);
  if (!/^[0-9]{1,3}$/.test(bits)) return undefined;
  const ip = parseIP(addr, sloppy);
  if (!ip) return undefined;
  const isV4Text = !addr.includes(":");
  const max = isV4Text ? 32 : 128;
  const n = Number(bits);
  if (n > max || (bits.length > 1 && bits.startsWith("0"))) return undefined;
  const prefix = isV4Text ? n + 96 : n;
  return { ip: { bytes: mask(ip.bytes, prefix), v4: isV4Text }, prefix: n };
}

function mask(b: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = b[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

function netPrefix16(n: IPNet): number {
  return n.ip.v4 ? n.prefix + 96 : n.prefix;
}

export function cidrContains(n: IPNet, ip: IP): boolean {
  if (n.ip.v4 && !ip.v4) return false;
  const m = mask(ip.bytes, netPrefix16(n));
  return m.every((x, i) => x === n.ip.bytes[i]);
}

/** k8s.io/utils/net.GetIndexedIP: network address + index, if still inside the subnet. */
export function indexedIP(n: IPNet, index: number): IP | undefined {
  const b = new Uint8Array(n.ip.bytes);
  let carry = index;
  for (let i = 15; i >= 0 && carry > 0; i--) {
    const v = b[i] + carry;
    b[i] = v & 0xff;
    carry = Math.floor(v / 256);
  }
  const ip = { bytes: b, v4: n.ip.v4 };
  return carry === 0 && cidrContains(n, ip) ? ip : undefined;
}

/** Go's net.IP.String(). */
export function ipString(ip: IP): string {
  const b = ip.bytes;
  if (isV4Mapped(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += "::";
      i += bestLen - 1;
      continue;
    }
    if (s !== "" && !s.endsWith(":")) s += ":";
    s += g[i].toString(16);
  }
  return s;
}

/** Go's net.IPNet.String(). */
export function cidrString(n: IPNet): string {
  return `${ipString(n.ip)}/${n.prefix}`;
}

export function isLoopback(ip: IP): boolean {
  if (ip.v4) return ip.bytes[12] === 127;
  return ip.bytes.every((x, i) => (i === 15 ? x === 1 : x === 0));
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** net.SplitHostPort; throws Go's AddrError text. */
export function splitHostPort(hostport: string): [string, string] {
  const fail = (why: string): never => {
    throw new Error(`address ${hostport}: ${why}`);
  };
  const i = hostport.lastIndexOf(":");
  if (i < 0) fail("missing port in address");
  let host: string;
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]");
    if (end < 0) fail("missing ']' in address");
    if (end + 1 === hostport.length) fail("missing port in address");
    if (end + 1 !== i) {
      if (hostport[end + 1] === ":") fail("too many colons in address");
      fail("missing port in address");
    }
    host = hostport.slice(1, end);
    if (host.includes("[") || host.includes("]")) fail("unexpected '[' in address");
  } else {
    host = hostport.slice(0, i);
    if (host.includes(":")) fail("too many colons in address");
    if (host.includes("[")) fail("unexpected '[' in address");
  }
  const port = hostport.slice(i + 1);
  if (port.includes("]")) fail("unexpected ']' in address");
  return [host, port];
}
