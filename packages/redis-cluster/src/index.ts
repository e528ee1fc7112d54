/**
 * `@reflex/redis-cluster`: the Reflex store on Redis Cluster, the same `EntryStore`
 * contract and envelope bytes as the files of `@reflex/core`.
 *
 * @example
 * import { RedisClusterStore } from "@reflex/redis-cluster";
 * const store = await RedisClusterStore.open({ nodes: process.env.REFLEX_REDIS_CLUSTER ?? "127.0.0.1:7000" });
 */
export type { ClusterLookupStats } from "./cluster-lookup.ts";
export { bucketKeys, bucketOf, id20, namespaceKeys } from "./layout.ts";
export {
  DEFAULT_BUCKETS,
  parseSeeds,
  type RedisClusterOptions,
  type RedisDurability,
  resolveRedisClusterOptions,
} from "./options.ts";
export { RedisClusterStore } from "./redis-cluster-store.ts";
export type { ReplicaStats, ShardReplicaChange, WhenReplicaLost } from "./shard-watch.ts";
