/**
 * Go's net / k8s.io/utils/net address helpers, shared by config, pki, preflight and manifests:
 * IP parsing (strict net.ParseIP or "sloppy" ParseIPSloppy, which accepts IPv4 parts with
 * leading zeros), net.IP.String() formatting (RFC 5952 for IPv6), masks, host:port.
 */

import { isDNS1123Subdomain } from "./validation.ts";

/** The 12-byte prefix of an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseIPv4(s: string, sloppy: boolean): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    if (!sloppy && p.length > 1 && p.startsWith("0")) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseIPv6(s: string, sloppy: boolean): Uint8Array | undefined {
  if (s.includes("%")) return undefined;
  let str = s;
  let tail: number[] | undefined;
  // An embedded IPv4 address may only be the last part.
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail = parseIPv4(s.slice(lastColon + 1), sloppy);
    if (!tail) return undefined;
    str = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = str.split("::");
  if (halves.length > 2) return undefined;
  const groups = (x: string): number[] | undefined => {
    if (x === "") return [];
    const out: number[] = [];
    for (const g of x.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return undefined;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    all = [...head, ...new Array(fill).fill(0), ...rest];
  } else {
    if (head.length !== 8) return undefined;
    all = head;
  }
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/**
 * net.ParseIP (sloppy: netutils.ParseIPSloppy), kubestrap's one IP parser: Go's net.IP, 16 bytes
 * with IPv4 stored IPv4-mapped ({@link to4} gives its 4 bytes, {@link isV4Mapped} tells it is
 * one); undefined when the string is not an IP (zones are not accepted).
 */
export function parseIP(s: string, sloppy = false): Uint8Array | undefined {
  if (s.includes(":")) return parseIPv6(s, sloppy);
  const v4 = parseIPv4(s, sloppy);
  if (!v4) return undefined;
  return Uint8Array.from([...V4_PREFIX, ...v4]);
}

/**
 * netutils.ParseIPSloppy, what kubeadm parses addresses with: {@link parseIP} that also accepts
 * IPv4 parts with leading zeros ("010.0.0.1" is 10.0.0.1).
 */
export function parseIPSloppy(s: string): Uint8Array | undefined {
  return parseIP(s, true);
}

/** Whether 16 bytes are an IPv4-mapped address (Go: To4() != nil). */
export function isV4Mapped(b: Uint8Array): boolean {
  return b.length === 16 && V4_PREFIX.every((x, i) => b[i] === x);
}

/** net.IP.To4: 4 bytes for IPv4 and IPv4-mapped IPv6, otherwise undefined. */
export function to4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === 4) return ip;
  return isV4Mapped(ip) ? ip.subarray(12) : undefined;
}

/** net.IP.String() of 4 or 16 bytes (RFC 5952 for IPv6, dotted quad for IPv4 and mapped). */
export function formatIPBytes(ip: Uint8Array): string {
  const v4 = to4(ip);
  if (v4) return Array.from(v4).join(".");
  if (ip.length !== 16) {
    return "?" + Array.from(ip, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i] << 8) | ip[i + 1]);
  // the longest run of >= 2 zero groups, the first one on a tie
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

/**
 * A network as Go's net.ParseCIDR returns it: the masked address (16 bytes, IPv4 mapped), whether
 * it was written in IPv4 form (a 32-bit network), and the prefix length as written.
 */
export interface IPNet {
  ip: Uint8Array;
  v4: boolean;
  prefix: number;
}

/** Go's net.dtoi bound (0xFFFFFF): a longer prefix number fails. */
const DTOI_BIG = 0xffffff;

/**
 * net.ParseCIDR (sloppy: netutils.ParseCIDRSloppy, IPv4 parts with leading zeros), kubestrap's
 * one CIDR parser; undefined when `s` is not a CIDR. As in Go, the prefix length is any run of
 * decimal digits ("/08" and "/0008" are /8) up to the address's bit length.
 */
export function parseCIDR(s: string, sloppy = false): IPNet | undefined {
  const i = s.indexOf("/");
  if (i < 0) return undefined;
  const addr = s.slice(0, i), mask = s.slice(i + 1);
  if (!/^[0-9]+$/.test(mask)) return undefined;
  let n = 0;
  for (const ch of mask) {
    n = n * 10 + (ch.charCodeAt(0) - 48);
    if (n >= DTOI_BIG) return undefined;
  }
  const ip = parseIP(addr, sloppy);
  if (!ip) return undefined;
  const v4 = !addr.includes(":");
  if (n > (v4 ? 32 : 128)) return undefined;
  return { ip: maskBytes(ip, v4 ? n + 96 : n), v4, prefix: n };
}

