// Scoped search and `nearest` across two stores of one namespace: what A writes, B's scoped
// search finds through the change logs; what A removed is never a hit of B's, nor its nearest.
import { afterAll, expect, test } from "bun:test";
import type { EntryFields } from "@reflex/core";
import { f16Bytes } from "@reflex/testkit";
import { useCluster } from "../test/use-cluster.ts";
import type { RedisClusterStore } from "./redis-cluster-store.ts";

const harness = useCluster();
const stores: RedisClusterStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.quit()));
});

let namespaces = 0;
async function pair(pollMs: number) {
  const namespace = `scoped-${process.pid}-${++namespaces}`;
  const a = await harness.open({ namespace, durability: "atomic" });
  const b = await harness.open({ namespace, durability: "atomic", changeLogPollMs: pollMs });
  stores.push(a, b);
  return { a, b };
}

function entry(values: number[], contextHash: bigint): EntryFields {
  return { tenantId: 1n, contextHash, timestamp: 1n, embedding: f16Bytes(values), payloadBlob: new Uint8Array([1]) };
}

const ids = (hits: { entryId: bigint }[]) => hits.map((hit) => hit.entryId);

test("B's scoped search sees A's writes of that context only, once it has read the log", async () => {
  const { a, b } = await pair(50);
  expect(await b.searchWithNearest(1n, f16Bytes([1, 0]), { contextHash: 5n })).toEqual({ hits: [], nearest: null });
  (await a.store(1n, entry([1, 0], 5n))).release();
  (await a.store(2n, entry([1, 0.05], 6n))).release();
  const until = performance.now() + 5000;
  while ((await b.search(1n, f16Bytes([1, 0]), { k: 5 })).length < 2 && performance.now() < until) await Bun.sleep(20);
  expect(ids(await b.search(1n, f16Bytes([1, 0]), { k: 5, contextHash: 6n }))).toEqual([2n]);
  expect(ids(await b.search(1n, f16Bytes([1, 0]), { k: 5, contextHash: 5n }))).toEqual([1n]);
});

test("an entry A deleted is refused by B's re-check and is not B's nearest either", async () => {
  const { a, b } = await pair(0); // B reads the logs only before lookups after its own writes
  (await a.store(1n, entry([1, 0], 5n))).release();
  (await a.store(2n, entry([1, 1], 5n))).release();
  expect(ids(await b.search(1n, f16Bytes([1, 0]), { contextHash: 5n }))).toEqual([1n]);
  await a.delete(1n, 1n); // B has not read the log
  const found = await b.searchWithNearest(1n, f16Bytes([1, 0]), { contextHash: 5n });
  expect(found.hits).toEqual([]);
  expect(found.nearest).toBeCloseTo(Math.SQRT1_2, 3); // entry 2, not the refused entry 1
  expect(b.lookupStats().refused).toBeGreaterThanOrEqual(1);
});
