import { expect, test } from "bun:test";
import { cosine, f16Bytes, f16Values, VectorSource } from "@reflex/testkit";
import { unitQuery } from "./f16.ts";
import { LookupIndex } from "./lookup-index.ts";

const DIM = 64;
const all = { admit: () => true };

/** 3,000 vectors of one tenant over 300 contexts (10 each): every set is small, the tenant is not. */
function spreadIndex() {
  const index = new LookupIndex({ maxBytes: 1 << 30 });
  const source = new VectorSource(21);
  const stored: Uint8Array[] = [];
  for (let id = 0; id < 3000; id++) {
    const embedding = f16Bytes(source.direction(DIM));
    stored.push(embedding);
    const entry = {
      tenantId: 1n,
      contextHash: BigInt(id % 300),
      timestamp: 1n,
      embedding,
      payloadBlob: new Uint8Array(0),
    };
    index.written({ tenantId: 1n, entryId: BigInt(id), entry, fileBytes: 1, replacedBytes: undefined, expiresAt: 0n });
  }
  return { index, source, stored };
}

test("an unscoped search merges every context's set; a scoped one sees only its context", () => {
  const { index, source, stored } = spreadIndex();
  for (let q = 0; q < 50; q++) {
    const target = (q * 61) % 3000;
    const unit = unitQuery(f16Bytes(source.near(f16Values(stored[target] as Uint8Array), 0.95)));
    const query = { k: 3, minSimilarity: 0.9, exact: false };
    const approximate = index.searchWithNearest(1n, unit, query, all);
    const exact = index.searchWithNearest(1n, unit, { ...query, exact: true }, all);
    expect(approximate.hits.map((hit) => hit.entry.entryId)).toEqual(exact.hits.map((hit) => hit.entry.entryId));
    expect(approximate.hits[0]?.entry.entryId).toBe(BigInt(target));
    const own = index.searchWithNearest(1n, unit, { ...query, contextHash: BigInt(target % 300) }, all);
    expect(own.hits.map((hit) => hit.entry.entryId)).toEqual([BigInt(target)]);
    const other = index.searchWithNearest(1n, unit, { ...query, contextHash: BigInt((target + 1) % 300) }, all);
    expect(other.hits).toEqual([]);
    expect(other.nearest).not.toBeNull();
    expect(other.nearest as number).toBeLessThan(0.9);
  }
});

test("nearest on a miss: exact gives the true best; the prefilter never reports above it and always reports one", () => {
  const { index, source, stored } = spreadIndex();
  for (let q = 0; q < 20; q++) {
    const unit = unitQuery(f16Bytes(source.direction(DIM)));
    const best = Math.max(...stored.map((bytes) => cosine(f16Values(bytes), unit)));
    const query = { k: 1, minSimilarity: 0.99, exact: true };
    const exact = index.searchWithNearest(1n, unit, query, all);
    expect(exact.hits).toEqual([]);
    expect(exact.nearest as number).toBeCloseTo(best, 6);
    const approximate = index.searchWithNearest(1n, unit, { ...query, exact: false }, all);
    expect(approximate.nearest).not.toBeNull();
    expect(approximate.nearest as number).toBeLessThanOrEqual(best + 1e-9);
    const scoped = index.searchWithNearest(1n, unit, { ...query, contextHash: 7n }, all);
    const scopedBest = Math.max(
      ...stored.filter((_, id) => id % 300 === 7).map((bytes) => cosine(f16Values(bytes), unit)),
    );
    expect(scoped.nearest as number).toBeCloseTo(scopedBest, 6);
  }
});

test("nearest counts only live rows", () => {
  const { index, source } = spreadIndex();
  const unit = unitQuery(f16Bytes(source.direction(DIM)));
  const none = index.searchWithNearest(
    1n,
    unit,
    { k: 1, minSimilarity: 0.99, exact: true },
    { ...all, live: () => false },
  );
  expect(none).toEqual({ hits: [], nearest: null });
});
