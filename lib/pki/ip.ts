/**
 * The IP helpers of the certificate code: an IP string in Go's String() form, and kubeadm's
 * GetAPIServerVirtualIP. Parsing and formatting themselves are lib/util/net.ts's.
 */

import { formatIPBytes, parseIPSloppy } from "../util/net.ts";

/** Normalizes an IP string to Go's String() form, or undefined if it is not an IP. */
export function normalizeIP(s: string): string | undefined {
  const ip = parseIPSloppy(s);
  return ip ? formatIPBytes(ip) : undefined;
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
  return formatIPBytes(out);
}
