/** Small helpers shared by the builders. */

/** Where `apply*` functions print kubeadm's progress lines (one line per call, no newline). */
export type Log = (line: string) => void;

/** A Log that prints nothing. */
export const silent: Log = () => {};

/** base64 of UTF-8 text or bytes (Secret `data` values on the wire). */
export function b64(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** Bytes of a base64 string. */
export function unb64(s: string): Uint8Array {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
