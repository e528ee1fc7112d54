// The EntryStore contract suite: what every backend (NvmeStorage, RedisClusterStore, ...)
// must do, checked through the contract's methods alone. A backend's test file calls
// describeEntryStoreContract with a way to open a fresh, empty store.
import { afterEach, describe, expect, test } from "bun:test";
import type { EntryFields } from "@reflex/codec";
import type { EntryStore } from "../src/contract/entry-store.ts";
import { isStoreError, type StoreErrorCode } from "../src/contract/store-error.ts";
import { describeScopedSearchContract } from "./search-contract.ts";

/** What a backend offers beyond the core of the contract. */
export interface ContractCapabilities {
  /**
   * `search` and `findByContext`. Default true. A backend that sets false must reject
   * both with `unsupported`, which the suite checks instead of the lookup semantics
   * (those tests are then listed as skipped, by name).
   */
  readonly lookup?: boolean;
}

/** A fresh, empty store of the backend under test, and how to dispose of it. */
export interface ContractStore {
  readonly store: EntryStore;
  /** Closes the store and removes what it stored. */
  dispose(): void | Promise<void>;
}

const MAX_U64 = 0xffff_ffff_ffff_ffffn;
const utf8 = new TextEncoder();

function entry(tenantId: bigint, payload: string, contextHash = 7n): EntryFields {
  return {
    tenantId,
    contextHash,
    timestamp: 1_700_000_000n,
    embedding: new Uint8Array([0, 60, 0, 64]),
    payloadBlob: utf8.encode(payload),
  };
}

async function rejectsWith(action: () => Promise<unknown>, code: StoreErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(isStoreError(caught, code)).toBe(true);
}

async function loadText(store: EntryStore, id: bigint, tenantId: bigint): Promise<string> {
  const handle = await store.load(id, tenantId);
  try {
    return new TextDecoder().decode(handle.payloadBlob);
  } finally {
    handle.release();
  }
}

/** Little-endian f16 bytes of `values`. */
function f16(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return bytes;
}

function vectorEntry(tenantId: bigint, values: readonly number[], timestamp = 1n, contextHash = 7n): EntryFields {
  return { tenantId, contextHash, timestamp, embedding: f16(values), payloadBlob: utf8.encode("r") };
}

/**
 * Registers the contract's tests for one backend. `open` gives a fresh, empty store
 * for each test; it is disposed of after the test. `capabilities` says what the
 * backend offers beyond the core (lookup by default).
 */
