/** Runs kubestrap in-process and captures its output. */
import { program } from "../../main.ts";

export interface Result {
  code: number;
  out: string;
  err: string;
}

export async function run(...argv: string[]): Promise<Result> {
  let out = "";
  let err = "";
  const code = await program({ out: (s) => void (out += s), err: (s) => void (err += s) }).run(
    argv,
  );
  return { code, out, err };
}

export const STACK_HINT = "To see the stack trace of this error execute with --v=5 or higher\n";
