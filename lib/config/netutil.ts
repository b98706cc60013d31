/**
 * IP / CIDR helpers with Go `net` (k8s.io/utils/net "sloppy") semantics: parsing, canonical
 * formatting (RFC 5952 for IPv6), masks, range sizes, indexed IPs.
 */

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

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  if (s.includes("%")) return undefined;
  let tail4: bigint | undefined;
  let str = s;
  const lastColon = str.lastIndexOf(":");
  if (lastColon >= 0 && str.slice(lastColon + 1).includes(".")) {
    tail4 = parseIPv4(str.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    str = str.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = str.split("::");
  if (dbl.length > 2) return undefined;
  const parseGroups = (x: string): number[] | undefined => {
    if (x === "") return [];
    const gs = x.split(":");
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl.length === 2) {
    const a = parseGroups(dbl[0]);
    const b = parseGroups(dbl[1]);
    if (!a || !b) return undefined;
    const fill = 8 - a.length - b.length;
    if (fill < 1) return undefined;
    groups = [...a, ...Array(fill).fill(0), ...b];
  } else {
    const a = parseGroups(str);
    if (!a || a.length !== 8) return undefined;
    groups = a;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

/** netutils.ParseIPSloppy: undefined when the string is not an IP. */
export function parseIP(s: string): IP | undefined {
  if (s.includes(":")) {
    const v = parseIPv6(s);
    if (v === undefined) return undefined;
    // IPv4-mapped addresses behave as IPv4 in Go (To4() != nil)
    if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
    return { family: 6, value: v };
  }
  const v = parseIPv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function formatIP(ip: IP): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((sh) => ((v >> sh) & 0xffn).toString()).join(".");
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // longest run of zeros (>= 2)
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(":");
  const left = groups.slice(0, bestStart).map(hex).join(":");
  const right = groups.slice(bestStart + bestLen).map(hex).join(":");
  return `${left}::${right}`;
}

/** netutils.ParseCIDRSloppy. */
export function parseCIDR(s: string): CIDR | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const pfx = s.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(pfx)) return undefined;
  // Go: an IPv4-mapped address in IPv6 notation keeps 128 bits in ParseCIDR.
  const bits: 32 | 128 = s.slice(0, slash).includes(":") ? 128 : 32;
  const prefix = Number(pfx);
  if (prefix > bits) return undefined;
  let value = ip.value;
  if (bits === 128 && ip.family === 4) value = (0xffffn << 32n) | value;
  const mask = bits === 32
    ? ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n)
    : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
  value &= mask;
  const family: 4 | 6 = bits === 32 || value >> 32n === 0xffffn ? 4 : 6;
  const ipOut: IP = family === 4 ? { family: 4, value: value & 0xffffffffn } : { family, value };
  return { ip: ipOut, prefix, bits };
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
