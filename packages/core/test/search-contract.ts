// The contract of scoped search and `nearest` (EntryStore.search with `contextHash`, and
// EntryStore.searchWithNearest), registered by the contract suite for every backend with lookup.
import { expect, test } from "bun:test";
import type { EntryFields } from "@reflex/codec";
import type { EntryStore } from "../src/contract/entry-store.ts";
import { isStoreError } from "../src/contract/store-error.ts";

/** Little-endian f16 bytes of `values`. */
function f16(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return bytes;
}

function at(contextHash: bigint, values: readonly number[], tenantId = 1n, timestamp = 1n): EntryFields {
  return { tenantId, contextHash, timestamp, embedding: f16(values), payloadBlob: new Uint8Array([1]) };
}

/** Registers the scoped-search and `nearest` tests; `fresh` opens an empty store of the backend. */
export function describeScopedSearchContract(fresh: () => Promise<EntryStore>): void {
  test("search: contextHash makes only that context's entries candidates", async () => {
    const store = await fresh();
    (await store.store(1n, at(5n, [1, 0, 0, 0]))).release(); // cosine 1, context 5
    (await store.store(2n, at(6n, [1, 0.1, 0, 0]))).release(); // ~0.995, context 6
    (await store.store(3n, at(6n, [1, 0.2, 0, 0]))).release(); // ~0.981, context 6
    (await store.store(4n, at(5n, [1, 0, 0, 0], 2n))).release(); // another tenant, context 5
    const query = f16([1, 0, 0, 0]);
    const ids = async (contextHash?: bigint) =>
      (await store.search(1n, query, { k: 10, ...(contextHash === undefined ? {} : { contextHash }) })).map(
        (hit) => hit.entryId,
      );
    expect(await ids()).toEqual([1n, 2n, 3n]);
    expect(await ids(5n)).toEqual([1n]);
    expect(await ids(6n)).toEqual([2n, 3n]);
    expect(await ids(7n)).toEqual([]);
    const scoped = await store.search(1n, query, { contextHash: 6n });
    expect(scoped.map((hit) => [hit.entryId, hit.contextHash])).toEqual([[2n, 6n]]);
    await store.delete(2n, 1n);
    expect(await ids(6n)).toEqual([3n]);
    (await store.store(3n, at(5n, [1, 0.2, 0, 0]))).release(); // rewritten into context 5
    expect(await ids(6n)).toEqual([]);
    expect(await ids(5n)).toEqual([1n, 3n]);
  });

  test("searchWithNearest: the hits of search, and the best similarity seen even on a miss", async () => {
    const store = await fresh();
    (await store.store(1n, at(5n, [1, 1, 0, 0]))).release(); // cosine ~0.707 to the query
    (await store.store(2n, at(5n, [0, 1, 0, 0]))).release(); // cosine 0
    (await store.store(3n, at(6n, [1, 0.1, 0, 0]))).release(); // ~0.995, another context
    const query = f16([1, 0, 0, 0]);
    const miss = await store.searchWithNearest(1n, query, { contextHash: 5n });
    expect(miss.hits).toEqual([]);
    expect(miss.nearest).toBeCloseTo(Math.SQRT1_2, 3);
    const exactMiss = await store.searchWithNearest(1n, query, { contextHash: 5n, exact: true });
    expect(exactMiss.nearest).toBeCloseTo(Math.SQRT1_2, 3);
    const hit = await store.searchWithNearest(1n, query, { k: 5 });
    expect(hit.hits.map((h) => h.entryId)).toEqual([3n]);
    expect(hit.nearest).toBe(hit.hits[0]?.similarity as number);
    expect(hit.hits).toEqual(await store.search(1n, query, { k: 5 }));
    const loose = await store.searchWithNearest(1n, query, { contextHash: 5n, k: 5, minSimilarity: -1 });
    expect(loose.hits.map((h) => h.entryId)).toEqual([1n, 2n]);
    expect(loose.nearest).toBe(loose.hits[0]?.similarity as number);
  });

  test("searchWithNearest: nearest is null with no candidate; deleted and expired entries never count", async () => {
    const store = await fresh();
    const query = f16([1, 0, 0, 0]);
    expect(await store.searchWithNearest(9n, query)).toEqual({ hits: [], nearest: null }); // no such tenant
    (await store.store(1n, at(5n, [1, 0]))).release(); // another dimension
    (await store.store(2n, at(5n, [1, 1, 0, 0]))).release();
    (await store.store(3n, at(5n, [1, 0.5, 0, 0]), { ttlSeconds: 1 })).release();
    expect(await store.searchWithNearest(1n, query, { contextHash: 6n })).toEqual({ hits: [], nearest: null });
    expect((await store.searchWithNearest(1n, query, { contextHash: 5n })).nearest).toBeCloseTo(0.894, 2);
    await Bun.sleep(2100);
    expect((await store.searchWithNearest(1n, query, { contextHash: 5n })).nearest).toBeCloseTo(Math.SQRT1_2, 3);
    await store.delete(2n, 1n);
    expect(await store.searchWithNearest(1n, query, { contextHash: 5n })).toEqual({ hits: [], nearest: null });
    expect((await store.searchWithNearest(1n, f16([1, 0]), { contextHash: 5n })).nearest).toBeCloseTo(1, 3);
  });

  test("search: a bad contextHash is invalid_argument", async () => {
    const store = await fresh();
    for (const bad of [-1n, 2n ** 64n, 5] as unknown as bigint[]) {
      let caught: unknown;
      try {
        await store.searchWithNearest(1n, f16([1, 0]), { contextHash: bad });
      } catch (error) {
        caught = error;
      }
      expect(isStoreError(caught, "invalid_argument")).toBe(true);
    }
  });
}
