// The one test of each whenReplicaLost choice (replica-lost-{accept,refuse}.test.ts), with a
// master SIGKILLed under 32 writers and left dead (see replica-lost-scenario.ts): no acknowledged
// write is lost, and the full promise comes back by itself once a fresh replica is attached.
// What both choices must show is checked here; each file adds what its choice must show.
import { afterAll, expect, test } from "bun:test";
import type { RedisClusterStore } from "../src/redis-cluster-store.ts";
import type { ShardReplicaChange, WhenReplicaLost } from "../src/shard-watch.ts";
import type { FreshReplica } from "./fresh-replica.ts";
import { type ReplicaLostReport, runReplicaLostScenario } from "./replica-lost-scenario.ts";
import { useCluster } from "./use-cluster.ts";

/** Registers the scenario's test for `choice` on a cluster of its own; `checkChoice` adds the choice's own checks. */
export function replicaLostTest(
  choice: WhenReplicaLost,
  checkChoice: (report: ReplicaLostReport, store: RedisClusterStore) => void,
): void {
  const harness = useCluster();
  const fresh: FreshReplica[] = [];
  let store: RedisClusterStore | undefined;
  afterAll(async () => {
    await store?.quit();
    for (const node of fresh) await node.stop();
  });

  test(`whenReplicaLost "${choice}": a master killed and left dead, then a fresh replica attached`, async () => {
    const events: ShardReplicaChange[] = [];
    store = await harness.open({
      whenReplicaLost: choice,
      writeConnections: 4,
      onReplicaChange: (change) => events.push(change),
    });
    const report = await runReplicaLostScenario(harness.cluster, store, choice, events, fresh);
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
    // One shard, named by its slots through the promotion; its master as the client routed to it then.
    expect([...new Set(events.map((event) => event.shard))]).toEqual([report.victimShard]);
    const masters = [report.victim, report.promoted].map((port) => `127.0.0.1:${port}`);
    expect(events.filter((event) => !masters.includes(event.master))).toEqual([]);
    checkChoice(report, store);
  }, 180_000);
}
