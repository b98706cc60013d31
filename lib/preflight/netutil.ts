/**
 * The bits of Go's net package and k8s.io/utils/net that preflight needs: IP and CIDR parsing
 * (strict and "sloppy"), containment, indexed IPs, Go's CIDR string form.
 */

import { formatIPBytes, isV4Mapped, maskBytes, parseIP } from "../util/net.ts";

/**
 * A network from net.ParseCIDR: the masked address (Go's net.IP, 16 bytes), the prefix length
 * as written, and whether it was written in IPv4 form (a 32-bit network).
 */
export interface IPNet {
  ip: Uint8Array;
  v4: boolean;
  prefix: number;
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
  return { ip: maskBytes(ip, prefix), v4: isV4Text, prefix: n };
}

function netPrefix16(n: IPNet): number {
  return n.v4 ? n.prefix + 96 : n.prefix;
}

/** Whether the network contains the address (an IPv4 network only IPv4 addresses). */
export function cidrContains(n: IPNet, ip: Uint8Array): boolean {
  if (n.v4 && !isV4Mapped(ip)) return false;
  const m = maskBytes(ip, netPrefix16(n));
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

/** Go's net.IPNet.String(). */
export function cidrString(n: IPNet): string {
  return `${formatIPBytes(n.ip)}/${n.prefix}`;
}

/** net.IP.IsLoopback: 127.0.0.0/8 or ::1. */
export function isLoopback(ip: Uint8Array): boolean {
  if (isV4Mapped(ip)) return ip[12] === 127;
  return ip.every((x, i) => (i === 15 ? x === 1 : x === 0));
}
