/**
 * `kubeadm token list` / `token create -o` output: the `output.kubeadm.k8s.io/v1alpha3`
 * BootstrapToken object (printed with `-o json|yaml|...` by lib/output/printers.ts) and the text
 * table (tabwriter minwidth 10, tabwidth 4, padding 3).
 */

import { OUTPUT_API } from "../config/types.ts";
import { formatDurationMs } from "../util/duration.ts";
import { type BootstrapToken, formatRFC3339, tokenString } from "./token.ts";

/** The output API object. */
export interface OutputBootstrapToken {
  kind: "BootstrapToken";
  apiVersion: typeof OUTPUT_API;
  token: string;
  description?: string;
  ttl?: string;
  expires?: string;
  usages?: string[];
  groups?: string[];
}

/** Go's time.Duration.String for a number of milliseconds. */
export const formatGoDuration: (ms: number) => string = formatDurationMs;

/** The BootstrapToken output object (field order of the Go struct). */
export function outputBootstrapToken(bt: BootstrapToken): OutputBootstrapToken {
  const o: OutputBootstrapToken = {
    kind: "BootstrapToken",
    apiVersion: OUTPUT_API,
    token: tokenString(bt.token),
  };
  if (bt.description) o.description = bt.description;
  if (bt.ttlMs !== undefined && !bt.expires) o.ttl = formatGoDuration(bt.ttlMs);
  if (bt.expires) o.expires = formatRFC3339(bt.expires);
  if (bt.usages?.length) o.usages = [...bt.usages];
  if (bt.groups?.length) o.groups = [...bt.groups];
  return o;
}

/** apimachinery's duration.ShortHumanDuration. */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * Go text/tabwriter with (minwidth 10, tabwidth 4, padding 3, padchar ' ', flags 0) over
 * lines whose cells are tab-terminated; the last cell of a line is not aligned.
 */
export function tabwrite(text: string): string {
  const lines = text.split("\n");
  const trailingNewline = lines[lines.length - 1] === "";
  if (trailingNewline) lines.pop();
  const rows = lines.map((l) => l.split("\t"));
  const out: string[] = rows.map(() => "");
  // Column blocks: consecutive rows that have a cell in column c (not counting their last).
  const format = (start: number, end: number, col: number) => {
    let i = start;
    while (i < end) {
      if (rows[i].length - 1 <= col) {
        i++;
        continue;
      }
      let j = i;
      let width = 10; // minwidth
      while (j < end && rows[j].length - 1 > col) {
        width = Math.max(width, [...rows[j][col]].length + 3); // + padding
        j++;
      }
      for (let k = i; k < j; k++) {
        const cell = rows[k][col];
        out[k] += cell + " ".repeat(width - [...cell].length);
      }
      format(i, j, col + 1);
      i = j;
    }
  };
  format(0, rows.length, 0);
  for (let k = 0; k < rows.length; k++) out[k] += rows[k][rows[k].length - 1];
  return out.join("\n") + (trailingNewline ? "\n" : "");
}

/** kubeadm's formatBootstrapToken: one tab-separated row. */
function tokenRow(bt: BootstrapToken, now: Date = new Date()): string {
  let ttl = "<forever>";
  let expires = "<never>";
  if (bt.expires) {
    ttl = shortHumanDuration(bt.expires.getTime() - now.getTime());
    expires = formatRFC3339(bt.expires);
  }
  const usages = (bt.usages ?? []).join(",") || "<none>";
  const description = bt.description || "<none>";
  const groups = (bt.groups ?? []).join(",") || "<none>";
  return `${tokenString(bt.token)}\t${ttl.padEnd(9)}\t${expires}\t${usages.padEnd(22)}\t${
    description.padEnd(56)
  }\t${groups}\n`;
}

/** The `TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS` header. */
const TOKEN_LIST_COLUMNS = [
  "TOKEN",
  "TTL",
  "EXPIRES",
  "USAGES",
  "DESCRIPTION",
  "EXTRA GROUPS",
];

/**
 * `kubeadm token list` text output: the header shares a tabwriter with the first
 * row; every later row is flushed through its own tabwriter (as kubeadm's printer does).
 */
export function tokenListText(tokens: BootstrapToken[], now: Date = new Date()): string {
  let out = "";
  tokens.forEach((bt, i) => {
    const header = i === 0 ? TOKEN_LIST_COLUMNS.join("\t") + "\n" : "";
    out += tabwrite(header + tokenRow(bt, now));
  });
  return out;
}
