import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { OperationMetrics } from "@reflex/stats";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { isStoreError } from "../contract/store-error.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";
import type { NvmeStorageOptions } from "../store/store-options.ts";

const stores: NvmeStorage[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  removeTempDirs();
});

/**
 * A clock the test moves by hand, in ms. It starts at the real time because a
 * reopened store takes recency from the files' mtime, which the file system
 * sets from the real clock when a file is written.
 */
class FakeClock {
  constructor(public now = Math.floor(Date.now() / 1000) * 1000) {}
  readonly read = () => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

function open(root: string, options: NvmeStorageOptions = {}): NvmeStorage {
  const store = new NvmeStorage(root, {
    durability: "atomic",
    ...options,
    retention: { reclaimIntervalMs: 0, persistAccessIntervalMs: 0, ...options.retention },
  });
  stores.push(store);
  return store;
}

function entry(tenantId: bigint, size = 100, fill = 1) {
  return {
    tenantId,
    contextHash: 1n,
    timestamp: 1n,
    embedding: new Uint8Array(0),
    payloadBlob: new Uint8Array(size).fill(fill),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function survivors(store: NvmeStorage, tenantId: bigint): bigint[] {
  return store.listEntriesSync(tenantId);
}

function expectNotFound(action: () => unknown): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(isStoreError(caught, "not_found")).toBe(true);
}

describe("TTL", () => {
  test("an entry is a hit until the second it expires, then a miss everywhere, then reclaimed", async () => {
    const clock = new FakeClock();
    const store = open(tempDir("reflex-retention-"), { clock: clock.read, retention: { defaultTtlSeconds: 60 } });
    const written = store.storeSync(1n, entry(7n));
    expect(written.expiresAt).toBe(BigInt(clock.now / 1000 + 60));
    clock.advance(59_999);
    expect(store.loadSync(1n, 7n).payloadBlob.byteLength).toBe(100);
    expect(store.existsSync(1n, 7n)).toBe(true);
    expect(survivors(store, 7n)).toEqual([1n]);
    clock.advance(1);
    expectNotFound(() => store.loadSync(1n, 7n)); // the cached handle does not hide the expiry
    expect(store.existsSync(1n, 7n)).toBe(false);
    expect(survivors(store, 7n)).toEqual([]);
    await tick();
    expect(existsSync(join(store.storagePath, "7", "1.rfx"))).toBe(false);
    expect(store.retentionStats().expirations).toBe(1);
    expect(store.liveTotals()).toEqual(store.statsSync());
  });

  test("per-entry overrides: ttlSeconds 0 never expires, a shorter ttl expires first", async () => {
    const clock = new FakeClock();
    const store = open(tempDir("reflex-retention-"), { clock: clock.read, retention: { defaultTtlSeconds: 100 } });
    store.storeSync(1n, entry(1n), { ttlSeconds: 0 });
    store.storeSync(2n, entry(1n), { ttlSeconds: 10 });
    store.storeSync(3n, entry(1n));
    expect(store.loadSync(1n, 1n).expiresAt).toBe(0n);
    clock.advance(10_000);
    expect(survivors(store, 1n)).toEqual([1n, 3n]);
    clock.advance(90_000);
    expect(survivors(store, 1n)).toEqual([1n]);
    clock.advance(10 ** 12);
    expect(survivors(store, 1n)).toEqual([1n]);
    expect(() => store.storeSync(4n, entry(1n), { ttlSeconds: -1 })).toThrow();
    expect(() => store.storeSync(4n, entry(1n), { ttlSeconds: 1.5 })).toThrow();
  });

  test("a store without retention options honours expiries written by others, and an overwrite renews", async () => {
    const clock = new FakeClock();
    const root = tempDir("reflex-retention-");
    const writer = open(root, { clock: clock.read });
    writer.storeSync(1n, entry(1n), { ttlSeconds: 5 });
    const reader = new NvmeStorage(root, { clock: clock.read, handleCache: { maxEntries: 0 } });
    stores.push(reader);
    expect(reader.existsSync(1n, 1n)).toBe(true);
    clock.advance(5_000);
    expect(reader.existsSync(1n, 1n)).toBe(false);
    expect(reader.listEntriesSync(1n)).toEqual([]);
    expectNotFound(() => reader.loadSync(1n, 1n));
    // Rewritten before the reclaim runs: the new version must survive it.
    writer.storeSync(1n, entry(1n, 10, 2), { ttlSeconds: 5 });
    await tick();
    expect(reader.loadSync(1n, 1n).payloadBlob[0]).toBe(2);
  });

  test("the background timer reclaims expired entries nobody asks for", async () => {
    const clock = new FakeClock();
    const store = open(tempDir("reflex-retention-"), {
      clock: clock.read,
      retention: { defaultTtlSeconds: 1, reclaimIntervalMs: 10 },
    });
    await store.retentionReady();
    for (let i = 0; i < 5; i++) store.storeSync(BigInt(i), entry(1n));
    clock.advance(1_000);
    for (let i = 0; i < 50 && store.retentionStats().expirations < 5; i++) await Bun.sleep(10);
    expect(store.retentionStats().expirations).toBe(5);
    expect(readdirSync(join(store.storagePath, "1"))).toEqual([]);
  });
});

describe("size bounds", () => {
  test("a tenant over its entry bound loses exactly its least recently used entries", async () => {
    const clock = new FakeClock();
    const store = open(tempDir("reflex-retention-"), { clock: clock.read, retention: { tenantMaxEntries: 5 } });
    await store.retentionReady();
    for (let i = 1; i <= 5; i++) {
      store.storeSync(BigInt(i), entry(1n));
      clock.advance(1_000);
    }
    store.loadSync(1n, 1n).release(); // 1 and 2 become recent
    clock.advance(1_000);
    store.loadSync(2n, 1n).release();
    clock.advance(1_000);
    store.storeSync(6n, entry(1n)); // evicts 3
    expect(survivors(store, 1n)).toEqual([1n, 2n, 4n, 5n, 6n]);
    store.storeSync(7n, entry(1n)); // evicts 4
    expect(survivors(store, 1n)).toEqual([1n, 2n, 5n, 6n, 7n]);
    store.storeSync(7n, entry(1n)); // an overwrite adds nothing
    expect(survivors(store, 1n)).toEqual([1n, 2n, 5n, 6n, 7n]);
    expect(store.retentionStats().evictions.tenant_entries).toBe(2);
    expect(store.liveTotals()).toEqual(store.statsSync());
  });

  test("a byte bound evicts until the tenant fits, never the entry just written", async () => {
    const clock = new FakeClock();
    const store = open(tempDir("reflex-retention-"), { clock: clock.read, retention: { tenantMaxBytes: 3_500 } });
    await store.retentionReady();
    for (let i = 1; i <= 3; i++) {
      store.storeSync(BigInt(i), entry(1n, 1_000));
      clock.advance(1_000);
    }
    expect(survivors(store, 1n)).toEqual([1n, 2n, 3n]);
    store.storeSync(4n, entry(1n, 2_000)); // needs room for ~2 KiB: evicts 1 and 2
    expect(survivors(store, 1n)).toEqual([3n, 4n]);
    // Larger than the bound alone: refused before anything is evicted (no eviction could make it fit).
    expect(() => store.storeSync(5n, entry(1n, 10_000))).toThrow(expect.objectContaining({ code: "too_large" }));
    expect(survivors(store, 1n)).toEqual([3n, 4n]);
    expect(store.retentionStats().evictions.tenant_bytes).toBe(2);
  });

  test("a noisy neighbour never evicts another tenant within its own bound", async () => {
    const clock = new FakeClock();
    const store = open(tempDir("reflex-retention-"), { clock: clock.read, retention: { tenantMaxEntries: 10 } });
    await store.retentionReady();
    for (let i = 0; i < 5; i++) store.storeSync(BigInt(i), entry(2n));
    for (let i = 0; i < 5; i++) store.storeSync(BigInt(i), entry(3n));
    clock.advance(1_000);
    for (let i = 0; i < 500; i++) {
      store.storeSync(BigInt(i), entry(1n));
      clock.advance(10);
    }
    expect(survivors(store, 1n)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(490 + i)));
    expect(survivors(store, 2n)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(survivors(store, 3n)).toEqual([0n, 1n, 2n, 3n, 4n]);
  });

  test("after the index scan every tenant is brought within its bound, then the root; later the root LRU goes", async () => {
    const clock = new FakeClock();
    const root = tempDir("reflex-retention-");
    const unbounded = open(root, { clock: clock.read });
    const writeAt = (id: bigint, tenantId: bigint) => {
      unbounded.storeSync(id, entry(tenantId));
      const seconds = clock.now / 1000; // as if written at the fake clock's time
      utimesSync(join(root, tenantId.toString(), `${id}.rfx`), seconds, seconds);
      clock.advance(1_000);
    };
    for (let i = 0; i < 8; i++) writeAt(BigInt(i), 1n); // tenant 1: 8 entries, oldest of all
    for (let i = 0; i < 4; i++) writeAt(BigInt(i), 2n);
    unbounded.close();
    // Reopened with bounds lowered: tenant 1 (8) is over its bound of 6; the root (12) over 10.
    const store = open(root, { clock: clock.read, retention: { maxEntries: 10, tenantMaxEntries: 6 } });
    await store.retentionReady(); // the index is built from the files (recency from their times)
    expect(survivors(store, 1n)).toEqual([2n, 3n, 4n, 5n, 6n, 7n]);
    expect(survivors(store, 2n)).toEqual([0n, 1n, 2n, 3n]);
    // Tenant 1's own bound takes its two oldest; the root (10) is then within its bound.
    expect(store.retentionStats().evictions).toMatchObject({ tenant_entries: 2, root_entries: 0 });
    clock.advance(1_000);
    store.storeSync(9n, entry(2n)); // root at 11 > 10: the root's least recently used (tenant 1's 2) goes
    expect(survivors(store, 1n)).toEqual([3n, 4n, 5n, 6n, 7n]);
    expect(survivors(store, 2n)).toEqual([0n, 1n, 2n, 3n, 9n]);
  });

  test("recency survives a restart through the files' access times", async () => {
    const clock = new FakeClock();
    const root = tempDir("reflex-retention-");
    const first = open(root, { clock: clock.read, retention: { tenantMaxEntries: 3 } });
    await first.retentionReady();
    for (let i = 1; i <= 3; i++) {
      first.storeSync(BigInt(i), entry(1n));
      clock.advance(1_000);
    }
    clock.advance(1_000);
    first.loadSync(1n, 1n).release(); // 1 is now the most recent
    first.close(); // writes the access time back
    const second = open(root, { clock: clock.read, retention: { tenantMaxEntries: 3 } });
    await second.retentionReady();
    clock.advance(1_000);
    second.storeSync(4n, entry(1n));
    expect(survivors(second, 1n)).toEqual([1n, 3n, 4n]);
  });

  test("a reader holding a handle keeps its bytes across the eviction (heap and mapping)", async () => {
    const clock = new FakeClock();
    const store = open(tempDir("reflex-retention-"), { clock: clock.read, retention: { tenantMaxEntries: 2 } });
    await store.retentionReady();
    store.storeSync(1n, entry(1n, 512 * 1024, 7));
    clock.advance(1_000);
    store.storeSync(2n, entry(1n, 100, 8));
    clock.advance(1_000);
    const mapped = store.loadSync(1n, 1n);
    const heap = store.loadSync(2n, 1n);
    expect(mapped.mapped).toBe(true);
    clock.advance(1_000);
    store.storeSync(3n, entry(1n));
    store.storeSync(4n, entry(1n));
    expect(survivors(store, 1n)).toEqual([3n, 4n]);
    expect(mapped.payloadBlob.every((byte) => byte === 7)).toBe(true);
    expect(mapped.payloadBlob.byteLength).toBe(512 * 1024);
    expect(heap.payloadBlob.every((byte) => byte === 8)).toBe(true);
    mapped.release();
    heap.release();
  });

  test("gc() removes every expired entry and brings an over-full root within bounds", async () => {
    const clock = new FakeClock();
    const root = tempDir("reflex-retention-");
    const plain = open(root, { clock: clock.read });
    for (let i = 0; i < 20; i++) plain.storeSync(BigInt(i), entry(1n), { ttlSeconds: i < 5 ? 10 : 0 });
    clock.advance(10_000);
    const metrics = new OperationMetrics();
    const store = open(root, { clock: clock.read, recorder: metrics, retention: { maxEntries: 10 } });
    const progress: number[] = [];
    const report = await store.gc({ onProgress: (p) => progress.push(p.done) });
    expect(report.expired).toBe(5);
    expect(report.scanned).toBe(20);
    expect(store.statsSync().entryCount).toBe(10);
    expect(progress.at(-1)).toBe(20);
    expect(metrics.retentionSnapshot().expired).toBe(5);
    expect(metrics.retentionSnapshot().evicted.root_entries).toBe(5);
    expect(store.liveTotals()).toEqual(store.statsSync());
  });

  test("the first TTL write marks the root; a root without the marker is listed from names alone", () => {
    const root = tempDir("reflex-retention-");
    const store = open(root);
    store.storeSync(1n, entry(1n));
    expect(existsSync(join(root, ".reflex-ttl"))).toBe(false);
    store.storeSync(2n, entry(1n), { ttlSeconds: 60 });
    expect(existsSync(join(root, ".reflex-ttl"))).toBe(true);
    // The marker is not a tenant and not an entry.
    expect(store.listTenantsSync()).toEqual([1n]);
    expect(store.statsSync()).toMatchObject({ tenantCount: 1, entryCount: 2 });
  });

  test("bad bounds are refused", () => {
    expect(() => open(tempDir("reflex-retention-"), { retention: { maxBytes: 0 } })).toThrow(
      expect.objectContaining({ name: "ReflexStoreError", code: "invalid_argument" }),
    );
    expect(() => open(tempDir("reflex-retention-"), { retention: { tenantMaxEntries: -1 } })).toThrow(
      expect.objectContaining({ name: "ReflexStoreError", code: "invalid_argument" }),
    );
    expect(() => open(tempDir("reflex-retention-"), { retention: { defaultTtlSeconds: 0.5 } })).toThrow(
      expect.objectContaining({ name: "ReflexStoreError", code: "invalid_argument" }),
    );
  });
});
