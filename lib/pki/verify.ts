/**
 * Certificate path validation by OpenSSL's verifier (`X509_verify_cert` in the host's
 * libcrypto, through Deno's FFI), never by kubestrap's own chain logic.
 *
 * Every trust decision kubestrap makes goes through here: the API server's chain during join
 * discovery (`usage: "serverAuth"` and the host, as Go's crypto/tls client verifies it),
 * certificates against their CA on disk (`usage: "any"`, kubeadm's pkiutil.VerifyCertChain),
 * and whether a certificate is valid for a name (Go's Certificate.VerifyHostname).
 *
 * The verifier is set up to reach Go's crypto/x509 verdicts, which kubeadm gets:
 * - the store holds only the given roots, and a root need not be self-signed (Go's root pool;
 *   `X509_V_FLAG_PARTIAL_CHAIN`); no system store, no default paths;
 * - RFC 5280 path validation: signatures, validity of every certificate, basic constraints and
 *   path length, name constraints, unknown critical extensions, and for "serverAuth" the
 *   extended key usage of every certificate in the chain (Go nests EKUs the same way);
 * - security level 1 (`auth_level`): SHA-1 and MD5 signatures are refused as Go refuses them,
 *   RSA keys of 1024 bits and more are accepted as Go accepts them;
 * - names only from the subjectAltName (never the Common Name), one whole leftmost wildcard
 *   label.
 *
 * OpenSSL reports each problem it finds (a verify callback records them and lets it go on);
 * any problem refuses the chain. The refusal is then worded as Go words it, in the order Go's
 * Certificate.Verify checks: the leaf, the host name, the chain (unknown authority, with Go's
 * hint naming the candidate authority), the key usage, the name constraints. Only the wording
 * reads the certificates (for names and dates); it never decides.
 */
import { KubestrapError } from "../errors.ts";
import * as der from "./der.ts";
import { formatIPBytes, parseIPSloppy, to4 } from "../util/net.ts";
import { cString, openLibcrypto } from "./libcrypto.ts";
import { bytesEqual, type Certificate, OID, parseCertificate } from "./x509.ts";
import { type PrivateKey, spkiDer } from "./keys.ts";

