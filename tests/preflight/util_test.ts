// Go-compatible helpers: %q quoting, semantic versions, IPs/CIDRs, proxy selection.
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { goQuote } from "../../lib/util/goquote.ts";
import { parseSemantic } from "../../lib/util/version.ts";
import {
  cidrContains,
  cidrString,
  formatIPBytes,
  indexedIP,
  parseCIDR,
  parseIP,
  splitHostPort,
} from "../../lib/util/net.ts";
import { proxyFor } from "../../lib/preflight/proxy.ts";

Deno.test("goQuote matches strconv.Quote for the cases kubeadm prints", () => {
  assertEquals(goQuote("a,b"), '"a,b"');
  assertEquals(goQuote('say "hi"\n'), '"say \\"hi\\"\\n"');
  assertEquals(goQuote("tab\there\x01"), '"tab\\there\\x01"');
  assertEquals(goQuote("ünï"), '"ünï"');
});

Deno.test("parseSemantic and comparisons follow apimachinery's util/version", () => {
  assertEquals(parseSemantic("v1.37.2+kubestrap.abc").toString(), "1.37.2+kubestrap.abc");
  assertEquals(parseSemantic("1.38.0-alpha.1").toString(), "1.38.0-alpha.1");
  assertThrows(() => parseSemantic("1.37"), Error, 'illegal version string "1.37"');
  assertThrows(() => parseSemantic("v01.2.3"), Error, "illegal zero-prefixed version component");
  const lt = (a: string, b: string) => parseSemantic(a).lessThan(parseSemantic(b));
  assert(lt("1.38.0-0", "1.38.0-alpha.0"));
  assert(lt("1.38.0-alpha.2", "1.38.0-alpha.10"));
  assert(lt("1.38.0-rc.1", "1.38.0"));
  assert(lt("3.5.10", "3.5.24-0"));
  assert(!lt("3.6.0", "3.5.24-0"));
  assert(parseSemantic("1.37.2+a").compare(parseSemantic("1.37.2")) === 0);
});

Deno.test("IP and CIDR parsing, Go string forms, indexed IPs", () => {
  assertEquals(formatIPBytes(parseIP("fd00:0:0::0:1")!), "fd00::1");
  assertEquals(formatIPBytes(parseIP("2001:db8:0:0:1:0:0:1")!), "2001:db8::1:0:0:1");
  assertEquals(formatIPBytes(parseIP("::ffff:10.0.0.1")!), "10.0.0.1");
  assertEquals(parseIP("010.0.0.1"), undefined);
  assertEquals(formatIPBytes(parseIP("010.0.0.1", true)!), "10.0.0.1");
  const n = parseCIDR("10.96.5.3/12")!;
  assertEquals(cidrString(n), "10.96.0.0/12");
  assertEquals(formatIPBytes(indexedIP(n, 1)!), "10.96.0.1");
  assertEquals(formatIPBytes(indexedIP(parseCIDR("fd00:10:96::/112")!, 1)!), "fd00:10:96::1");
  assertEquals(indexedIP(parseCIDR("10.0.0.5/32")!, 1), undefined);
  assert(cidrContains(n, parseIP("10.111.255.255")!));
  assert(!cidrContains(n, parseIP("10.112.0.0")!));
  assertEquals(parseCIDR("10.0.0.0/33"), undefined);
  // Go's dtoi: any run of digits below 0xFFFFFF, leading zeros included (checked with go run).
  assertEquals(cidrString(parseCIDR("10.1.0.0/08")!), "10.0.0.0/8");
  assertEquals(cidrString(parseCIDR("10.1.0.0/0008")!), "10.0.0.0/8");
  assertEquals(parseCIDR("10.0.0.0/016777215"), undefined);
  assertEquals(parseCIDR("10.0.0.0/+8"), undefined);
  assertEquals(parseCIDR("10.0.0.0/"), undefined);
  assertEquals(parseCIDR("010.0.0.0/8"), undefined);
  assertEquals(cidrString(parseCIDR("010.0.0.0/8", true)!), "10.0.0.0/8");
  assertEquals(cidrString(parseCIDR("::ffff:10.1.0.0/104")!), "10.0.0.0/8");
  assertEquals(splitHostPort("[fd00::1]:6443"), ["fd00::1", "6443"]);
  assertThrows(
    () => splitHostPort("cp.example"),
    Error,
    "address cp.example: missing port in address",
  );
});

Deno.test("proxyFor: Go's ProxyFromEnvironment rules", () => {
  const env = (o: Record<string, string>) => (n: string) => o[n];
  const p = (o: Record<string, string>, host: string) => proxyFor(env(o), "https", host)?.text;
  const P = { HTTPS_PROXY: "http://proxy:3128" };
  assertEquals(p(P, "example.com"), "http://proxy:3128");
  assertEquals(p({ https_proxy: "proxy:1" }, "example.com"), "http://proxy:1");
  assertEquals(p({ HTTPS_PROXY: "", https_proxy: "http://lower:1" }, "x.io"), "http://lower:1");
  assertEquals(p(P, "localhost"), undefined);
  assertEquals(p(P, "[::1]:1234"), undefined);
  assertEquals(p({ ...P, NO_PROXY: "*" }, "example.com"), undefined);
  assertEquals(p({ ...P, NO_PROXY: "example.com" }, "api.example.com"), undefined);
  assertEquals(p({ ...P, NO_PROXY: ".example.com" }, "example.com"), "http://proxy:3128");
  assertEquals(p({ ...P, NO_PROXY: "*.example.com" }, "a.example.com"), undefined);
  assertEquals(p({ ...P, NO_PROXY: "example.com:443" }, "example.com"), undefined);
  assertEquals(p({ ...P, NO_PROXY: "example.com:8443" }, "example.com"), "http://proxy:3128");
  assertEquals(p({ ...P, NO_PROXY: "10.0.0.0/8" }, "10.1.2.3"), undefined);
  assertEquals(p({ ...P, NO_PROXY: "10.1.2.3" }, "10.1.2.3:1234"), undefined);
  assertEquals(p({ ...P, NO_PROXY: "[fd00::1]:1234" }, "[fd00::1]:1234"), undefined);
  // Domain rules never match IPs.
  assertEquals(p({ ...P, NO_PROXY: "10.1.2" }, "10.1.2.3"), "http://proxy:3128");
  assertEquals(p({ HTTP_PROXY: "http://only-http:1" }, "example.com"), undefined);
});