export function describeEntryStoreContract(
  backend: string,
  open: () => ContractStore | Promise<ContractStore>,
  capabilities: ContractCapabilities = {},
): void {
  const lookup = capabilities.lookup !== false;
  const opened: ContractStore[] = [];
  const fresh = async (): Promise<EntryStore> => {
    const subject = await open();
    opened.push(subject);
    return subject.store;
  };
  afterEach(async () => {
    for (const subject of opened.splice(0)) await subject.dispose();
  });

  describe(`EntryStore contract: ${backend}`, () => {
    test("a stored entry loads back field for field; created is true, then false on overwrite", async () => {
      const store = await fresh();
      const first = await store.store(42n, entry(3n, "first", 99n));
      expect(first.created).toBe(true);
      first.release();
      const handle = await store.load(42n, 3n);
      expect([handle.tenantId, handle.entryId, handle.contextHash, handle.timestamp]).toEqual([
        3n,
        42n,
        99n,
        1_700_000_000n,
      ]);
      expect([...handle.embedding]).toEqual([0, 60, 0, 64]);
      handle.release();
      const second = await store.store(42n, entry(3n, "second"));
      expect(second.created).toBe(false);
      second.release();
      expect(await loadText(store, 42n, 3n)).toBe("second");
    });

    test("a released handle refuses to be read", async () => {
      const store = await fresh();
      (await store.store(1n, entry(1n, "x"))).release();
      const handle = await store.load(1n, 1n);
      handle.release();
      expect(() => handle.payloadBlob).toThrow();
      expect(handle.released).toBe(true);
    });

    test("missing entries are not_found for load and delete, false for exists", async () => {
      const store = await fresh();
      await rejectsWith(() => store.load(1n, 1n), "not_found");
      await rejectsWith(() => store.delete(1n, 1n), "not_found");
      expect(await store.exists(1n, 1n)).toBe(false);
      (await store.store(1n, entry(1n, "x"))).release();
      await rejectsWith(() => store.load(2n, 1n), "not_found");
      await rejectsWith(() => store.load(1n, 2n), "not_found");
    });

    test("loadMany returns handles in the order asked for and lists the missing ids", async () => {
      const store = await fresh();
      for (const id of [1n, 2n]) (await store.store(id, entry(1n, `v${id}`))).release();
      (await store.store(3n, entry(2n, "other tenant"))).release();
      const { entries, missing } = await store.loadMany(1n, [2n, 3n, 1n]);
      expect(entries.map((handle) => new TextDecoder().decode(handle.payloadBlob))).toEqual(["v2", "v1"]);
      expect(missing).toEqual([3n]);
      for (const handle of entries) handle.release();
      await rejectsWith(() => store.loadMany(1n, [1n, -1n]), "invalid_argument");
    });

    test("delete removes the entry from load, exists and listings", async () => {
      const store = await fresh();
      (await store.store(5n, entry(1n, "x"))).release();
      expect(await store.exists(5n, 1n)).toBe(true);
      await store.delete(5n, 1n);
      expect(await store.exists(5n, 1n)).toBe(false);
      expect(await store.listEntries(1n)).toEqual([]);
      await rejectsWith(() => store.load(5n, 1n), "not_found");
    });

    test("ids and tenants 0 and 2^64-1 work, and tenants are isolated", async () => {
      const store = await fresh();
      for (const tenantId of [0n, MAX_U64]) {
        for (const id of [0n, MAX_U64]) (await store.store(id, entry(tenantId, `${tenantId}/${id}`))).release();
      }
      for (const tenantId of [0n, MAX_U64]) {
        for (const id of [0n, MAX_U64]) expect(await loadText(store, id, tenantId)).toBe(`${tenantId}/${id}`);
      }
      await store.delete(0n, 0n);
      expect(await loadText(store, 0n, MAX_U64)).toBe(`${MAX_U64}/0`);
      expect(await store.listTenants()).toEqual([0n, MAX_U64]);
    });

    test("listEntries is ascending in numeric order and pages with limit and after", async () => {
      const store = await fresh();
      const ids = [10n, 9n, 100n, 2n, MAX_U64, 0n, 11n];
      for (const id of ids) (await store.store(id, entry(4n, "x"))).release();
      const ascending = [...ids].sort((a, b) => (a < b ? -1 : 1));
      expect(await store.listEntries(4n)).toEqual(ascending);
      expect(await store.listEntries(4n, { limit: 3 })).toEqual(ascending.slice(0, 3));
      expect(await store.listEntries(4n, { after: 10n, limit: 2 })).toEqual([11n, 100n]);
      expect(await store.listEntries(4n, { limit: 0 })).toEqual([]);
      expect(await store.listEntries(4n, { after: MAX_U64 })).toEqual([]);
      expect(await store.listEntries(5n)).toEqual([]);
    });

    test("stats count tenants, entries and bytes", async () => {
      const store = await fresh();
      expect(await store.stats()).toEqual({ tenantCount: 0, entryCount: 0, totalBytes: 0 });
      for (const [tenantId, id] of [
        [1n, 1n],
        [1n, 2n],
        [2n, 1n],
      ] as const) {
        (await store.store(id, entry(tenantId, "payload"))).release();
      }
      const stats = await store.stats();
      expect([stats.tenantCount, stats.entryCount]).toEqual([2, 3]);
      expect(stats.totalBytes).toBeGreaterThan(3 * "payload".length);
      const live = store.liveStats();
      expect([live.tenantCount, live.entryCount, live.totalBytes]).toEqual([2, 3, stats.totalBytes]);
    });

    test("bad ids, tenants and page limits are invalid_argument, and nothing is stored", async () => {
      const store = await fresh();
      for (const bad of [42, -1n, MAX_U64 + 1n, "42", null] as unknown as bigint[]) {
        await rejectsWith(() => store.store(bad, entry(1n, "x")), "invalid_argument");
        await rejectsWith(() => store.load(bad, 1n), "invalid_argument");
        await rejectsWith(() => store.load(1n, bad), "invalid_argument");
        await rejectsWith(() => store.delete(bad, 1n), "invalid_argument");
        await rejectsWith(() => store.store(1n, entry(bad, "x")), "invalid_argument");
      }
      await rejectsWith(() => store.listEntries(1n, { limit: -1 }), "invalid_argument");
      await rejectsWith(() => store.listEntries(1n, { limit: 1.5 }), "invalid_argument");
      expect((await store.stats()).entryCount).toBe(0);
    });

    test("concurrent stores of many ids all land; of one id, one whole entry wins", async () => {
      const store = await fresh();
      const handles = await Promise.all(
        Array.from({ length: 32 }, (_, i) => store.store(BigInt(i), entry(1n, `v${i}`))),
      );
      for (const handle of handles) handle.release();
      expect((await store.listEntries(1n)).length).toBe(32);
      const racers = await Promise.all(Array.from({ length: 8 }, (_, i) => store.store(99n, entry(1n, `r${i}`))));
      for (const handle of racers) handle.release();
      expect(racers.filter((handle) => handle.created).length).toBe(1);
      expect(await loadText(store, 99n, 1n)).toMatch(/^r[0-7]$/);
    });

    test("a write with a TTL carries its expiry; one without never expires", async () => {
      const store = await fresh();
      (await store.store(1n, entry(1n, "ttl"), { ttlSeconds: 3600 })).release();
      (await store.store(2n, entry(1n, "forever"))).release();
      const now = BigInt(Math.floor(Date.now() / 1000));
      const expiring = await store.load(1n, 1n);
      expect(expiring.expiresAt).toBeGreaterThanOrEqual(now + 3599n);
      expect(expiring.expiresAt).toBeLessThanOrEqual(now + 3601n);
      expiring.release();
      const forever = await store.load(2n, 1n);
      expect(forever.expiresAt).toBe(0n);
      forever.release();
    });

    test("touch gives an entry a new expiry and keeps every field; ttl 0 makes it never expire", async () => {
      const store = await fresh();
      (await store.store(7n, entry(1n, "kept", 5n), { ttlSeconds: 60 })).release();
      const now = BigInt(Math.floor(Date.now() / 1000));
      const expiresAt = await store.touch(7n, 1n, 7200);
      expect(expiresAt).toBeGreaterThanOrEqual(now + 7199n);
      expect(expiresAt).toBeLessThanOrEqual(now + 7202n);
      const handle = await store.load(7n, 1n);
      expect(handle.expiresAt).toBe(expiresAt);
      expect([handle.contextHash, handle.timestamp, [...handle.embedding]]).toEqual([
        5n,
        1_700_000_000n,
        [0, 60, 0, 64],
      ]);
      handle.release();
      expect(await loadText(store, 7n, 1n)).toBe("kept");
      expect(await store.touch(7n, 1n, 0)).toBe(0n);
      const forever = await store.load(7n, 1n);
      expect(forever.expiresAt).toBe(0n);
      forever.release();
    });

    test("touch of a missing entry is not_found; a bad ttl is invalid_argument and changes nothing", async () => {
      const store = await fresh();
      await rejectsWith(() => store.touch(1n, 1n, 60), "not_found");
      (await store.store(1n, entry(1n, "x"))).release();
      await rejectsWith(() => store.touch(1n, 1n, -1), "invalid_argument");
      await rejectsWith(() => store.touch(1n, 1n, 1.5), "invalid_argument");
      const handle = await store.load(1n, 1n);
      expect(handle.expiresAt).toBe(0n);
      handle.release();
    });

    test("deleteTenant removes every entry of that tenant and no other; the tenant can be written again", async () => {
      const store = await fresh();
      for (let i = 0n; i < 5n; i++) (await store.store(i, entry(1n, `one ${i}`))).release();
      (await store.store(1n, entry(2n, "two"))).release();
      const progress: number[] = [];
      expect(await store.deleteTenant(1n, { onProgress: (p) => progress.push(p.done) })).toBe(5);
      expect(await store.listTenants()).toEqual([2n]);
      expect(await store.listEntries(1n)).toEqual([]);
      expect(await store.exists(3n, 1n)).toBe(false);
      await rejectsWith(() => store.load(3n, 1n), "not_found");
      expect(await loadText(store, 1n, 2n)).toBe("two");
      expect(progress.at(-1)).toBe(5);
      await rejectsWith(() => store.deleteTenant(1n), "not_found");
      await rejectsWith(() => store.deleteTenant(-1n), "invalid_argument");
      (await store.store(9n, entry(1n, "again"))).release();
      expect(await store.listEntries(1n)).toEqual([9n]);
      expect((await store.stats()).entryCount).toBe(2);
    });

    test("verify finds a store written through the contract clean", async () => {
      const store = await fresh();
      for (let i = 0n; i < 5n; i++) (await store.store(i, entry(i % 2n, "x"))).release();
      const report = await store.verify();
      expect(report).toEqual({ checked: 5, ok: 5, problems: [] });
    });
  });

  describe(`EntryStore contract: ${backend}: lookup`, () => {
    if (!lookup) {
      test("search and findByContext are declared unsupported", async () => {
        const store = await fresh();
        await rejectsWith(() => store.search(1n, f16([1, 0])), "unsupported");
        await rejectsWith(() => store.findByContext(1n, 7n), "unsupported");
      });
      test("searchWithNearest is declared unsupported", async () => {
        const store = await fresh();
        await rejectsWith(() => store.searchWithNearest(1n, f16([1, 0]), { contextHash: 7n }), "unsupported");
      });
      return; // the lookup semantics below are not registered at all for such a backend
    }
    describeScopedSearchContract(fresh);
    const lookupTest = test;

    lookupTest(
      "search: the next search finds a stored entry; hits carry its id, timestamp and context hash",
      async () => {
        const store = await fresh();
        (await store.store(42n, vectorEntry(3n, [1, 2, 3, 4], 1_700_000_000n, 99n))).release();
        const hits = await store.search(3n, f16([1, 2, 3, 4]));
        expect(hits.map(({ entryId, timestamp, contextHash }) => ({ entryId, timestamp, contextHash }))).toEqual([
          { entryId: 42n, timestamp: 1_700_000_000n, contextHash: 99n },
        ]);
        expect(hits[0]?.similarity).toBeGreaterThan(0.999);
      },
    );

    lookupTest(
      "search: by similarity, ties by newer timestamp; k, minSimilarity (default 0.9) and dimensions apply",
      async () => {
        const store = await fresh();
        (await store.store(1n, vectorEntry(1n, [1, 0, 0, 0], 5n))).release(); // cosine 1
        (await store.store(2n, vectorEntry(1n, [1, 0, 0, 0], 9n))).release(); // cosine 1, newer
        (await store.store(3n, vectorEntry(1n, [1, 0.3, 0, 0]))).release(); // ~0.958
        (await store.store(4n, vectorEntry(1n, [1, 1, 0, 0]))).release(); // ~0.707
        (await store.store(5n, vectorEntry(1n, [1, 0]))).release(); // another dimension
        (await store.store(6n, vectorEntry(1n, [0, 0, 0, 0]))).release(); // all zeros: not searchable
        const query = f16([1, 0, 0, 0]);
        const ids = async (options: Parameters<EntryStore["search"]>[2]) =>
          (await store.search(1n, query, options)).map((hit) => hit.entryId);
        expect(await ids(undefined)).toEqual([2n]);
        expect(await ids({ k: 10 })).toEqual([2n, 1n, 3n]);
        expect(await ids({ k: 10, minSimilarity: 0.5 })).toEqual([2n, 1n, 3n, 4n]);
        expect(await ids({ k: 10, minSimilarity: 0.5, exact: true })).toEqual([2n, 1n, 3n, 4n]);
        expect(await ids({ k: 2, minSimilarity: -1 })).toEqual([2n, 1n]);
      },
    );

    lookupTest("search: tenants are isolated; deleted and expired entries are never hits", async () => {
      const store = await fresh();
      (await store.store(1n, vectorEntry(1n, [0, 1]))).release();
      (await store.store(2n, vectorEntry(1n, [0, 1]))).release();
      (await store.store(3n, vectorEntry(2n, [0, 1]))).release();
      (await store.store(4n, vectorEntry(1n, [0, 1]), { ttlSeconds: 1 })).release();
      await store.delete(2n, 1n);
      expect((await store.search(2n, f16([0, 1]), { k: 10 })).map((hit) => hit.entryId)).toEqual([3n]);
      expect((await store.search(1n, f16([0, 1]), { k: 10 })).map((hit) => hit.entryId)).toEqual([1n, 4n]);
      await Bun.sleep(2100);
      expect((await store.search(1n, f16([0, 1]), { k: 10 })).map((hit) => hit.entryId)).toEqual([1n]);
    });

    lookupTest("search: bad embeddings are invalid_embedding, bad options invalid_argument", async () => {
      const store = await fresh();
      await rejectsWith(
        () => store.store(1n, { ...vectorEntry(1n, [1]), embedding: new Uint8Array(3) }),
        "invalid_embedding",
      );
      expect(await store.exists(1n, 1n)).toBe(false);
      for (const bad of [new Uint8Array(0), new Uint8Array(3), f16([0, 0]), f16([Number.NaN, 1])]) {
        await rejectsWith(() => store.search(1n, bad), "invalid_embedding");
      }
      await rejectsWith(() => store.search(1n, f16([1]), { k: 0 }), "invalid_argument");
      await rejectsWith(() => store.search(1n, f16([1]), { k: 101 }), "invalid_argument");
      await rejectsWith(() => store.search(1n, f16([1]), { minSimilarity: 2 }), "invalid_argument");
      await rejectsWith(() => store.search(-1n, f16([1])), "invalid_argument");
    });

    lookupTest("findByContext: ids newest first, then smaller id; same visibility as load", async () => {
      const store = await fresh();
      const at = (timestamp: bigint, contextHash: bigint, tenantId = 1n) =>
        vectorEntry(tenantId, [1, 0], timestamp, contextHash);
      (await store.store(1n, at(10n, 5n))).release();
      (await store.store(2n, at(30n, 5n))).release();
      (await store.store(3n, at(20n, 5n))).release();
      (await store.store(0n, at(30n, 5n))).release();
      (await store.store(4n, at(99n, 6n))).release();
      (await store.store(5n, at(99n, 5n, 2n))).release();
      (await store.store(6n, { ...at(99n, 5n), embedding: new Uint8Array(0) })).release();
      await store.delete(6n, 1n);
      expect(await store.findByContext(1n, 5n)).toEqual([0n, 2n, 3n, 1n]);
      expect(await store.findByContext(1n, 6n)).toEqual([4n]);
      expect(await store.findByContext(2n, 5n)).toEqual([5n]);
      expect(await store.findByContext(1n, MAX_U64)).toEqual([]);
      await rejectsWith(() => store.findByContext(1n, -1n), "invalid_argument");
    });
  });
}
