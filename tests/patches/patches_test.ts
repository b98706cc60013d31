import {
  createPatchSet,
  MERGE_PATCH,
  parsePatchFilename,
  PatchError,
  PatchManager,
  STRATEGIC_MERGE_PATCH,
} from "../../lib/patches/patches.ts";
import {
  jsonMergePatch,
  jsonPatch,
  POD_SCHEMA,
  strategicMergePatch,
} from "../../lib/patches/strategic.ts";
import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "../assert.ts";

Deno.test("patches: file name grammar", () => {
  assertEquals(parsePatchFilename("kube-apiserver0+merge.yaml"), {
    target: "kube-apiserver",
    patchType: "application/merge-patch+json",
  });
  assertEquals(parsePatchFilename("etcd.json"), {
    target: "etcd",
    patchType: "application/strategic-merge-patch+json",
  });
  assertEquals(
    (parsePatchFilename("kubeletconfiguration+json.yaml") as { target: string }).target,
    "kubeletconfiguration",
  );
  assertEquals(parsePatchFilename("etcd.yml"), {
    warn: "the file extension must be one of [json yaml]",
  });
  assertStringIncludes(
    (parsePatchFilename("foo.yaml") as { warn: string }).warn,
    "unknown target, must be one of [etcd kube-apiserver",
  );
  assertThrows(
    () => parsePatchFilename("etcd+foo.yaml"),
    PatchError,
    "unknown or missing patch type after '+', must be one of [json merge strategic]",
  );
});

Deno.test("patches: merge, json and strategic patch semantics", () => {
  assertEquals(jsonMergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 } }), {
    a: 1,
    b: { d: 3, e: 4 },
  });
  assertEquals(
    jsonPatch({ l: [1, 2] }, [
      { op: "add", path: "/l/-", value: 3 },
      { op: "replace", path: "/l/0", value: 0 },
      { op: "copy", from: "/l", path: "/m" },
      { op: "remove", path: "/l/1" },
      { op: "test", path: "/m/2", value: 3 },
    ]),
    { l: [0, 3], m: [0, 2, 3] },
  );
  assertThrows(() => jsonPatch({}, [{ op: "remove", path: "/x" }]));
  const pod = {
    spec: {
      containers: [{
        name: "c",
        command: ["a", "b"],
        env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
      }],
      volumes: [{ name: "v1" }, { name: "v2" }],
    },
  };
  const patched = strategicMergePatch(pod, {
    spec: {
      containers: [{
        name: "c",
        command: ["z"],
        env: [{ name: "B", value: "3" }, { name: "C", value: "4" }, {
          name: "A",
          $patch: "delete",
        }],
      }],
      volumes: [{ name: "v0" }],
    },
  }, POD_SCHEMA);
  assertEquals(patched, {
    spec: {
      containers: [{
        name: "c",
        command: ["z"],
        env: [{ name: "B", value: "3" }, { name: "C", value: "4" }],
      }],
      volumes: [{ name: "v0" }, { name: "v1" }, { name: "v2" }],
    },
  });
  assertEquals(
    strategicMergePatch(
      pod,
      { spec: { volumes: [{ $patch: "replace" }, { name: "only" }] } },
      POD_SCHEMA,
    )
      .spec.volumes,
    [{ name: "only" }],
  );
});

Deno.test("patches: manager reads a directory, applies in order and reports like kubeadm", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/kube-scheduler+merge.yaml`,
      "metadata:\n  labels:\n    a: b\n---\nmetadata:\n  labels:\n    c: d\n",
    );
    await Deno.writeTextFile(`${dir}/kube-scheduler1.json`, '{"metadata":{"labels":{"a":"z"}}}');
    await Deno.writeTextFile(`${dir}/README`, "x");
    const lines: string[] = [];
    const pm = await PatchManager.fromPath(dir, { output: (l) => lines.push(l) });
    const t = { name: "kube-scheduler", data: { metadata: { labels: { x: "y" } } } as unknown };
    pm.applyPatchesToTarget(t);
    assertEquals(t.data, { metadata: { labels: { x: "y", a: "z", c: "d" } } });
    assertEquals(lines, [
      `[patches] Reading patches from path "${dir}"\n`,
      '[patches] Ignoring file "README": the file extension must be one of [json yaml]\n',
      "[patches] Found the following patch files: [kube-scheduler+merge.yaml kube-scheduler1.json]\n",
      "[patches] Ignored the following files: [README]\n",
      `[patches] Applied patch of type "${MERGE_PATCH}" to target "kube-scheduler"\n`,
      `[patches] Applied patch of type "${MERGE_PATCH}" to target "kube-scheduler"\n`,
      `[patches] Applied patch of type "${STRATEGIC_MERGE_PATCH}" to target "kube-scheduler"\n`,
    ]);
    assertThrows(
      () => pm.applyPatchesToTarget({ name: "nope", data: {} }),
      PatchError,
      "unknown patch target name",
    );
    await Deno.writeTextFile(`${dir}/etcd+bad.yaml`, "a: 1");
    await assertRejects(
      () => PatchManager.fromPath(dir),
      PatchError,
      "unknown or missing patch type",
    );
    await assertRejects(
      () => PatchManager.fromPath(`${dir}/README`),
      PatchError,
      "not a directory",
    );
    const set = createPatchSet("etcd", MERGE_PATCH, "---\n\n---\na: yes\n");
    assertEquals(set.patches.map((p) => p.value), [{ a: true }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
