/** Small Go net helpers the manifests need (net.JoinHostPort, utilsnet.IsIPv6String). */

/** net.JoinHostPort: brackets the host when it contains a colon. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Parses an IPv6 text form to 16 bytes, or undefined (zones not accepted, as net.ParseIP). */
function parseIPv6(s: string): number[] | undefined {
  if (!s.includes(":")) return undefined;
  let tail: number[] = [];
  let str = s;
  const lastColon = str.lastIndexOf(":");
  const last = str.slice(lastColon + 1);
  if (last.includes(".")) {
    if (!isIPv4(last)) return undefined;
    tail = last.split(".").map(Number);
    str = str.slice(0, lastColon + 1) + "0:0";
  }
  const halves = str.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): number[] | undefined => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      const v = parseInt(g, 16);
      out.push(v >> 8, v & 0xff);
    }
    return out;
  };
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !rest) return undefined;
  let bytes: number[];
  if (halves.length === 2) {
    const fill = 16 - head.length - rest.length;
    if (fill < 2) return undefined;
    bytes = [...head, ...new Array(fill).fill(0), ...rest];
  } else {
    if (head.length !== 16) return undefined;
    bytes = head;
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** utilsnet.IsIPv6String: a valid IP that is not an IPv4 (or IPv4-mapped) address. */
export function isIPv6String(s: string | undefined): boolean {
  if (!s) return false;
  const b = parseIPv6(s);
  if (!b) return false;
  const v4mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return !v4mapped;
}
