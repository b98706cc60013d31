// lib/util/net.ts's parseIP / parseIPSloppy: the one IP parser (Go's net.ParseIP and
// netutils.ParseIPSloppy, net.IP's 16-byte form) behind config, preflight, pki and manifests.
import { assert, assertEquals } from "../assert.ts";
import { formatIPBytes, isV4Mapped, parseIP, parseIPSloppy, to4 } from "../../lib/util/net.ts";
import { firstIPOfCIDR, normalizeIP } from "../../lib/pki/ip.ts";

Deno.test("parseIP is net.ParseIP, parseIPSloppy netutils.ParseIPSloppy; both give 16 bytes", () => {
  const v4 = parseIP("10.0.0.1")!;
  assertEquals(v4.length, 16);
  assert(isV4Mapped(v4));
  assertEquals(Array.from(to4(v4)!), [10, 0, 0, 1]);
  assertEquals(parseIP("010.0.0.1"), undefined);
  assertEquals(formatIPBytes(parseIPSloppy("010.0.0.1")!), "10.0.0.1");
  assertEquals(formatIPBytes(parseIP("::ffff:10.0.0.1")!), "10.0.0.1");
  assertEquals(formatIPBytes(parseIP("fd00:0:0::0:1")!), "fd00::1");
  for (const bad of ["", "1.2.3", "1.2.3.256", "fe80::1%eth0", "::1::", "example.com"]) {
    assertEquals(parseIPSloppy(bad), undefined, bad);
  }
});

Deno.test("pki keeps its answers on the 16-byte form (it parsed IPv4 to 4 bytes before)", () => {
  assertEquals(normalizeIP("010.096.0.001"), "10.96.0.1");
  assertEquals(normalizeIP("::ffff:10.0.0.1"), "10.0.0.1");
  assertEquals(firstIPOfCIDR("10.96.0.0/12"), "10.96.0.1");
  assertEquals(firstIPOfCIDR("fd00::/108"), "fd00::1");
  // written in IPv6 form: a 128-bit network, so /120 is allowed
  assertEquals(firstIPOfCIDR("::ffff:10.0.0.0/120"), "10.0.0.1");
  let err = "";
  try {
    firstIPOfCIDR("10.0.0.0/33");
  } catch (e) {
    err = (e as Error).message;
  }
  assertEquals(err, "invalid CIDR address: 10.0.0.0/33");
  // netutils.GetIndexedIP: the first address must be inside the subnet (a /32 has none).
  err = "";
  try {
    firstIPOfCIDR("10.96.0.0/32");
  } catch (e) {
    err = (e as Error).message;
  }
  assertEquals(err, "invalid CIDR address: 10.96.0.0/32");
});
