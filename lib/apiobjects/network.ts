/** Address helpers kubeadm's addons need: the DNS Service IP and the control-plane URL. */

import {
  cidrString,
  formatIPBytes,
  indexedIP as indexedIPOf,
  joinHostPort,
  parseCIDR,
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
  const net = parseCIDR(cidr, true);
  if (!net) {
    throw new Error(
      `unable to get internal Kubernetes Service IP from the given service CIDR (${cidr}): invalid CIDR address: ${cidr}`,
    );
  }
  const ip = indexedIPOf(net, index);
  if (!ip) {
    throw new Error(
      `unable to get internal Kubernetes Service IP from the given service CIDR: can't generate IP with index ${index} from subnet. subnet too small. subnet: "${
        cidrString(net)
      }"`,
    );
  }
  return formatIPBytes(ip);
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
