/**
 * Errors of the Kubernetes REST client. Messages name the operation, the object and the
 * server; they never contain credentials (tokens, keys) or request bodies.
 */

/** A `metav1.Status` as returned by the API server on failure. */
export interface ApiStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}

/** What a failed call was doing: "create ConfigMap kube-system/kubeadm-config". */
export interface CallInfo {
  verb: string;
  what: string;
  server: string;
}

/** The API server answered with a non-2xx status. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly apiStatus: ApiStatus;
  readonly call: CallInfo;
  constructor(call: CallInfo, status: number, apiStatus: ApiStatus) {
    const detail = apiStatus.message || `HTTP ${status}`;
    const reason = apiStatus.reason ?? "";
    super(
      `unable to ${call.verb} ${call.what} on ${call.server}: ${detail}` +
        (reason ? ` (${reason}, ${status})` : ` (${status})`),
    );
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
    this.apiStatus = apiStatus;
    this.call = call;
  }
}

/** The API server could not be reached (refused, reset, TLS failure, timeout...). */
export class KubeConnectionError extends Error {
  readonly call: CallInfo;
  /** True when retrying may help (refused/reset/timeout); false for e.g. TLS verification. */
  readonly transient: boolean;
  constructor(call: CallInfo, detail: string, transient: boolean, options?: ErrorOptions) {
    super(`unable to ${call.verb} ${call.what}: cannot reach ${call.server}: ${detail}`, options);
    this.name = "KubeConnectionError";
    this.call = call;
    this.transient = transient;
  }
}

function statusOf(e: unknown): KubeApiError | undefined {
  return e instanceof KubeApiError ? e : undefined;
}

/** 404 NotFound. */
export function isNotFound(e: unknown): boolean {
  const s = statusOf(e);
  return !!s && (s.reason === "NotFound" || (s.status === 404 && s.reason === ""));
}

/** 409 AlreadyExists. */
export function isAlreadyExists(e: unknown): boolean {
  return statusOf(e)?.reason === "AlreadyExists";
}

/** 403 Forbidden. */
export function isForbidden(e: unknown): boolean {
  const s = statusOf(e);
  return !!s && (s.reason === "Forbidden" || s.status === 403);
}

/** 422 Invalid. */
export function isInvalid(e: unknown): boolean {
  const s = statusOf(e);
  return !!s && (s.reason === "Invalid" || s.status === 422);
}

/** 400 BadRequest. */
export function isBadRequest(e: unknown): boolean {
  const s = statusOf(e);
  return !!s && (s.reason === "BadRequest" || s.status === 400);
}

const TRANSIENT_MESSAGES = [
  "etcdserver: leader changed",
  "etcdserver: request timed out",
  "etcdserver: too many requests",
  "etcdserver: no leader",
  "etcdserver: server stopped",
  "please try again later",
];

/**
 * Whether retrying the call may succeed: connection failures (refused, reset,
 * timeout), 429 TooManyRequests, 5xx (except 501), and the etcd leader-change /
 * timeout errors the API server reports as 500.
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof KubeConnectionError) return e.transient;
  const s = statusOf(e);
  if (!s) return false;
  if (s.status === 429) return true;
  if (s.status >= 500 && s.status !== 501) return true;
  const msg = (s.apiStatus.message ?? "").toLowerCase();
  return TRANSIENT_MESSAGES.some((m) => msg.includes(m));
}
