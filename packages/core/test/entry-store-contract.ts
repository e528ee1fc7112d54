// The EntryStore contract suite: what every backend (NvmeStorage, RedisClusterStore, ...)
// must do, checked through the contract's methods alone. A backend's test file calls
// describeEntryStoreContract with a way to open a fresh, empty store.
import { afterEach, describe, expect, test } from "bun:test";
import type { EntryFields } from "@reflex/codec";
import type { EntryStore } from "../src/entry-store.ts";
import { isStoreError, type StoreErrorCode } from "../src/store-error.ts";

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

/**
 * Registers the contract's tests for one backend. `open` gives a fresh, empty store
 * for each test; it is disposed of after the test.
 */
export function describeEntryStoreContract(backend: string, open: () => ContractStore | Promise<ContractStore>): void {
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

    test("verify finds a store written through the contract clean", async () => {
      const store = await fresh();
      for (let i = 0n; i < 5n; i++) (await store.store(i, entry(i % 2n, "x"))).release();
      const report = await store.verify();
      expect(report).toEqual({ checked: 5, ok: 5, problems: [] });
    });
  });
}
