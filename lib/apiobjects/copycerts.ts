/**
 * upload-certs / download-certs (phases/copycerts): the `kubeadm-certs` Secret with the
 * shared CA keys encrypted by AES-GCM under the certificate key (util/crypto), owned by a
 * short-lived bootstrap token so that it is garbage-collected after 2 h.
 */

import { createCipheriv, createDecipheriv } from "node:crypto";
import type { KubeClient, KubeObject } from "../kube/client.ts";
import { Host } from "../host.ts";
import { isNotFound } from "../kube/errors.ts";
import { createOrUpdate, type PollOptions, retriedCall } from "../kube/idempotency.ts";
import { createNewTokens } from "../tokens/secrets.ts";
import {
  type BootstrapToken,
  DEFAULT_CERT_TOKEN_TTL_MS,
  generateToken,
  parseToken,
  type SecretObject,
  tokenSecretName,
} from "../tokens/token.ts";
import {
  KUBEADM_CERTS_ROLE,
  KUBEADM_CERTS_SECRET,
  NAMESPACE_SYSTEM,
  NODE_BOOTSTRAP_TOKEN_AUTH_GROUP,
} from "./constants.ts";
import { getOneRule, group, role, roleBinding } from "./rbac.ts";
import { type Log, silent } from "./util.ts";
import { fromBase64, toBase64 } from "../util/bytes.ts";

/** constants.CertificateKeySize */
export const CERTIFICATE_KEY_SIZE = 32;
/** The helper token's description. */
const CERT_TOKEN_DESCRIPTION = "Proxy for managing TTL for the kubeadm-certs secret";
const NONCE_SIZE = 12;
const TAG_SIZE = 16;

/** kubeadm's CreateCertificateKey: hex of 32 random bytes. */
export function createCertificateKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(CERTIFICATE_KEY_SIZE));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** hex.DecodeString of the certificate key (kubeadm's "error decoding certificate key"). */
export function decodeCertificateKey(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new Error("error decoding certificate key: encoding/hex: invalid byte or odd length");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function gcmAlgorithm(key: Uint8Array): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" {
  switch (key.length) {
    case 16:
      return "aes-128-gcm";
    case 24:
      return "aes-192-gcm";
    case 32:
      return "aes-256-gcm";
  }
  throw new Error(`crypto/aes: invalid key size ${key.length}`);
}

/**
 * kubeadm's EncryptBytes: AES-GCM with a random 12-byte nonce, output
 * `nonce || ciphertext || tag` (Go's gcm.Seal(nonce, nonce, data, nil)).
 * `nonce` is for tests only.
 */
export function encryptBytes(data: Uint8Array, key: Uint8Array, nonce?: Uint8Array): Uint8Array {
  const iv = nonce ?? crypto.getRandomValues(new Uint8Array(NONCE_SIZE));
  if (iv.length !== NONCE_SIZE) throw new Error("nonce must be 12 bytes");
  const c = createCipheriv(gcmAlgorithm(key), key, iv);
  const body = c.update(data);
  const fin = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(NONCE_SIZE + body.length + fin.length + TAG_SIZE);
  out.set(iv, 0);
  out.set(body, NONCE_SIZE);
  out.set(fin, NONCE_SIZE + body.length);
  out.set(tag, NONCE_SIZE + body.length + fin.length);
  return out;
}

/** kubeadm's DecryptBytes; throws on a short blob or a failed authentication. */
export function decryptBytes(blob: Uint8Array, key: Uint8Array): Uint8Array {
  const alg = gcmAlgorithm(key);
  if (blob.length < NONCE_SIZE) throw new Error("size of data is less than the nonce");
  if (blob.length < NONCE_SIZE + TAG_SIZE) throw new Error("cipher: message authentication failed");
  const iv = blob.subarray(0, NONCE_SIZE);
  const tag = blob.subarray(blob.length - TAG_SIZE);
  const ct = blob.subarray(NONCE_SIZE, blob.length - TAG_SIZE);
  const d = createDecipheriv(alg, key, iv);
  d.setAuthTag(tag);
  try {
    const a = d.update(ct);
    const b = d.final();
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  } catch {
    throw new Error("cipher: message authentication failed");
  }
}

/** Where the files to share are: the certificates dir and, for external etcd, its files. */
export interface CertsInput {
  certificatesDir: string;
  externalEtcd?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Where the files are read (`--rootfs`, the dry-run root); default the machine. */
  host?: Host;
}

/**
 * kubeadm's certsToTransfer: file name → path. Names: ca.crt, ca.key, front-proxy-ca.crt,
 * front-proxy-ca.key, sa.pub, sa.key, and etcd/ca.crt + etcd/ca.key (local etcd) or
 * external-etcd-ca.crt, external-etcd.crt, external-etcd.key (external etcd).
 */
export function certsToTransfer(input: CertsInput): Record<string, string> {
  const d = input.certificatesDir.replace(/\/+$/, "");
  const certs: Record<string, string> = {
    "ca.crt": `${d}/ca.crt`,
    "ca.key": `${d}/ca.key`,
    "front-proxy-ca.crt": `${d}/front-proxy-ca.crt`,
    "front-proxy-ca.key": `${d}/front-proxy-ca.key`,
    "sa.pub": `${d}/sa.pub`,
    "sa.key": `${d}/sa.key`,
  };
  if (!input.externalEtcd) {
    certs["etcd/ca.crt"] = `${d}/etcd/ca.crt`;
    certs["etcd/ca.key"] = `${d}/etcd/ca.key`;
  } else {
    certs["external-etcd-ca.crt"] = input.externalEtcd.caFile ?? "";
    certs["external-etcd.crt"] = input.externalEtcd.certFile ?? "";
    certs["external-etcd.key"] = input.externalEtcd.keyFile ?? "";
  }
  return certs;
}

/** `etcd/ca.crt` → `etcd-ca.crt` */
function certOrKeyNameToSecretName(name: string): string {
  return name.replaceAll("/", "-");
}

/**
 * The Secret `data` (base64) for the given file contents: each file encrypted; a file
 * that does not exist (undefined) becomes an empty value, as in kubeadm.
 */
export function kubeadmCertsSecretData(
  files: Record<string, Uint8Array | undefined>,
  key: Uint8Array,
): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    data[certOrKeyNameToSecretName(name)] = content === undefined
      ? ""
      : toBase64(encryptBytes(content, key));
  }
  return data;
}

