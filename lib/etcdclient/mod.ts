/**
 * A small etcd v3 client over etcd's HTTP/JSON gateway (served on the client port since etcd
 * 3.4; `/v3/cluster/member/*`, `/v3/maintenance/status`) with mTLS, as kubeadm's util/etcd
 * uses the gRPC client: member list/add-as-learner/promote/remove and status, retried within
 * `etcdAPICall` at 500 ms.
 */

export interface EtcdMember {
  /** uint64 as a decimal string (the gateway's JSON mapping). */
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EtcdTLS {
  /** PEM of etcd's CA, the client certificate and key. */
  ca: string;
  cert: string;
  key: string;
}

/**
 * The credentials kubeadm's etcd client uses: etcd's CA and the healthcheck-client pair under
 * `certDir`. A missing file is an error naming it.
 */
export async function healthcheckClientTLS(
  host: { readText(path: string): Promise<string | undefined> },
  certDir: string,
): Promise<EtcdTLS> {
  const read = async (p: string) => {
    const t = await host.readText(`${certDir}/${p}`);
    if (t === undefined) throw new Error(`open ${certDir}/${p}: no such file or directory`);
    return t;
  };
  return {
    ca: await read("etcd/ca.crt"),
    cert: await read("etcd/healthcheck-client.crt"),
    key: await read("etcd/healthcheck-client.key"),
  };
}

export interface EtcdClientOptions {
  /** Overall retry budget of one operation (kubeadm: timeouts.etcdAPICall, 2 m). */
  retryTimeoutMs?: number;
  retryIntervalMs?: number;
  /** Timeout of one HTTP call (kubeadm: 2 s dial; we allow a little more). */
  callTimeoutMs?: number;
}

function toMember(m: Record<string, unknown>): EtcdMember {
  return {
    ID: String(m.ID ?? "0"),
    name: String(m.name ?? ""),
    peerURLs: (m.peerURLs as string[] | undefined) ?? [],
    clientURLs: (m.clientURLs as string[] | undefined) ?? [],
    isLearner: m.isLearner === true,
  };
}

/** The member ID in kubeadm's hex form (strconv.FormatUint(id, 16)). */
export function memberIDHex(id: string): string {
  return BigInt(id).toString(16);
}

export class EtcdClient implements Disposable {
  endpoints: string[];
  /**
   * Client URLs of members added as learners by this client: a learner cannot answer member
   * calls (they would wait for its timeout), so member list and promote skip them.
   */
  private readonly learnerEndpoints = new Set<string>();
  private readonly http: Deno.HttpClient;
  private opts: Required<EtcdClientOptions>;

  constructor(endpoints: string[], tls: EtcdTLS, opts: EtcdClientOptions = {}) {
    if (endpoints.length === 0) throw new Error("etcd client: no endpoints");
    this.endpoints = endpoints.map((e) => e.replace(/\/+$/, ""));
    this.http = Deno.createHttpClient({ caCerts: [tls.ca], cert: tls.cert, key: tls.key });
    this.opts = {
      retryTimeoutMs: opts.retryTimeoutMs ?? 120_000,
      retryIntervalMs: opts.retryIntervalMs ?? 500,
      callTimeoutMs: opts.callTimeoutMs ?? 5_000,
    };
  }

  close(): void {
    this.http.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** One POST to the first endpoint that answers. */
  call<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.callOn<T>(this.endpoints, path, body);
  }

