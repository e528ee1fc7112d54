import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EntryFields } from "@reflex/codec";
import { cosine, f16Bytes, f16Values, tempDir, VectorSource } from "@reflex/testkit";
import { cleanupTestState, expectStoreError, expectStoreErrorAsync, flipByte, openStore } from "../../test/helpers.ts";
import { resolveSearchOptions } from "../contract/search-options.ts";

afterEach(cleanupTestState);

function entry(tenantId: bigint, embedding: Uint8Array, timestamp = 1_700_000_000n, contextHash = 7n): EntryFields {
  return { tenantId, contextHash, timestamp, embedding, payloadBlob: new TextEncoder().encode("response") };
}

/** A clock the test moves by hand, in ms, starting at the real time. */
function fakeClock() {
  const clock = { now: Math.floor(Date.now() / 1000) * 1000, read: () => clock.now };
  return clock;
}

const source = new VectorSource(42);
const base = source.direction(16);

describe("search", () => {
  test("an acknowledged store is found by the next search, with its fields", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    (await store.store(5n, entry(1n, f16Bytes(base), 1_700_000_123n, 99n))).release();
    const hits = await store.search(1n, f16Bytes(base));
    expect(hits.length).toBe(1);
    expect(hits[0]).toMatchObject({ entryId: 5n, timestamp: 1_700_000_123n, contextHash: 99n });
    expect(hits[0]?.similarity).toBeGreaterThan(0.9999);
    expect(hits[0]?.similarity).toBeLessThanOrEqual(1);
  });

  test("hits are ordered by similarity, ties by newer timestamp, then smaller id; k bounds them", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    const stored: [bigint, Float64Array, bigint][] = [
      [1n, source.near(base, 0.95), 10n],
      [2n, source.near(base, 0.99), 10n],
      [3n, Float64Array.from(base), 10n],
      [4n, Float64Array.from(base), 30n],
      [5n, Float64Array.from(base), 30n],
      [6n, source.near(base, 0.92), 10n],
    ];
    for (const [id, vector, timestamp] of stored)
      (await store.store(id, entry(1n, f16Bytes(vector), timestamp))).release();
    const hits = await store.search(1n, f16Bytes(base), { k: 100 });
    expect(hits.map((hit) => hit.entryId)).toEqual([4n, 5n, 3n, 2n, 1n, 6n]);
    for (let i = 1; i < hits.length; i++) {
      expect(hits[i - 1]?.similarity as number).toBeGreaterThanOrEqual(hits[i]?.similarity as number);
    }
    expect((await store.search(1n, f16Bytes(base))).map((hit) => hit.entryId)).toEqual([4n]);
    expect((await store.search(1n, f16Bytes(base), { k: 2 })).map((hit) => hit.entryId)).toEqual([4n, 5n]);
    expect((await store.search(1n, f16Bytes(base), { k: 4, exact: true })).map((hit) => hit.entryId)).toEqual([
      4n,
      5n,
      3n,
      2n,
    ]);
  });

  test("minSimilarity is the least cosine of a hit (default 0.9); the similarity is the f16 cosine", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    const far = source.near(base, 0.8);
    const close = source.near(base, 0.93);
    (await store.store(1n, entry(1n, f16Bytes(far)))).release();
    (await store.store(2n, entry(1n, f16Bytes(close)))).release();
    const query = f16Bytes(base);
    expect((await store.search(1n, query, { k: 10 })).map((hit) => hit.entryId)).toEqual([2n]);
    const loose = await store.search(1n, query, { k: 10, minSimilarity: 0.7 });
    expect(loose.map((hit) => hit.entryId)).toEqual([2n, 1n]);
    const expected = cosine(f16Values(f16Bytes(far)), f16Values(query));
    expect(Math.abs((loose[1]?.similarity as number) - expected)).toBeLessThan(1e-6);
    expect(await store.search(1n, query, { k: 10, minSimilarity: 0.99 })).toEqual([]);
    const opposite = f16Bytes(base.map((x) => -x));
    expect((await store.search(1n, opposite, { k: 10, minSimilarity: -1 })).length).toBe(2);
  });

  test("only vectors of the query's dimension are candidates", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    (await store.store(1n, entry(1n, f16Bytes(base)))).release();
    (await store.store(2n, entry(1n, f16Bytes([...base, ...base])))).release();
    (await store.store(3n, entry(1n, f16Bytes(base.subarray(0, 8))))).release();
    expect((await store.search(1n, f16Bytes(base), { k: 10, minSimilarity: -1 })).map((h) => h.entryId)).toEqual([1n]);
    const doubled = await store.search(1n, f16Bytes([...base, ...base]), { k: 10, minSimilarity: -1 });
    expect(doubled.map((h) => h.entryId)).toEqual([2n]);
    expect(await store.search(1n, f16Bytes(source.direction(12)), { minSimilarity: -1 })).toEqual([]);
  });

  test("tenants are isolated: another tenant's identical vector is never a hit", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    (await store.store(1n, entry(1n, f16Bytes(base)))).release();
    (await store.store(1n, entry(2n, f16Bytes(base)))).release();
    (await store.store(2n, entry(2n, f16Bytes(base)))).release();
    expect((await store.search(1n, f16Bytes(base), { k: 10 })).map((h) => h.entryId)).toEqual([1n]);
    expect((await store.search(2n, f16Bytes(base), { k: 10 })).map((h) => h.entryId)).toEqual([1n, 2n]);
    expect(await store.search(3n, f16Bytes(base), { k: 10 })).toEqual([]);
  });

  test("a deleted entry is gone from search; an overwrite is searched by its new embedding", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    for (let id = 1n; id <= 3n; id++) (await store.store(id, entry(1n, f16Bytes(base)))).release();
    await store.delete(2n, 1n);
    store.deleteSync(3n, 1n);
    expect((await store.search(1n, f16Bytes(base), { k: 10 })).map((h) => h.entryId)).toEqual([1n]);
    const other = source.direction(16);
    (await store.store(1n, entry(1n, f16Bytes(other)))).release();
    expect(await store.search(1n, f16Bytes(base), { k: 10 })).toEqual([]);
    expect((await store.search(1n, f16Bytes(other))).map((h) => h.entryId)).toEqual([1n]);
    store.storeSync(1n, entry(1n, new Uint8Array(0))).release();
    expect(await store.search(1n, f16Bytes(other))).toEqual([]);
  });

  test("an expired entry is never a hit, and the search queues it for removal", async () => {
    const clock = fakeClock();
    const store = openStore(tempDir(), { durability: "atomic", clock: clock.read });
    (await store.store(1n, entry(1n, f16Bytes(base)), { ttlSeconds: 60 })).release();
    (await store.store(2n, entry(1n, f16Bytes(base)))).release();
    expect((await store.search(1n, f16Bytes(base), { k: 10 })).map((h) => h.entryId)).toEqual([1n, 2n]);
    clock.now += 61_000;
    expect((await store.search(1n, f16Bytes(base), { k: 10 })).map((h) => h.entryId)).toEqual([2n]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.existsSync(1n, 1n)).toBe(false);
    expect(store.lookupStats()?.searchable).toBe(1);
  });

  test("an evicted entry is never a hit", async () => {
    const store = openStore(tempDir(), {
      durability: "atomic",
      retention: { tenantMaxEntries: 2, reclaimIntervalMs: 0, persistAccessIntervalMs: 0 },
    });
    await store.retentionReady();
    for (let id = 1n; id <= 4n; id++) (await store.store(id, entry(1n, f16Bytes(base)))).release();
    expect(store.retentionStats().evictions.tenant_entries).toBe(2);
    const found = (await store.search(1n, f16Bytes(base), { k: 10 })).map((h) => h.entryId);
    expect(found.sort()).toEqual(store.listEntriesSync(1n));
    expect(found.length).toBe(2);
  });

  test("a store with an odd-length embedding is invalid_embedding and writes nothing", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    await expectStoreErrorAsync(() => store.store(1n, entry(1n, new Uint8Array(3))), "invalid_embedding");
    expectStoreError(() => store.storeSync(1n, entry(1n, new Uint8Array(1))), "invalid_embedding");
    expect(store.existsSync(1n, 1n)).toBe(false);
    expect(store.lookupStats()?.entries).toBe(0);
  });

  test("empty, all-zero, NaN and infinite embeddings are stored and loadable, but never searchable", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    const bad = [new Uint8Array(0), f16Bytes(new Array(16).fill(0)), f16Bytes([Number.NaN, ...base.subarray(1)])];
    bad.push(f16Bytes([Number.POSITIVE_INFINITY, ...base.subarray(1)]));
    for (const [i, embedding] of bad.entries()) (await store.store(BigInt(i), entry(1n, embedding))).release();
    const handle = await store.load(2n, 1n);
    expect([...handle.embedding]).toEqual([...(bad[2] as Uint8Array)]);
    handle.release();
    expect(await store.search(1n, f16Bytes(base), { k: 10, minSimilarity: -1 })).toEqual([]);
    expect(store.lookupStats()).toMatchObject({ entries: 4, searchable: 0 });
    expect((await store.findByContext(1n, 7n)).length).toBe(4);
  });

  test("a query that cannot be compared by cosine is invalid_embedding; bad options are invalid_argument", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    const query = f16Bytes(base);
    for (const bad of [new Uint8Array(0), new Uint8Array(5), f16Bytes([0, 0, 0]), f16Bytes([1, Number.NaN])]) {
      await expectStoreErrorAsync(() => store.search(1n, bad), "invalid_embedding");
    }
    await expectStoreErrorAsync(() => store.search(1n, "AAA=" as unknown as Uint8Array), "invalid_embedding");
    for (const options of [{ k: 0 }, { k: 101 }, { k: 1.5 }, { minSimilarity: 1.01 }, { minSimilarity: Number.NaN }]) {
      await expectStoreErrorAsync(() => store.search(1n, query, options), "invalid_argument");
    }
    await expectStoreErrorAsync(
      () => store.search(1n, query, { exact: "yes" as unknown as boolean }),
      "invalid_argument",
    );
    await expectStoreErrorAsync(() => store.search(-1n, query), "invalid_argument");
    expect(resolveSearchOptions()).toEqual({ k: 1, minSimilarity: 0.9, exact: false });
    expect(resolveSearchOptions({ k: 100, minSimilarity: -1, exact: true })).toEqual({
      k: 100,
      minSimilarity: -1,
      exact: true,
    });
  });

  test("an embedding at an odd byte offset (a view into a larger buffer) is read correctly", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    const bytes = f16Bytes(base);
    const shifted = new Uint8Array(bytes.byteLength + 1);
    shifted.set(bytes, 1);
    (await store.store(1n, entry(1n, shifted.subarray(1)))).release();
    expect((await store.search(1n, shifted.subarray(1))).map((h) => h.entryId)).toEqual([1n]);
  });

  test("a reopened store builds its index from the files: search waits for it and finds what a load would", async () => {
    const root = tempDir();
    const first = openStore(root, { durability: "atomic" });
    for (let id = 0n; id < 600n; id++) {
      first.storeSync(id, entry(id % 3n, f16Bytes(id === 7n ? base : source.direction(16)))).release();
    }
    first.deleteSync(3n, 0n);
    // Damage one file and leave junk: neither is indexed.
    flipByte(join(root, "1", "7.rfx"), -1);
    writeFileSync(join(root, "1", "junk.rfx"), "not an entry");
    first.close();
    for (const build of ["open", "first-use"] as const) {
      const reopened = openStore(root, { lookup: { build } });
      expect(reopened.lookupStats()?.ready).toBe(false);
      const hits = await reopened.search(1n, f16Bytes(base), { k: 5 });
      expect(hits.map((h) => h.entryId)).toEqual([]);
      expect(reopened.lookupStats()).toMatchObject({ ready: true, entries: 598, searchable: 598 });
      const all = await reopened.search(0n, f16Bytes(source.direction(16)), { k: 100, minSimilarity: -1 });
      expect(all.length).toBe(100);
      expect(all.some((hit) => hit.entryId === 3n)).toBe(false);
    }
  });

  test("writes and deletes made while the index builds are kept exactly", async () => {
    const root = tempDir();
    const first = openStore(root, { durability: "atomic" });
    for (let id = 0n; id < 2000n; id++) first.storeSync(id, entry(1n, f16Bytes(source.direction(16)))).release();
    first.close();
    const store = openStore(root, { durability: "atomic", lookup: { build: "open" } });
    // Before the build reaches them: replace one, delete one, add one.
    store.storeSync(1999n, entry(1n, f16Bytes(base))).release();
    store.deleteSync(1998n, 1n);
    store.storeSync(5000n, entry(1n, f16Bytes(base))).release();
    const hits = await store.search(1n, f16Bytes(base), { k: 10 });
    expect(hits.map((h) => h.entryId)).toEqual([1999n, 5000n]);
    expect(store.lookupStats()).toMatchObject({ ready: true, entries: 2000 });
  });

  test("with many vectors the sketch prefilter returns what the exact scan returns", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    const dim = 128;
    const stored: Float64Array[] = [];
    for (let id = 0; id < 3000; id++) {
      const vector = source.direction(dim);
      stored.push(vector);
      store.storeSync(BigInt(id), entry(1n, f16Bytes(vector))).release();
    }
    for (let q = 0; q < 60; q++) {
      const query = f16Bytes(source.near(stored[(q * 47) % stored.length] as Float64Array, 0.91 + (q % 5) * 0.01));
      const approximate = await store.search(1n, query, { k: 3 });
      const exact = await store.search(1n, query, { k: 3, exact: true });
      expect(approximate).toEqual(exact);
      expect(exact.length).toBeGreaterThan(0);
    }
  });

  test("by default the index is built on first use, not at open; build: open starts at once", async () => {
    const root = tempDir();
    const first = openStore(root, { durability: "atomic" });
    first.storeSync(1n, entry(1n, f16Bytes(base))).release();
    first.close();
    const lazy = openStore(root);
    const eager = openStore(root, { lookup: { build: "open" } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lazy.lookupStats()).toMatchObject({ ready: false, entries: 0 });
    expect(eager.lookupStats()).toMatchObject({ ready: true, entries: 1 });
    await lazy.lookupReady();
    expect(lazy.lookupStats()).toMatchObject({ ready: true, entries: 1 });
  });

  test("a store opened with lookup: false answers unsupported", async () => {
    const store = openStore(tempDir(), { lookup: false });
    await expectStoreErrorAsync(() => store.search(1n, f16Bytes(base)), "unsupported");
    await expectStoreErrorAsync(() => store.findByContext(1n, 7n), "unsupported");
    expect(store.lookupStats()).toBeNull();
  });

  test("until its first use the index follows no write; the first lookup finds every one, the log's too", async () => {
    const store = openStore(tempDir(), { wal: { maxUnplacedBytes: 1 << 30 } });
    for (let id = 1n; id <= 3n; id++) (await store.store(id, entry(1n, f16Bytes(base)))).release();
    await store.delete(2n, 1n);
    expect(store.lookupStats()).toMatchObject({ ready: false, entries: 0, searchable: 0 });
    expect((await store.search(1n, f16Bytes(base), { k: 10 })).map((hit) => hit.entryId)).toEqual([1n, 3n]);
    (await store.store(4n, entry(1n, f16Bytes(base)))).release();
    await store.delete(1n, 1n);
    expect((await store.findByContext(1n, 7n)).sort((a, b) => Number(a - b))).toEqual([3n, 4n]);
    expect(store.lookupStats()).toMatchObject({ ready: true, entries: 2, searchable: 2 });
  });

  test("past its memory bound the index says so: lookups fail with index_full naming the bound", async () => {
    const store = openStore(tempDir(), { durability: "atomic", lookup: { maxBytes: 1000 } });
    await store.lookupReady(); // the index follows the writes from its build on
    for (let id = 0n; id < 10n; id++) (await store.store(id, entry(1n, f16Bytes(base)))).release();
    expect(store.lookupStats()?.dropped).toBeGreaterThan(0);
    const error = await expectStoreErrorAsync(() => store.search(1n, f16Bytes(base)), "index_full");
    expect(error.message).toContain("1000 bytes");
    await expectStoreErrorAsync(() => store.findByContext(1n, 7n), "index_full");
    expect(store.existsSync(9n, 1n)).toBe(true);
  });

  test("entries left out stop failing lookups once they are deleted", async () => {
    const store = openStore(tempDir(), { durability: "atomic", lookup: { maxBytes: 1000 } });
    await store.lookupReady(); // the index follows the writes from its build on
    for (let id = 0n; id < 10n; id++) (await store.store(id, entry(1n, f16Bytes(base)))).release();
    expect(store.lookupStats()?.dropped).toBeGreaterThan(0);
    for (let id = 0n; id < 10n; id++) await store.delete(id, 1n);
    expect(store.lookupStats()).toMatchObject({ entries: 0, dropped: 0 });
    expect(await store.search(1n, f16Bytes(base))).toEqual([]);
    expect(await store.findByContext(1n, 7n)).toEqual([]);
  });

  test("room freed by a deletion takes a left-out entry back in: a search finds it", async () => {
    const store = openStore(tempDir(), { durability: "atomic", lookup: { maxBytes: 1000 } });
    await store.lookupReady(); // the index follows the writes from its build on
    let last = 0n;
    // Bounded: a bound that is never reached fails here rather than writing files forever.
    for (; store.lookupStats()?.dropped === 0 && last < 100n; last++)
      (await store.store(last, entry(1n, f16Bytes(base)))).release();
    expect(store.lookupStats()?.dropped).toBe(1); // the entry `last - 1` is left out
    await expectStoreErrorAsync(() => store.search(1n, f16Bytes(base)), "index_full");
    await store.delete(0n, 1n);
    const ids = Array.from({ length: Number(last) - 1 }, (_, i) => BigInt(i + 1));
    expect((await store.search(1n, f16Bytes(base), { k: 10 })).map((hit) => hit.entryId)).toEqual(ids);
    expect((await store.findByContext(1n, 7n)).sort((a, b) => Number(a - b))).toEqual(ids);
    expect(store.lookupStats()?.dropped).toBe(0);
  });

  test("one tenant past the bound does not fail another tenant's lookups", async () => {
    const store = openStore(tempDir(), { durability: "atomic", lookup: { maxBytes: 1000 } });
    await store.lookupReady(); // the index follows the writes from its build on
    (await store.store(100n, entry(2n, f16Bytes(base)))).release();
    for (let id = 0n; id < 10n; id++) (await store.store(id, entry(1n, f16Bytes(base)))).release();
    expect(store.lookupStats()?.dropped).toBeGreaterThan(0);
    await expectStoreErrorAsync(() => store.search(1n, f16Bytes(base)), "index_full");
    expect((await store.search(2n, f16Bytes(base))).map((hit) => hit.entryId)).toEqual([100n]);
    expect(await store.findByContext(2n, 7n)).toEqual([100n]);
  });
});