const SYMBOLS = {
  d2i_X509: { parameters: ["pointer", "buffer", "i64"], result: "pointer" },
  i2d_X509: { parameters: ["pointer", "buffer"], result: "i32" },
  X509_free: { parameters: ["pointer"], result: "void" },
  X509_STORE_new: { parameters: [], result: "pointer" },
  X509_STORE_free: { parameters: ["pointer"], result: "void" },
  X509_STORE_add_cert: { parameters: ["pointer", "pointer"], result: "i32" },
  OPENSSL_sk_new_null: { parameters: [], result: "pointer" },
  OPENSSL_sk_push: { parameters: ["pointer", "pointer"], result: "i32" },
  OPENSSL_sk_free: { parameters: ["pointer"], result: "void" },
  X509_STORE_CTX_new: { parameters: [], result: "pointer" },
  X509_STORE_CTX_free: { parameters: ["pointer"], result: "void" },
  X509_STORE_CTX_init: {
    parameters: ["pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  X509_STORE_CTX_get0_param: { parameters: ["pointer"], result: "pointer" },
  X509_STORE_CTX_set_verify_cb: { parameters: ["pointer", "function"], result: "void" },
  X509_STORE_CTX_get_error: { parameters: ["pointer"], result: "i32" },
  X509_STORE_CTX_get_error_depth: { parameters: ["pointer"], result: "i32" },
  X509_STORE_CTX_get_current_cert: { parameters: ["pointer"], result: "pointer" },
  X509_VERIFY_PARAM_set_flags: { parameters: ["pointer", "u64"], result: "i32" },
  X509_VERIFY_PARAM_set_purpose: { parameters: ["pointer", "i32"], result: "i32" },
  X509_VERIFY_PARAM_set_time: { parameters: ["pointer", "i64"], result: "void" },
  X509_VERIFY_PARAM_set_auth_level: { parameters: ["pointer", "i32"], result: "void" },
  X509_VERIFY_PARAM_set1_host: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  X509_VERIFY_PARAM_set_hostflags: { parameters: ["pointer", "u32"], result: "void" },
  X509_VERIFY_PARAM_set1_ip_asc: { parameters: ["pointer", "buffer"], result: "i32" },
  X509_verify_cert: { parameters: ["pointer"], result: "i32" },
  X509_verify_cert_error_string: { parameters: ["i64"], result: "pointer" },
  X509_check_host: {
    parameters: ["pointer", "buffer", "usize", "u32", "pointer"],
    result: "i32",
  },
  X509_check_ip_asc: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;

// x509_vfy.h / x509v3.h (OpenSSL 1.1 and 3 agree on every value used here)
const V = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 4,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 6,
  CERT_SIGNATURE_FAILURE: 7,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
  PATH_LENGTH_EXCEEDED: 25,
  INVALID_PURPOSE: 26,
  UNHANDLED_CRITICAL_EXTENSION: 34,
  PERMITTED_VIOLATION: 47,
  EXCLUDED_VIOLATION: 48,
  HOSTNAME_MISMATCH: 62,
  IP_ADDRESS_MISMATCH: 64,
  CA_KEY_TOO_SMALL: 67,
  CA_MD_TOO_WEAK: 68,
  INVALID_CA: 79,
} as const;
const X509_V_FLAG_PARTIAL_CHAIN = 0x80000n;
const X509_PURPOSE_SSL_SERVER = 2;
const X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS = 0x4;
const X509_CHECK_FLAG_NEVER_CHECK_SUBJECT = 0x20;
const HOST_FLAGS = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;

let lib: Lib | undefined;

function libcrypto(): Lib {
  if (lib) return lib;
  const opened = openLibcrypto(SYMBOLS);
  if (!opened.lib) {
    // Fail closed: without the verifier nothing is trusted.
    throw new KubestrapError(
      `certificates cannot be verified: OpenSSL's libcrypto could not be loaded (${opened.why}); ` +
        "install it (Debian/Ubuntu: libssl3, RHEL/Fedora: openssl-libs)",
    );
  }
  return lib = opened.lib;
}

/** A certificate verification failure, worded as Go's crypto/x509 words it. */
class X509VerifyError extends KubestrapError {
  constructor(message: string) {
    super(message);
    this.name = "X509VerifyError";
  }
}

export interface VerifyOptions {
  /** Trust anchors (Go's Roots pool): the chain must end at one of them. */
  roots: Certificate[];
  /** Further certificates that may complete the chain (Go's Intermediates pool). */
  intermediates?: Certificate[];
  /**
   * "serverAuth": crypto/tls's client (every certificate's extended key usage must allow
   * server authentication); "any": Go's ExtKeyUsageAny (pkiutil.VerifyCertChain).
   */
  usage: "serverAuth" | "any";
  /** The DNS name or IP the leaf must be valid for (VerifyOptions.DNSName). */
  host?: string;
  /** The time to verify at (default: now). */
  now?: Date;
}

/** One problem OpenSSL reported: its X509_V_ERR code, depth in the chain and certificate. */
interface Problem {
  code: number;
  depth: number;
  cert?: Certificate;
}

function toX509(l: Lib, cert: Certificate): Deno.PointerValue {
  const buf = new Uint8Array(cert.der);
  const pp = new BigUint64Array([BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)))]);
  const x = l.symbols.d2i_X509(null, new Uint8Array(pp.buffer), BigInt(buf.length));
  if (!x) throw new X509VerifyError("x509: malformed certificate");
  return x;
}

function fromX509(l: Lib, x: Deno.PointerValue): Certificate | undefined {
  const n = l.symbols.i2d_X509(x, null);
  if (n <= 0) return undefined;
  const out = new Uint8Array(n);
  const pp = new BigUint64Array([BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(out)))]);
  if (l.symbols.i2d_X509(x, new Uint8Array(pp.buffer)) !== n) return undefined;
  try {
    return parseCertificate(out);
  } catch {
    return undefined;
  }
}

