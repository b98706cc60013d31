/** Small Go net helpers the manifests need (net.JoinHostPort, utilsnet.IsIPv6String). */

import { isV4Mapped, parseIPSloppy } from "../util/net.ts";

/** utilsnet.IsIPv6String: a valid IP that is not an IPv4 (or IPv4-mapped) address. */
export function isIPv6String(s: string | undefined): boolean {
  if (!s) return false;
  const b = parseIPSloppy(s);
  return b !== undefined && !isV4Mapped(b);
}
