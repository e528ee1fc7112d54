// whenReplicaLost: "refuse", with a master SIGKILLed under 32 writers and left dead (see
// replica-lost-scenario.ts): no acknowledged write is lost, and the full promise comes back by
// itself once a fresh replica is attached.
import { afterAll, expect, test } from "bun:test";
import type { RedisClusterStore } from "../src/redis-cluster-store.ts";
import type { ShardReplicaChange } from "../src/shard-watch.ts";
import type { FreshReplica } from "./fresh-replica.ts";
import { runReplicaLostScenario } from "./replica-lost-scenario.ts";
import { useCluster } from "./use-cluster.ts";

const harness = useCluster();
const fresh: FreshReplica[] = [];
let store: RedisClusterStore | undefined;
afterAll(async () => {
  await store?.quit();
  for (const node of fresh) await node.stop();
});

test('whenReplicaLost "refuse": a master killed and left dead, then a fresh replica attached', async () => {
  const events: ShardReplicaChange[] = [];
  store = await harness.open({
    whenReplicaLost: "refuse",
    writeConnections: 4,
    onReplicaChange: (change) => events.push(change),
  });
  const report = await runReplicaLostScenario(harness.cluster, store, "refuse", events, fresh);
  console.log(report.summary);
  expect(report.counts.full).toBeGreaterThan(0);
  expect(report.lost).toBe(0);
  expect(report.refusedPresent).toBe(0);
  expect(report.probes).toEqual(Array(16).fill("full"));
  expect(store.replicaStats().shardsWithoutReplica).toEqual([]);
  // Lost, then back (a fresh replica's link may flap once while it syncs: lost and back again), on one shard.
  const flips = events.map((event) => event.replicaLost);
  expect(flips.length % 2 === 0 && flips.every((lost, i) => lost === (i % 2 === 0))).toBe(true);
  expect(flips.length).toBeGreaterThanOrEqual(2);
  expect(new Set(events.map((event) => event.shard)).size).toBe(1);
  // Refused while the shard had no replica; never accepted on the master alone.
  expect(report.counts.degraded).toBeGreaterThan(0);
  expect(report.counts["master-only"]).toBe(0);
  expect(store.replicaStats().masterOnlyWrites).toBe(0);
}, 180_000);
