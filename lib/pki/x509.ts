/**
 * X.509 certificates and CSRs built the way Go's crypto/x509 (as called by kubeadm's pkiutil)
 * builds them, and a parser for reading certificates back.
 *
 * Layout reproduced from Go 1.26 x509.CreateCertificate:
 * - version 3, serial as given, signature SHA256WithRSA for every RSA size, ECDSA-SHA256 for
 *   P-256 and ECDSA-SHA384 for P-384;
 * - issuer = the parent's raw subject, subject = O (one multi-valued RDN) then CN;
 * - extensions in order KeyUsage (critical), ExtKeyUsage, BasicConstraints (critical),
 *   SubjectKeyId (CAs only: first 160 bits of SHA-256 of the public key, RFC 7093 method 1),
 *   AuthorityKeyId (= parent's SubjectKeyId unless self-signed), SubjectAltName (DNS then IP).
 */
import * as nodeCrypto from "node:crypto";
import * as der from "./der.ts";
import { concatBytes } from "../util/bytes.ts";
import { decodePemBlocks, encodePem, type PrivateKey, type PublicKey, spkiDer } from "./keys.ts";
import { formatIPBytes, to4 } from "../util/net.ts";
import { parseIPSloppy } from "../util/net.ts";
import { KubestrapError } from "../errors.ts";
import { sha256 } from "../util/sha256.ts";

export const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  country: "2.5.4.6",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  basicConstraints: "2.5.29.19",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  subjectAltName: "2.5.29.17",
  extensionRequest: "1.2.840.113549.1.9.14",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ecdsaWithSHA512: "1.2.840.10045.4.3.4",
} as const;

/** Go's x509.KeyUsage bits. */
export const KeyUsage = {
  DigitalSignature: 1 << 0,
  ContentCommitment: 1 << 1,
  KeyEncipherment: 1 << 2,
  DataEncipherment: 1 << 3,
  KeyAgreement: 1 << 4,
  CertSign: 1 << 5,
  CRLSign: 1 << 6,
  EncipherOnly: 1 << 7,
  DecipherOnly: 1 << 8,
} as const;

export type ExtKeyUsage = "serverAuth" | "clientAuth";

const EKU_OIDS: Record<ExtKeyUsage, string> = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
};

export interface AltNames {
  dnsNames: string[];
  /** IPs as strings (any form parseIP accepts). */
  ips: string[];
}

export interface CertTemplate {
  commonName: string;
  organization?: string[];
  altNames?: AltNames;
  usages?: ExtKeyUsage[];
  serial: bigint;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  keyUsage: number;
}

export interface Certificate {
  der: Uint8Array;
  pem: string;
  serial: bigint;
  /** Raw DER of the subject and issuer Names. */
  rawSubject: Uint8Array;
  rawIssuer: Uint8Array;
  subject: NameInfo;
  issuer: NameInfo;
  notBefore: Date;
  notAfter: Date;
  basicConstraintsValid: boolean;
  isCA: boolean;
  /** Go-style KeyUsage bit set (0 when the extension is absent). */
  keyUsage: number;
  /** Extended key usage OIDs, in certificate order. */
  extKeyUsageOids: string[];
  /** serverAuth / clientAuth subset of extKeyUsageOids. */
  extKeyUsage: ExtKeyUsage[];
  dnsNames: string[];
  /** IP SANs in Go's String() form. */
  ipAddresses: string[];
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  publicKey: PublicKey;
  signatureAlgorithm: string;
  tbs: Uint8Array;
  signature: Uint8Array;
}

export interface NameInfo {
  commonName: string;
  organization: string[];
  /** Go's pkix.Name.String()-like rendering, e.g. "CN=kubernetes-admin,O=kubeadm:cluster-admins". */
  text: string;
}

export interface CertificateRequest {
  der: Uint8Array;
  pem: string;
  subject: NameInfo;
  dnsNames: string[];
  ipAddresses: string[];
  spki: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// encoding helpers

/** pkix.Name{CommonName, Organization}.ToRDNSequence() marshalled. */
function encodeName(commonName: string, organization: string[] = []): Uint8Array {
  const rdns: Uint8Array[] = [];
  const atv = (oid: string, v: string) => der.seq(der.oid(oid), der.goString(v));
  if (organization.length > 0) {
    rdns.push(der.setOf(...organization.map((o) => atv(OID.organization, o))));
  }
  if (commonName.length > 0) rdns.push(der.setOf(atv(OID.commonName, commonName)));
  return der.seq(...rdns);
}

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 1 << (7 - i);
  return r;
}