/** Whether the network contains the address (an IPv4 network only IPv4 addresses). */
export function cidrContains(n: IPNet, ip: Uint8Array): boolean {
  if (n.v4 && !isV4Mapped(ip)) return false;
  const m = maskBytes(ip, n.v4 ? n.prefix + 96 : n.prefix);
  return m.every((x, i) => x === n.ip[i]);
}

/** k8s.io/utils/net.GetIndexedIP: network address + index, if still inside the subnet. */
export function indexedIP(n: IPNet, index: number): Uint8Array | undefined {
  const b = new Uint8Array(n.ip);
  let carry = index;
  for (let i = 15; i >= 0 && carry > 0; i--) {
    const v = b[i] + carry;
    b[i] = v & 0xff;
    carry = Math.floor(v / 256);
  }
  return carry === 0 && cidrContains(n, b) ? b : undefined;
}

/** Go's net.IPNet.String() (an IPv4-mapped IPv6 network prints as IPv4: "10.0.0.0/8"). */
export function cidrString(n: IPNet): string {
  const p = !n.v4 && isV4Mapped(n.ip) && n.prefix >= 96 ? n.prefix - 96 : n.prefix;
  return `${formatIPBytes(n.ip)}/${p}`;
}

/** net.IP.IsLoopback: 127.0.0.0/8 or ::1. */
export function isLoopback(ip: Uint8Array): boolean {
  if (isV4Mapped(ip)) return ip[12] === 127;
  return ip.every((x, i) => (i === 15 ? x === 1 : x === 0));
}

/** The first `prefix` bits of `b` (IPMask applied), as a new array of the same length. */
function maskBytes(b: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = b[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** Big-endian bytes as a bigint. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** A bigint as `len` big-endian bytes. */
export function bigIntToBytes(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** net.JoinHostPort: brackets the host when it contains a colon. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** net.SplitHostPort; throws Go's AddrError text. */
export function splitHostPort(hostport: string): [string, string] {
  const fail = (why: string): never => {
    throw new Error(`address ${hostport}: ${why}`);
  };
  // The port starts after the last colon.
  const i = hostport.lastIndexOf(":");
  if (i < 0) fail("missing port in address");
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === "[") {
    // Expect the first ']' just before the last ':'.
    const end = hostport.indexOf("]");
    if (end < 0) fail("missing ']' in address");
    if (end + 1 === hostport.length) fail("missing port in address");
    if (end + 1 !== i) {
      if (hostport[end + 1] === ":") fail("too many colons in address");
      fail("missing port in address");
    }
    host = hostport.slice(1, end);
    j = 1; // there can't be a '[' resp. ']' before these positions
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(":")) fail("too many colons in address");
  }
  if (hostport.slice(j).includes("[")) fail("unexpected '[' in address");
  if (hostport.slice(k).includes("]")) fail("unexpected ']' in address");
  return [host, hostport.slice(i + 1)];
}

/** kubeadmutil.ParsePort: a number from 1 to 65535. */
function parsePort(port: string): number | undefined {
  if (!/^[0-9]+$/.test(port)) return undefined;
  const n = Number(port);
  if (n > 65535 || n < 1) return undefined;
  return n;
}

/**
 * kubeadmutil.ParseHostPort: "host", "host:port", "ipv4:port" or "[ipv6]:port"; the host must be
 * an IP or an RFC-1123 subdomain. Returns kubeadm's error instead of throwing it.
 */
export function parseHostPort(hostport: string): { host: string; port: string } | Error {
  let host = hostport;
  let port = "";
  try {
    [host, port] = splitHostPort(hostport);
  } catch {
    // the entire hostport is the host
  }
  if (port !== "" && parsePort(port) === undefined) {
    return new Error(
      `hostport ${hostport}: port ${port} must be a valid number between 1 and 65535, inclusive`,
    );
  }
  if (parseIPSloppy(host)) return { host, port };
  if (isDNS1123Subdomain(host).length === 0) return { host, port };
  return new Error(
    `hostport ${hostport}: host '${host}' must be a valid IP address or a valid RFC-1123 DNS subdomain`,
  );
}
