// The tenant set across stores: a tenant deleted through one store and written through another
// stays listed, counted and searchable exactly while it has entries.
import { expect, test } from "bun:test";
import { join } from "node:path";
import type { EntryFields } from "@reflex/core";
import { Cluster } from "ioredis";
import { useCluster } from "../test/use-cluster.ts";
import { bucketKeys, bucketOf, id20, namespaceKeys } from "./layout.ts";
import type { RedisClusterStore } from "./redis-cluster-store.ts";

const harness = useCluster();
let namespaces = 0;

/** Two stores on one namespace (two servers on one cluster) and a plain client, to make by hand what a crash leaves. */
interface Setup {
  readonly a: RedisClusterStore;
  readonly b: RedisClusterStore;
  readonly raw: Cluster;
  readonly namespace: string;
}

/** Runs `body` with a fresh {@link Setup}, closing every client after it. */
async function withStores(body: (setup: Setup) => Promise<void>): Promise<void> {
  const namespace = `tenant-set-${process.pid}-${++namespaces}`;
  const [a, b] = [await harness.open({ namespace }), await harness.open({ namespace })];
  const raw = new Cluster([{ host: "127.0.0.1", port: harness.cluster.nodes[0]?.port ?? 0 }]);
  try {
    await body({ a, b, raw, namespace });
  } finally {
    raw.disconnect();
    await Promise.all([a.quit(), b.quit()]);
  }
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
  await withStores(async ({ a, b }) => {
    (await a.store(1n, entry(5n, 1))).release();
    expect(await b.deleteTenant(5n)).toBe(1);
    (await a.store(2n, entry(5n, 2))).release(); // A still remembers adding tenant 5
    expect(await b.listTenants()).toEqual([5n]);
    expect((await b.stats()).tenantCount).toBe(1);
    expect(await b.findByContext(5n, 9n)).toEqual([2n]);
    expect((await b.search(5n, entry(5n, 2).embedding, { k: 1 })).map((hit) => hit.entryId)).toEqual([2n]);
  });
}, 30_000);

test("writes through A racing deletions through B: the tenant is listed exactly when it has entries", async () => {
  await withStores(async ({ a, b }) => {
    const tenant = 6n;
    let raced = 0;
    for (let round = 0; round < 4; round++) {
      (await a.store(0n, entry(tenant, 0))).release();
      let stop = false;
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let n = 0; n < 40 && !stop; n++) (await a.store(BigInt(1 + w * 1000 + n), entry(tenant, n))).release();
      });
      await Bun.sleep(5 + round * 10);
      const removed = await b.deleteTenant(tenant).catch((error: { code?: string }) => {
        if (error.code === "not_found") return 0; // a previous round left it empty
        throw error;
      });
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
  });
}, 60_000);

test("a writer that failed between its write and the tenant's add: the next write into that bucket adds it", async () => {
  await withStores(async ({ a, b, raw, namespace }) => {
    (await a.store(3n, entry(7n, 3))).release();
    // What a crash right after the put script leaves: the bucket not marked listed, the tenant not in the set.
    const keys = bucketKeys(namespace, 7n, bucketOf(3n, a.buckets));
    await raw.hdel(keys.usage, "listed");
    await raw.zrem(namespaceKeys(namespace).tenants, id20(7n));
    expect(await b.listTenants()).toEqual([]);
    (await a.store(3n, entry(7n, 4))).release(); // an overwrite: the bucket is not new
    expect(await b.listTenants()).toEqual([7n]);
    expect(await b.findByContext(7n, 9n)).toEqual([3n]);
  });
}, 30_000);

test("a deletion cut short after the tenant left the set is finished by a retry, not answered not_found", async () => {
  await withStores(async ({ a, b, raw, namespace }) => {
    (await a.store(1n, entry(8n, 1))).release();
    (await a.store(2n, entry(8n, 2))).release();
    await raw.zrem(namespaceKeys(namespace).tenants, id20(8n)); // as if the rest of a deletion never ran
    expect(await b.deleteTenant(8n)).toBe(2);
    expect(await b.load(1n, 8n).catch((error: { code: string }) => error.code)).toBe("not_found");
    await expect(b.deleteTenant(8n)).rejects.toMatchObject({ code: "not_found" });
  });
}, 30_000);

test("a write landing after a deletion emptied the buckets but before the tenant left the set: listed again", async () => {
  await withStores(async ({ a, b, namespace }) => {
    (await a.store(1n, entry(9n, 1))).release();
    let calls = 0;
    const removed = await b.deleteTenant(9n, {
      onProgress: () => {
        // The K-th call comes after the last bucket is emptied, before the set removal: another
        // process writes there and then, to completion (the event loop waits for it).
        if (++calls !== b.buckets) return;
        const child = Bun.spawnSync(
          ["bun", join(import.meta.dir, "../test/store-one.ts"), harness.cluster.seeds, namespace, "9", "5"],
          { stderr: "pipe" },
        );
        if (child.exitCode !== 0) throw new Error(`the writing child failed: ${child.stderr.toString()}`);
      },
    });
    expect(removed).toBe(1);
    expect(calls).toBe(b.buckets + 1);
    expect(await b.listTenants()).toEqual([9n]); // the write of entry 5 keeps it listed
    expect(await b.findByContext(9n, 9n)).toEqual([5n]);
  });
}, 60_000);
