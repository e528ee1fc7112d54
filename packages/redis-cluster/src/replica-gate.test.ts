// whenReplicaLost on a real cluster: the contract with "accept" on a healthy cluster, and a
// shard whose replica is SIGKILLed (its master alive): refused under "refuse", accepted on
// the master alone and said so under "accept", and the full promise back once the replica is.
import { afterAll, describe, expect, test } from "bun:test";
import type { EntryFields } from "@reflex/core";
import { describeEntryStoreContract } from "@reflex/core/contract";
import { Redis } from "ioredis";
import { codeOf } from "../test/code-of.ts";
import { useCluster } from "../test/use-cluster.ts";
import { bucketKeys, bucketOf, id20 } from "./layout.ts";
import type { RedisClusterStore } from "./redis-cluster-store.ts";
import type { ShardReplicaChange } from "./shard-watch.ts";

const harness = useCluster();

describeEntryStoreContract("RedisClusterStore (replicated, whenReplicaLost accept)", async () => {
  const store = await harness.open({ whenReplicaLost: "accept" });
  return { store, dispose: () => store.quit() };
});

const opened: RedisClusterStore[] = [];
afterAll(async () => {
  await Promise.all(opened.map((store) => store.quit()));
});

function entry(tenantId: bigint, payload: string): EntryFields {
  return {
    tenantId,
    contextHash: 1n,
    timestamp: 1_700_000_000n,
    embedding: new Uint8Array(0),
    payloadBlob: new TextEncoder().encode(payload),
  };
}

async function text(store: RedisClusterStore, id: bigint, tenantId: bigint): Promise<string> {
  const handle = await store.load(id, tenantId);
  const value = new TextDecoder().decode(handle.payloadBlob);
  handle.release();
  return value;
}

describe("whenReplicaLost, a shard whose replica is killed (its master alive)", () => {
  test("refuse: degraded, nothing written; accept: written on the master alone and said so; both back by themselves", async () => {
    const events: ShardReplicaChange[] = [];
    const refuse = await harness.open({ onReplicaChange: (change) => events.push(change) });
    const namespace = refuse.storagePath.slice(refuse.storagePath.lastIndexOf("/") + 1);
    const accept = await harness.open({
      namespace,
      whenReplicaLost: "accept",
      onReplicaChange: (change) => events.push(change),
    });
    opened.push(refuse, accept);
    const tenantId = 9n;
    (await refuse.store(1n, entry(tenantId, "before"))).release();
    (await accept.store(2n, entry(tenantId, "other"))).release();
    const key = bucketKeys(namespace, tenantId, bucketOf(1n, refuse.buckets)).entryPrefix + id20(1n);
    const { master, replicas } = await harness.cluster.shardOf(key);
    const replica = replicas[0] as number;
    harness.cluster.kill(replica);
    const direct = new Redis({ host: "127.0.0.1", port: master });
    try {
      // Until the master has seen its replica go, a write may still be applied (and be outcome_unknown).
      for (let i = 0; i < 200 && (await direct.info("replication")).includes("state=online"); i++) await Bun.sleep(50);
      expect(await codeOf(() => refuse.store(1n, entry(tenantId, "refused")))).toBe("degraded");
      expect(await text(refuse, 1n, tenantId)).toBe("before");
      const stored = await accept.store(1n, entry(tenantId, "master only"));
      expect([stored.created, stored.weakerDurability]).toEqual([false, "master-only"]);
      stored.release();
      expect(await text(refuse, 1n, tenantId)).toBe("master only");
      // Once known without a replica, writes go without a WAIT and say so each time.
      for (let i = 0; i < 3; i++) {
        const again = await accept.store(1n, entry(tenantId, `again ${i}`));
        expect(again.weakerDurability).toBe("master-only");
        again.release();
      }
      expect(await codeOf(() => refuse.store(1n, entry(tenantId, "refused again")))).toBe("degraded");
      expect(await codeOf(() => refuse.delete(1n, tenantId))).toBe("degraded");
      expect(refuse.replicaStats()).toMatchObject({ whenReplicaLost: "refuse", masterOnlyWrites: 0, refusedWrites: 3 });
      expect(accept.replicaStats()).toMatchObject({ whenReplicaLost: "accept", masterOnlyWrites: 4, refusedWrites: 0 });
      // The shard is named by the slots it serves, its master given beside.
      const slots = (await direct.cluster("SLOTS")).filter((range) => range[2]?.[1] === master);
      const shard = slots
        .sort((a, b) => a[0] - b[0])
        .map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`))
        .join(",");
      expect(accept.replicaStats().shardsWithoutReplica).toEqual([shard]);
      expect(events.map((e) => [e.shard, e.master])).toEqual(Array(2).fill([shard, `127.0.0.1:${master}`]));
      await accept.delete(1n, tenantId);
      expect(await codeOf(() => refuse.load(1n, tenantId))).toBe("not_found");
    } finally {
      direct.disconnect();
      harness.cluster.restart(replica);
    }
    await harness.cluster.waitHealthy();
    const back = await accept.store(1n, entry(tenantId, "replicated again"));
    expect(back.weakerDurability).toBeUndefined();
    back.release();
    (await refuse.store(1n, entry(tenantId, "replicated by refuse"))).release();
    expect(accept.replicaStats().shardsWithoutReplica).toEqual([]);
    expect(refuse.replicaStats().shardsWithoutReplica).toEqual([]);
    expect(events.map((e) => [e.whenReplicaLost, e.replicaLost])).toEqual([
      ["refuse", true],
      ["accept", true],
      ["accept", false],
      ["refuse", false],
    ]);
  });
});
