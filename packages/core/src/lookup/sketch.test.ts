import { describe, expect, test } from "bun:test";
import { VectorSource } from "@reflex/testkit";
import { hammingCutoff, POPCOUNT16, popcount, SKETCH_BITS, SKETCH_WORDS, Sketcher } from "./sketch.ts";

function hamming(a: Uint32Array, b: Uint32Array): number {
  let h = 0;
  for (let w = 0; w < SKETCH_WORDS; w++) h += popcount((a[w] as number) ^ (b[w] as number));
  return h;
}

describe("sketch", () => {
  test("popcount counts set bits of a u32; the u16 table agrees", () => {
    expect([0, 1, 0xff, 0x80000000, 0xffffffff, 0x55555555].map(popcount)).toEqual([0, 1, 8, 1, 32, 16]);
    for (let i = 0; i < 65536; i += 13) expect(POPCOUNT16[i]).toBe(popcount(i));
    expect(POPCOUNT16[0xffff]).toBe(16);
  });

  test("the cutoff grows as the threshold falls, and never passes the sketch's bits", () => {
    const cutoffs = [1, 0.99, 0.95, 0.9, 0.8, 0.5, 0, -1].map((s) => hammingCutoff(s));
    for (let i = 1; i < cutoffs.length; i++)
      expect(cutoffs[i] as number).toBeGreaterThanOrEqual(cutoffs[i - 1] as number);
    expect(cutoffs[cutoffs.length - 1]).toBe(SKETCH_BITS);
    expect(hammingCutoff(0.9, 64)).toBeLessThan(hammingCutoff(0.9));
    expect(hammingCutoff(0.9)).toBe(hammingCutoff(0.9)); // cached: the same answer
    expect(hammingCutoff(0.9)).toBe(39);
  });

  test("vectors at cosine 0.9 stay within the cutoff; random ones almost never do", () => {
    const source = new VectorSource(7);
    for (const dim of [64, 384, 768]) {
      const sketcher = new Sketcher(dim);
      const sketch = (v: Float64Array) => {
        const out = new Uint32Array(SKETCH_WORDS);
        sketcher.sketchValues(v, out, 0);
        return out;
      };
      const cutoff = hammingCutoff(0.9);
      let near = 0;
      let random = 0;
      for (let i = 0; i < 300; i++) {
        const a = source.direction(dim);
        if (hamming(sketch(a), sketch(source.near(a, 0.9))) <= cutoff) near++;
        if (hamming(sketch(a), sketch(source.direction(dim))) <= cutoff) random++;
      }
      expect({ dim, near }).toEqual({ dim, near: 300 });
      expect(random).toBeLessThan(3);
    }
  });

  test("the sketch of f16 bits matches the sketch of the same values", () => {
    const sketcher = new Sketcher(4);
    const bits = new Uint16Array([0x3c00, 0xbc00, 0x4000, 0x0000]); // 1, -1, 2, 0
    const a = new Uint32Array(SKETCH_WORDS);
    const b = new Uint32Array(SKETCH_WORDS);
    sketcher.sketchF16(bits, 0, a, 0);
    sketcher.sketchValues(new Float64Array([1, -1, 2, 0]), b, 0);
    expect([...a]).toEqual([...b]);
  });
});
