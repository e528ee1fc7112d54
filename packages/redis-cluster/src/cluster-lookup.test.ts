// Two stores on one real cluster and one namespace (two servers' views of it, in one process):
// what one writes the other's lookup finds through the change logs, and never a stale hit.
import { afterAll, describe, expect, test } from "bun:test";
import type { EntryFields } from "@reflex/core";
import { f16Bytes } from "@reflex/testkit";
import { Cluster } from "ioredis";
import { useCluster } from "../test/use-cluster.ts";
import { bucketKeys, id20 } from "./layout.ts";
import type { RedisClusterOptions } from "./options.ts";
import type { RedisClusterStore } from "./redis-cluster-store.ts";

const harness = useCluster();
const stores: RedisClusterStore[] = [];
let raw: Cluster | undefined;
afterAll(async () => {
  await Promise.all(stores.map((store) => store.quit()));
  raw?.disconnect();
});

function rawClient(): Cluster {
  raw ??= new Cluster([{ host: "127.0.0.1", port: harness.cluster.nodes[0]?.port ?? 0 }]);
  return raw;
}

/** The namespace of a store (the last segment of its storagePath). */
function namespaceOf(store: RedisClusterStore): string {
  return store.storagePath.slice(store.storagePath.lastIndexOf("/") + 1);
}

let namespaces = 0;
/** Two stores on one fresh namespace: A writes, B looks up. */
async function pair(a: Partial<RedisClusterOptions> = {}, b: Partial<RedisClusterOptions> = {}) {
  const namespace = `lookup-${process.pid}-${++namespaces}`;
  const writer = await harness.open({ namespace, durability: "atomic", ...a });
  const reader = await harness.open({ namespace, durability: "atomic", ...b });
  stores.push(writer, reader);
  return { a: writer, b: reader };
}

function entry(tenantId: bigint, values: number[], contextHash = 7n, timestamp = 1_700_000_000n): EntryFields {
  return {
    tenantId,
    contextHash,
    timestamp,
    embedding: f16Bytes(values),
    payloadBlob: new TextEncoder().encode("response"),
  };
}

const ids = (hits: { entryId: bigint }[]) => hits.map((hit) => hit.entryId);

/** Polls `probe` until it returns true, at most `ms`. */
async function eventually(probe: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = performance.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (performance.now() > until) return false;
    await Bun.sleep(20);
  }
}