function keyUsageExtensionValue(ku: number): Uint8Array {
  const a = [reverseBits(ku & 0xff), reverseBits((ku >> 8) & 0xff)];
  const bytes = a[1] !== 0 ? a : [a[0]];
  // asn1BitLength: trailing zero bits of the last byte are unused
  const last = bytes[bytes.length - 1];
  let unused = 0;
  if (last === 0) unused = 0;
  else while (!((last >> unused) & 1)) unused++;
  return der.bitString(Uint8Array.from(bytes), unused);
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? der.seq(der.oid(oid), der.bool(true), der.octetString(value))
    : der.seq(der.oid(oid), der.octetString(value));
}

function sanValue(dnsNames: string[], ips: string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const n of dnsNames) {
    if ([...n].some((ch) => ch.charCodeAt(0) > 0x7f)) {
      throw new KubestrapError(`x509: ${JSON.stringify(n)} cannot be encoded as an IA5String`);
    }
    parts.push(der.implicitPrimitive(2, new TextEncoder().encode(n)));
  }
  for (const s of ips) {
    const ip = parseIPSloppy(s);
    if (!ip) throw new KubestrapError(`invalid IP address ${JSON.stringify(s)}`);
    parts.push(der.implicitPrimitive(7, to4(ip) ?? ip));
  }
  return der.seq(...parts);
}

interface SigParams {
  algId: Uint8Array;
  oid: string;
  hash: string;
}

function signingParams(key: PrivateKey): SigParams {
  if (key.asymmetricKeyType === "rsa") {
    return {
      algId: der.seq(der.oid(OID.sha256WithRSA), der.nullValue()),
      oid: OID.sha256WithRSA,
      hash: "sha256",
    };
  }
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") {
      return {
        algId: der.seq(der.oid(OID.ecdsaWithSHA256)),
        oid: OID.ecdsaWithSHA256,
        hash: "sha256",
      };
    }
    if (curve === "secp384r1") {
      return {
        algId: der.seq(der.oid(OID.ecdsaWithSHA384)),
        oid: OID.ecdsaWithSHA384,
        hash: "sha384",
      };
    }
    if (curve === "secp521r1") {
      return {
        algId: der.seq(der.oid(OID.ecdsaWithSHA512)),
        oid: OID.ecdsaWithSHA512,
        hash: "sha512",
      };
    }
    throw new KubestrapError("x509: unsupported elliptic curve");
  }
  throw new KubestrapError("x509: only RSA and ECDSA keys supported");
}

/** The subjectPublicKey BIT STRING content of an SPKI (what key identifiers hash). */
function subjectPublicKeyBytes(spki: Uint8Array): Uint8Array {
  const parts = der.children(der.parseAll(spki));
  return der.readBitString(parts[1]).bytes;
}

/** RFC 7093 method 1 key identifier, as Go >= 1.25 generates for CA certificates. */
function keyIdentifier(spki: Uint8Array): Uint8Array {
  return sha256(subjectPublicKeyBytes(spki)).slice(0, 20);
}

/** True when two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * x509.CreateCertificate(template, parent, pub, signerKey). For a self-signed certificate pass
 * `parent` undefined; the signer is then the certificate's own key.
 */
export function createCertificate(
  tmpl: CertTemplate,
  publicKey: PublicKey | PrivateKey,
  signer: PrivateKey,
  parent?: Certificate,
): Certificate {
  const sig = signingParams(signer);
  const spki = spkiDer(publicKey);
  const subject = encodeName(tmpl.commonName, tmpl.organization);
  const issuer = parent ? parent.rawSubject : subject;
  if (parent && !bytesEqual(spkiDer(signer), parent.spki)) {
    throw new KubestrapError("x509: provided PrivateKey doesn't match parent's PublicKey");
  }
  let authorityKeyId: Uint8Array | undefined;
  if (parent && !bytesEqual(issuer, subject) && parent.subjectKeyId?.length) {
    authorityKeyId = parent.subjectKeyId;
  }
  const subjectKeyId = tmpl.isCA ? keyIdentifier(spki) : undefined;

  const exts: Uint8Array[] = [];
  if (tmpl.keyUsage !== 0) {
    exts.push(extension(OID.keyUsage, true, keyUsageExtensionValue(tmpl.keyUsage)));
  }
  if (tmpl.usages && tmpl.usages.length > 0) {
    exts.push(
      extension(OID.extKeyUsage, false, der.seq(...tmpl.usages.map((u) => der.oid(EKU_OIDS[u])))),
    );
  }
  exts.push(extension(OID.basicConstraints, true, tmpl.isCA ? der.seq(der.bool(true)) : der.seq()));
  if (subjectKeyId) exts.push(extension(OID.subjectKeyId, false, der.octetString(subjectKeyId)));
  if (authorityKeyId) {
    exts.push(
      extension(OID.authorityKeyId, false, der.seq(der.implicitPrimitive(0, authorityKeyId))),
    );
  }
  const dns = tmpl.altNames?.dnsNames ?? [];
  const ips = tmpl.altNames?.ips ?? [];
  if (dns.length > 0 || ips.length > 0) {
    const subjectIsEmpty = bytesEqual(subject, der.seq());
    exts.push(extension(OID.subjectAltName, subjectIsEmpty, sanValue(dns, ips)));
  }

  const tbs = der.seq(
    der.explicit(0, der.integer(2)),
    der.integer(tmpl.serial),
    sig.algId,
    issuer,
    der.seq(der.time(tmpl.notBefore), der.time(tmpl.notAfter)),
    subject,
    spki,
    der.explicit(3, der.seq(...exts)),
  );
  const signature = new Uint8Array(nodeCrypto.sign(sig.hash, tbs, signer));
  const certDer = der.seq(tbs, sig.algId, der.bitString(signature));
  return parseCertificate(certDer);
}

