/** Go's encoding/json output: json.Marshal / json.MarshalIndent with Go's HTML escaping. */

/**
 * `v` as Go's json.MarshalIndent(v, "", indent) writes it (json.Marshal with indent ""):
 * JSON.stringify's text with `<`, `>`, `&`, U+2028 and U+2029 escaped as Go escapes them.
 */
export function goJSON(v: unknown, indent = ""): string {
  return JSON.stringify(v, null, indent).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