describe("lookup across stores", () => {
  test("a write through A is found by B's search and findByContext within a poll interval", async () => {
    const { a, b } = await pair({}, { changeLogPollMs: 50 });
    expect(await b.search(1n, f16Bytes([1, 0]))).toEqual([]); // B builds tenant 1: empty
    (await a.store(10n, entry(1n, [1, 0], 99n))).release();
    expect(await eventually(async () => ids(await b.search(1n, f16Bytes([1, 0]))).includes(10n))).toBe(true);
    expect(await b.findByContext(1n, 99n)).toEqual([10n]);
    // B's own write is found by its very next search (read-your-writes), whatever the poll.
    (await b.store(11n, entry(1n, [0, 1]))).release();
    expect(ids(await b.search(1n, f16Bytes([0, 1])))).toEqual([11n]);
    expect(b.lookupStats()).toMatchObject({ tenants: 1, builds: 1 });
  });

  test("overwrites and deletes through A: B never answers what a load would refuse, even before it reads the log", async () => {
    const { a, b } = await pair({}, { changeLogPollMs: 0 }); // B reads the logs only before its own lookups after its writes
    (await a.store(1n, entry(1n, [1, 0], 5n))).release();
    (await a.store(2n, entry(1n, [1, 0.1], 5n))).release();
    expect(ids(await b.search(1n, f16Bytes([1, 0]), { k: 10 }))).toEqual([1n, 2n]);
    // A moves entry 1 away and deletes entry 2; B has not read the log.
    (await a.store(1n, entry(1n, [0, 1], 6n))).release();
    await a.delete(2n, 1n);
    expect(ids(await b.search(1n, f16Bytes([1, 0]), { k: 10 }))).toEqual([]);
    expect(await b.findByContext(1n, 5n)).toEqual([]);
    expect(b.lookupStats().refused).toBeGreaterThanOrEqual(2);
    // Once B reads the log (after a write of its own), the index holds the new entry 1.
    (await b.store(3n, entry(2n, [1, 1]))).release();
    await b.search(2n, f16Bytes([1, 1]));
    (await b.store(4n, entry(1n, [-1, 0]))).release();
    expect(ids(await b.search(1n, f16Bytes([0, 1])))).toEqual([1n]);
    expect(await b.findByContext(1n, 6n)).toEqual([1n]);
  });

  test("many hits, several per bucket: B's re-checks (during the scan and after it) refuse exactly what A changed", async () => {
    const { a, b } = await pair({}, { changeLogPollMs: 0 });
    const all = Array.from({ length: 48 }, (_, i) => BigInt(i + 1));
    for (const id of all) (await a.store(id, entry(1n, [1, Number(id) / 1000], 9n))).release();
    expect((await b.findByContext(1n, 9n)).length).toBe(48);
    // Searches until B's re-checks go straight to the masters (the first ones open the connections).
    const near3 = f16Bytes([1, 0.003]); // entry 3's own vector: the best hit of k=1
    const until = performance.now() + 5000;
    while (b.lookupStats().directGets.direct < 3 && performance.now() < until) {
      expect(ids(await b.search(1n, near3))).toEqual([3n]);
      await b.search(1n, f16Bytes([1, 0.02]), { k: 100 });
      await Bun.sleep(10);
    }
    expect(b.lookupStats().directGets.direct).toBeGreaterThanOrEqual(3);
    // A deletes every third entry and moves every fifth one to another context and vector; B has not read the log.
    const changed = new Set<bigint>();
    for (const id of all) {
      if (id % 3n === 0n) {
        await a.delete(id, 1n);
        changed.add(id);
      } else if (id % 5n === 0n) {
        (await a.store(id, entry(1n, [-1, 0], 10n))).release();
        changed.add(id);
      }
    }
    const untouched = all.filter((id) => !changed.has(id));
    // Entry 3 is gone: its check (a direct GET, during the scan unless the early ones ran out) refuses it.
    const direct = b.lookupStats().directGets.direct;
    const best = ids(await b.search(1n, near3));
    expect(best.length).toBe(1);
    expect(changed.has(best[0] as bigint)).toBe(false);
    expect(b.lookupStats().directGets.direct).toBeGreaterThan(direct);
    expect((await b.findByContext(1n, 9n)).sort((x, y) => Number(x - y))).toEqual(untouched);
    const hits = await b.search(1n, f16Bytes([1, 0.02]), { k: 100 });
    expect(ids(hits).sort((x, y) => Number(x - y))).toEqual(untouched);
    expect(b.lookupStats().refused).toBeGreaterThanOrEqual(2 * changed.size);
  });

  test("an entry that expires is not a hit on B, with no log record for the expiry", async () => {
    const { a, b } = await pair({}, { changeLogPollMs: 50 });
    await b.search(1n, f16Bytes([1, 0]));
    (await a.store(1n, entry(1n, [1, 0]), { ttlSeconds: 1 })).release();
    expect(await eventually(async () => ids(await b.search(1n, f16Bytes([1, 0]))).includes(1n))).toBe(true);
    await Bun.sleep(2100);
    expect(await b.search(1n, f16Bytes([1, 0]))).toEqual([]);
    expect(await b.findByContext(1n, 7n)).toEqual([]);
  });

  test("a log trimmed past B (MAXLEN): B rebuilds the tenant and misses nothing", async () => {
    const { a, b } = await pair({ buckets: 1, changeLogLength: 10 }, { changeLogPollMs: 0 });
    (await a.store(0n, entry(1n, [1, 0]))).release();
    expect(await b.findByContext(1n, 7n)).toEqual([0n]);
    for (let i = 1n; i <= 400n; i++) (await a.store(i, entry(1n, [1, Number(i) / 1000]))).release();
    await a.delete(0n, 1n);
    (await b.store(1000n, entry(1n, [0, 1], 8n))).release(); // B's own write: its next lookup reads the log
    const found = await b.findByContext(1n, 7n);
    expect(found.length).toBe(400);
    expect(found).not.toContain(0n);
    expect(b.lookupStats().builds).toBe(2);
  });

  test("a tenant the cluster never saw gets no feed; an idle one is dropped and built again by its next lookup", async () => {
    const { a, b } = await pair({}, { changeLogPollMs: 50, lookupIdleMs: 300 });
    expect(await b.search(999n, f16Bytes([1, 0]))).toEqual([]);
    expect(await b.findByContext(999n, 7n)).toEqual([]);
    expect(b.lookupStats().tenants).toBe(0);
    (await a.store(1n, entry(1n, [1, 0]))).release();
    expect(ids(await b.search(1n, f16Bytes([1, 0])))).toEqual([1n]);
    expect(b.lookupStats()).toMatchObject({ tenants: 1, builds: 1 });
    expect(await eventually(async () => b.lookupStats().tenants === 0)).toBe(true);
    expect(b.lookupStats().entries).toBe(0);
    (await a.store(2n, entry(1n, [1, 0.01]))).release();
    expect(ids(await b.search(1n, f16Bytes([1, 0]), { k: 5 }))).toEqual([1n, 2n]);
    expect(b.lookupStats()).toMatchObject({ tenants: 1, builds: 2 });
  });

  test("a log whose sequence went back (records lost in a failover): B rebuilds and forgets what is gone", async () => {
    const { a, b } = await pair({ buckets: 1 }, { changeLogPollMs: 50 });
    for (let i = 1n; i <= 3n; i++) (await a.store(i, entry(1n, [1, Number(i) / 10]))).release();
    expect((await b.findByContext(1n, 7n)).length).toBe(3);
    // What a promoted replica that missed the last write looks like: the entry, its index
    // records and its log record gone, the sequence one lower.
    const keys = bucketKeys(namespaceOf(a), 1n, 0);
    const raw = rawClient();
    const last = await raw.xrevrange(keys.log, "+", "-", "COUNT", 1);
    // In one transaction (the bucket's keys share a slot), so B's polls never see half of it.
    await raw
      .multi()
      .del(keys.entryPrefix + id20(3n))
      .zrem(keys.ids, id20(3n))
      .hdel(keys.sizes, id20(3n))
      .xdel(keys.log, last[0]?.[0] ?? "0-0")
      .hincrby(keys.usage, "seq", -1)
      .exec();
    expect(await eventually(async () => b.lookupStats().builds === 2)).toBe(true);
    // The count goes up when the build starts; a lookup waits for it to end.
    expect((await b.findByContext(1n, 7n)).sort()).toEqual([1n, 2n]);
    expect(b.lookupStats().entries).toBe(2);
  });

  test("deleteTenant through A empties the tenant on B (the logs are deleted with it: B rebuilds)", async () => {
    const { a, b } = await pair({ buckets: 4 }, { changeLogPollMs: 50 });
    for (let i = 0n; i < 20n; i++) (await a.store(i, entry(1n, [1, 0]))).release();
    expect((await b.findByContext(1n, 7n)).length).toBe(20);
    expect(await a.deleteTenant(1n)).toBe(20);
    expect(await eventually(async () => (await b.findByContext(1n, 7n)).length === 0)).toBe(true);
    expect(await eventually(async () => b.lookupStats().entries === 0)).toBe(true);
    (await a.store(5n, entry(1n, [1, 0]))).release();
    expect(await eventually(async () => ids(await b.search(1n, f16Bytes([1, 0]))).includes(5n))).toBe(true);
  });
});
