/**
 * Minimal DER (ASN.1 Distinguished Encoding Rules) writer and reader: exactly what X.509
 * certificates, CSRs and keys need. The writer reproduces Go's encoding/asn1 choices
 * (minimal INTEGERs, PrintableString when possible else UTF8String, UTCTime for years
 * 1950..2049 else GeneralizedTime, sorted SET OF) so that certificates are laid out like the
 * ones kubeadm creates.
 */

import { concatBytes } from "../util/bytes.ts";

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** A complete TLV with the given tag byte and content. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(tag), encodeLength(content.length), content]);
}

export function seq(...items: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, concatBytes(items));
}

/** SET OF: elements sorted as octet strings (X.690 11.6), as Go's asn1 does. */
export function setOf(...items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes);
  return tlv(TAG.SET, concatBytes(sorted));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

export function bool(v: boolean): Uint8Array {
  return tlv(TAG.BOOLEAN, Uint8Array.of(v ? 0xff : 0x00));
}

export function nullValue(): Uint8Array {
  return tlv(TAG.NULL, new Uint8Array(0));
}

/** INTEGER in minimal two's complement form (non-negative values only). */
export function integer(v: bigint | number): Uint8Array {
  let n = BigInt(v);
  if (n < 0n) throw new Error("der: negative integers are not supported");
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(TAG.INTEGER, Uint8Array.from(bytes));
}

export function octetString(b: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, b);
}

/** BIT STRING with `unused` trailing bits in the last byte. */
export function bitString(b: Uint8Array, unused = 0): Uint8Array {
  return tlv(TAG.BIT_STRING, concatBytes([Uint8Array.of(unused), b]));
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map((s) => BigInt(s));
  const out: number[] = [];
  const first = arcs[0] * 40n + arcs[1];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] |= 0x80;
    out.push(...chunk);
  }
  return tlv(TAG.OID, Uint8Array.from(out));
}

/** Go's asn1.isPrintable without the asterisk/ampersand leniency (what Marshal uses). */
function isPrintableString(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
      (c >= 0x27 && c <= 0x29) || (c >= 0x2b && c <= 0x2f) || c === 0x20 || c === 0x3a ||
      c === 0x3d || c === 0x3f;
    if (!ok) return false;
  }
  return true;
}

/** A string the way Go marshals an untagged string: PrintableString if possible, else UTF8String. */
export function goString(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  return tlv(isPrintableString(s) ? TAG.PrintableString : TAG.UTF8String, bytes);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** A time as Go marshals it: UTCTime for 1950 <= year < 2050, otherwise GeneralizedTime. */
export function time(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  const rest = pad(d.getUTCMonth() + 1) + pad(d.getUTCDate()) + pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) + pad(d.getUTCSeconds()) + "Z";
  if (y >= 1950 && y < 2050) {
    return tlv(TAG.UTCTime, new TextEncoder().encode(pad(y % 100) + rest));
  }
  return tlv(TAG.GeneralizedTime, new TextEncoder().encode(pad(y, 4) + rest));
}

/** Context-specific tag: [n] EXPLICIT (constructed) wrapping a full TLV. */
export function explicit(n: number, inner: Uint8Array): Uint8Array {
  return tlv(0xa0 | n, inner);
}

/** Context-specific primitive tag [n] IMPLICIT with raw content. */
export function implicitPrimitive(n: number, content: Uint8Array): Uint8Array {
  return tlv(0x80 | n, content);
}

// ---------------------------------------------------------------------------------------------
// Reader

export interface Node {
  tag: number;
  /** Offset of the whole TLV within `buf`. */
  start: number;
  /** Offset of the content. */
  contentStart: number;
  end: number;
  buf: Uint8Array;
}

export class DerError extends Error {}

export function parse(buf: Uint8Array, offset = 0): Node {
  if (offset + 2 > buf.length) throw new DerError("truncated DER");
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not supported");
  let len = buf[offset + 1];
  let p = offset + 2;
  if (len & 0x80) {
    const nb = len & 0x7f;
    if (nb === 0 || nb > 4) throw new DerError("unsupported DER length");
    len = 0;
    for (let i = 0; i < nb; i++) {
      if (p >= buf.length) throw new DerError("truncated DER");
      len = len * 256 + buf[p++];
    }
  }
  if (p + len > buf.length) throw new DerError("truncated DER");
  return { tag, start: offset, contentStart: p, end: p + len, buf };
}

export function content(n: Node): Uint8Array {
  return n.buf.subarray(n.contentStart, n.end);
}

export function raw(n: Node): Uint8Array {
  return n.buf.subarray(n.start, n.end);
}

export function children(n: Node): Node[] {
  const out: Node[] = [];
  let p = n.contentStart;
  while (p < n.end) {
    const c = parse(n.buf, p);
    if (c.end > n.end) throw new DerError("child overruns parent");
    out.push(c);
    p = c.end;
  }
  return out;
}

/** Parses a complete DER value and checks that nothing trails it. */
export function parseAll(buf: Uint8Array): Node {
  const n = parse(buf, 0);
  if (n.end !== buf.length) throw new DerError("trailing data after DER value");
  return n;
}

export function readOid(n: Node): string {
  if (n.tag !== TAG.OID) throw new DerError("expected OBJECT IDENTIFIER");
  const b = content(n);
  const arcs: bigint[] = [];
  let v = 0n;
  for (const byte of b) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs[0] ?? 0n;
  const a0 = first < 80n ? first / 40n : 2n;
  const a1 = first - a0 * 40n;
  return [a0, a1, ...arcs.slice(1)].join(".");
}

export function readInteger(n: Node): bigint {
  if (n.tag !== TAG.INTEGER) throw new DerError("expected INTEGER");
  const b = content(n);
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  if (b.length > 0 && b[0] & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

export function readString(n: Node): string {
  return new TextDecoder().decode(content(n));
}

export function readTime(n: Node): Date {
  const s = readString(n);
  let m: RegExpMatchArray | null;
  if (n.tag === TAG.UTCTime && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    const yy = Number(m[1]);
    const y = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(Date.UTC(y, +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  }
  if (
    n.tag === TAG.GeneralizedTime &&
    (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/))
  ) {
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  }
  throw new DerError(`unsupported time value ${JSON.stringify(s)}`);
}

export function readBool(n: Node): boolean {
  if (n.tag !== TAG.BOOLEAN) throw new DerError("expected BOOLEAN");
  return content(n)[0] !== 0;
}

/** BIT STRING content without the unused-bits byte. */
export function readBitString(n: Node): { bytes: Uint8Array; unused: number } {
  if (n.tag !== TAG.BIT_STRING) throw new DerError("expected BIT STRING");
  const c = content(n);
  return { bytes: c.subarray(1), unused: c[0] };
}
