/**
 * Bootstrap tokens on the API server: kubeadm's UpdateOrCreateTokens / CreateNewTokens,
 * `token list` (field selector type=bootstrap.kubernetes.io/token) and `token delete`.
 */

import type { KubeClient } from "../kube/client.ts";
import { createOrUpdate, type PollOptions } from "../kube/idempotency.ts";
import {
  BOOTSTRAP_TOKEN_ID_PATTERN,
  BOOTSTRAP_TOKEN_PATTERN,
  type BootstrapToken,
  goQuote,
  isValidTokenID,
  parseToken,
  SECRET_TYPE_BOOTSTRAP_TOKEN,
  type SecretObject,
  tokenFromSecret,
  tokenSecretName,
  tokenToSecret,
} from "./token.ts";

/**
 * Create or update the Secret of each token. With `failIfExists`, an existing Secret
 * with the same ID is an error: `a token with id "<id>" already exists`.
 */
export async function updateOrCreateTokens(
  client: KubeClient,
  failIfExists: boolean,
  tokens: BootstrapToken[],
  opts: PollOptions = {},
): Promise<void> {
  for (const t of tokens) {
    const name = tokenSecretName(t.token.id);
    // kubeadm always looks first (dry-run prints the GET), once, ignores a failing Get and lets
    // create-or-update report problems: retrying the Get too would spend the API-call timeout
    // twice while the API server is away.
    const exists = await client.get("secrets", name, "kube-system", { retry: false }).then(
      () => true,
      () => false,
    );
    if (exists && failIfExists) {
      throw new Error(`a token with id ${goQuote(t.token.id)} already exists`);
    }
    const secret = tokenToSecret(t);
    try {
      await createOrUpdate(client, "secrets", secret, opts);
    } catch (e) {
      throw new Error(
        `failed to create or update bootstrap token with name ${name}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
}

/** kubeadm's CreateNewTokens (fails when a token with the same ID exists). */
export function createNewTokens(
  client: KubeClient,
  tokens: BootstrapToken[],
  opts: PollOptions = {},
): Promise<void> {
  return updateOrCreateTokens(client, true, tokens, opts);
}

/** One entry of {@link listTokens}: a token, or why its Secret is invalid. */
export type ListedToken = { token: BootstrapToken } | { error: string; secretName: string };

/** The bootstrap-token Secrets of kube-system, parsed (invalid ones reported, not thrown). */
export async function listTokens(client: KubeClient): Promise<ListedToken[]> {
  let list;
  try {
    list = await client.list<SecretObject>("secrets", {
      namespace: "kube-system",
      fieldSelector: `type=${SECRET_TYPE_BOOTSTRAP_TOKEN}`,
    });
  } catch (e) {
    throw new Error(`failed to list bootstrap tokens: ${(e as Error).message}`, { cause: e });
  }
  return list.items.map((s) => {
    try {
      return { token: tokenFromSecret(s) };
    } catch (e) {
      return { error: (e as Error).message, secretName: s.metadata?.name ?? "" };
    }
  });
}

/**
 * kubeadm's RunDeleteTokens for one argument (a token ID or a full token). Returns the
 * line kubeadm prints: `bootstrap token "<id>" deleted`.
 */
export async function deleteToken(client: KubeClient, idOrToken: string): Promise<string> {
  let id = idOrToken;
  if (!isValidTokenID(idOrToken)) {
    try {
      id = parseToken(idOrToken).id;
    } catch {
      throw new Error(
        `given token didn't match pattern ${goQuote(BOOTSTRAP_TOKEN_PATTERN)} or ${
          goQuote(BOOTSTRAP_TOKEN_ID_PATTERN)
        }`,
      );
    }
  }
  try {
    await client.delete("secrets", tokenSecretName(id), "kube-system");
  } catch (e) {
    throw new Error(`failed to delete bootstrap token ${goQuote(id)}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return `bootstrap token ${goQuote(id)} deleted`;
}
