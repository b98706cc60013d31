/**
 * kubeadm's structured output printers (cmd/kubeadm/app/util/output.PrintFlags over
 * cli-runtime's JSONYamlPrintFlags and KubeTemplatePrintFlags, v0.37.2): `-o` picks the
 * command's own text printer, json, yaml, kyaml, or a template printer — `jsonpath=`,
 * `jsonpath-as-json=`, `jsonpath-file=`, `go-template=`, `go-template-file=`, `template=`,
 * `templatefile=` — with `--allow-missing-template-keys`, and kubeadm's errors for the rest.
 *
 * The object a printer gets is the versioned output object (kind, apiVersion of
 * output.kubeadm.k8s.io/v1alpha3, fields in Go struct order). As in cli-runtime, the jsonpath
 * printer sees it through encoding/json (numbers are float64), the Go template printer through
 * apimachinery's json (whole numbers are int64).
 */

import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import { goJSON } from "../util/gojson.ts";
import { GoInt, goSprint, goSyntaxValue, type GoValue, isGoMap } from "../util/gofmt.ts";
import { goQuote } from "../util/goquote.ts";
import { GoTemplate, GoTemplateError } from "../util/gotemplate.ts";
import { JSONPath, JSONPathError } from "../util/jsonpath.ts";
import { marshalGoYAML } from "../util/goyaml.ts";
import { marshalKYAML } from "../util/kyaml.ts";

/** The printer flags' values (`-o`, `--allow-missing-template-keys`, `--show-managed-fields`). */
export interface PrintFlagValues {
  output: string;
  allowMissingTemplateKeys: boolean;
  /** Output objects of kubeadm have no managedFields; accepted as kubeadm does. */
  showManagedFields: boolean;
}

/** The printer flags of a command's parsed flags (kubeadm's defaults: text, true, false). */
export function printFlagValues(flags: Record<string, unknown>): PrintFlagValues {
  return {
    output: String(flags.output ?? "text"),
    allowMissingTemplateKeys: flags["allow-missing-template-keys"] !== false,
    showManagedFields: flags["show-managed-fields"] === true,
  };
}

/**
 * A structured printer (cli-runtime's ResourcePrinter): `print` writes the object's text
 * through `write` and throws a KubestrapError with cli-runtime's message when it fails (the Go
 * template printer writes its debugging text to `write` first, as cli-runtime does).
 */
export interface StructuredPrinter {
  kind: "structured";
  format: string;
  print(obj: object, write: (s: string) => void): void;
}

/** The command's own text printer was chosen (`-o text`). */
export interface TextPrinter {
  kind: "text";
}

export type Printer = TextPrinter | StructuredPrinter;

const JSON_YAML_FORMATS = ["json", "yaml", "kyaml"];
const JSONPATH_FORMATS = ["jsonpath", "jsonpath-as-json", "jsonpath-file"];
const TEMPLATE_FORMATS = ["go-template", "go-template-file", "template", "templatefile"];

/** Every format the printer flags accept, sorted as NoCompatiblePrinterError lists them. */
export const OUTPUT_FORMATS: readonly string[] = [
  "text",
  ...JSON_YAML_FORMATS,
  ...TEMPLATE_FORMATS,
  ...JSONPATH_FORMATS,
].sort();

const failPrinter = (msg: string): never => {
  throw new KubestrapError(`could not construct output printer: ${msg}`);
};

const noCompatible = (format: string): string =>
  `unable to match a printer suitable for the output format ${
    goQuote(format)
  }, allowed formats are: ${OUTPUT_FORMATS.join(",")}`;

/** os.ReadFile's error text for a template file. */
async function readTemplateFile(host: Host, path: string): Promise<string> {
  const abs = host.absolute(path);
  try {
    const b = await host.readFile(abs);
    if (b === undefined) throw new KubestrapError(`open ${path}: no such file or directory`);
    return new TextDecoder().decode(b);
  } catch (e) {
    let reason = (e as Error).message;
    if (e instanceof Deno.errors.PermissionDenied) reason = `open ${path}: permission denied`;
    else if (e instanceof Deno.errors.IsADirectory || /is a directory/i.test(reason)) {
      reason = `read ${path}: is a directory`;
    }
    throw new KubestrapError(`error reading --template ${path}, ${reason}`);
  }
}

/** `name=value` of a template format, as the flags split `-o` (undefined: not this family). */
function splitTemplateFormat(
  output: string,
  formats: string[],
): { format: string; value: string } | undefined {
  for (const f of formats) {
    if (output.startsWith(f + "=")) return { format: f, value: output.slice(f.length + 1) };
  }
  return formats.includes(output) ? { format: output, value: "" } : undefined;
}

/** The value as encoding/json's Unmarshal into interface{} gives it (numbers float64). */
function viaEncodingJSON(obj: object): GoValue {
  return JSON.parse(JSON.stringify(obj)) as GoValue;
}

