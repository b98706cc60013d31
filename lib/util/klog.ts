/**
 * klog's line header, as kubeadm writes its warnings and errors to stderr:
 * `W1125 09:23:56.000000    1234 file.go:42] message`.
 */

/** One klog line (without the newline) at `level` for source position `file`. */
export function klogLine(
  level: "I" | "W" | "E",
  file: string,
  msg: string,
  now = new Date(),
): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${level}${p(now.getMonth() + 1)}${p(now.getDate())} ${p(now.getHours())}:${
    p(now.getMinutes())
  }:${p(now.getSeconds())}.${p(now.getMilliseconds() * 1000, 6)} ${
    String(Deno.pid).padStart(7)
  } ${file}] ${msg}`;
}
