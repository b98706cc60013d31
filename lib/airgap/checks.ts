/**
 * Air-gap preflight checks (beyond kubeadm):
 *   ImageCoverage: with --offline, every image the command needs must already be in the
 *     container runtime (nothing will be pulled); the missing ones are named.
 *   SandboxImage: the runtime's sandbox (pause) image against the one kubestrap expects, with
 *     the configuration change that aligns them. Offline, a runtime sandbox image that is not
 *     present is fatal (the runtime would try to pull it for the first pod).
 */
import { KubestrapError } from "../errors.ts";
import { type Host, programName } from "../host.ts";
import type { CriRuntime } from "../cri/cri.ts";
import { connectRuntime } from "../preflight/checks.ts";
import { defaultCheckContext, runChecks, writeOutput } from "../preflight/runner.ts";
import type { CheckContext, Checker, CheckResult } from "../preflight/types.ts";

/** How to make the runtime use `expected` as its sandbox image. */
export function sandboxRemediation(expected: string): string {
  return [
    `containerd 1.x: set sandbox_image = "${expected}" under ` +
    `[plugins."io.containerd.grpc.v1.cri"] in /etc/containerd/config.toml`,
    `containerd 2.x: set sandbox = "${expected}" under ` +
    `[plugins."io.containerd.cri.v1.images".pinned_images]`,
    `CRI-O: set pause_image = "${expected}" under [crio.image] in /etc/crio/crio.conf`,
    "then restart the runtime (systemctl restart containerd|crio)",
  ].join("; ");
}

function connected(rt: CriRuntime, criSocket: string): Promise<CheckResult | undefined> {
  return connectRuntime(rt, criSocket, {
    observed: false,
    remediation: `# start the container runtime serving ${criSocket}`,
  });
}

/** SandboxImage: compares the runtime's sandbox image with `expected`. */
function sandboxImageCheck(
  opts: { criSocket: string; expected: string; offline?: boolean },
): Checker {
  return {
    name: "SandboxImage",
    expected: `runtime sandbox image ${opts.expected}`,
    async check(ctx: CheckContext): Promise<CheckResult> {
      const rt = ctx.cri(opts.criSocket);
      const bad = await connected(rt, opts.criSocket);
      if (bad) return bad;
      let sb: string;
      try {
        sb = await rt.sandboxImage();
      } catch (e) {
        return {
          warnings: [`could not read the runtime's sandbox image: ${(e as Error).message}`],
          errors: [],
        };
      }
      if (sb === opts.expected) return { warnings: [], errors: [], observed: sb };
      const align = `kubestrap expects ${opts.expected}. To align them: ${
        sandboxRemediation(opts.expected)
      }`;
      const msg = `the container runtime's sandbox image is ${sb}; ${align}`;
      if (opts.offline && !await rt.imageExists(sb)) {
        return {
          warnings: [],
          errors: [
            `--offline: the runtime's sandbox image ${sb} is not present and cannot be pulled; ` +
            align,
          ],
          observed: sb,
          remediation: sandboxRemediation(opts.expected),
        };
      }
      return {
        warnings: [msg],
        errors: [],
        observed: sb,
        remediation: sandboxRemediation(opts.expected),
      };
    },
  };
}

/** The images of `images` that the runtime does not have. */
export async function missingImages(rt: CriRuntime, images: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const i of images) if (!await rt.imageExists(i)) out.push(i);
  return out;
}

/** ImageCoverage: every image must be present in the runtime. */
function imageCoverageCheck(opts: { criSocket: string; images: string[] }): Checker {
  return {
    name: "ImageCoverage",
    expected: `present in the container runtime: ${opts.images.join(", ")}`,
    async check(ctx: CheckContext): Promise<CheckResult> {
      const rt = ctx.cri(opts.criSocket);
      const bad = await connected(rt, opts.criSocket);
      if (bad) return bad;
      const missing = await missingImages(rt, opts.images);
      if (missing.length === 0) {
        return { warnings: [], errors: [], observed: `${opts.images.length} images present` };
      }
      return {
        warnings: [],
        errors: [
          `--offline: ${missing.length} of ${opts.images.length} images are missing from the ` +
          `container runtime and will not be pulled: ${missing.join(", ")}`,
        ],
        observed: `missing: ${missing.join(", ")}`,
        remediation: `${programName()} bundle import <bundle.tar> (a bundle made by ` +
          `\`${programName()} bundle create\` from the same config)`,
      };
    },
  };
}

/**
 * Runs ImageCoverage and SandboxImage for an --offline command before it writes anything; prints
 * kubeadm-style preflight lines and throws "preflight checks failed" naming the missing images.
 */
export async function offlinePreflight(opts: {
  host: Host;
  criSocket: string;
  images: string[];
  pauseImage: string;
  ignore?: ReadonlySet<string>;
  io: { stdout(s: string): void; stderr(s: string): void };
  ctx?: CheckContext;
}): Promise<void> {
  const checks = [
    imageCoverageCheck({ criSocket: opts.criSocket, images: opts.images }),
    sandboxImageCheck({ criSocket: opts.criSocket, expected: opts.pauseImage, offline: true }),
  ];
  const res = await runChecks(
    checks,
    opts.ignore ?? new Set(),
    opts.ctx ?? defaultCheckContext(opts.host),
    "offline",
  );
  writeOutput(res.output, opts.io);
  if (res.failed) {
    const errs = res.reports.filter((r) => r.severity === "error").map((r) => r.message);
    throw new KubestrapError(`offline preflight checks failed: ${errs.join("; ")}`);
  }
}
