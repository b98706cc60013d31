/**
 * The run bodies of `token create|list|delete` (cmd/token.go): kubeadm's kubeconfig look-up
 * (GetKubeConfigPath), its dry-run client, its outputs. `token generate` is in token.ts.
 */
import type { CommandContext } from "../cli.ts";
import { KubestrapError } from "../errors.ts";
import { Host, programName } from "../host.ts";
import { KubeClient, type KubeClientConfig } from "../kube/client.ts";
import { kubeClientConfig } from "../kube/kubeconfig.ts";
import { dryRunClient } from "../dryrun/client.ts";
import {
  type BootstrapToken,
  generateToken,
  parseToken,
  tokenString,
  validateBootstrapToken,
} from "../tokens/token.ts";
import { createNewTokens, deleteToken, listTokens } from "../tokens/secrets.ts";
import { outputBootstrapToken, tokenListText } from "../tokens/output.ts";
import { printFlagValues, toPrinter } from "../output/printers.ts";
import { caCertHashes } from "../tokens/cahash.ts";
import { parseDurationMs } from "../util/duration.ts";
import {
  ADMIN_KUBECONFIG_PATH,
  DEFAULT_TOKEN_GROUPS,
  DEFAULT_TOKEN_USAGES,
} from "../config/constants.ts";
import { hostPortOfServer, joinCommandOneLine } from "../apiobjects/joincommand.ts";

/** The host of the token commands: `--rootfs` (kubeadm chroots there) or "/". */
function tokenHost(ctx: CommandContext): Host {
  return new Host((ctx.flags.rootfs as string | undefined) || "/");
}

/** cmdutil.GetKubeConfigPath: the flag, else $KUBECONFIG, ~/.kube/config, admin.conf. */
export async function kubeconfigPath(host: Host, flag: string | undefined): Promise<string> {
  if (flag) return flag;
  const precedence: string[] = [];
  const env = Deno.env.get("KUBECONFIG");
  if (env) precedence.push(...env.split(":").filter((p) => p));
  else precedence.push(`${Deno.env.get("HOME") ?? ""}/.kube/config`);
  precedence.push(ADMIN_KUBECONFIG_PATH);
  for (const p of precedence) {
    if (await host.stat(host.absolute(p)).catch(() => undefined)) return p;
  }
  return precedence[0];
}

/** getClientForTokenCommands. */
async function clientFor(ctx: CommandContext, host: Host, path: string): Promise<KubeClient> {
  const cfg = await kubeClientConfig({ host, path });
  if (ctx.flags["dry-run"]) {
    return dryRunClient({
      out: (s) => ctx.out(s),
      real: cfg,
      nodeReactors: false,
      bootstrapTokenDeleteReactor: true,
    }).client;
  }
  return new KubeClient(cfg);
}

