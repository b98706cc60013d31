/**
 * lib/util/kyaml.ts against sigs.k8s.io/yaml v1.6.0's kyaml.Encoder.FromObject: the text below is
 * what it wrote (go1.26.8) for a struct with the same JSON (quoted and bare keys, null, bool,
 * float, a multi-line string, empty and nested collections, a timestamp-like string). The printers'
 * `-o kyaml` is compared with kubeadm's in tests/output/printers_test.ts.
 */
import { assertEquals } from "../assert.ts";
import { marshalKYAML } from "../../lib/util/kyaml.ts";

Deno.test("marshalKYAML: sigs.k8s.io/yaml/kyaml's text for every kind of value", () => {
  const obj = {
    kind: "X",
    "a b": 1,
    yes: "yes",
    n: null,
    t: true,
    f: 1.5,
    multi: "a\nb\n",
    e: [],
    m: {},
    nested: [[1, 2], [], { x: "2024-01-02" }],
    s: ["x", 1, null],
  };
  assertEquals(
    marshalKYAML(obj),
    "---\n" +
      "{\n" +
      '  kind: "X",\n' +
      '  "a b": 1,\n' +
      '  "yes": "yes",\n' +
      '  "n": null,\n' +
      '  "t": true,\n' +
      '  "f": 1.5,\n' +
      '  multi: "\\\n' +
      "     a\\n\\\n" +
      "     b\\n\\\n" +
      '    ",\n' +
      "  e: [],\n" +
      "  m: {},\n" +
      "  nested: [[\n" +
      "    1,\n" +
      "    2,\n" +
      "  ], [], {\n" +
      '    x: "2024-01-02",\n' +
      "  }],\n" +
      "  s: [\n" +
      '    "x",\n' +
      "    1,\n" +
      "    null,\n" +
      "  ],\n" +
      "}\n",
  );
});
