/**
 * IP and DNS-name helpers with Go semantics: netutils.ParseIPSloppy (IPv4 with leading zeros
 * accepted), net.IP.String() formatting (RFC 5952 for IPv6, dotted quad for IPv4 and
 * IPv4-mapped IPv6), kubeadm's ParseHostPort and GetAPIServerVirtualIP.
 */

import { formatIPBytes, parseIPSloppy } from "../util/net.ts";
import { isDNS1123Subdomain } from "../util/validation.ts";
export { joinHostPort, to4 } from "../util/net.ts";
/**
 * netutils.ParseIPSloppy (lib/util/net.ts: Go's net.IP, 16 bytes, IPv4 mapped) under the name
 * lib/pki/verify.ts imports; other code imports parseIPSloppy from lib/util/net.ts.
 */
export { parseIPSloppy as parseIP } from "../util/net.ts";

/** net.IP.String(). */
export const formatIP: (ip: Uint8Array) => string = formatIPBytes;

/** Normalizes an IP string to Go's String() form, or undefined if it is not an IP. */
export function normalizeIP(s: string): string | undefined {
  const ip = parseIPSloppy(s);
  return ip ? formatIP(ip) : undefined;
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
  if (parseIPSloppy(host)) return { host, port };
  if (isDNS1123Subdomain(host).length === 0) return { host, port };
  throw new Error(
    `hostport ${hostport}: host '${host}' must be a valid IP address or a valid RFC-1123 DNS subdomain`,
  );
}

/** First usable IP of a CIDR (network address + 1), as kubeadm's GetAPIServerVirtualIP. */
export function firstIPOfCIDR(cidr: string): string {
  const [addr, bitsStr] = cidr.trim().split("/");
  const parsed = parseIPSloppy(addr ?? "");
  // An address written in IPv4 form is a 32-bit network, any other a 128-bit one.
  const ip = parsed && !(addr ?? "").includes(":") ? parsed.slice(12) : parsed;
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