async function tokensToCreate(ctx: CommandContext): Promise<BootstrapToken[]> {
  const configPath = ctx.flags.config as string | undefined;
  const { changedFlags, validateMixedArguments } = await import("./flags_to_config.ts");
  validateMixedArguments(changedFlags(ctx));
  if (configPath) {
    const { loadInitConfig } = await import("../config/load.ts");
    const { hostFacts } = await import("../config/host_facts.ts");
    const { Host } = await import("../host.ts");
    const cfg = await loadInitConfig({
      configPath,
      host: hostFacts(new Host("/")),
      skipCRIDetect: true,
    });
    return (cfg.init.bootstrapTokens ?? []).map((bt) => {
      const out: BootstrapToken = { token: parseToken(bt.token ?? "") };
      if (bt.description) out.description = bt.description;
      if (bt.expires) out.expires = new Date(bt.expires);
      else if (bt.ttl !== undefined) out.ttlMs = parseDurationMs(bt.ttl);
      if (bt.usages) out.usages = [...bt.usages];
      if (bt.groups) out.groups = [...bt.groups];
      return out;
    });
  }
  const arg = ctx.args[0];
  let token;
  if (arg) {
    if (!/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(arg)) {
      throw new KubestrapError(
        `the bootstrap token "${arg}" was not of the form "\\\\A([a-z0-9]{6})\\\\.([a-z0-9]{16})\\\\z"`,
      );
    }
    token = parseToken(arg);
  } else {
    token = parseToken(generateToken());
  }
  const bt: BootstrapToken = {
    token,
    ttlMs: parseDurationMs(String(ctx.flags.ttl ?? "24h0m0s")),
    usages: (ctx.flags.usages as string[] | undefined) ?? [...DEFAULT_TOKEN_USAGES],
    groups: (ctx.flags.groups as string[] | undefined) ?? [...DEFAULT_TOKEN_GROUPS],
  };
  if (bt.usages!.length === 0) bt.usages = [...DEFAULT_TOKEN_USAGES];
  if (bt.groups!.length === 0) bt.groups = [...DEFAULT_TOKEN_GROUPS];
  const description = ctx.flags.description as string | undefined;
  if (description) bt.description = description;
  const errs = validateBootstrapToken(bt, "bootstrapTokens[0]");
  if (errs.length > 0) {
    throw new KubestrapError(errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`);
  }
  return [bt];
}

/** `token create`. */
export async function runCreateToken(ctx: CommandContext): Promise<void> {
  const tokens = await tokensToCreate(ctx);
  const host = tokenHost(ctx);
  const path = await kubeconfigPath(host, ctx.flags.kubeconfig as string | undefined);
  const client = await clientFor(ctx, host, path);
  try {
    await createNewTokens(client, tokens);
  } catch (e) {
    throw new KubestrapError((e as Error).message);
  } finally {
    client.close();
  }
  const token = tokenString(tokens[0].token);
  const certificateKey = (ctx.flags["certificate-key"] as string | undefined) ?? "";
  if (!ctx.flags["print-join-command"]) {
    if (certificateKey) {
      throw new KubestrapError("cannot use --certificate-key without --print-join-command");
    }
    ctx.out(token + "\n");
    return;
  }
  let cfg: KubeClientConfig;
  try {
    cfg = await kubeClientConfig({ host, path });
  } catch (e) {
    throw new KubestrapError(`failed to get join command: ${(e as Error).message}`);
  }
  const line = joinCommandOneLine({
    program: programName(),
    controlPlaneHostPort: hostPortOfServer(cfg.server),
    token,
    caCertHashes: caCertHashes(cfg.caData ?? ""),
    controlPlane: certificateKey !== "",
    certificateKey: certificateKey || undefined,
  });
  ctx.out(line + "\n");
}

/** `token list`. */
export async function runListTokens(ctx: CommandContext): Promise<void> {
  const host = tokenHost(ctx);
  const path = await kubeconfigPath(host, ctx.flags.kubeconfig as string | undefined);
  const client = await clientFor(ctx, host, path);
  let listed;
  try {
    const printer = await toPrinter(printFlagValues(ctx.flags));
    listed = await listTokens(client).catch((e) => {
      throw new KubestrapError((e as Error).message);
    });
    const tokens: BootstrapToken[] = [];
    for (const l of listed) {
      if ("error" in l) ctx.err(l.error);
      else tokens.push(l.token);
    }
    if (printer.kind === "text") {
      ctx.out(tokenListText(tokens));
      return;
    }
    for (const t of tokens) {
      try {
        printer.print(outputBootstrapToken(t), ctx.out);
      } catch (e) {
        if (!(e instanceof KubestrapError)) throw e;
        throw new KubestrapError(`unable to print token ${tokenString(t.token)}: ${e.message}`);
      }
    }
  } finally {
    client.close();
  }
}

/** `token delete`. */
export async function runDeleteTokens(ctx: CommandContext): Promise<void> {
  const host = tokenHost(ctx);
  const path = await kubeconfigPath(host, ctx.flags.kubeconfig as string | undefined);
  const client = await clientFor(ctx, host, path);
  try {
    for (const arg of ctx.args) {
      try {
        ctx.out((await deleteToken(client, arg)) + "\n");
      } catch (e) {
        throw new KubestrapError((e as Error).message);
      }
    }
  } finally {
    client.close();
  }
}
