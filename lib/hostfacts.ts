/** The real HostFacts (lib/config's dynamic defaulting inputs), read through a Host. */
import type { Host } from "./host.ts";
import type { HostFacts } from "./config/host_facts.ts";

/** CRI sockets kubeadm v1.37 probes for, in its order (constants_unix.go). */
export const KNOWN_CRI_SOCKETS = [
  "unix:///var/run/containerd/containerd.sock",
  "unix:///var/run/crio/crio.sock",
  "unix:///var/run/cri-dockerd.sock",
];

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
