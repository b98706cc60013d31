/**
 * Errors that reach the operator. The CLI prints `message` (prefixed like kubeadm's
 * "error: ..." line) and exits with `exitCode`. Messages must never contain secrets.
 */
export class KubestrapError extends Error {
  /** Process exit code; kubeadm exits 1 for every handled error. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "KubestrapError";
    this.exitCode = exitCode;
  }
}

/** A usage error: bad flag, bad argument, conflicting flags. */
export class UsageError extends KubestrapError {
  constructor(message: string) {
    super(message, 1);
    this.name = "UsageError";
  }
}

/** Raised by commands whose behaviour belongs to a later issue. */
export class NotImplementedError extends KubestrapError {
  constructor(what: string) {
    super(`${what} is not implemented yet in kubestrap`, 1);
    this.name = "NotImplementedError";
  }
}
