/**
 * Reading and writing certificates and keys under the certificates directory with kubeadm's
 * file names, modes and error messages (pkiutil.TryLoad*FromDisk, pkiutil.Write*).
 */
import * as path from "@std/path";
import type { PkiFS } from "./fs.ts";
import {
  decodePemBlocks,
  encodePrivateKeyPEM,
  encodePublicKeyPEM,
  parsePrivateKeyPEM,
  type PrivateKey,
  spkiDer,
} from "./keys.ts";
import { bytesEqual, type Certificate, parseCertsPEM } from "./x509.ts";
import { KubestrapError } from "../errors.ts";
import { goErrno } from "../host.ts";

export const CERT_MODE = 0o644;
export const KEY_MODE = 0o600;
export const DIR_MODE = 0o755;

export function pathForCert(dir: string, baseName: string): string {
  return path.join(dir, `${baseName}.crt`);
}
export function pathForKey(dir: string, baseName: string): string {
  return path.join(dir, `${baseName}.key`);
}
export function pathForPublicKey(dir: string, baseName: string): string {
  return path.join(dir, `${baseName}.pub`);
}
export function pathForCSR(dir: string, baseName: string): string {
  return path.join(dir, `${baseName}.csr`);
}

/**
 * An error from loading a file: pkiutil's "couldn't load the … file X: <cause>". `readError` is the
 * error of certutil/keyutil's file reader inside it (`open X: not a directory`, `error reading
 * private key file X: …`), which some kubeadm callers wrap instead; `notExist` mirrors
 * os.IsNotExist on it.
 */
export class LoadError extends KubestrapError {
  readonly notExist: boolean;
  readonly readError: string;
  constructor(message: string, notExist: boolean, readError = message) {
    super(message);
    this.name = "LoadError";
    this.notExist = notExist;
    this.readError = readError;
  }
}

/** A LoadError for the file `p` ("certificate", "private key") with certutil/keyutil's `cause`. */
function loadError(what: string, p: string, cause: string, notExist = false): LoadError {
  return new LoadError(`couldn't load the ${what} file ${p}: ${cause}`, notExist, cause);
}

async function readOrThrow(fs: PkiFS, p: string, what: string): Promise<Uint8Array> {
  let data: Uint8Array | undefined;
  try {
    data = await fs.readFile(p);
  } catch (e) {
    // Not a missing file: a file where a directory of the path should be, no permission, ...
    throw loadError(what, p, `open ${p}: ${goErrno(e)}`);
  }
  if (data === undefined) throw loadError(what, p, `open ${p}: no such file or directory`, true);
  return data;
}

/** pkiutil.TryLoadCertChainFromDisk: first certificate and the rest of the bundle. */
export async function loadCertChain(
  fs: PkiFS,
  dir: string,
  baseName: string,
): Promise<{ cert: Certificate; intermediates: Certificate[] }> {
  const p = pathForCert(dir, baseName);
  const data = await readOrThrow(fs, p, "certificate");
  let certs: Certificate[];
  try {
    certs = parseCertsPEM(data);
  } catch (e) {
    // certutil.CertsFromFile's wording
    throw loadError("certificate", p, `error reading ${p}: ${(e as Error).message}`);
  }
  return { cert: certs[0], intermediates: certs.slice(1) };
}

/** pkiutil.TryLoadCertFromDisk */
export async function loadCert(fs: PkiFS, dir: string, baseName: string): Promise<Certificate> {
  return (await loadCertChain(fs, dir, baseName)).cert;
}

/** pkiutil.TryLoadKeyFromDisk (RSA or ECDSA only). */
export async function loadKey(fs: PkiFS, dir: string, baseName: string): Promise<PrivateKey> {
  const p = pathForKey(dir, baseName);
  const data = await readOrThrow(fs, p, "private key");
  try {
    return parsePrivateKeyPEM(data);
  } catch (e) {
    // keyutil.PrivateKeyFromFile's wording
    throw loadError(
      "private key",
      p,
      `error reading private key file ${p}: ${(e as Error).message}`,
    );
  }
}

