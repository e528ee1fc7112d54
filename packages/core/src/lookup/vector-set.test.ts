import { describe, expect, test } from "bun:test";
import { cosine, f16Bytes, f16Values, VectorSource } from "@reflex/testkit";
import { f16Bits, unitQuery } from "./f16.ts";
import { checkpointsOf, squaredSums } from "./f16-math.ts";
import type { IndexedEntry } from "./indexed-entry.ts";
import { popcount, Sketcher } from "./sketch.ts";
import { TopHits } from "./top-hits.ts";
import { VectorSet } from "./vector-set.ts";

const sumsOf = (bits: Uint16Array) => squaredSums(bits, checkpointsOf(bits.length));

function entryOf(entryId: bigint, dim: number): IndexedEntry {
  return { entryId, contextHash: 0n, timestamp: entryId, expiresAt: 0n, dim, slot: -1 };
}

describe("VectorSet", () => {
  test("rows stay right as it grows past a block and removals move the last row into holes", () => {
    const dim = 40;
    const source = new VectorSource(3);
    const set = new VectorSet(dim, new Sketcher(dim));
    const live = new Map<bigint, { entry: IndexedEntry; vector: Float64Array }>();
    for (let id = 0n; id < 2500n; id++) {
      const vector = source.direction(dim);
      const entry = entryOf(id, dim);
      const bits = f16Bits(f16Bytes(vector));
      set.add(entry, bits, sumsOf(bits));
      live.set(id, { entry, vector });
      if (id % 3n === 0n) {
        const victim = live.get(id / 2n);
        if (victim !== undefined) {
          set.remove(victim.entry);
          live.delete(id / 2n);
        }
      }
    }
    expect(set.size).toBe(live.size);
    for (const { entry, vector } of [...live.values()].filter((_, i) => i % 97 === 0)) {
      const top = new TopHits(1, 0.999);
      const unit = vector;
      set.scan(
        { unit, tailNorms: set.tailNormsOf(unit), sketch: null, halfCutoff: 0, cutoff: 0, admit: () => true },
        top,
      );
      expect(top.hits.map((hit) => hit.entry.entryId)).toEqual([entry.entryId]);
    }
    for (const { entry } of [...live.values()]) set.remove(entry);
    expect(set.size).toBe(0);
  });

  test("the early exit of the exact score never drops a row that reaches the threshold", () => {
    const dim = 64;
    const source = new VectorSource(11);
    // Energy piled into the last dimensions, where the bound sees it last.
    const tailHeavy = (v: Float64Array) => v.map((x, i) => (i < 48 ? x * 0.05 : x));
    for (const shape of [(v: Float64Array) => v, tailHeavy]) {
      const set = new VectorSet(dim, new Sketcher(dim));
      const query = shape(source.direction(dim));
      const stored = new Map<bigint, Uint8Array>();
      for (let id = 0n; id < 400n; id++) {
        const bytes = f16Bytes(shape(source.near(query, 0.5 + Number(id % 50n) / 100)));
        const bits = f16Bits(bytes);
        set.add(entryOf(id, dim), bits, sumsOf(bits));
        stored.set(id, bytes);
      }
      const unit = unitQuery(f16Bytes(query));
      const top = new TopHits(400, 0.9);
      set.scan(
        { unit, tailNorms: set.tailNormsOf(unit), sketch: null, halfCutoff: 0, cutoff: 0, admit: () => true },
        top,
      );
      const expected = [...stored].filter(([, bytes]) => cosine(f16Values(bytes), unit) >= 0.9).map(([id]) => id);
      expect(top.hits.map((hit) => hit.entry.entryId).sort()).toEqual(expected.sort());
      expect(expected.length).toBeGreaterThan(50);
    }
  });

  test("deferred sketches: rows added with deferSketch and moved by removals are sketched right by the flush", () => {
    const dim = 64;
    const source = new VectorSource(5);
    const deferred = new VectorSet(dim, new Sketcher(dim));
    const direct = new VectorSet(dim, new Sketcher(dim));
    const entries: [IndexedEntry, IndexedEntry][] = [];
    for (let id = 0n; id < 3000n; id++) {
      const bits = f16Bits(f16Bytes(source.direction(dim)));
      const pair: [IndexedEntry, IndexedEntry] = [entryOf(id, dim), entryOf(id, dim)];
      deferred.add(pair[0], bits, sumsOf(bits), true);
      direct.add(pair[1], bits, sumsOf(bits));
      entries.push(pair);
    }
    for (let i = 0; i < 3000; i += 7) {
      const [a, b] = entries[i] as [IndexedEntry, IndexedEntry];
      deferred.remove(a);
      direct.remove(b);
    }
    expect(deferred.unsketched).toBe(deferred.size);
    deferred.flushSketches();
    expect(deferred.unsketched).toBe(0);
    const query = source.direction(dim);
    const sketch = new Uint32Array(4);
    new Sketcher(dim).sketchValues(query, sketch, 0);
    const scan = (set: VectorSet) => {
      const top = new TopHits(100, -1);
      const all = { unit: query, tailNorms: set.tailNormsOf(query), halfCutoff: 64, cutoff: 58, admit: () => true };
      set.scan({ ...all, sketch }, top);
      return top.hits.map((hit) => hit.entry.entryId);
    };
    expect(scan(deferred)).toEqual(scan(direct));
    expect(scan(direct).length).toBeGreaterThan(10);
  });

  test("the prefilter lets through exactly the rows within both Hamming cutoffs, odd rows in the last block too", () => {
    const dim = 64;
    const source = new VectorSource(17);
    const sketcher = new Sketcher(dim);
    const set = new VectorSet(dim, sketcher);
    const query = source.direction(dim);
    const sketch = new Uint32Array(4);
    sketcher.sketchValues(query, sketch, 0);
    const halfCutoff = 30;
    const cutoff = 60;
    const expected: bigint[] = [];
    const row = new Uint32Array(4);
    for (let id = 0n; id < 1027n; id++) {
      const bits = f16Bits(f16Bytes(source.near(query, Number(id % 10n) / 10)));
      set.add(entryOf(id, dim), bits, sumsOf(bits));
      sketcher.sketchF16(bits, 0, row, 0);
      const half =
        popcount((row[0] as number) ^ (sketch[0] as number)) + popcount((row[1] as number) ^ (sketch[1] as number));
      const rest =
        popcount((row[2] as number) ^ (sketch[2] as number)) + popcount((row[3] as number) ^ (sketch[3] as number));
      if (half <= halfCutoff && half + rest <= cutoff) expected.push(id);
    }
    const top = new TopHits(2000, -1);
    set.scan({ unit: query, tailNorms: set.tailNormsOf(query), sketch, halfCutoff, cutoff, admit: () => true }, top);
    expect(top.hits.map((hit) => hit.entry.entryId).sort((a, b) => (a < b ? -1 : 1))).toEqual(expected);
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(1000);
    expect(expected).toContain(1026n);
  });
});
