/**
 * `scripts/bench.ts upgrade`: identical one-node clusters made by the real kubeadm v1.36.3, then
 * `upgrade apply v1.37.2 --yes` by kubestrap (the bundle) or by kubeadm v1.37.2, alternating in
 * one invocation so that both see the same machine load. Reports the medians of the apply's wall
 * time, peak RSS and CPU time and the kubestrap/kubeadm ratio (target <= 0.7).
 */
import { testbed } from "../harness/mod.ts";
import type { ToolName } from "./tools.ts";
import { upgradeOneHost } from "./upgrade_test.ts";

const FROM = "v1.36.3";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function benchUpgrade(rounds: number): Promise<void> {
  const to = testbed.kubernetesVersion;
  const samples: Record<ToolName, { ms: number[]; rss: number[]; cpu: number[] }> = {
    kubestrap: { ms: [], rss: [], cpu: [] },
    kubeadm: { ms: [], rss: [], cpu: [] },
  };
  for (let i = 0; i < rounds; i++) {
    const order: ToolName[] = i % 2 === 0 ? ["kubestrap", "kubeadm"] : ["kubeadm", "kubestrap"];
    for (const tool of order) {
      const r = await upgradeOneHost({
        network: `bench-up${i}${tool[5]}`,
        subnet: 40 + (i % 10),
        init: "kubeadm",
        upgrade: tool,
        from: FROM,
        to,
        probe: false,
      });
      samples[tool].ms.push(r.apply.ms);
      samples[tool].rss.push(r.apply.maxRssKiB);
      samples[tool].cpu.push(r.apply.cpuMs);
      console.log(
        `round ${i + 1} ${tool}: upgrade apply ${r.apply.ms.toFixed(0)} ms, ` +
          `${r.apply.maxRssKiB} KiB, ${r.apply.cpuMs.toFixed(0)} ms CPU`,
      );
    }
  }
  const row = (name: string, k: number[], a: number[], target = "") => {
    const ks = median(k), ka = median(a);
    console.log(
      `${name.padEnd(34)} ${ks.toFixed(0).padStart(9)} ${ka.toFixed(0).padStart(9)} ${
        (ks / ka).toFixed(2).padStart(6)
      }  ${target}`,
    );
  };
  console.log(`\n${rounds} rounds, ${FROM} -> ${to}, medians`);
  console.log(`${"".padEnd(34)} kubestrap   kubeadm  ratio`);
  row("upgrade apply (ms)", samples.kubestrap.ms, samples.kubeadm.ms, "<= 0.7");
  row("peak RSS (KiB)", samples.kubestrap.rss, samples.kubeadm.rss);
  row("CPU time (user + system) (ms)", samples.kubestrap.cpu, samples.kubeadm.cpu);
}
