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

/** The first `prefix` bits of `b` (IPMask applied), as a new array of the same length. */
export function maskBytes(b: Uint8Array, prefix: number): Uint8Array {
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
export function parsePort(port: string): number | undefined {
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
