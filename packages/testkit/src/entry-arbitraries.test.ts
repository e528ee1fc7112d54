import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { plain } from "./entry.ts";
import { entryArbitrary, fieldBytesArbitrary, i64Arbitrary, sampleSeeded, u64Arbitrary } from "./entry-arbitraries.ts";

const U64_MAX = (1n << 64n) - 1n;

describe("entry arbitraries", () => {
  test("a seed gives the same sample; another seed another", () => {
    const a = sampleSeeded(entryArbitrary, 0x5eed, 50).map(plain);
    expect(sampleSeeded(entryArbitrary, 0x5eed, 50).map(plain)).toEqual(a);
    expect(sampleSeeded(entryArbitrary, 0x5eee, 50).map(plain)).not.toEqual(a);
  });

  test("u64s stay in [0, 2^64-1] and reach both ends; i64s stay in range and reach both ends", () => {
    const u64s = sampleSeeded(u64Arbitrary, 1, 2000);
    expect(u64s.every((value) => value >= 0n && value <= U64_MAX)).toBe(true);
    expect(u64s).toContain(0n);
    expect(u64s).toContain(U64_MAX);
    expect(u64s.some((value) => value > 1n << 32n && value < U64_MAX - 1n)).toBe(true);
    const i64s = sampleSeeded(i64Arbitrary, 2, 2000);
    expect(i64s.every((value) => value >= -(1n << 63n) && value < 1n << 63n)).toBe(true);
    expect(i64s).toContain(-(1n << 63n));
    expect(i64s).toContain((1n << 63n) - 1n);
  });

  test("field lengths cross the varint length sizes: empty, under 128, 128-16383, 16384", () => {
    const lengths = new Set(sampleSeeded(fieldBytesArbitrary, 3, 1000).map((bytes) => bytes.byteLength));
    expect(lengths.has(0)).toBe(true);
    expect([...lengths].some((n) => n > 0 && n < 128)).toBe(true);
    expect([...lengths].some((n) => n >= 128 && n < 16384)).toBe(true);
    expect(lengths.has(16384)).toBe(true);
  });

  test("shrinks a failing entry towards a small counterexample", () => {
    const result = fc.check(
      fc.property(entryArbitrary, (entry) => entry.payloadBlob.byteLength < 10),
      { seed: 4 },
    );
    expect(result.failed).toBe(true);
    const [entry] = result.counterexample ?? [];
    expect(entry?.payloadBlob.byteLength).toBe(10);
  });
});
