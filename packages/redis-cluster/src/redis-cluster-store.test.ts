import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { encodeEnvelope } from "@reflex/codec";
import { type EntryFields, isStoreError } from "@reflex/core";
import { describeEntryStoreContract } from "@reflex/core/contract";
import { spawnScript } from "@reflex/testkit";
import { Cluster, Redis } from "ioredis";
import { codeOf } from "../test/code-of.ts";
import { useCluster } from "../test/use-cluster.ts";
import { bucketKeys, bucketOf, id20 } from "./layout.ts";
import type { RedisClusterStore } from "./redis-cluster-store.ts";

const harness = useCluster();

// The whole contract, lookup included (search and findByContext through the change logs).
describeEntryStoreContract("RedisClusterStore (replicated)", async () => {
  const store = await harness.open();
  return { store, dispose: () => store.quit() };
});
describeEntryStoreContract("RedisClusterStore (atomic, 3 buckets)", async () => {
  const store = await harness.open({ durability: "atomic", buckets: 3 });
  return { store, dispose: () => store.quit() };
});

function entry(tenantId: bigint, payload: string): EntryFields {
  return {
    tenantId,
    contextHash: 1n,
    timestamp: 1_700_000_000n,
    embedding: new Uint8Array([0, 60]),
    payloadBlob: new TextEncoder().encode(payload),
  };
}

const stores: RedisClusterStore[] = [];
async function open(options: Parameters<typeof harness.open>[0] = {}): Promise<RedisClusterStore> {
  const store = await harness.open(options);
  stores.push(store);
  return store;
}
let raw: Cluster | undefined;
function rawClient(): Cluster {
  raw ??= new Cluster([{ host: "127.0.0.1", port: harness.cluster.nodes[0]?.port ?? 0 }]);
  return raw;
}
afterAll(async () => {
  for (const store of stores.splice(0)) await store.quit();
  raw?.disconnect();
});

/** The entry key of `id` in `tenantId` of a store (which knows its namespace and K). */
function entryKey(store: RedisClusterStore, tenantId: bigint, id: bigint): string {
  const namespace = store.storagePath.slice(store.storagePath.lastIndexOf("/") + 1);
  return bucketKeys(namespace, tenantId, bucketOf(id, store.buckets)).entryPrefix + id20(id);
}

