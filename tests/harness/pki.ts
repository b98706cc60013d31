/**
 * Certificates made with the openssl CLI, independent of kubestrap's own PKI
 * code, for smoke tests of the real control-plane binaries.
 */

import { run } from "./process.ts";

export interface CertFiles {
  cert: string;
  key: string;
}

export interface CertOptions {
  cn: string;
  /** Organization(s), e.g. ["system:masters"]. */
  o?: string[];
  dns?: string[];
  ips?: string[];
  /** "server", "client" or both (default both). */
  usage?: ("server" | "client")[];
  days?: number;
}

function subject(cn: string, o: string[] = []): string {
  const esc = (s: string) => s.replace(/[/=\\]/g, (c) => `\\${c}`);
  return o.map((x) => `/O=${esc(x)}`).join("") + `/CN=${esc(cn)}`;
}

/** A self-signed CA (RSA 2048) as <dir>/<name>.crt and .key. */
export async function opensslCA(dir: string, name: string, cn = name): Promise<CertFiles> {
  const cert = `${dir}/${name}.crt`;
  const key = `${dir}/${name}.key`;
  await Deno.mkdir(dir, { recursive: true });
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "3650",
    "-subj",
    subject(cn),
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
  ]);
  return { cert, key };
}

/** A certificate signed by `ca`, as <dir>/<name>.crt and .key. */
export async function opensslCert(
  dir: string,
  name: string,
  ca: CertFiles,
  o: CertOptions,
): Promise<CertFiles> {
  const cert = `${dir}/${name}.crt`;
  const key = `${dir}/${name}.key`;
  const csr = `${dir}/${name}.csr`;
  const ext = `${dir}/${name}.ext`;
  await Deno.mkdir(dir, { recursive: true });
  await run("openssl", [
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    key,
    "-out",
    csr,
    "-subj",
    subject(o.cn, o.o),
  ]);
  const usage = o.usage ?? ["server", "client"];
  const eku = usage.map((u) => (u === "server" ? "serverAuth" : "clientAuth")).join(",");
  const sans = [...(o.dns ?? []).map((d) => `DNS:${d}`), ...(o.ips ?? []).map((i) => `IP:${i}`)];
  await Deno.writeTextFile(
    ext,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage=${eku}`,
      ...(sans.length ? [`subjectAltName=${sans.join(",")}`] : []),
    ].join("\n") + "\n",
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-out",
    cert,
    "-days",
    String(o.days ?? 365),
    "-extfile",
    ext,
  ]);
  await Deno.remove(csr);
  await Deno.remove(ext);
  return { cert, key };
}

/** An RSA key pair as <dir>/<name>.key and <dir>/<name>.pub (like kubeadm's sa.key/sa.pub). */
export async function opensslKeyPair(
  dir: string,
  name: string,
): Promise<{ key: string; pub: string }> {
  const key = `${dir}/${name}.key`;
  const pub = `${dir}/${name}.pub`;
  await Deno.mkdir(dir, { recursive: true });
  await run("openssl", [
    "genpkey",
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:2048",
    "-out",
    key,
  ]);
  await run("openssl", ["pkey", "-in", key, "-pubout", "-out", pub]);
  return { key, pub };
}
