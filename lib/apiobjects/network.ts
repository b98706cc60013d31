/** Address helpers kubeadm's addons need: the DNS Service IP and the control-plane URL. */

function parseIPv4(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255 || (m[i].length > 1 && m[i][0] === "0")) return undefined;
    v = (v << 8n) | BigInt(o);
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  let head = s;
  let v4tail: bigint | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".") && lastColon >= 0) {
    v4tail = parseIPv4(s.slice(lastColon + 1));
    if (v4tail === undefined) return undefined;
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = head.split("::");
  if (dbl.length > 2) return undefined;
  const part = (x: string) => (x === "" ? [] : x.split(":"));
  const left = part(dbl[0]);
  const right = dbl.length === 2 ? part(dbl[1]) : [];
  const missing = 8 - left.length - right.length;
  if (dbl.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array(dbl.length === 2 ? missing : 0).fill("0"), ...right];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (v4tail !== undefined) v = (v & ~0xffffffffn) | v4tail;
  return v;
}

function formatIPv6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // longest run (>= 2) of zero groups, first one wins
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function formatIPv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".");
}

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
  const v4 = parseIPv4(addr);
  const isV4 = v4 !== undefined;
  const ip = v4 ?? parseIPv6(addr);
  const width = isV4 ? 32 : 128;
  if (ip === undefined || !/^\d+$/.test(bitsStr ?? "") || bits > width) {
    throw new Error(
      `unable to get internal Kubernetes Service IP from the given service CIDR (${cidr}): invalid CIDR address: ${cidr}`,
    );
  }
  const hostBits = BigInt(width - bits);
  const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << hostBits) - 1n);
  const net = ip & mask;
  const out = net + BigInt(index);
  if ((out & mask) !== net) {
    throw new Error(
      `unable to get internal Kubernetes Service IP from the given service CIDR: can't generate IP with index ${index} from subnet. subnet too small. subnet: "${cidr}"`,
    );
  }
  return isV4 ? formatIPv4(out) : formatIPv6(out);
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
  const fmt = (host: string, port: string) =>
    `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
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
  const v6 = parseIPv6(advertiseAddress);
  return fmt(v6 !== undefined ? formatIPv6(v6) : advertiseAddress, String(bindPort));
}