/** Read the files of {@link certsToTransfer}; missing files map to undefined. */
async function readCertsForUpload(
  input: CertsInput,
): Promise<Record<string, Uint8Array | undefined>> {
  const host = input.host ?? new Host();
  const out: Record<string, Uint8Array | undefined> = {};
  for (const [name, path] of Object.entries(certsToTransfer(input))) {
    out[name] = await host.readFile(host.absolute(path));
  }
  return out;
}

/** metav1.NewControllerRef(secret, v1/Secret). */
function secretControllerRef(tokenSecret: { name: string; uid: string }) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    name: tokenSecret.name,
    uid: tokenSecret.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The `kube-system/kubeadm-certs` Secret (type Opaque by default, as kubeadm sends none). */
export function kubeadmCertsSecret(
  data: Record<string, string>,
  owner: { name: string; uid: string },
): SecretObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: KUBEADM_CERTS_SECRET,
      namespace: NAMESPACE_SYSTEM,
      ownerReferences: [secretControllerRef(owner)],
    },
    data,
  };
}

/** Role `kube-system/kubeadm:kubeadm-certs`: get secrets/kubeadm-certs. */
export function kubeadmCertsRole(): KubeObject {
  return role(NAMESPACE_SYSTEM, KUBEADM_CERTS_ROLE, [getOneRule("secrets", KUBEADM_CERTS_SECRET)]);
}

/** RoleBinding `kubeadm:kubeadm-certs` → the default node token group. */
export function kubeadmCertsRoleBinding(): KubeObject {
  return roleBinding(NAMESPACE_SYSTEM, KUBEADM_CERTS_ROLE, KUBEADM_CERTS_ROLE, [
    group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP),
  ]);
}

/** The helper token: random, 2 h TTL, no usages, no groups. */
function certsHelperToken(): BootstrapToken {
  return {
    token: parseToken(generateToken()),
    description: CERT_TOKEN_DESCRIPTION,
    ttlMs: DEFAULT_CERT_TOKEN_TTL_MS,
  };
}

/**
 * kubeadm's UploadCerts: decode the key, create the helper token, encrypt the files,
 * create-or-update `kubeadm-certs` owned by the token's Secret, then the Role/RoleBinding.
 * The certificate key is never logged.
 */
