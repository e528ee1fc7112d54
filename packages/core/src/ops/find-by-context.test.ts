import { afterEach, describe, expect, test } from "bun:test";
import type { EntryFields } from "@reflex/codec";
import { tempDir } from "@reflex/testkit";
import { cleanupTestState, expectStoreErrorAsync, MAX_ID, openStore } from "../../test/helpers.ts";

afterEach(cleanupTestState);

function entry(tenantId: bigint, contextHash: bigint, timestamp: bigint): EntryFields {
  return { tenantId, contextHash, timestamp, embedding: new Uint8Array(0), payloadBlob: new Uint8Array(1) };
}

describe("findByContext", () => {
  test("ids with the context hash, newest first, then smaller id; other hashes and tenants stay out", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    const stored: [bigint, bigint, bigint, bigint][] = [
      // id, tenant, context hash, timestamp
      [1n, 1n, 7n, 100n],
      [2n, 1n, 7n, 300n],
      [3n, 1n, 7n, 200n],
      [4n, 1n, 8n, 999n],
      [5n, 2n, 7n, 999n],
      [9n, 1n, 7n, 300n],
    ];
    for (const [id, tenantId, hash, timestamp] of stored) {
      (await store.store(id, entry(tenantId, hash, timestamp))).release();
    }
    expect(await store.findByContext(1n, 7n)).toEqual([2n, 9n, 3n, 1n]);
    expect(await store.findByContext(1n, 8n)).toEqual([4n]);
    expect(await store.findByContext(2n, 7n)).toEqual([5n]);
    expect(await store.findByContext(3n, 7n)).toEqual([]);
    expect(await store.findByContext(1n, 6n)).toEqual([]);
  });

  test("deletes, overwrites with another hash and expiry take entries out at once", async () => {
    const clock = { now: Math.floor(Date.now() / 1000) * 1000 };
    const store = openStore(tempDir(), { durability: "atomic", clock: () => clock.now });
    for (let id = 1n; id <= 4n; id++) (await store.store(id, entry(1n, 7n, id))).release();
    await store.delete(1n, 1n);
    (await store.store(2n, entry(1n, 8n, 2n))).release();
    (await store.store(3n, entry(1n, 7n, 3n), { ttlSeconds: 10 })).release();
    expect(await store.findByContext(1n, 7n)).toEqual([4n, 3n]);
    clock.now += 10_000;
    expect(await store.findByContext(1n, 7n)).toEqual([4n]);
    expect(await store.findByContext(1n, 8n)).toEqual([2n]);
  });

  test("context hashes and tenants 0 and 2^64-1 work; a bad hash is invalid_argument", async () => {
    const store = openStore(tempDir(), { durability: "atomic" });
    (await store.store(MAX_ID, entry(MAX_ID, MAX_ID, 1n))).release();
    (await store.store(0n, entry(0n, 0n, 1n))).release();
    expect(await store.findByContext(MAX_ID, MAX_ID)).toEqual([MAX_ID]);
    expect(await store.findByContext(0n, 0n)).toEqual([0n]);
    await expectStoreErrorAsync(() => store.findByContext(1n, -1n), "invalid_argument");
    await expectStoreErrorAsync(() => store.findByContext(1n, MAX_ID + 1n), "invalid_argument");
    await expectStoreErrorAsync(() => store.findByContext(1n, 7 as unknown as bigint), "invalid_argument");
  });

  test("a reopened store finds entries written before it opened", async () => {
    const root = tempDir();
    const first = openStore(root, { durability: "atomic" });
    for (let id = 0n; id < 50n; id++) first.storeSync(id, entry(1n, id % 5n, id)).release();
    first.close();
    const reopened = openStore(root, { lookup: { build: "first-use" } });
    expect(await reopened.findByContext(1n, 3n)).toEqual([48n, 43n, 38n, 33n, 28n, 23n, 18n, 13n, 8n, 3n]);
  });
});
