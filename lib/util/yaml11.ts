/**
 * go-yaml v2's (YAML 1.1) plain-scalar words: what resolve.go reads as a bool, a null or a
 * special float instead of a string. Shared by the config decoder and the manifest emitter.
 */
export const YAML11_TRUE: ReadonlySet<string> = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "true",
  "True",
  "TRUE",
  "on",
  "On",
  "ON",
]);

export const YAML11_FALSE: ReadonlySet<string> = new Set([
  "n",
  "N",
  "no",
  "No",
  "NO",
  "false",
  "False",
  "FALSE",
  "off",
  "Off",
  "OFF",
]);

export const YAML11_NULLS: ReadonlySet<string> = new Set(["", "~", "null", "Null", "NULL"]);

export const YAML11_SPECIAL_FLOATS: Readonly<Record<string, number>> = {
  ".nan": NaN,
  ".NaN": NaN,
  ".NAN": NaN,
  ".inf": Infinity,
  ".Inf": Infinity,
  ".INF": Infinity,
  "+.inf": Infinity,
  "+.Inf": Infinity,
  "+.INF": Infinity,
  "-.inf": -Infinity,
  "-.Inf": -Infinity,
  "-.INF": -Infinity,
};
