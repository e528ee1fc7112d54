// Ids: canonical decimal u64 texts (so requests reach the store) and id-shaped texts
// the API must refuse (signs, spaces, hex, overflow, other scripts' digits, traversal).
import { U64_MAX } from "@reflex/codec";
import fc from "fast-check";
import { encodeSegment, segmentEncoding } from "./url-encoding.ts";

/** Largest u64 as text. */
export const U64_MAX_TEXT = U64_MAX.toString();

/** Canonical decimal u64 texts, biased to the seeded ids (so requests hit entries) and the edges. */
export const canonicalId: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("0", "1", "2", "3", "42", U64_MAX_TEXT) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }).map(String) },
);

const HOSTILE_ID_CONSTANTS = [
  "",
  " ",
  "-0",
  "-1",
  "+1",
  "01",
  "007",
  "00",
  " 1",
  "1 ",
  "1\t",
  "\t1",
  "1\n",
  "0x1",
  "0X1F",
  "0b1",
  "0o7",
  "1e3",
  "1E3",
  "1.0",
  "1.",
  ".1",
  "1_000",
  "1,000",
  "18446744073709551616",
  "18446744073709551615000",
  "99999999999999999999",
  "340282366920938463463374607431768211456",
  "NaN",
  "Infinity",
  "-Infinity",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  "[1]",
  "__proto__",
  "constructor",
  "toString",
  ".",
  "..",
  "...",
  "./1",
  "../1",
  "../../etc/passwd",
  "..\\..\\windows",
  "1/..",
  "1/../2",
  "1/",
  "/1",
  "//1",
  "1//2",
  "~",
  "~root",
  "*",
  "?",
  "#",
  "1?x=1",
  "1#frag",
  "1;2",
  "1;jsessionid=2",
  "%",
  "%%",
  "%zz",
  "%2",
  "%00",
  "1%00",
  "1%00.rfx",
  "%0a",
  "%0d%0a",
  "%20",
  "%2e",
  "%2e%2e",
  "%2E%2E",
  "%2e%2e%2f",
  "%2E%2E%2F",
  "%2e%2e/",
  "..%2f",
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e%5c",
  "..%5c",
  "%252e%252e%252f",
  "%25",
  "%2f",
  "%2F",
  "1%2F2",
  "%2F1",
  "%5c",
  "%c0%ae%c0%ae",
  "%c0%af",
  "%e0%80%ae",
  "%ef%bc%8e%ef%bc%8e",
  "%u002e%u002e",
  "....//",
  "..;",
  "1.rfx",
  "1.tmp",
  "1.1.rfx",
  "reflex-data",
  "\u0000",
  "1\u0000",
  "\u202e1",
  "\u200b1",
  "1\u200b",
  "\ufeff1",
  "١٢٣",
  "１２",
  "１",
  "²",
  "߁",
  "໑",
  "𝟙",
  "Ⅻ",
] as const;

/** Replaces each ASCII digit of `text` by the digit of another script, from its zero code point. */
function foreignDigits(text: string, zero: number): string {
  return text.replace(/[0-9]/g, (digit) => String.fromCodePoint(zero + Number(digit)));
}

/** Zero code points of digit sets the id grammar must refuse: Arabic-Indic, Devanagari, fullwidth, math bold. */
const FOREIGN_ZEROS = [0x660, 0x966, 0xff10, 0x1d7ce] as const;

/** Id-shaped texts the API must refuse: signs, spaces, hex, overflow, other scripts' digits, traversal, very long. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_ID_CONSTANTS) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(canonicalId, fc.constantFrom("-", "+", " ", "0", "00", "\t", "%20", "%2B", "%2D", "-0"))
      .map(([id, prefix]) => `${prefix}${id}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        canonicalId,
        fc.constantFrom(" ", ".0", "e0", "n", "/", "%20", "%00", ".rfx", "/..", "%2F..", "/.", "\u00a0"),
      )
      .map(([id, suffix]) => `${id}${suffix}`),
  },
  { weight: 2, arbitrary: fc.bigInt({ min: U64_MAX + 1n, max: 1n << 256n }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }).map((n) => `0x${n.toString(16)}`) },
  {
    weight: 2,
    arbitrary: fc.tuple(canonicalId, fc.constantFrom(...FOREIGN_ZEROS)).map(([id, zero]) => foreignDigits(id, zero)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 21, max: 12_000 }).map((n) => "9".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 5_000 }).map((n) => `${"0".repeat(n)}1`) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(".", "/", "%", "2", "e", "f", "\\"), maxLength: 16 }) },
);

/** An id for a path: canonical (so requests reach the store) or hostile, in some encoding. */
export const idSegment: fc.Arbitrary<string> = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: canonicalId }, { weight: 2, arbitrary: hostileId }), segmentEncoding)
  .map(([text, encoding]) => encodeSegment(text, encoding));
