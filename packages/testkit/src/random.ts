// The one seeded number generator of the test suites, for tests that need a stream of
// numbers (operation mixes, chunk sizes, kill timings). Values of a domain (entries,
// ids, bodies) come from fast-check arbitraries instead: see entry-arbitraries.ts.

/**
 * A small deterministic PRNG (mulberry32): the same seed gives the same sequence on
 * every machine and every run.
 *
 * @example
 * const random = new SeededRandom(7);
 * const roll = random.below(100); // 0..99, the same every run
 */
export class SeededRandom {
  #state: number;

  /** Starts the sequence of `seed` (taken as an unsigned 32-bit integer). */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform number in [0, 1). */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** A uniformly chosen item of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A uniform u64. */
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  /** A u64 of a random magnitude (1 to 64 bits, so 1 to 20 decimal digits): ids of many lengths. */
  u64AnySize(): bigint {
    const bits = BigInt(1 + (this.u32() % 64));
    return this.u64() & ((1n << bits) - 1n);
  }
}