describe("RedisClusterStore beyond the contract", () => {
  test("a store that wrote, searched and quit lets its process exit (quit closes every connection)", async () => {
    const child = spawnScript(join(import.meta.dir, "../test/quit-exits.ts"), [harness.cluster.seeds]);
    const timer = setTimeout(() => child.process.kill("SIGKILL"), 20_000);
    const code = await child.process.exited;
    clearTimeout(timer);
    expect({ code, signal: child.process.signalCode, stderr: code === 0 ? "" : await child.stderr() }).toEqual({
      code: 0,
      signal: null,
      stderr: "",
    });
    expect(JSON.parse(await child.waitFor(() => true))).toEqual({ hits: 1, found: 1 });
  }, 30_000);

  test("K is recorded in the namespace: a reopen adopts it, a different K is refused", async () => {
    const first = await open({ buckets: 5, namespace: "k-test" });
    expect(first.buckets).toBe(5);
    expect((await open({ namespace: "k-test" })).buckets).toBe(5);
    expect(await codeOf(() => open({ namespace: "k-test", buckets: 7 }))).toBe("invalid_argument");
  });

  test("another client's writes are visible; liveStats catches up at stats()", async () => {
    const a = await open({ namespace: "shared-view" });
    const b = await open({ namespace: "shared-view" });
    (await a.store(1n, entry(9n, "from a"))).release();
    const handle = await b.load(1n, 9n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("from a");
    handle.release();
    expect(b.liveStats().entryCount).toBe(0);
    await b.stats();
    expect(b.liveStats().entryCount).toBe(1);
  });

  test("cleanup is unsupported; a bad durability is invalid_argument", async () => {
    const store = await open();
    expect(await codeOf(() => store.cleanupEmptyTenantDirs())).toBe("unsupported");
    const bad = { durability: "sometimes" } as unknown as { durability: "atomic" };
    expect(await codeOf(() => store.store(1n, entry(1n, "x"), bad))).toBe("invalid_argument");
  });

  test("an expired entry is gone from load, exists, listings and counts, and is counted as expired", async () => {
    const store = await open();
    (await store.store(1n, entry(1n, "short"), { ttlSeconds: 1 })).release();
    (await store.store(2n, entry(1n, "forever"))).release();
    expect(await store.listEntries(1n)).toEqual([1n, 2n]);
    await Bun.sleep(2100);
    expect(await codeOf(() => store.load(1n, 1n))).toBe("not_found");
    expect(await store.exists(1n, 1n)).toBe(false);
    expect(await store.listEntries(1n)).toEqual([2n]);
    expect((await store.stats()).entryCount).toBe(1);
    expect(store.retentionStats().expirations).toBe(1);
  });

  test("verify and load catch a damaged value and one stored under the wrong id", async () => {
    const store = await open();
    for (const id of [1n, 2n, 3n]) (await store.store(id, entry(4n, `v${id}`))).release();
    const damaged = encodeEnvelope(1n, entry(4n, "v1"));
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0xff;
    await rawClient().set(entryKey(store, 4n, 1n), Buffer.from(damaged));
    await rawClient().set(entryKey(store, 4n, 2n), Buffer.from(encodeEnvelope(3n, entry(4n, "v3"))));
    const report = await store.verify();
    expect([report.checked, report.ok]).toEqual([3, 1]);
    expect(report.problems.map((p) => [p.entryId, p.reason])).toEqual([
      [1n, "checksum_mismatch"],
      [2n, "id_mismatch"],
    ]);
    expect(await codeOf(() => store.load(1n, 4n))).toBe("corrupt");
    expect(await codeOf(() => store.load(2n, 4n))).toBe("corrupt");
  });

  test("a full shard (maxmemory, noeviction) refuses the write with the old entry intact", async () => {
    const store = await open();
    (await store.store(1n, entry(5n, "old"))).release();
    const { master } = await harness.cluster.shardOf(entryKey(store, 5n, 1n));
    const direct = new Redis({ host: "127.0.0.1", port: master });
    await direct.config("SET", "maxmemory", "1");
    try {
      const refused = await store.store(1n, entry(5n, "new")).catch((error: unknown) => error);
      expect(isStoreError(refused, "storage_unavailable")).toBe(true);
      expect((refused as { reason?: string }).reason).toBe("out_of_memory");
    } finally {
      await direct.config("SET", "maxmemory", "0");
      direct.disconnect();
    }
    const handle = await store.load(1n, 5n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("old");
    handle.release();
  });
});

// Last in the file: these take replicas away and bring them back.
describe("RedisClusterStore without a replica", () => {
  test("a hung replica: the write is outcome_unknown after the WAIT timeout, and reads of that shard do not wait for it", async () => {
    const store = await open({ replicaWaitMs: 1500 });
    (await store.store(1n, entry(6n, "before"))).release();
    const { replicas } = await harness.cluster.shardOf(entryKey(store, 6n, 1n));
    const replica = replicas[0] as number;
    harness.cluster.signal(replica, "SIGSTOP");
    try {
      const order: string[] = [];
      const write = store.store(1n, entry(6n, "during")).then(
        () => order.push("write ok"),
        (error: unknown) => order.push(`write ${isStoreError(error) ? error.code : error}`),
      );
      await Bun.sleep(50); // the write and its WAIT are on the shard's connection first
      const read = store.load(1n, 6n).then((handle) => {
        order.push("read");
        handle.release();
      });
      await Promise.all([write, read]);
      expect(order).toEqual(["read", "write outcome_unknown"]);
    } finally {
      harness.cluster.signal(replica, "SIGCONT");
    }
    await harness.cluster.waitHealthy();
  });

  test("a shard with no replica refuses replicated writes with degraded (nothing written); atomic ones and reads work", async () => {
    const store = await open();
    const atomic = await open({ durability: "atomic", namespace: store.storagePath.split("/").pop() as string });
    (await store.store(1n, entry(7n, "before"))).release();
    const { master, replicas } = await harness.cluster.shardOf(entryKey(store, 7n, 1n));
    const replica = replicas[0] as number;
    harness.cluster.kill(replica);
    const direct = new Redis({ host: "127.0.0.1", port: master });
    try {
      // Until the master has seen the replica go, a write may still be applied (and be outcome_unknown).
      for (let i = 0; i < 100 && (await direct.info("replication")).includes("state=online"); i++) await Bun.sleep(50);
      const code = await codeOf(() => store.store(1n, entry(7n, "refused")));
      expect(code).toBe("degraded");
      const kept = await store.load(1n, 7n);
      expect(new TextDecoder().decode(kept.payloadBlob)).toBe("before");
      kept.release();
      (await atomic.store(1n, entry(7n, "atomic"))).release();
      const handle = await store.load(1n, 7n);
      expect(new TextDecoder().decode(handle.payloadBlob)).toBe("atomic");
      handle.release();
    } finally {
      direct.disconnect();
      harness.cluster.restart(replica);
    }
    await harness.cluster.waitHealthy();
    (await store.store(1n, entry(7n, "replicated again"))).release();
  });
});
