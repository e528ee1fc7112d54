import { describe, expect, test } from "bun:test";
import { SeededRandom } from "@reflex/testkit";
import { LatencyHistogram } from "./latency-histogram.ts";

/** The exact quantile by the same definition: the smallest v with at least q of the values <= v. */
function referenceQuantile(sorted: number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** Uniform numbers in [0, 1), the same for a seed. */
function seededFloats(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.float();
}

const QUANTILES = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999];

function checkAgainstReference(values: number[]): void {
  const histogram = new LatencyHistogram();
  for (const value of values) histogram.record(value);
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of QUANTILES) {
    const expected = referenceQuantile(sorted, q);
    const actual = histogram.quantile(q);
    // Bucket width is under 1/64 of the value: within 1.6% (exact below 128).
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(expected / 64, 0));
  }
  expect(histogram.count).toBe(values.length);
  expect(histogram.min).toBe(sorted[0] as number);
  expect(histogram.max).toBe(sorted[sorted.length - 1] as number);
  expect(histogram.sum).toBe(values.reduce((a, b) => a + b, 0));
}

describe("LatencyHistogram", () => {
  test("is exact for values below 128", () => {
    const values = Array.from({ length: 128 }, (_, i) => i);
    const histogram = new LatencyHistogram();
    for (const value of values) histogram.record(value);
    expect(histogram.quantile(0.5)).toBe(63);
    expect(histogram.quantile(0.99)).toBe(126);
    expect(histogram.quantile(1)).toBe(127);
    expect(histogram.quantile(0)).toBe(0);
  });

  test("matches the exact quantiles of uniform data within bucket precision", () => {
    const random = seededFloats(1);
    checkAgainstReference(Array.from({ length: 50_000 }, () => Math.floor(random() * 10_000_000)));
  });

  test("matches the exact quantiles of a long-tailed latency distribution", () => {
    const random = seededFloats(2);
    // Log-normal-ish: most near 4 us, a tail out to seconds.
    const values = Array.from({ length: 100_000 }, () =>
      Math.floor(4_000 * Math.exp(2.5 * (random() + random() - 1) ** 3)),
    );
    checkAgainstReference(values);
  });

  test("handles values above 2^32 ns and clamps beyond 2^53", () => {
    checkAgainstReference([5e9, 6e9, 7e9, 3.6e12, 1e3]);
    const histogram = new LatencyHistogram();
    histogram.record(2 ** 60);
    expect(histogram.max).toBe(2 ** 53 - 1);
    expect(histogram.quantile(0.5)).toBeGreaterThan(2 ** 52);
  });

  test("a single repeated value is reported as that value", () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) histogram.record(4_213);
    for (const q of QUANTILES) expect(histogram.quantile(q)).toBe(4_213);
  });

  test("empty reports zeros; negatives and fractions are normalised", () => {
    const histogram = new LatencyHistogram();
    expect(histogram.quantile(0.5)).toBe(0);
    expect(histogram.min).toBe(0);
    histogram.record(-5);
    histogram.record(10.9);
    expect(histogram.min).toBe(0);
    expect(histogram.max).toBe(10);
  });

  test("merge equals recording everything into one; reset forgets", () => {
    const random = seededFloats(3);
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 0; i < 10_000; i++) {
      const value = Math.floor(random() * 1e6);
      (i % 2 === 0 ? a : b).record(value);
      all.record(value);
    }
    a.merge(b);
    for (const q of QUANTILES) expect(a.quantile(q)).toBe(all.quantile(q));
    expect(a.count).toBe(all.count);
    expect(a.sum).toBe(all.sum);
    a.reset();
    expect(a.count).toBe(0);
    expect(a.quantile(0.99)).toBe(0);
  });

  test("cumulativeCounts: exact at bucket edges, within a bucket's width elsewhere", () => {
    const histogram = new LatencyHistogram();
    for (let v = 0; v < 10_000; v++) histogram.record(v);
    // 1000 and 2000 are bucket edges: exact. 5000 is inside a bucket of width 64.
    const [upTo100, upTo999, upTo1999, upTo5000, upToAll] = histogram.cumulativeCounts([100, 999, 1999, 5000, 1e12]);
    expect([upTo100, upTo999, upTo1999, upToAll]).toEqual([101, 1000, 2000, 10_000]);
    expect(upTo5000 as number).toBeGreaterThanOrEqual(5001);
    expect(upTo5000 as number).toBeLessThanOrEqual(5001 + 5000 / 64);
  });
});