/** x509.CreateCertificateRequest with CN/O and SANs (as pkiutil.NewCSR). */
export function createCertificateRequest(
  commonName: string,
  organization: string[],
  altNames: AltNames,
  key: PrivateKey,
): CertificateRequest {
  const sig = signingParams(key);
  const attrs: Uint8Array[] = [];
  if (altNames.dnsNames.length > 0 || altNames.ips.length > 0) {
    const exts = der.seq(
      extension(OID.subjectAltName, false, sanValue(altNames.dnsNames, altNames.ips)),
    );
    attrs.push(der.seq(der.oid(OID.extensionRequest), der.setOf(exts)));
  }
  const info = der.seq(
    der.integer(0),
    encodeName(commonName, organization),
    spkiDer(key),
    der.tlv(0xa0, concatBytes(attrs)),
  );
  const signature = new Uint8Array(nodeCrypto.sign(sig.hash, info, key));
  const csrDer = der.seq(info, sig.algId, der.bitString(signature));
  return parseCertificateRequest(csrDer);
}

// ---------------------------------------------------------------------------------------------
// parsing

function parseName(node: der.Node): NameInfo {
  let commonName = "";
  const organization: string[] = [];
  const parts: string[] = [];
  const short: Record<string, string> = {
    [OID.commonName]: "CN",
    [OID.organization]: "O",
    [OID.organizationalUnit]: "OU",
    [OID.country]: "C",
  };
  for (const rdn of der.children(node)) {
    const atvs: string[] = [];
    for (const atv of der.children(rdn)) {
      const [t, v] = der.children(atv);
      const type = der.readOid(t);
      const value = der.readString(v);
      if (type === OID.commonName && commonName === "") commonName = value;
      if (type === OID.organization) organization.push(value);
      atvs.push(`${short[type] ?? type}=${value}`);
    }
    parts.unshift(atvs.join("+"));
  }
  return { commonName, organization, text: parts.join(",") };
}

function parseSAN(value: Uint8Array): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const gn of der.children(der.parseAll(value))) {
    if (gn.tag === 0x82) dns.push(der.readString(gn));
    else if (gn.tag === 0x87) ips.push(formatIPBytes(der.content(gn)));
  }
  return { dns, ips };
}

/** Parses a DER certificate. Throws KubestrapError on malformed input. */
export function parseCertificate(certDer: Uint8Array): Certificate {
  try {
    return parseCertificateInner(certDer);
  } catch (e) {
    if (e instanceof KubestrapError) throw e;
    throw new KubestrapError(`x509: malformed certificate: ${(e as Error).message}`);
  }
}

