/**
 * DNS-1123 subdomain checks as apimachinery v0.37.2 words them: k8s.io/apimachinery/pkg/util/
 * validation (IsDNS1123Subdomain, IsWildcardDNS1123Subdomain: "must be no more than 253
 * characters"), and pkg/api/validate/content's IsDNS1123Subdomain (the same test, the length
 * worded in "bytes"), which content.IsLabelKey uses for a label key's prefix. Each returns Go's
 * error strings, none when the value is valid; lengths are UTF-8 bytes, as Go's len().
 */

/** dns1123LabelFmt. */
const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
/** dns1123SubdomainFmt: the regex named in the error text. */
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
/** wildcardDNS1123SubdomainFmt. */
const WILDCARD_DNS1123_SUBDOMAIN_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`;
/** DNS1123SubdomainMaxLength. */
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const WILDCARD_DNS1123_SUBDOMAIN_RE = new RegExp(`^${WILDCARD_DNS1123_SUBDOMAIN_FMT}$`);

const DNS1123_SUBDOMAIN_ERROR_MSG = "a lowercase RFC 1123 subdomain must consist of lower case " +
  "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const WILDCARD_DNS1123_SUBDOMAIN_ERR_MSG = "a wildcard DNS-1123 subdomain must start with '*.', " +
  "followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, " +
  "'-' or '.' and end with an alphanumeric character";

/** RegexError (the same in validation and content): the message, examples, the regex. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}` +
    `regex used for validation is '${fmt}')`;
}

/** Go's len(value): the UTF-8 length. */
function byteLength(value: string): number {
  return new TextEncoder().encode(value).length;
}

function dns1123Subdomain(value: string, unit: "characters" | "bytes"): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    errs.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX_LENGTH} ${unit}`);
  }
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_ERROR_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"));
  }
  return errs;
}

/**
 * validation.IsDNS1123Subdomain: a lowercase RFC 1123 subdomain of at most 253 bytes. Returns
 * Go's error strings; valid when empty.
 */
export function isDNS1123Subdomain(value: string): string[] {
  return dns1123Subdomain(value, "characters");
}

/**
 * content.IsDNS1123Subdomain (k8s.io/apimachinery/pkg/api/validate/content): the test of
 * {@link isDNS1123Subdomain}, its length error worded "must be no more than 253 bytes".
 */
export function isDNS1123SubdomainContent(value: string): string[] {
  return dns1123Subdomain(value, "bytes");
}

/**
 * validation.IsWildcardDNS1123Subdomain: "*." followed by a DNS-1123 subdomain, at most 253 bytes
 * in all. Returns Go's error strings; valid when empty.
 */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    errs.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX_LENGTH} characters`);
  }
  if (!WILDCARD_DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        WILDCARD_DNS1123_SUBDOMAIN_ERR_MSG,
        WILDCARD_DNS1123_SUBDOMAIN_FMT,
        "*.example.com",
      ),
    );
  }
  return errs;
}
