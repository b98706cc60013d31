/**
 * Certificate chains for the trust matrix, made with the openssl CLI (independent of
 * kubestrap's PKI code): roots by `openssl req -x509`, everything else by `openssl ca`, which
 * takes any extension, validity window, digest and RSA-PSS signatures.
 *
 * And the oracle: Go's crypto/tls client (`tests/fixtures/gotls`), built once into the test
 * bed's cache, which verifies a server exactly as kubeadm's client-go does.
 */
import { cacheDir, run } from "../harness/mod.ts";

export interface Issued {
  name: string;
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface IssueOptions {
  cn: string;
  /** openssl x509v3 extension lines, e.g. "basicConstraints=critical,CA:TRUE". */
  ext: string[];
  /** RSA key size (default 2048). */
  bits?: number;
  /** Signature digest (default sha256). */
  md?: string;
  /** Sign with RSA-PSS. */
  pss?: boolean;
  /** Validity window as YYYYMMDDHHMMSSZ (default: a year around now). */
  start?: string;
  end?: string;
}

/** `YYYYMMDDHHMMSSZ` for now + `days`. */
export function asn1Time(days: number): string {
  const d = new Date(Date.now() + days * 86400_000);
  return d.toISOString().replace(/[-:T]/g, "").replace(/\.\d{3}Z$/, "Z");
}

export const LEAF_EXT = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature,keyEncipherment",
  "extendedKeyUsage=serverAuth",
  "subjectAltName=IP:127.0.0.1,DNS:localhost",
];

export const CA_EXT = [
  "basicConstraints=critical,CA:TRUE",
  "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
];

/** A self-signed root as <dir>/<name>.crt/.key. */
export async function root(dir: string, name: string, cn: string, ext = CA_EXT): Promise<Issued> {
  const certPath = `${dir}/${name}.crt`;
  const keyPath = `${dir}/${name}.key`;
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "3650",
    "-subj",
    `/CN=${cn}`,
    ...ext.flatMap((e) => ["-addext", e]),
  ]);
  return read(name, certPath, keyPath);
}

async function read(name: string, certPath: string, keyPath: string): Promise<Issued> {
  return {
    name,
    certPath,
    keyPath,
    cert: await Deno.readTextFile(certPath),
    key: await Deno.readTextFile(keyPath),
  };
}

/** A certificate for `o.cn` issued by `issuer` (`openssl ca`), as <dir>/<name>.crt/.key. */
export async function issue(
  dir: string,
  name: string,
  issuer: Issued,
  o: IssueOptions,
): Promise<Issued> {
  const ca = `${dir}/ca-${name}`;
  await Deno.mkdir(`${ca}/new`, { recursive: true });
  await Deno.writeTextFile(`${ca}/index.txt`, "");
  await Deno.writeTextFile(
    `${ca}/serial`,
    `${(1000 + Math.floor(Math.random() * 1e6)).toString(16).padStart(8, "0")}\n`,
  );
  await Deno.writeTextFile(
    `${ca}/openssl.cnf`,
    [
      "[ca]",
      "default_ca = d",
      "[d]",
      `database = ${ca}/index.txt`,
      `new_certs_dir = ${ca}/new`,
      `serial = ${ca}/serial`,
      "policy = p",
      "unique_subject = no",
      "email_in_dn = no",
      "default_md = sha256",
      "[p]",
      "commonName = supplied",
      "[x]",
      ...o.ext,
      "",
    ].join("\n"),
  );
  const certPath = `${dir}/${name}.crt`;
  const keyPath = `${dir}/${name}.key`;
  const csr = `${ca}/req.csr`;
  await run("openssl", [
    "req",
    "-new",
    "-newkey",
    `rsa:${o.bits ?? 2048}`,
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    csr,
    "-subj",
    `/CN=${o.cn}`,
  ]);
  await run("openssl", [
    "ca",
    "-batch",
    "-notext",
    "-config",
    `${ca}/openssl.cnf`,
    "-extensions",
    "x",
    "-cert",
    issuer.certPath,
    "-keyfile",
    issuer.keyPath,
    "-in",
    csr,
    "-out",
    certPath,
    "-md",
    o.md ?? "sha256",
    "-startdate",
    o.start ?? asn1Time(-1),
    "-enddate",
    o.end ?? asn1Time(365),
    ...(o.pss ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"] : []),
  ]);
  await Deno.remove(ca, { recursive: true });
  return read(name, certPath, keyPath);
}

let oracle: Promise<string> | undefined;

/** The path of the Go TLS oracle binary, built on first use (Go is the test bed's toolchain). */
export function goTLSOracle(): Promise<string> {
  oracle ??= (async () => {
    const src = new URL("../fixtures/gotls/main.go", import.meta.url).pathname;
    const text = await Deno.readFile(src);
    const sum = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", text)))
      .slice(0, 6).map((b) => b.toString(16).padStart(2, "0")).join("");
    const bin = `${cacheDir()}/oracles/gotls-${sum}`;
    try {
      await Deno.stat(bin);
    } catch {
      await Deno.mkdir(`${cacheDir()}/oracles`, { recursive: true });
      await run("go", ["build", "-o", bin, src], {
        env: { GOTOOLCHAIN: "local", CGO_ENABLED: "0" },
        cwd: "/tmp",
      });
    }
    return bin;
  })();
  return oracle;
}

/** Go's verdict on the server at `endpoint` with `caPath` as its only root: "ok" or the error. */
export async function goVerdict(endpoint: string, caPath: string): Promise<string> {
  const r = await run(await goTLSOracle(), [endpoint, caPath]);
  return r.stdout.trim();
}

/**
 * Go's verdict on a presented chain (leaf first, PEM in `chainPath`) for `host`, as crypto/tls's
 * client verifies it after the handshake: "ok" or the error.
 */
export async function goChainVerdict(
  chainPath: string,
  caPath: string,
  host: string,
): Promise<string> {
  const r = await run(await goTLSOracle(), ["-chain", chainPath, caPath, host]);
  return r.stdout.trim();
}

/** The verdict with the clock reading taken out (Go's and kubestrap's run a moment apart). */
export function withoutNow(s: string): string {
  return s.replace(/current time \S+ is/g, "current time <now> is");
}

/** True when the Go toolchain is on PATH (it builds the oracle). */
export function haveGo(): boolean {
  try {
    return new Deno.Command("go", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}