/** Brackets and a trailing dot off, as Go's VerifyHostname takes the name. */
function bareHost(host: string): string {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** Runs X509_verify_cert and returns every problem OpenSSL reported. */
function opensslProblems(leaf: Certificate, opts: VerifyOptions): Problem[] {
  const l = libcrypto();
  const s = l.symbols;
  const owned: Deno.PointerValue[] = [];
  const store = s.X509_STORE_new();
  const untrusted = s.OPENSSL_sk_new_null();
  const ctx = s.X509_STORE_CTX_new();
  const problems: Problem[] = [];
  const cb = new Deno.UnsafeCallback(
    { parameters: ["i32", "pointer"], result: "i32" } as const,
    (ok, c) => {
      if (ok) return 1;
      const cur = s.X509_STORE_CTX_get_current_cert(c);
      problems.push({
        code: s.X509_STORE_CTX_get_error(c),
        depth: s.X509_STORE_CTX_get_error_depth(c),
        cert: cur ? fromX509(l, cur) : undefined,
      });
      return 1; // go on: every problem is recorded, any one of them refuses the chain
    },
  );
  try {
    if (!store || !untrusted || !ctx) throw new X509VerifyError("x509: out of memory");
    for (const r of opts.roots) {
      const x = toX509(l, r);
      owned.push(x);
      s.X509_STORE_add_cert(store, x);
    }
    for (const c of opts.intermediates ?? []) {
      const x = toX509(l, c);
      owned.push(x);
      s.OPENSSL_sk_push(untrusted, x);
    }
    const x = toX509(l, leaf);
    owned.push(x);
    if (s.X509_STORE_CTX_init(ctx, store, x, untrusted) !== 1) {
      throw new X509VerifyError("x509: cannot set up the verification");
    }
    const param = s.X509_STORE_CTX_get0_param(ctx);
    s.X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    s.X509_VERIFY_PARAM_set_auth_level(param, 1);
    s.X509_VERIFY_PARAM_set_time(
      param,
      BigInt(Math.floor((opts.now ?? new Date()).getTime() / 1000)),
    );
    if (opts.usage === "serverAuth") {
      s.X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    }
    if (opts.host) {
      const h = bareHost(opts.host);
      if (parseIPSloppy(h)) s.X509_VERIFY_PARAM_set1_ip_asc(param, cString(h));
      else {
        s.X509_VERIFY_PARAM_set_hostflags(param, HOST_FLAGS);
        const name = cString(h);
        s.X509_VERIFY_PARAM_set1_host(param, name, BigInt(name.length - 1));
      }
    }
    s.X509_STORE_CTX_set_verify_cb(ctx, cb.pointer);
    const ok = s.X509_verify_cert(ctx);
    if (ok !== 1 && problems.length === 0) {
      problems.push({ code: s.X509_STORE_CTX_get_error(ctx), depth: 0, cert: leaf });
    }
  } finally {
    if (ctx) s.X509_STORE_CTX_free(ctx);
    if (untrusted) s.OPENSSL_sk_free(untrusted);
    if (store) s.X509_STORE_free(store);
    for (const x of owned) s.X509_free(x);
    cb.close();
  }
  return problems;
}

/**
 * Verifies `leaf` (with `opts`) by OpenSSL's verifier. Throws an X509VerifyError with Go's
 * crypto/x509 message when the chain is refused.
 */
export function verifyCertificate(leaf: Certificate, opts: VerifyOptions): void {
  if (opts.roots.length === 0) {
    throw new X509VerifyError("x509: certificate signed by unknown authority");
  }
  const problems = opensslProblems(leaf, opts);
  if (problems.length > 0) throw new X509VerifyError(goMessage(leaf, problems, opts));
}

/**
 * pkiutil.VerifyCertChain(cert, intermediates, root): the chain must lead to `root`, with any
 * key usage, every certificate valid at `now`.
 */
export function verifyCertChain(
  cert: Certificate,
  intermediates: Certificate[],
  root: Certificate,
  now: Date = new Date(),
): void {
  verifyCertificate(cert, { roots: [root], intermediates, usage: "any", now });
}

/**
 * Whether `key` is the private key of `cert`: their SubjectPublicKeyInfo are the same (what
 * tls.X509KeyPair checks before a component can use the pair).
 */
export function keyMatchesCertificate(key: PrivateKey, cert: Certificate): boolean {
  return bytesEqual(spkiDer(key), cert.spki);
}

/**
 * Certificate.VerifyHostname(host) by OpenSSL's X509_check_host / X509_check_ip_asc: an IP must
 * be among the IP SANs, a name must match a DNS SAN. Throws with Go's HostnameError text.
 */
export function verifyHostname(cert: Certificate, host: string): void {
  const s = libcrypto().symbols;
  const h = bareHost(host);
  const x = toX509(libcrypto(), cert);
  let ok: number;
  try {
    if (parseIPSloppy(h)) ok = s.X509_check_ip_asc(x, cString(h), 0);
    else {
      const name = cString(h);
      ok = s.X509_check_host(x, name, BigInt(name.length - 1), HOST_FLAGS, null);
    }
  } finally {
    s.X509_free(x);
  }
  if (ok !== 1) throw new X509VerifyError(hostnameErrorText(cert, h));
}

// ---------------------------------------------------------------------------------------------
// Go's wording

const UNKNOWN_AUTHORITY = "x509: certificate signed by unknown authority";

/** Go's time.RFC3339 of a UTC time. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function expiredText(c: Certificate, now: Date): string {
  const why = now < c.notBefore
    ? `current time ${rfc3339(now)} is before ${rfc3339(c.notBefore)}`
    : `current time ${rfc3339(now)} is after ${rfc3339(c.notAfter)}`;
  return `x509: certificate has expired or is not yet valid: ${why}`;
}

/** HostnameError.Error() for `host` (without brackets). */
function hostnameErrorText(cert: Certificate, host: string): string {
  const hasSAN = cert.dnsNames.length > 0 || cert.ipAddresses.length > 0 ||
    hasExtension(cert, OID.subjectAltName);
  if (
    !hasSAN && cert.subject.commonName &&
    cert.subject.commonName.toLowerCase() === host.toLowerCase()
  ) {
    return "x509: certificate relies on legacy Common Name field, use SANs instead";
  }
  let valid: string;
  if (parseIPSloppy(host)) {
    if (cert.ipAddresses.length === 0) {
      return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    }
    if (cert.ipAddresses.length >= 100) {
      return `x509: certificate is valid for ${cert.ipAddresses.length} IP SANs, but none matched ${host}`;
    }
    valid = cert.ipAddresses.join(", ");
  } else {
    if (cert.dnsNames.length >= 100) {
      return `x509: certificate is valid for ${cert.dnsNames.length} names, but none matched ${host}`;
    }
    valid = cert.dnsNames.join(", ");
  }
  if (valid === "") {
    return "x509: certificate is not valid for any names, but wanted to match " + host;
  }
  return `x509: certificate is valid for ${valid}, not ${host}`;
}

/** Go's SignatureAlgorithm.String() for the algorithms it calls insecure. */
const INSECURE_ALGORITHMS: Record<string, string> = {
  "1.2.840.113549.1.1.2": "MD2-RSA",
  "1.2.840.113549.1.1.4": "MD5-RSA",
  "1.2.840.113549.1.1.5": "SHA1-RSA",
  "1.3.14.3.2.29": "SHA1-RSA",
  "1.2.840.10040.4.3": "DSA-SHA1",
  "1.2.840.10045.4.1": "ECDSA-SHA1",
};

/** The name UnknownAuthorityError gives a candidate authority. */
function candidateName(c: Certificate): string {
  return c.subject.commonName || c.subject.organization[0] || `serial:${c.serial}`;
}

/** Go's %q of a string (ASCII printable kept, quotes and backslashes escaped). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

function unknownAuthority(hint: string, candidate: Certificate | undefined): string {
  if (!candidate) return UNKNOWN_AUTHORITY;
  return `${UNKNOWN_AUTHORITY} (possibly because of ${goQuote(hint)} while trying to verify ` +
    `candidate authority certificate ${goQuote(candidateName(candidate))})`;
}

/** The modulus size of an RSA certificate's key (0 for other keys). */
function keyBits(c: Certificate): number {
  const d = c.publicKey.asymmetricKeyDetails;
  return d?.modulusLength ?? 0;
}

function hasExtension(cert: Certificate, oid: string): boolean {
  return extensions(cert).some((e) => e.oid === oid);
}

interface Extension {
  oid: string;
  value: Uint8Array;
}

function extensions(cert: Certificate): Extension[] {
  const tbs = der.children(der.parseAll(cert.tbs));
  const out: Extension[] = [];
  for (const part of tbs) {
    if (part.tag !== 0xa3) continue;
    for (const ext of der.children(der.children(part)[0])) {
      const p = der.children(ext);
      out.push({ oid: der.readOid(p[0]), value: der.content(p[p.length - 1]) });
    }
  }
  return out;
}

/** The signature error Go's CheckSignatureFrom gives when the key does not verify. */
function badSignatureText(parent: Certificate): string {
  const spki = der.children(der.parseAll(parent.spki));
  const alg = der.readOid(der.children(spki[0])[0]);
  if (alg === OID.ecPublicKey) return "x509: ECDSA verification failure";
  if (alg === "1.3.101.112") return "x509: Ed25519 verification failure";
  return "crypto/rsa: verification error";
}

/** The chain as OpenSSL built it, leaf first, from the certificates the problems name. */
function certAt(problems: Problem[], depth: number): Certificate | undefined {
  return problems.find((p) => p.depth === depth && p.cert)?.cert;
}

/** Go's message for the problems OpenSSL found, in the order Go's Verify checks. */
function goMessage(leaf: Certificate, problems: Problem[], opts: VerifyOptions): string {
  const now = opts.now ?? new Date();
  const at0 = (code: number) => problems.some((p) => p.depth === 0 && p.code === code);
  // 1. the leaf itself (isValid)
  if (at0(V.UNHANDLED_CRITICAL_EXTENSION)) return "x509: unhandled critical extension";
  if (at0(V.CERT_HAS_EXPIRED) || at0(V.CERT_NOT_YET_VALID)) return expiredText(leaf, now);
  // 2. the host name
  if (
    opts.host &&
    problems.some((p) => p.code === V.HOSTNAME_MISMATCH || p.code === V.IP_ADDRESS_MISMATCH)
  ) {
    return hostnameErrorText(leaf, bareHost(opts.host));
  }
  // 3. building the chain, from the leaf up. Go tries each pool certificate named as the
  // issuer: a signature that does not verify becomes the hint of "signed by unknown
  // authority"; a candidate whose signature verifies but that is itself not valid (isValid:
  // critical extension, validity, CA, path length) ends the search with that error as is.
  const steps: { step: number; order: number; text: string; candidate?: Certificate }[] = [];
  const pool = [...opts.roots, ...(opts.intermediates ?? [])];
  const hint = (step: number, text: string, candidate?: Certificate) =>
    steps.push({
      step,
      order: 0,
      text: candidate && text ? unknownAuthority(text, candidate) : UNKNOWN_AUTHORITY,
    });
  const invalid = (step: number, order: number, text: string) => steps.push({ step, order, text });
  for (const p of problems) {
    const c = p.cert;
    switch (p.code) {
      case V.CA_MD_TOO_WEAK:
      case V.CERT_SIGNATURE_FAILURE:
      case V.UNABLE_TO_DECRYPT_CERT_SIGNATURE: {
        // the signature of the certificate at depth d, checked with its parent's key
        const parent = certAt(problems, p.depth + 1) ??
          (c ? pool.find((r) => bytesEqual(r.rawSubject, c.rawIssuer)) : undefined);
        const weak = c ? INSECURE_ALGORITHMS[c.signatureAlgorithm] : undefined;
        const text = p.code === V.CA_MD_TOO_WEAK && weak
          ? `x509: cannot verify signature: insecure algorithm ${weak}`
          : parent
          ? badSignatureText(parent)
          : "";
        hint(p.depth + 1, text, parent);
        break;
      }
      case V.CA_KEY_TOO_SMALL:
        if (c) hint(p.depth, `crypto/rsa: ${keyBits(c)}-bit keys are insecure`, c);
        break;
      case V.INVALID_CA:
        // CheckSignatureFrom refuses a parent that is no CA before isValid runs
        hint(
          p.depth,
          "x509: invalid signature: parent certificate cannot sign this kind of certificate",
          c,
        );
        break;
      case V.UNHANDLED_CRITICAL_EXTENSION:
        invalid(p.depth, 1, "x509: unhandled critical extension");
        break;
      case V.CERT_HAS_EXPIRED:
      case V.CERT_NOT_YET_VALID:
        if (c) invalid(p.depth, 2, expiredText(c, now));
        break;
      case V.PATH_LENGTH_EXCEEDED:
        invalid(p.depth, 4, "x509: too many intermediates for path length constraint");
        break;
      case V.UNABLE_TO_GET_ISSUER_CERT:
      case V.UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case V.UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      case V.DEPTH_ZERO_SELF_SIGNED_CERT:
      case V.SELF_SIGNED_CERT_IN_CHAIN:
      case V.UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: {
        // No issuer verified: Go names the first pool certificate of the issuer's name whose
        // signature check failed.
        const child = c ?? leaf;
        const cand = pool.find((r) =>
          bytesEqual(r.rawSubject, child.rawIssuer) && !bytesEqual(r.der, child.der)
        );
        hint(p.depth + 1, cand ? badSignatureText(cand) : "", cand);
        break;
      }
    }
  }
  if (steps.length > 0) {
    steps.sort((a, b) => a.step - b.step || a.order - b.order);
    return steps[0].text;
  }
  // 4. the extended key usage along the chain
  if (problems.some((p) => p.code === V.INVALID_PURPOSE)) {
    return "x509: certificate specifies an incompatible key usage";
  }
  // 5. the name constraints
  if (problems.some((p) => p.code === V.PERMITTED_VIOLATION || p.code === V.EXCLUDED_VIOLATION)) {
    return "x509: a root or intermediate certificate is not authorized to sign for this name: " +
      nameConstraintDetail(leaf, problems, opts);
  }
  // Anything else (OpenSSL is stricter than Go here): OpenSSL's own words.
  const p = problems[0];
  const text = libcrypto().symbols.X509_verify_cert_error_string(BigInt(p.code));
  const why = text ? Deno.UnsafePointerView.getCString(text) : `error ${p.code}`;
  return `x509: certificate verification failed at depth ${p.depth}: ${why}`;
}

// --- the detail of a name constraint refusal (wording only: OpenSSL already refused)

interface Subtrees {
  dns: string[];
  ips: { ip: Uint8Array; mask: Uint8Array }[];
}

function subtrees(node: der.Node | undefined): Subtrees {
  const out: Subtrees = { dns: [], ips: [] };
  if (!node) return out;
  for (const st of der.children(node)) {
    const base = der.children(st)[0];
    if (!base) continue;
    if (base.tag === 0x82) out.dns.push(new TextDecoder().decode(der.content(base)));
    else if (base.tag === 0x87) {
      const b = der.content(base);
      const n = b.length / 2;
      out.ips.push({ ip: b.subarray(0, n), mask: b.subarray(n) });
    }
  }
  return out;
}

function nameConstraints(c: Certificate): { permitted: Subtrees; excluded: Subtrees } | undefined {
  const ext = extensions(c).find((e) => e.oid === "2.5.29.30");
  if (!ext) return undefined;
  let permitted: der.Node | undefined;
  let excluded: der.Node | undefined;
  for (const part of der.children(der.parseAll(ext.value))) {
    if (part.tag === 0xa0) permitted = part;
    if (part.tag === 0xa1) excluded = part;
  }
  return { permitted: subtrees(permitted), excluded: subtrees(excluded) };
}

function ipBytes(s: string): Uint8Array | undefined {
  const ip = parseIPSloppy(s);
  return ip && (to4(ip) ?? ip);
}

function ipIn(ip: Uint8Array, net: { ip: Uint8Array; mask: Uint8Array }): boolean {
  return ip.length === net.ip.length &&
    ip.every((x, i) => (x & net.mask[i]) === (net.ip[i] & net.mask[i]));
}

function dnsIn(name: string, constraint: string): boolean {
  const n = name.toLowerCase();
  const c = constraint.toLowerCase();
  if (c === "") return true;
  if (c.startsWith(".")) return n.endsWith(c);
  return n === c || n.endsWith("." + c);
}

function formatNet(net: { ip: Uint8Array; mask: Uint8Array }): string {
  const bits = [...net.mask].reduce(
    (a, x) => a + x.toString(2).split("").filter((d) => d === "1").length,
    0,
  );
  return `${formatIPBytes(net.ip)}/${bits}`;
}

/**
 * `IP address "10.0.0.1" is not permitted by any constraint` and the like: the first name of the
 * leaf (DNS names, then IPs, Go's order) that a constraining certificate of the chain refuses.
 */
function nameConstraintDetail(leaf: Certificate, problems: Problem[], opts: VerifyOptions): string {
  const chain = [...new Set(problems.map((p) => p.depth))].sort((a, b) => a - b)
    .map((d) => certAt(problems, d)).filter((c): c is Certificate => !!c && c !== leaf);
  const cas = [...chain, ...(opts.intermediates ?? []), ...opts.roots];
  for (const ca of cas) {
    const nc = nameConstraints(ca);
    if (!nc) continue;
    for (const name of leaf.dnsNames) {
      const ex = nc.excluded.dns.find((c) => dnsIn(name, c));
      if (ex !== undefined) {
        return `DNS name ${goQuote(name)} is excluded by constraint ${goQuote(ex)}`;
      }
      if (nc.permitted.dns.length > 0 && !nc.permitted.dns.some((c) => dnsIn(name, c))) {
        return `DNS name ${goQuote(name)} is not permitted by any constraint`;
      }
    }
    for (const s of leaf.ipAddresses) {
      const ip = ipBytes(s);
      if (!ip) continue;
      const ex = nc.excluded.ips.find((n) => ipIn(ip, n));
      if (ex) return `IP address ${goQuote(s)} is excluded by constraint ${goQuote(formatNet(ex))}`;
      if (nc.permitted.ips.length > 0 && !nc.permitted.ips.some((n) => ipIn(ip, n))) {
        return `IP address ${goQuote(s)} is not permitted by any constraint`;
      }
    }
  }
  return "a name is not permitted by the constraints of the issuing certificate";
}
