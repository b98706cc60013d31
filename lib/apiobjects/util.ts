/** Small helpers shared by the builders. */

/** Where `apply*` functions print kubeadm's progress lines (one line per call, no newline). */
export type Log = (line: string) => void;

/** A Log that prints nothing. */
export const silent: Log = () => {};