/** The value as apimachinery's json.Unmarshal gives it (whole numbers int64). */
function viaApimachineryJSON(obj: object): GoValue {
  const conv = (v: unknown): GoValue => {
    if (typeof v === "number") return Number.isInteger(v) ? new GoInt(v, "int64") : v;
    if (Array.isArray(v)) return v.map(conv);
    if (isGoMap(v)) {
      const o: Record<string, GoValue> = {};
      for (const [k, x] of Object.entries(v)) o[k] = conv(x);
      return o;
    }
    return v as GoValue;
  };
  return conv(JSON.parse(JSON.stringify(obj)));
}

/**
 * PrintFlags.ToPrinter: the printer for `flags.output` (`textFormats` are the formats of the
 * command's own text printer), or kubeadm's "could not construct output printer: ..." error.
 * Template files are read from the host's filesystem (`opts.host`, default "/") as kubeadm
 * reads them: relative paths from the working directory, never under a --rootfs.
 */
export async function toPrinter(
  flags: PrintFlagValues,
  opts: { host?: Host } = {},
): Promise<Printer> {
  const host = opts.host ?? new Host("/");
  const output = flags.output;
  if (output === "text") return { kind: "text" };
  const lower = output.toLowerCase();
  if (JSON_YAML_FORMATS.includes(lower)) {
    if (lower === "json") {
      return {
        kind: "structured",
        format: "json",
        print: (obj, write) => write(goJSON(obj, "    ") + "\n"),
      };
    }
    if (lower === "yaml") {
      let count = 0;
      return {
        kind: "structured",
        format: "yaml",
        print: (obj, write) => {
          if (++count > 1) write("---\n");
          write(marshalGoYAML(obj));
        },
      };
    }
    return {
      kind: "structured",
      format: "kyaml",
      print: (obj, write) => write(marshalKYAML(obj)),
    };
  }
  const jp = splitTemplateFormat(output, JSONPATH_FORMATS);
  if (jp) {
    let text = jp.value;
    if (text === "") failPrinter("template format specified but no template given");
    if (jp.format === "jsonpath-file") text = await readOrFail(host, text);
    let j: JSONPath;
    try {
      j = new JSONPath(text);
    } catch (e) {
      if (!(e instanceof JSONPathError)) throw e;
      return failPrinter(`error parsing jsonpath ${text}, ${e.message}`);
    }
    j.setAllowMissingKeys(flags.allowMissingTemplateKeys);
    if (jp.format === "jsonpath-as-json") j.enableJSONOutput(true);
    return {
      kind: "structured",
      format: jp.format,
      print: (obj, write) => {
        const data = viaEncodingJSON(obj);
        let out: string;
        try {
          out = j.execute(data);
        } catch (e) {
          if (!(e instanceof JSONPathError)) throw e;
          const buf = `Error executing template: ${e.message}. Printing more information for ` +
            `debugging the template:\n\ttemplate was:\n\t\t${text}\n` +
            `\tobject given to jsonpath engine was:\n\t\t${goSyntaxValue(data)}\n\n`;
          throw new KubestrapError(`error executing jsonpath ${goQuote(text)}: ${buf}\n`);
        }
        write(out);
      },
    };
  }
  const gt = splitTemplateFormat(output, TEMPLATE_FORMATS);
  if (gt) {
    let text = gt.value;
    if (text === "") failPrinter("template format specified but no template given");
    if (gt.format === "templatefile" || gt.format === "go-template-file") {
      text = await readOrFail(host, text);
    }
    let t: GoTemplate;
    try {
      t = new GoTemplate("output", text);
    } catch (e) {
      if (!(e instanceof GoTemplateError)) throw e;
      return failPrinter(`error parsing template ${text}, ${e.message}`);
    }
    t.setAllowMissingKeys(flags.allowMissingTemplateKeys);
    return {
      kind: "structured",
      format: gt.format,
      print: (obj, write) => {
        const data = viaApimachineryJSON(obj);
        const r = t.execute(data);
        write(r.out);
        if (r.error) {
          write(
            `Error executing template: ${r.error.message}. Printing more information for ` +
              `debugging the template:\n\ttemplate was:\n\t\t${text}\n` +
              `\traw data was:\n\t\t${goJSON(obj)}\n` +
              `\tobject given to template engine was:\n\t\t${goSprint(data)}\n\n`,
          );
          throw new KubestrapError(
            `error executing template ${goQuote(text)}: ${r.error.message}`,
          );
        }
      },
    };
  }
  return failPrinter(noCompatible(output));
}

async function readOrFail(host: Host, path: string): Promise<string> {
  try {
    return await readTemplateFile(host, path);
  } catch (e) {
    return failPrinter((e as Error).message);
  }
}
