/** Address helpers kubeadm's addons need: the DNS Service IP and the control-plane URL. */

import {
  bigIntToBytes,
  bytesToBigInt,
  formatIPBytes,
  joinHostPort,
  maskBytes,
  parseIP,
} from "../util/net.ts";

/**
 * kubeadm's GetDNSIP: the 10th address of the first Service subnet
 * ("10.96.0.0/12" → "10.96.0.10"; "fd00::/108" → "fd00::a").
 */
export function dnsIP(serviceSubnets: string): string {
  return indexedIP(serviceSubnets.split(",")[0].trim(), 10);
}

/** utils/net GetIndexedIP on a CIDR (the network address + index, which must fit). */
export function indexedIP(cidr: string, index: number): string {
  const [addr, bitsStr] = cidr.split("/");
  const bits = Number(bitsStr);
  const parsed = parseIP(addr);
  // Go's ParseCIDR: an address written in IPv4 form is a 32-bit network, any other 128-bit.
  const ip = parsed && !addr.includes(":") ? parsed.subarray(12) : parsed;
  if (ip === undefined || !/^\d+$/.test(bitsStr ?? "") || bits > 8 * ip.length) {
    throw new Error(
      `unable to get internal Kubernetes Service IP from the given service CIDR (${cidr}): invalid CIDR address: ${cidr}`,
    );
  }
  const net = maskBytes(ip, bits);
  const out = bigIntToBytes(bytesToBigInt(net) + BigInt(index), ip.length);
  const inNet = maskBytes(out, bits).every((b, i) => b === net[i]);
  if (bytesToBigInt(out) !== bytesToBigInt(net) + BigInt(index) || !inNet) {
    throw new Error(
      `unable to get internal Kubernetes Service IP from the given service CIDR: can't generate IP with index ${index} from subnet. subnet too small. subnet: "${cidr}"`,
    );
  }
  return formatIPBytes(out);
}

/**
 * kubeadm's GetControlPlaneEndpoint: `https://<controlPlaneEndpoint host>:<its port or
 * bindPort>` when a controlPlaneEndpoint is set, else `https://<advertiseAddress>:<bindPort>`
 * (IPv6 hosts bracketed).
 */
export function controlPlaneEndpointURL(
  controlPlaneEndpoint: string | undefined,
  advertiseAddress: string,
  bindPort: number,
): string {
  const fmt = (host: string, port: string) => `https://${joinHostPort(host, port)}`;
  if (controlPlaneEndpoint) {
    let host = controlPlaneEndpoint;
    let port = "";
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(controlPlaneEndpoint) ??
      /^([^:]+):(\d+)$/.exec(controlPlaneEndpoint);
    if (m) {
      host = m[1];
      port = m[2] ?? "";
    }
    return fmt(host, port || String(bindPort));
  }
  const ip = parseIP(advertiseAddress);
  return fmt(ip ? formatIPBytes(ip) : advertiseAddress, String(bindPort));
}
