/** What kubestrap prints for a token under `token list -o <format>`, for the token tests. */
import { printFlagValues, toPrinter } from "../../lib/output/printers.ts";
import { outputBootstrapToken } from "../../lib/tokens/output.ts";
import type { BootstrapToken } from "../../lib/tokens/token.ts";

/** `token list -o <format>` of one token: the command's printer over the token's output object. */
export async function tokenPrinted(format: string, bt: BootstrapToken): Promise<string> {
  const printer = await toPrinter(printFlagValues({ output: format }));
  if (printer.kind !== "structured") throw new Error(`-o ${format} is the text printer`);
  let out = "";
  printer.print(outputBootstrapToken(bt), (s) => out += s);
  return out;
}
