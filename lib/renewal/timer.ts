/**
 * `kubestrap certs renew --install-timer | --uninstall-timer` (beyond kubeadm): a daily run of
 * `certs renew all --if-expiring-within <window>`, so that a certificate never reaches its end
 * (kubeadm renews only on upgrade or by hand).
 *
 * With systemd (booted: /run/systemd/system, or installed), a oneshot service and a daily timer
 * (Persistent: a missed day runs at the next boot) in /etc/systemd/system; on the running system
 * (no --rootfs) the timer is enabled and started with systemctl, under --rootfs the line to run
 * there is printed. Without systemd, an /etc/cron.d entry. Every file goes through lib/host.ts,
 * so --rootfs holds.
 */
import type { Host } from "../host.ts";

const TIMER_NAME = "kubestrap-certs-renew";
const SYSTEMD_DIR = "/etc/systemd/system";
const SERVICE_PATH = `${SYSTEMD_DIR}/${TIMER_NAME}.service`;
const TIMER_PATH = `${SYSTEMD_DIR}/${TIMER_NAME}.timer`;
const CRON_PATH = `/etc/cron.d/${TIMER_NAME}`;
const LOG_PATH = `/var/log/${TIMER_NAME}.log`;

export interface TimerOptions {
  /** The kubestrap executable the timer runs (a path on the node). */
  program: string;
  /** The `--if-expiring-within` window (a Go duration). */
  window: string;
}

/** The renewal command line the timer runs. */
export function renewCommand(o: TimerOptions): string {
  return `${o.program} certs renew all --if-expiring-within ${o.window}`;
}

function serviceUnit(o: TimerOptions): string {
  return `[Unit]
Description=Renew the Kubernetes certificates that expire within ${o.window} (kubestrap)
Documentation=https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/
After=network-online.target kubelet.service containerd.service

[Service]
Type=oneshot
ExecStart=${renewCommand(o)}
`;
}

function timerUnit(o: TimerOptions): string {
  return `[Unit]
Description=Daily renewal of the Kubernetes certificates that expire within ${o.window} (kubestrap)

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
`;
}

function cronEntry(o: TimerOptions): string {
  return `# Daily renewal of the Kubernetes certificates that expire within ${o.window} (kubestrap).
# Remove with: ${o.program} certs renew --uninstall-timer
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
17 3 * * * root ${renewCommand(o)} >>${LOG_PATH} 2>&1
`;
}

/** Whether the host (its root) runs or has systemd. */
async function hasSystemd(host: Host): Promise<boolean> {
  for (const p of ["/run/systemd/system", "/usr/lib/systemd/systemd", "/lib/systemd/systemd"]) {
    if (await host.exists(p)) return true;
  }
  return false;
}

/** systemctl on the running system (no --rootfs), if it is there. */
async function systemctl(host: Host, args: string[]): Promise<string | undefined> {
  if (host.root !== "/" || !(await host.lookPath("systemctl"))) return undefined;
  const r = await host.run("systemctl", args);
  return r.code === 0 ? "" : (r.stderr || r.stdout).trim() || `exit status ${r.code}`;
}

/** Writes (and on the running system enables) the timer; returns the lines to print. */
export async function installRenewalTimer(host: Host, o: TimerOptions): Promise<string[]> {
  const lines: string[] = [];
  if (!(await hasSystemd(host))) {
    await host.writeFile(CRON_PATH, cronEntry(o), { mode: 0o644, dirMode: 0o755 });
    lines.push(`[renew] No systemd here: wrote the cron entry ${CRON_PATH}`);
    lines.push(`[renew] It runs "${renewCommand(o)}" daily at 03:17, logging to ${LOG_PATH}`);
    return lines;
  }
  await host.writeFile(SERVICE_PATH, serviceUnit(o), { mode: 0o644, dirMode: 0o755 });
  await host.writeFile(TIMER_PATH, timerUnit(o), { mode: 0o644, dirMode: 0o755 });
  lines.push(`[renew] Wrote ${SERVICE_PATH} and ${TIMER_PATH}`);
  const enable = `systemctl daemon-reload && systemctl enable --now ${TIMER_NAME}.timer`;
  const reload = await systemctl(host, ["daemon-reload"]);
  const err = reload === ""
    ? await systemctl(host, ["enable", "--now", `${TIMER_NAME}.timer`])
    : reload;
  if (err === undefined) {
    lines.push(`[renew] Enable it on the node with: ${enable}`);
  } else if (err !== "") {
    lines.push(`[renew] WARNING: could not enable the timer (${err}); run: ${enable}`);
  } else {
    lines.push(`[renew] Enabled and started ${TIMER_NAME}.timer`);
  }
  lines.push(`[renew] It runs "${renewCommand(o)}" daily (journalctl -u ${TIMER_NAME})`);
  return lines;
}

/** Stops and removes whatever installRenewalTimer wrote; returns the lines to print. */
export async function uninstallRenewalTimer(host: Host): Promise<string[]> {
  const lines: string[] = [];
  if (await host.exists(TIMER_PATH)) {
    await systemctl(host, ["disable", "--now", `${TIMER_NAME}.timer`]);
  }
  let removed = 0;
  for (const p of [TIMER_PATH, SERVICE_PATH, CRON_PATH]) {
    if (await host.remove(p)) {
      lines.push(`[renew] Removed ${p}`);
      removed++;
    }
  }
  if (removed > 0 && (await hasSystemd(host))) await systemctl(host, ["daemon-reload"]);
  if (removed === 0) lines.push("[renew] No renewal timer is installed: nothing to remove");
  return lines;
}