/**
 * pkiutil.TryLoadCertAndKeyFromDisk: the certificate, then the key; a failure says which
 * ("failed to load certificate: …", "failed to load key: …") and keeps `notExist`.
 */
export async function loadCertAndKey(
  fs: PkiFS,
  dir: string,
  baseName: string,
): Promise<{ cert: Certificate; key: PrivateKey }> {
  const wrap = (what: string) => (e: unknown): never => {
    if (!(e instanceof LoadError)) throw e;
    throw new LoadError(`failed to load ${what}: ${e.message}`, e.notExist);
  };
  const cert = await loadCert(fs, dir, baseName).catch(wrap("certificate"));
  const key = await loadKey(fs, dir, baseName).catch(wrap("key"));
  return { cert, key };
}

/** pkiutil.CertOrKeyExist */
export async function certOrKeyExist(fs: PkiFS, dir: string, baseName: string): Promise<boolean> {
  return (await fs.exists(pathForCert(dir, baseName))) ||
    (await fs.exists(pathForKey(dir, baseName)));
}

/** pkiutil.WriteCertAndKey: key (0600) first, then certificate (0644). Returns written paths. */
export async function writeCertAndKey(
  fs: PkiFS,
  dir: string,
  baseName: string,
  cert: Certificate,
  key: PrivateKey,
): Promise<string[]> {
  const kp = pathForKey(dir, baseName);
  const cp = pathForCert(dir, baseName);
  await fs.writeFile(kp, encodePrivateKeyPEM(key), KEY_MODE, DIR_MODE);
  await fs.writeFile(cp, cert.pem, CERT_MODE, DIR_MODE);
  return [kp, cp];
}

/** pkiutil.WriteKey + WritePublicKey (both 0600). */
export async function writeKeyPair(
  fs: PkiFS,
  dir: string,
  baseName: string,
  key: PrivateKey,
): Promise<string[]> {
  const kp = pathForKey(dir, baseName);
  await fs.writeFile(kp, encodePrivateKeyPEM(key), KEY_MODE, DIR_MODE);
  return [kp, await writePublicKey(fs, dir, baseName, key)];
}

/** pkiutil.WritePublicKey (0600). */
export async function writePublicKey(
  fs: PkiFS,
  dir: string,
  baseName: string,
  key: PrivateKey,
): Promise<string> {
  const pp = pathForPublicKey(dir, baseName);
  await fs.writeFile(pp, encodePublicKeyPEM(key), KEY_MODE, DIR_MODE);
  return pp;
}

/** Whether the `.pub` file of `baseName` holds `key`'s public key (false when absent). */
export async function publicKeyMatches(
  fs: PkiFS,
  dir: string,
  baseName: string,
  key: PrivateKey,
): Promise<boolean | undefined> {
  const data = await fs.readFile(pathForPublicKey(dir, baseName));
  if (data === undefined) return undefined;
  const block = decodePemBlocks(data).find((b) => b.type === "PUBLIC KEY");
  return block !== undefined && bytesEqual(block.bytes, spkiDer(key));
}

/** Go's time.Time.String() for a UTC time: "2006-01-02 15:04:05 +0000 UTC". */
function goTimeString(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

/**
 * pkiutil.ValidateCertPeriod(cert, 0): undefined when `now` is inside the validity window,
 * else kubeadm's message.
 */
export function certPeriodProblem(cert: Certificate, now: Date): string | undefined {
  const period = `NotBefore: ${goTimeString(cert.notBefore)}, NotAfter: ${
    goTimeString(cert.notAfter)
  }`;
  if (now < cert.notBefore) return `the certificate is not valid yet: ${period}`;
  if (now > cert.notAfter) return `the certificate has expired: ${period}`;
  return undefined;
}

/** certsphase.CheckCertificatePeriodValidity's warning line (or nothing). */
export function periodWarning(name: string, cert: Certificate, now: Date): string | undefined {
  const p = certPeriodProblem(cert, now);
  return p ? `WARNING: could not validate bounds for certificate ${name}: ${p}` : undefined;
}
