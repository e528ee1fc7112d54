import { expect, test } from "bun:test";
import { type ShardReplicaChange, ShardWatch } from "./shard-watch.ts";

const dead = { shard: "0-5460", master: "127.0.0.1:7000" };
const promoted = { shard: "0-5460", master: "127.0.0.1:7003" };

test("one shard through a failover: probed again at its new master, its notices under one name", async () => {
  const changes: ShardReplicaChange[] = [];
  const watch = new ShardWatch("accept", (change) => changes.push(change));
  const probes: string[] = [];
  const probe = (at: typeof dead, online: boolean | undefined) => () => {
    probes.push(at.master);
    return Promise.resolve(online);
  };
  await watch.learn(dead, probe(dead, true));
  await watch.learn(dead, probe(dead, true)); // known at that master: no second probe
  await watch.learn(promoted, probe(promoted, false)); // another master: asked again
  expect(probes).toEqual([dead.master, promoted.master]);
  expect(watch.isLost(dead)).toBe(true); // the shard, whichever master a stale slot map names
  watch.acceptedMasterOnly(dead);
  watch.replicaSeen(promoted);
  expect(changes.map((c) => [c.shard, c.master, c.replicaLost])).toEqual([
    ["0-5460", promoted.master, true],
    ["0-5460", promoted.master, false],
  ]);
  expect(watch.stats()).toEqual({
    whenReplicaLost: "accept",
    masterOnlyWrites: 1,
    refusedWrites: 0,
    shardsWithoutReplica: [],
  });
});

test("a probe that cannot tell leaves the shard unknown; concurrent callers share one probe", async () => {
  const watch = new ShardWatch("refuse", null);
  let calls = 0;
  const unknown = () => {
    calls++;
    return Promise.resolve(undefined);
  };
  await Promise.all([watch.learn(dead, unknown), watch.learn(dead, unknown)]);
  await watch.learn(dead, unknown);
  expect(calls).toBe(2);
  watch.refused(dead);
  expect(watch.stats()).toMatchObject({ refusedWrites: 1, shardsWithoutReplica: ["0-5460"] });
});