function parseCertificateInner(certDer: Uint8Array): Certificate {
  const root = der.parseAll(certDer);
  const [tbsNode, sigAlgNode, sigNode] = der.children(root);
  const tbsParts = der.children(tbsNode);
  let i = 0;
  if (tbsParts[0].tag === 0xa0) i++;
  const serial = der.readInteger(tbsParts[i++]);
  i++; // signature algorithm
  const issuerNode = tbsParts[i++];
  const validity = der.children(tbsParts[i++]);
  const subjectNode = tbsParts[i++];
  const spkiNode = tbsParts[i++];
  let keyUsage = 0;
  let basicConstraintsValid = false;
  let isCA = false;
  const extKeyUsageOids: string[] = [];
  let dnsNames: string[] = [];
  let ipAddresses: string[] = [];
  let subjectKeyId: Uint8Array | undefined;
  let authorityKeyId: Uint8Array | undefined;
  for (; i < tbsParts.length; i++) {
    if (tbsParts[i].tag !== 0xa3) continue;
    const exts = der.children(der.children(tbsParts[i])[0]);
    for (const ext of exts) {
      const parts = der.children(ext);
      const id = der.readOid(parts[0]);
      const value = der.content(parts[parts.length - 1]);
      switch (id) {
        case OID.keyUsage: {
          const { bytes } = der.readBitString(der.parseAll(value));
          keyUsage = reverseBits(bytes[0] ?? 0) | (reverseBits(bytes[1] ?? 0) << 8);
          break;
        }
        case OID.extKeyUsage:
          for (const o of der.children(der.parseAll(value))) extKeyUsageOids.push(der.readOid(o));
          break;
        case OID.basicConstraints: {
          basicConstraintsValid = true;
          const bc = der.children(der.parseAll(value));
          isCA = bc.length > 0 && bc[0].tag === der.TAG.BOOLEAN && der.readBool(bc[0]);
          break;
        }
        case OID.subjectKeyId:
          subjectKeyId = new Uint8Array(der.content(der.parseAll(value)));
          break;
        case OID.authorityKeyId:
          for (const c of der.children(der.parseAll(value))) {
            if (c.tag === 0x80) authorityKeyId = new Uint8Array(der.content(c));
          }
          break;
        case OID.subjectAltName: {
          const s = parseSAN(value);
          dnsNames = s.dns;
          ipAddresses = s.ips;
          break;
        }
      }
    }
  }
  const spki = new Uint8Array(der.raw(spkiNode));
  const publicKey = nodeCrypto.createPublicKey({
    key: spki as unknown as string,
    format: "der",
    type: "spki",
  });
  const copy = new Uint8Array(certDer);
  return {
    der: copy,
    pem: encodePem("CERTIFICATE", copy),
    serial,
    rawSubject: new Uint8Array(der.raw(subjectNode)),
    rawIssuer: new Uint8Array(der.raw(issuerNode)),
    subject: parseName(subjectNode),
    issuer: parseName(issuerNode),
    notBefore: der.readTime(validity[0]),
    notAfter: der.readTime(validity[1]),
    basicConstraintsValid,
    isCA,
    keyUsage,
    extKeyUsageOids,
    extKeyUsage: extKeyUsageOids.flatMap((o) =>
      o === OID.serverAuth
        ? ["serverAuth" as const]
        : o === OID.clientAuth
        ? ["clientAuth" as const]
        : []
    ),
    dnsNames,
    ipAddresses,
    subjectKeyId,
    authorityKeyId,
    spki,
    publicKey,
    signatureAlgorithm: der.readOid(der.children(sigAlgNode)[0]),
    tbs: new Uint8Array(der.raw(tbsNode)),
    signature: new Uint8Array(der.readBitString(sigNode).bytes),
  };
}

function parseCertificateRequest(csrDer: Uint8Array): CertificateRequest {
  const root = der.parseAll(csrDer);
  const [info] = der.children(root);
  const parts = der.children(info);
  const subject = parseName(parts[1]);
  const spki = new Uint8Array(der.raw(parts[2]));
  let dnsNames: string[] = [];
  let ipAddresses: string[] = [];
  if (parts[3]) {
    for (const attr of der.children(parts[3])) {
      const [t, vals] = der.children(attr);
      if (der.readOid(t) !== OID.extensionRequest) continue;
      for (const exts of der.children(vals)) {
        for (const ext of der.children(exts)) {
          const p = der.children(ext);
          if (der.readOid(p[0]) === OID.subjectAltName) {
            const s = parseSAN(der.content(p[p.length - 1]));
            dnsNames = s.dns;
            ipAddresses = s.ips;
          }
        }
      }
    }
  }
  const copy = new Uint8Array(csrDer);
  return {
    der: copy,
    pem: encodePem("CERTIFICATE REQUEST", copy),
    subject,
    dnsNames,
    ipAddresses,
    spki,
  };
}

/** All certificates of a PEM file (certutil.ParseCertsPEM); errors if there are none. */
export function parseCertsPEM(data: string | Uint8Array): Certificate[] {
  const certs = decodePemBlocks(data).filter((b) => b.type === "CERTIFICATE").map((b) =>
    parseCertificate(b.bytes)
  );
  if (certs.length === 0) {
    throw new KubestrapError("data does not contain any valid RSA or ECDSA certificates");
  }
  return certs;
}

export { encodePem };
