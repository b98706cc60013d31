// lib/util/validation.ts: apimachinery's DNS-1123 subdomain checks (util/validation and
// api/validate/content), one copy for config validation, certificate SANs, ParseHostPort and the
// preflight node-name check. Lengths are UTF-8 bytes, as Go's len(): the former preflight and pki
// copies counted UTF-16 units.
import { assertEquals } from "../assert.ts";
import {
  isDNS1123Subdomain,
  isDNS1123SubdomainContent,
  isWildcardDNS1123Subdomain,
  regexError,
} from "../../lib/util/validation.ts";
import { qualifiedNameErrors } from "../../lib/preflight/checks.ts";

const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric " +
  "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. " +
  "'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const WILDCARD_MSG = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid " +
  "DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end " +
  "with an alphanumeric character (e.g. '*.example.com', regex used for validation is " +
  "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

Deno.test("isDNS1123Subdomain: valid names, and Go's errors for the others", () => {
  for (
    const ok of ["a", "ab", "a-b", "0", "a.b", "1.2.3.4", "kubernetes.default.svc", "a".repeat(253)]
  ) {
    assertEquals(isDNS1123Subdomain(ok), [], ok);
  }
  for (const bad of ["", "A", "-a", "a-", "a..b", ".a", "a.", "a_b", "*.a", "a b", "é"]) {
    assertEquals(isDNS1123Subdomain(bad), [SUBDOMAIN_MSG], bad);
  }
  assertEquals(isDNS1123Subdomain("a".repeat(254)), ["must be no more than 253 characters"]);
  // 200 characters, 400 bytes: both errors, as Go counts bytes
  assertEquals(isDNS1123Subdomain("é".repeat(200)), [
    "must be no more than 253 characters",
    SUBDOMAIN_MSG,
  ]);
});

Deno.test("isWildcardDNS1123Subdomain", () => {
  assertEquals(isWildcardDNS1123Subdomain("*.example.com"), []);
  assertEquals(isWildcardDNS1123Subdomain("*.a"), []);
  for (const bad of ["*", "*.", "a.*.b", "**.a", "example.com", "*.A"]) {
    assertEquals(isWildcardDNS1123Subdomain(bad), [WILDCARD_MSG], bad);
  }
  assertEquals(isWildcardDNS1123Subdomain("*." + "a".repeat(252)), [
    "must be no more than 253 characters",
  ]);
});

Deno.test("content's IsDNS1123Subdomain words the length in bytes; the label key prefix uses it", () => {
  assertEquals(isDNS1123SubdomainContent("a".repeat(254)), ["must be no more than 253 bytes"]);
  assertEquals(isDNS1123SubdomainContent("a.b"), []);
  assertEquals(qualifiedNameErrors("example.com/name"), []);
  assertEquals(qualifiedNameErrors("Example.com/name"), ["prefix part " + SUBDOMAIN_MSG]);
  assertEquals(qualifiedNameErrors("é".repeat(200) + "/name"), [
    "prefix part must be no more than 253 bytes",
    "prefix part " + SUBDOMAIN_MSG,
  ]);
});

Deno.test("regexError: examples joined as apimachinery joins them", () => {
  assertEquals(regexError("m", "r"), "m (regex used for validation is 'r')");
  assertEquals(regexError("m", "r", "a"), "m (e.g. 'a', regex used for validation is 'r')");
  assertEquals(
    regexError("m", "r", "a", "b"),
    "m (e.g. 'a',  or 'b', regex used for validation is 'r')",
  );
});
