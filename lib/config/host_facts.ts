/**
 * HostFacts: what kubeadm's dynamic defaulting asks of the machine (hostname, the addresses of the
 * default-route interfaces, the CRI sockets present), and where the answers come from:
 * - {@link hostFacts}: through a lib/host.ts Host (rooted at `--rootfs`), what commands and
 *   phases use;
 * - {@link systemHostFacts}: the running system read directly (/proc routes, Deno's interfaces),
 *   for the `config` commands, which have no Host;
 * - {@link fakeHostFacts}: fixed answers, for tests.
 */
import { Host } from "../host.ts";
import { KNOWN_CRI_SOCKETS } from "./constants.ts";

/** The host facts dynamic defaulting reads, injected so that tests can pass a fixed fake. */
export interface HostFacts {
  /** The machine's hostname (os.Hostname()); trimmed and lower-cased by the caller. */
  hostname(): string;
  /** IPv4 address of the interface carrying the default IPv4 route, if any. */
  defaultIPv4(): Promise<string | undefined>;
  /** IPv6 address of the interface carrying the default IPv6 route, if any. */
  defaultIPv6?(): Promise<string | undefined>;
  /** Which of the known CRI sockets (as `unix://` URLs) exist on the host. */
  criSockets(): Promise<string[]>;
  /** A global unicast address found on the loopback interface, if any (for `127.x` requests). */
  loopbackGlobalIP?(): Promise<string | undefined>;
}

/** A fixed HostFacts for tests and for commands that must not look at the host. */
export function fakeHostFacts(opts: {
  hostname?: string;
  ipv4?: string;
  ipv6?: string;
  criSockets?: string[];
} = {}): HostFacts {
  return {
    hostname: () => opts.hostname ?? "node-1",
    defaultIPv4: () => Promise.resolve(opts.ipv4 ?? "192.0.2.10"),
    defaultIPv6: () => Promise.resolve(opts.ipv6),
    criSockets: () => Promise.resolve(opts.criSockets ?? []),
  };
}

/** HostFacts read through a Host: its hostname, default-route addresses and CRI sockets. */
export function hostFacts(host: Host): HostFacts {
  return {
    hostname: () => host.hostname(),
    defaultIPv4: () => host.defaultIP(4),
    defaultIPv6: () => host.defaultIP(6),
    criSockets: async () => {
      const found: string[] = [];
      for (const s of KNOWN_CRI_SOCKETS) {
        const st = await host.stat(s.slice("unix://".length)).catch(() => undefined);
        if (st) found.push(s);
      }
      return found;
    },
  };
}

/**
 * A minimal HostFacts read from the running system (hostname, default-route interface address,
 * CRI sockets present), for callers without a Host.
 */
export function systemHostFacts(root = ""): HostFacts {
  const host = new Host(root || "/");
  const defaultRouteIface = async (file: string, v6: boolean): Promise<string | undefined> => {
    try {
      const lines = ((await host.readText(file)) ?? "").split("\n").slice(v6 ? 0 : 1);
      for (const l of lines) {
        const f = l.trim().split(/\s+/);
        if (!v6 && f.length > 2 && f[1] === "00000000") return f[0];
        if (v6 && f.length > 9 && /^0+$/.test(f[0]) && f[1] === "00") return f[9];
      }
    } catch { /* no routes file */ }
    return undefined;
  };
  const addrOf = (iface: string | undefined, family: "IPv4" | "IPv6") => {
    if (!iface) return undefined;
    try {
      const a = host.interfaces().find((n) =>
        n.name === iface && n.family === family && !n.address.startsWith("fe80")
      );
      return a?.address;
    } catch {
      return undefined;
    }
  };
  return {
    hostname: () => {
      try {
        return host.hostname();
      } catch {
        return "";
      }
    },
    defaultIPv4: async () => addrOf(await defaultRouteIface("/proc/net/route", false), "IPv4"),
    defaultIPv6: async () => addrOf(await defaultRouteIface("/proc/net/ipv6_route", true), "IPv6"),
    criSockets: async () => {
      const found: string[] = [];
      for (const s of KNOWN_CRI_SOCKETS) {
        const st = await host.stat(s.slice("unix://".length)).catch(() => undefined);
        if (st?.isSocket) found.push(s);
      }
      return found;
    },
  };
}
