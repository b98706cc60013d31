/**
 * Image references (Docker's normalisation rules) and a minimal client of the OCI distribution
 * API: manifests and blobs by digest, anonymous bearer tokens. Loopback registries are spoken to
 * over plain HTTP (as containerd does for localhost); everything else over HTTPS.
 */
import { sha256Hex } from "../util/sha256.ts";

export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

const MANIFEST_ACCEPT = [
  MEDIA.ociIndex,
  MEDIA.ociManifest,
  MEDIA.dockerList,
  MEDIA.dockerManifest,
].join(", ");

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
}

export function isManifest(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

/** A parsed, normalised image reference. */
export interface ImageRef {
  /** Registry host[:port] ("docker.io" for Docker Hub). */
  domain: string;
  /** Repository path within the registry. */
  path: string;
  tag?: string;
  digest?: string;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** Docker's reference normalisation: `busybox` is `docker.io/library/busybox:latest`. */
export function parseRef(ref: string): ImageRef {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw new Error(`invalid image reference ${ref}: bad digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf("/");
  let domain = "docker.io";
  let path = rest;
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === "docker.io" && !path.includes("/")) path = `library/${path}`;
  if (
    !path ||
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(
      path,
    )
  ) {
    throw new Error(`invalid image reference ${JSON.stringify(ref)}`);
  }
  if (!tag && !digest) tag = "latest";
  return { domain, path, tag, digest };
}

/** The canonical string of a reference (`domain/path:tag` or `domain/path@digest`). */
export function formatRef(r: ImageRef): string {
  return `${r.domain}/${r.path}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

/** True for hosts containerd and kubestrap treat as loopback (plain HTTP). */
function isLoopbackRegistry(domain: string): boolean {
  const host = domain.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface Fetched {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

/** OCI distribution API client for one registry. */
export class RegistryClient {
  readonly base: string;
  #token = new Map<string, string>();

  constructor(
    readonly domain: string,
    opts: { plainHttp?: boolean; fetch?: typeof fetch; timeoutMs?: number } = {},
  ) {
    const endpoint = domain === "docker.io" ? "registry-1.docker.io" : domain;
    const scheme = (opts.plainHttp ?? isLoopbackRegistry(domain)) ? "http" : "https";
    this.base = `${scheme}://${endpoint}`;
    this.fetchImpl = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  private fetchImpl: typeof fetch;
  private timeoutMs: number;

  private async request(repo: string, url: string, headers: Record<string, string>) {
    const attempt = () => {
      const h = new Headers(headers);
      const t = this.#token.get(repo);
      if (t) h.set("Authorization", `Bearer ${t}`);
      return this.fetchImpl(url, { headers: h, signal: AbortSignal.timeout(this.timeoutMs) });
    };
    let res = await attempt();
    if (res.status === 401) {
      const challenge = res.headers.get("www-authenticate") ?? "";
      await res.body?.cancel();
      if (!/^bearer /i.test(challenge)) throw new Error(`${url}: 401 Unauthorized`);
      const p: Record<string, string> = {};
      for (const m of challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)) p[m[1]] = m[2];
      const tu = new URL(p.realm);
      if (p.service) tu.searchParams.set("service", p.service);
      tu.searchParams.set("scope", p.scope ?? `repository:${repo}:pull`);
      const tr = await this.fetchImpl(tu, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!tr.ok) throw new Error(`${tu.origin}: token request failed: ${tr.status}`);
      const body = await tr.json() as { token?: string; access_token?: string };
      this.#token.set(repo, body.token ?? body.access_token ?? "");
      res = await attempt();
    }
    return res;
  }

  /** GET /v2/<repo>/manifests/<ref> with every manifest and index media type accepted. */
  async manifest(repo: string, reference: string): Promise<Fetched> {
    const url = `${this.base}/v2/${repo}/manifests/${reference}`;
    const res = await this.request(repo, url, { Accept: MANIFEST_ACCEPT });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(
        `${this.domain}/${repo}:${reference}: manifest: ${res.status} ${res.statusText}`,
      );
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = "sha256:" + sha256Hex(bytes);
    if (reference.startsWith("sha256:") && digest !== reference) {
      throw new Error(`${this.domain}/${repo}@${reference}: the registry sent ${digest}`);
    }
    let mediaType = (res.headers.get("content-type") ?? "").split(";")[0].trim();
    try {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: string };
      if (parsed.mediaType) mediaType = parsed.mediaType;
    } catch {
      throw new Error(`${this.domain}/${repo}:${reference}: the manifest is not JSON`);
    }
    return { bytes, mediaType, digest };
  }

  /** GET /v2/<repo>/blobs/<digest>: the response body (redirects followed). */
  async blob(repo: string, digest: string): Promise<{ size: number; body: ReadableStream }> {
    const url = `${this.base}/v2/${repo}/blobs/${digest}`;
    const res = await this.request(repo, url, {});
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`${this.domain}/${repo}@${digest}: blob: ${res.status} ${res.statusText}`);
    }
    return { size: Number(res.headers.get("content-length") ?? -1), body: res.body };
  }
}

/** "linux/amd64" or "linux/arm/v7". */
export function platformString(p: { os: string; architecture: string; variant?: string }) {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/** The platform this process runs on, in OCI terms. */
export function hostPlatform(): string {
  const arch = ({ x86_64: "amd64", aarch64: "arm64" } as Record<string, string>)[Deno.build.arch] ??
    Deno.build.arch;
  return `linux/${arch}`;
}

/** Does descriptor platform `p` match the requested "os/arch[/variant]"? */
export function platformMatches(
  p: { os: string; architecture: string; variant?: string } | undefined,
  want: string,
): boolean {
  if (!p) return false;
  const [os, arch, variant] = want.split("/");
  if (p.os !== os || p.architecture !== arch) return false;
  return !variant || (p.variant ?? "") === variant;
}
