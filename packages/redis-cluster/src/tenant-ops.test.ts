// The tenant set across stores: a tenant deleted through one store and written through another
// stays listed, counted and searchable exactly while it has entries.
import { expect, test } from "bun:test";
import type { EntryFields } from "@reflex/core";
import { useCluster } from "../test/use-cluster.ts";
import type { RedisClusterStore } from "./redis-cluster-store.ts";

const harness = useCluster();
let namespaces = 0;

/** Two stores on one namespace: two servers on one cluster. */
async function twoStores(): Promise<[RedisClusterStore, RedisClusterStore]> {
  const namespace = `tenant-set-${process.pid}-${++namespaces}`;
  return [await harness.open({ namespace }), await harness.open({ namespace })];
}

function entry(tenantId: bigint, n: number): EntryFields {
  return {
    tenantId,
    contextHash: 9n,
    timestamp: 1_700_000_000n,
    embedding: new Uint8Array(new Float16Array([1, n / 1000]).buffer),
    payloadBlob: new Uint8Array([n & 255]),
  };
}

test("a tenant deleted through B, then written through A (which added it before): listed, counted and found on B", async () => {
  const [a, b] = await twoStores();
  try {
    (await a.store(1n, entry(5n, 1))).release();
    expect(await b.deleteTenant(5n)).toBe(1);
    (await a.store(2n, entry(5n, 2))).release(); // A still remembers adding tenant 5
    expect(await b.listTenants()).toEqual([5n]);
    expect((await b.stats()).tenantCount).toBe(1);
    expect(await b.findByContext(5n, 9n)).toEqual([2n]);
    expect((await b.search(5n, entry(5n, 2).embedding, { k: 1 })).map((hit) => hit.entryId)).toEqual([2n]);
  } finally {
    await Promise.all([a.quit(), b.quit()]);
  }
}, 30_000);

test("writes through A racing deletions through B: the tenant is listed exactly when it has entries", async () => {
  const [a, b] = await twoStores();
  const tenant = 6n;
  try {
    let raced = 0;
    for (let round = 0; round < 4; round++) {
      (await a.store(0n, entry(tenant, 0))).release();
      let stop = false;
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let n = 0; n < 40 && !stop; n++) (await a.store(BigInt(1 + w * 1000 + n), entry(tenant, n))).release();
      });
      await Bun.sleep(5 + round * 10);
      const removed = await b.deleteTenant(tenant).catch(() => 0); // not_found when a previous round left it empty
      if (removed > 0) raced++;
      stop = round % 2 === 0; // odd rounds: the writers keep going after the deletion
      await Promise.all(writers);
      const ids = await b.listEntries(tenant);
      const listed = (await b.listTenants()).includes(tenant);
      expect([round, listed]).toEqual([round, ids.length > 0]);
      expect((await b.findByContext(tenant, 9n)).length).toBe(ids.length);
      if (ids.length > 0) await b.deleteTenant(tenant); // the next round starts from nothing
    }
    expect(raced).toBeGreaterThan(0);
  } finally {
    await Promise.all([a.quit(), b.quit()]);
  }
}, 60_000);
