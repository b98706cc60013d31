/**
 * The bits of Go's net package and k8s.io/utils/net that preflight needs: IP and CIDR parsing
 * (strict and "sloppy"), containment, indexed IPs, Go's IP/CIDR string forms, host:port.
 */

import { formatIPBytes, isV4Mapped, maskBytes, parseIPBytes } from "../util/net.ts";
export { joinHostPort, splitHostPort } from "../util/net.ts";

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

/** net.ParseIP (sloppy = k8s.io/utils/net.ParseIPSloppy: IPv4 parts may have leading zeros). */
export function parseIP(s: string, sloppy = false): IP | undefined {
  const b = parseIPBytes(s, sloppy);
  return b && { bytes: b, v4: isV4Mapped(b) };
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
  return { ip: { bytes: maskBytes(ip.bytes, prefix), v4: isV4Text }, prefix: n };
}

function netPrefix16(n: IPNet): number {
  return n.ip.v4 ? n.prefix + 96 : n.prefix;
}

export function cidrContains(n: IPNet, ip: IP): boolean {
  if (n.ip.v4 && !ip.v4) return false;
  const m = maskBytes(ip.bytes, netPrefix16(n));
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
  return formatIPBytes(ip.bytes);
}

/** Go's net.IPNet.String(). */
export function cidrString(n: IPNet): string {
  return `${ipString(n.ip)}/${n.prefix}`;
}

export function isLoopback(ip: IP): boolean {
  if (ip.v4) return ip.bytes[12] === 127;
  return ip.bytes.every((x, i) => (i === 15 ? x === 1 : x === 0));
}
