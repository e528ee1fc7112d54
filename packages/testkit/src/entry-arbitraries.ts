// fast-check arbitraries of entry fields, biased to the edges of the wire format (varint
// size boundaries, 0 and 2^64-1, i64 min and max). Use them with `fc.assert` (shrinking)
// or `fc.sample(arbitrary, { seed, numRuns })` (a fixed list).
import fc from "fast-check";
import type { TestEntry } from "./entry.ts";

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** A u64: half of the time an edge (0, 1, 127/128, 2^32, 2^63 and neighbours, 2^64-1), else uniform. */
export const u64Arbitrary: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0x80n, U64_MAX, U64_MAX - 1n, 1n << 63n, (1n << 63n) - 1n, 1n << 32n),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);

/** An i64: half of the time an edge (0, +-1, min, max, varint size boundaries), else uniform. */
export const i64Arbitrary: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, -1n, I64_MIN, I64_MAX, 127n, 128n, -128n, 1_700_000_000n, 1n << 49n, -(1n << 49n)),
  fc.bigInt({ min: I64_MIN, max: I64_MAX }),
);

/** Bytes of a length that crosses the 1-, 2- and 3-byte length-varint sizes (0 to 16 KiB). */
export const fieldBytesArbitrary: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    fc.constantFrom(0, 1, 2, 127, 128, 300, 16384),
    fc.integer({ min: 0, max: 63 }),
    fc.integer({ min: 0, max: 4095 }),
  )
  .chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));

/**
 * Any entry the wire format can carry, its ids, timestamp and field lengths at the edges half of the time.
 *
 * @example
 * fc.assert(fc.property(entryArbitrary, (entry) => roundTrips(entry)), { seed: 1, numRuns: 500 });
 */
export const entryArbitrary: fc.Arbitrary<TestEntry> = fc.record({
  tenantId: u64Arbitrary,
  contextHash: u64Arbitrary,
  timestamp: i64Arbitrary,
  embedding: fieldBytesArbitrary,
  payloadBlob: fieldBytesArbitrary,
});

/** `count` values of `arbitrary`, the same ones for the same seed. */
export function sampleSeeded<T>(arbitrary: fc.Arbitrary<T>, seed: number, count: number): T[] {
  return fc.sample(arbitrary, { seed, numRuns: count });
}
