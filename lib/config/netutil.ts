/**
 * IP / CIDR helpers with Go `net` (k8s.io/utils/net "sloppy") semantics: parsing, canonical
 * formatting (RFC 5952 for IPv6), masks, range sizes, indexed IPs.
 */

import {
  bigIntToBytes,
  bytesToBigInt,
  formatIPBytes,
  isV4Mapped,
  parseCIDR as parseCIDRBytes,
  parseIPSloppy,
} from "../util/net.ts";

export interface IP {
  /** 4 for IPv4 (including IPv4-mapped IPv6 written in dotted form), 6 otherwise. */
  family: 4 | 6;
  /** Address value: 32-bit for IPv4, 128-bit for IPv6. */
  value: bigint;
}

export interface CIDR {
  ip: IP; // network address (masked)
  prefix: number;
  bits: 32 | 128;
}

/**
 * netutils.ParseIPSloppy (lib/util/net.ts's parser) as config's numeric IP; undefined when the
 * string is not an IP.
 */
export function parseIPValue(s: string): IP | undefined {
  const b = parseIPSloppy(s);
  if (!b) return undefined;
  // IPv4-mapped addresses behave as IPv4 in Go (To4() != nil)
  if (isV4Mapped(b)) return { family: 4, value: bytesToBigInt(b.subarray(12)) };
  return { family: 6, value: bytesToBigInt(b) };
}

/** net.IP.String(). */
export function formatIP(ip: IP): string {
  return formatIPBytes(bigIntToBytes(ip.value, ip.family === 4 ? 4 : 16));
}

/**
 * netutils.ParseCIDRSloppy (lib/util/net.ts's parser) as config's numeric CIDR: an address
 * written in IPv4 form is a 32-bit network; an IPv4-mapped IPv6 network keeps 128 bits.
 */
export function parseCIDR(s: string): CIDR | undefined {
  const n = parseCIDRBytes(s, true);
  if (!n) return undefined;
  const bits: 32 | 128 = n.v4 ? 32 : 128;
  const value = bytesToBigInt(n.ip);
  const family: 4 | 6 = n.v4 || value >> 32n === 0xffffn ? 4 : 6;
  const ip: IP = family === 4 ? { family, value: value & 0xffffffffn } : { family, value };
  return { ip, prefix: n.prefix, bits };
}

export function formatCIDR(c: CIDR): string {
  if (c.bits === 128 && c.ip.family === 4) {
    // Go prints such networks as IPv4 with an adjusted mask when possible
    if (c.prefix >= 96) return `${formatIP(c.ip)}/${c.prefix - 96}`;
  }
  return `${formatIP(c.ip)}/${c.prefix}`;
}

/** netutils.ParseCIDRs: every entry must parse. */
export function parseCIDRs(list: string[]): CIDR[] | undefined {
  const out: CIDR[] = [];
  for (const s of list) {
    const c = parseCIDR(s);
    if (!c) return undefined;
    out.push(c);
  }
  return out;
}

export function cidrFamily(c: CIDR): 4 | 6 {
  return c.ip.family;
}

/** netutils.RangeSize. */
export function rangeSize(c: CIDR): bigint {
  const hostBits = c.bits - c.prefix;
  if ((c.bits === 32 && hostBits >= 31) || (c.bits === 128 && hostBits >= 127)) return 0n;
  if (hostBits >= 63) return (1n << 63n) - 1n;
  return 1n << BigInt(hostBits);
}

export function cidrContains(c: CIDR, ip: IP): boolean {
  const hostBits = BigInt(c.bits - c.prefix);
  let v = ip.value;
  let base = c.ip.value;
  if (c.bits === 128) {
    if (ip.family === 4) v = (0xffffn << 32n) | v;
    if (c.ip.family === 4) base = (0xffffn << 32n) | base;
  } else if (ip.family !== 4) return false;
  return (v >> hostBits) === (base >> hostBits);
}

/** netutils.GetIndexedIP: the index-th address of the subnet, undefined when out of range. */
export function indexedIP(c: CIDR, index: number): IP | undefined {
  const ip: IP = { family: c.ip.family, value: c.ip.value + BigInt(index) };
  return cidrContains(c, ip) ? ip : undefined;
}

export function isLoopback(ip: IP): boolean {
  if (ip.family === 4) return ip.value >> 24n === 127n;
  return ip.value === 1n;
}

export function isUnspecified(ip: IP): boolean {
  return ip.value === 0n;
}