export async function uploadCerts(
  client: KubeClient,
  input: CertsInput,
  certificateKeyHex: string,
  log: Log = silent,
  opts: PollOptions = {},
): Promise<void> {
  log(
    `[upload-certs] Storing the certificates in Secret "${KUBEADM_CERTS_SECRET}" in the "${NAMESPACE_SYSTEM}" Namespace`,
  );
  const key = decodeCertificateKey(certificateKeyHex);
  gcmAlgorithm(key);
  const helper = certsHelperToken();
  try {
    await createNewTokens(client, [helper], opts);
  } catch (e) {
    throw new Error(`error creating token: ${(e as Error).message}`, { cause: e });
  }
  const data = kubeadmCertsSecretData(await readCertsForUpload(input), key);
  let owner: SecretObject;
  try {
    // kubeadm reads it once; retried within the API-call timeout here.
    owner = await retriedCall(
      "the helper token's Secret",
      (o) =>
        client.get<SecretObject>("secrets", tokenSecretName(helper.token.id), "kube-system", o),
      opts,
    );
  } catch (e) {
    throw new Error(`error to get token reference: ${(e as Error).message}`, { cause: e });
  }
  await createOrUpdate(
    client,
    "secrets",
    kubeadmCertsSecret(data, { name: owner.metadata.name, uid: owner.metadata.uid ?? "" }),
    opts,
  );
  await createOrUpdate(client, "roles", kubeadmCertsRole(), opts);
  await createOrUpdate(client, "rolebindings", kubeadmCertsRoleBinding(), opts);
}

/**
 * Decrypt every entry of a `kubeadm-certs` Secret (kubeadm's getDataFromSecret): empty
 * entries stay empty; any failure fails the whole download.
 */
export function decodeKubeadmCertsSecret(
  secret: SecretObject,
  key: Uint8Array,
): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(secret.data ?? {})) {
    const blob = fromBase64(value);
    out[name] = blob.length > 0 ? decryptBytes(blob, key) : new Uint8Array();
  }
  return out;
}

/** A file to write after download-certs. */
export interface DownloadedFile {
  /** e.g. "etcd/ca.key" */
  name: string;
  path: string;
  data: Uint8Array;
  /** 0o600 for private keys, 0o644 for certificates and public keys. */
  mode: number;
}

/**
 * kubeadm's DownloadCerts up to the writes: fetch `kubeadm-certs`, decrypt it and map
 * each entry to its destination (entries empty in the Secret are skipped). Errors use
 * kubeadm's texts.
 */
export async function downloadCerts(
  client: KubeClient,
  input: CertsInput,
  certificateKeyHex: string,
  log: Log = silent,
): Promise<DownloadedFile[]> {
  log(
    `[download-certs] Downloading the certificates in Secret "${KUBEADM_CERTS_SECRET}" in the "${NAMESPACE_SYSTEM}" Namespace`,
  );
  const key = decodeCertificateKey(certificateKeyHex);
  let secret: SecretObject;
  try {
    secret = await client.get<SecretObject>("secrets", KUBEADM_CERTS_SECRET, NAMESPACE_SYSTEM);
  } catch (e) {
    const msg = isNotFound(e)
      ? `Secret "${KUBEADM_CERTS_SECRET}" was not found in the "${NAMESPACE_SYSTEM}" Namespace. This Secret might have expired. Please, run \`kubeadm init phase upload-certs --upload-certs\` on a control plane to generate a new one`
      : (e as Error).message;
    throw new Error(`error downloading the secret: ${msg}`, { cause: e });
  }
  let data: Record<string, Uint8Array>;
  try {
    data = decodeKubeadmCertsSecret(secret, key);
  } catch (e) {
    throw new Error(`error decoding secret data with provided key: ${(e as Error).message}`, {
      cause: e,
    });
  }
  log(`[download-certs] Saving the certificates to the folder: "${input.certificatesDir}"`);
  const files: DownloadedFile[] = [];
  for (const [name, path] of Object.entries(certsToTransfer(input))) {
    const d = data[certOrKeyNameToSecretName(name)];
    if (d === undefined) {
      throw new Error(
        `the Secret does not include the required certificate or key - name: ${name}, path: ${path}`,
      );
    }
    if (d.length === 0) continue;
    const text = new TextDecoder().decode(d);
    let mode: number;
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) mode = 0o600;
    else if (/-----BEGIN (CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY)-----/.test(text)) mode = 0o644;
    else throw new Error("unknown data found in Secret entry");
    files.push({ name, path, data: d, mode });
  }
  return files;
}
