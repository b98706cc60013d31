// lib/util/sha256.ts: FIPS 180-2 test vectors, bytes and strings alike, streams chunk by chunk.
import { assertEquals } from "../assert.ts";
import { sha256, sha256Hex, sha256HexStream } from "../../lib/util/sha256.ts";

const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

Deno.test("sha256Hex and sha256 of strings and bytes", () => {
  assertEquals(sha256Hex(""), EMPTY);
  assertEquals(sha256Hex("abc"), ABC);
  assertEquals(sha256Hex(new TextEncoder().encode("abc")), ABC);
  const d = sha256("abc");
  assertEquals(d.length, 32);
  assertEquals(Array.from(d, (b) => b.toString(16).padStart(2, "0")).join(""), ABC);
});

Deno.test("sha256HexStream hashes every chunk", async () => {
  const chunks = ["a", "b", "c"].map((s) => new TextEncoder().encode(s));
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      c.close();
    },
  });
  assertEquals(await sha256HexStream(stream), ABC);
});
