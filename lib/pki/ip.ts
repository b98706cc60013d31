/**
 * The IP helpers of the certificate code: an IP string in Go's String() form, and kubeadm's
 * GetAPIServerVirtualIP. Parsing and formatting themselves are lib/util/net.ts's.
 */

import { formatIPBytes, indexedIP, parseCIDR, parseIPSloppy } from "../util/net.ts";

/** Normalizes an IP string to Go's String() form, or undefined if it is not an IP. */
export function normalizeIP(s: string): string | undefined {
  const ip = parseIPSloppy(s);
  return ip ? formatIPBytes(ip) : undefined;
}

/** First usable IP of a CIDR (network address + 1), as kubeadm's GetAPIServerVirtualIP. */
export function firstIPOfCIDR(cidr: string): string {
  const net = parseCIDR(cidr.trim(), true);
  const ip = net && indexedIP(net, 1);
  if (!ip) throw new Error(`invalid CIDR address: ${cidr}`);
  return formatIPBytes(ip);
}