  private async callOn<T>(
    endpoints: string[],
    path: string,
    body: unknown,
    timeoutMs = this.opts.callTimeoutMs,
  ): Promise<T> {
    let last: unknown;
    for (const ep of endpoints) {
      try {
        const res = await fetch(
          `${ep}${path}`,
          {
            method: "POST",
            body: JSON.stringify(body),
            headers: { "Content-Type": "application/json" },
            client: this.http,
            signal: AbortSignal.timeout(timeoutMs),
          } as RequestInit & { client: Deno.HttpClient },
        );
        const text = await res.text();
        let json: Record<string, unknown> = {};
        try {
          json = text ? JSON.parse(text) : {};
        } catch {
          json = { message: text.trim() };
        }
        if (res.status !== 200) {
          const m = (json.message ?? json.error ?? `status ${res.status}`) as string;
          throw new EtcdError(m, res.status);
        }
        return json as T;
      } catch (e) {
        last = e;
        if (e instanceof EtcdError && e.permanent) throw e;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /** Retries `fn` every retryInterval until it succeeds or the budget is spent. */
  async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.opts.retryTimeoutMs;
    let last: unknown;
    while (true) {
      try {
        return await fn();
      } catch (e) {
        last = e;
        if (e instanceof EtcdError && e.permanent) break;
      }
      if (Date.now() + this.opts.retryIntervalMs > deadline) break;
      await new Promise((r) => setTimeout(r, this.opts.retryIntervalMs));
    }
    throw new Error(`${what}: ${last instanceof Error ? last.message : String(last)}`);
  }

  async memberList(): Promise<EtcdMember[]> {
    return await this.retry("etcd member list failed", async () => {
      const r = await this.callOn<{ members?: Record<string, unknown>[] }>(
        this.voterEndpoints(),
        "/v3/cluster/member/list",
        { linearizable: true },
      );
      const members = (r.members ?? []).map(toMember);
      this.markLearners(members);
      return members;
    });
  }

  /**
   * Learners answer no member call ("rpc not supported for learner"): the client URLs of the
   * learners in a member list are left out of later member calls (a learner another run added,
   * e.g. before `join --resume`, is in the endpoints synced from the member list).
   */
  markLearners(members: EtcdMember[]): void {
    for (const m of members) {
      if (m.isLearner) {
        for (const u of m.clientURLs) this.learnerEndpoints.add(u.replace(/\/+$/, ""));
      }
    }
  }

  /**
   * kubeadm's AddMemberAsLearner: reuse a member that already has `peerURL`, else add it
   * as a learner (a concurrent "peer URL exists" re-lists). Returns the full member list;
   * the new member's client URL is added to `endpoints`.
   */
  async addMemberAsLearner(name: string, peerURL: string): Promise<EtcdMember[]> {
    const members = await this.addLearner(name, peerURL);
    // kubeadm's addMember: the new member's client URL joins the endpoints, so that the wait
    // for the cluster to be available after the promotion also checks the new member. While it
    // is a learner (also one an interrupted run added) member calls do not go to it.
    const clientURL = `https://${new URL(peerURL).hostname}:2379`;
    if (!this.endpoints.includes(clientURL)) this.endpoints.push(clientURL);
    const me = members.find((m) => m.peerURLs.includes(peerURL));
    if (!me || me.isLearner) this.learnerEndpoints.add(clientURL);
    return members;
  }

  private async addLearner(name: string, peerURL: string): Promise<EtcdMember[]> {
    return await this.retry("failed to add learner member", async () => {
      const members = await this.memberList();
      if (members.some((m) => m.peerURLs.includes(peerURL))) return members;
      try {
        const r = await this.call<{ members?: Record<string, unknown>[] }>(
          "/v3/cluster/member/add",
          { peerURLs: [peerURL], isLearner: true },
        );
        return (r.members ?? []).map(toMember).map((m) =>
          m.peerURLs.includes(peerURL) && !m.name ? { ...m, name } : m
        );
      } catch (e) {
        if (/peer ?URL exists/i.test((e as Error).message)) return await this.memberList();
        throw e;
      }
    });
  }

  async memberIDByPeerURL(peerURL: string): Promise<EtcdMember | undefined> {
    return (await this.memberList()).find((m) => m.peerURLs.includes(peerURL));
  }

  /** The endpoints of voting members (the ones this client did not add as learners). */
  private voterEndpoints(): string[] {
    const v = this.endpoints.filter((e) => !this.learnerEndpoints.has(e));
    return v.length ? v : this.endpoints;
  }

  /**
   * kubeadm's MemberPromote: waits until the learner has started (it has published its name),
   * then promotes it, retried until it has caught up with the leader. Asks the voting members
   * only.
   */
  async promoteLearner(id: string): Promise<void> {
    await this.retry("failed to promote learner member", async () => {
      const m = (await this.memberList()).find((x) => x.ID === id);
      if (m && !m.isLearner) return;
      if (m && !m.name) throw new EtcdError(`member ${memberIDHex(id)} is not started yet`, 503);
      await this.callOn(this.voterEndpoints(), "/v3/cluster/member/promote", { ID: id });
    });
  }

  async removeMember(id: string): Promise<EtcdMember[]> {
    return await this.retry("failed to remove etcd member", async () => {
      try {
        const r = await this.call<{ members?: Record<string, unknown>[] }>(
          "/v3/cluster/member/remove",
          { ID: id },
        );
        return (r.members ?? []).map(toMember);
      } catch (e) {
        if (/member not found/i.test((e as Error).message)) return await this.memberList();
        throw e;
      }
    });
  }

  /** Status of one endpoint (maintenance/status). */
  /** Maintenance Status of one endpoint; `timeoutMs` bounds the call (default: callTimeoutMs). */
  async status(endpoint: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return await this.callOn(
      [endpoint.replace(/\/+$/, "")],
      "/v3/maintenance/status",
      {},
      timeoutMs,
    );
  }
}

class EtcdError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "EtcdError";
  }
  /** 4xx other than 429/408: the request itself is wrong; do not retry. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 429 &&
      this.status !== 408 && !/learner|not.*(started|synced)|too many requests/i.test(this.message);
  }
}
