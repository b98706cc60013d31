/**
 * lib/kube against a real kube-apiserver v1.37.2 (test bed): CRUD, errors, idempotency,
 * retries across an API server restart, unreachable server, health probes.
 */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import { KubeClient } from "../../lib/kube/client.ts";
import {
  isAlreadyExists,
  isNotFound,
  KubeApiError,
  KubeConnectionError,
} from "../../lib/kube/errors.ts";
import { probe } from "../../lib/kube/health.ts";
import {
  createOrMutate,
  createOrRetain,
  createOrUpdate,
  patchNode,
} from "../../lib/kube/idempotency.ts";
import { freePort } from "../harness/mod.ts";
import { ready, startTestCluster, why } from "./testcluster.ts";

Deno.test({
  name: "kube client against a real kube-apiserver",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    if (!ready) console.log(why);
    await using tc = await startTestCluster();
    using c = tc.client();

    await t.step("health probes: verified, insecure, wrong CA", async () => {
      for (const p of ["/livez", "/readyz", "/healthz"]) {
        const r = await probe(`${tc.server}${p}`, { caData: tc.caPem });
        assertEquals([r.ok, r.status, r.body], [true, 200, "ok"]);
      }
      const insecure = await probe(`${tc.server}/livez`, { insecureSkipTLSVerify: true });
      assert(insecure.ok, insecure.error);
      const wrong = await probe(`${tc.server}/livez`, {
        caData: Deno.readTextFileSync(`${tc.pkiDir}/front-proxy-ca.crt`),
        name: "kube-apiserver",
      });
      assert(!wrong.ok);
      assertStringIncludes(wrong.error!, `kube-apiserver check failed at ${tc.server}/livez`);
    });

    await t.step("CRUD and error classification", async () => {
      const cm = {
        metadata: { name: "ks-test", namespace: "default" },
        data: { a: "1" },
      };
      const created = await c.create("configmaps", cm);
      assertEquals(created.data, { a: "1" });
      const e = await assertRejects(() => c.create("configmaps", cm), KubeApiError);
      assert(isAlreadyExists(e));
      assertStringIncludes(e.message, `unable to create ConfigMap default/ks-test on ${tc.server}`);
      await c.patch("configmaps", "ks-test", { data: { b: "2" } }, "merge", "default");
      assertEquals((await c.get("configmaps", "ks-test", "default")).data, { a: "1", b: "2" });
      const list = await c.list("configmaps", {
        namespace: "default",
        fieldSelector: "metadata.name=ks-test",
      });
      assertEquals(list.items.length, 1);
      await c.delete("configmaps", "ks-test", "default");
      const nf = await assertRejects(() => c.get("configmaps", "ks-test", "default"), KubeApiError);
      assert(isNotFound(nf));
      assertStringIncludes(nf.message, `unable to get ConfigMap default/ks-test on ${tc.server}`);
      // a token client that is rejected: 401, message without the token
      using bad = new KubeClient({
        server: tc.server,
        caData: tc.caPem,
        token: "abcdef.0123456789abcdef",
      });
      const u = await assertRejects(() => bad.get("namespaces", "default"), KubeApiError);
      assertEquals((u as KubeApiError).status, 401);
      assert(!u.message.includes("0123456789abcdef"));
    });

    await t.step("idempotency helpers: create-or-update/mutate/retain twice", async () => {
      const cm = (v: string) => ({
        metadata: { name: "ks-idem", namespace: "default" },
        data: { v },
      });
      await createOrUpdate(c, "configmaps", cm("1"));
      await createOrUpdate(c, "configmaps", cm("2"));
      assertEquals((await c.get("configmaps", "ks-idem", "default")).data, { v: "2" });
      await createOrRetain(c, "configmaps", cm("3"));
      assertEquals((await c.get("configmaps", "ks-idem", "default")).data, { v: "2" });
      await createOrMutate(c, "configmaps", cm("4"), (cur) => {
        cur.data = { ...cur.data, w: "x" };
      });
      assertEquals((await c.get("configmaps", "ks-idem", "default")).data, { v: "2", w: "x" });
      const got = await tc.kubectl(
        "get",
        "configmap",
        "ks-idem",
        "-n",
        "default",
        "-o",
        "jsonpath={.data.w}",
      );
      assertEquals(got, "x");
    });

    await t.step("patchNode waits for the hostname label", async () => {
      await c.create("nodes", { metadata: { name: "ks-node" } });
      const p = patchNode(c, "ks-node", (n) => {
        n.metadata.labels!["x"] = "y";
      }, { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 1200));
      await c.patch("nodes", "ks-node", {
        metadata: { labels: { "kubernetes.io/hostname": "ks-node" } },
      });
      await p;
      const labels = JSON.parse(
        await tc.kubectl("get", "node", "ks-node", "-o", "jsonpath={.metadata.labels}"),
      );
      assertEquals(labels, { "kubernetes.io/hostname": "ks-node", x: "y" });
    });

    await t.step("retries across an API server restart", async () => {
      await tc.stopAPIServer();
      const start = Date.now();
      const pending = c.get("namespaces", "kube-system");
      const restart = (async () => {
        await new Promise((r) => setTimeout(r, 2000));
        await tc.startAPIServer();
      })();
      const ns = await pending;
      await restart;
      assertEquals(ns.metadata?.name, "kube-system");
      assert(Date.now() - start >= 2000, "the call should have waited for the restart");
      // helpers retry too
      await tc.stopAPIServer();
      const helper = createOrUpdate(c, "configmaps", {
        metadata: { name: "ks-after-restart", namespace: "default" },
        data: { a: "b" },
      });
      await new Promise((r) => setTimeout(r, 1500));
      await tc.startAPIServer();
      await helper;
      assertEquals(
        await tc.kubectl(
          "get",
          "cm",
          "ks-after-restart",
          "-n",
          "default",
          "-o",
          "jsonpath={.data.a}",
        ),
        "b",
      );
    });

    await t.step("unreachable server: clear error after the retry bound", async () => {
      const port = freePort();
      using dead = new KubeClient(
        { server: `https://127.0.0.1:${port}`, caData: tc.caPem, token: "secret-token-value" },
        { retryTimeoutMs: 1500 },
      );
      const e = await assertRejects(
        () => dead.get("configmaps", "kubeadm-config", "kube-system"),
        KubeConnectionError,
      );
      assertStringIncludes(
        e.message,
        `unable to get ConfigMap kube-system/kubeadm-config: cannot reach https://127.0.0.1:${port}`,
      );
      assertStringIncludes(e.message, "gave up after");
      assert(!e.message.includes("secret-token-value"));
      // TLS verification failure is not retried
      using wrongCA = new KubeClient(
        { server: tc.server, caData: Deno.readTextFileSync(`${tc.pkiDir}/front-proxy-ca.crt`) },
        { retryTimeoutMs: 20_000 },
      );
      const t0 = Date.now();
      const te = await assertRejects(
        () => wrongCA.get("namespaces", "default"),
        KubeConnectionError,
      );
      assert(!(te as KubeConnectionError).transient);
      assert(Date.now() - t0 < 5000, "TLS failures must fail fast");
    });
  },
});
