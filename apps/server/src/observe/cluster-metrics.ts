import type { RedisClusterStore } from "@reflex/redis-cluster";
import type { Exposition } from "@reflex/stats";

/**
 * The lookup families of a Redis Cluster store (`lookupStats()`): the tenants it tails, the
 * index's size, its builds (first uses, then rebuilds after a gap or a reset in a change log),
 * the hits its re-check refused, and how the re-check's single GETs went (straight to the
 * slot's master, or through ioredis; and the direct ones that failed and were sent again).
 */
export function clusterLookupFamilies(out: Exposition, store: RedisClusterStore): void {
  clusterReplicaFamilies(out, store);
  const stats = store.lookupStats();
  const one = (name: string, type: "gauge" | "counter", help: string, value: number) => {
    out.family(name, type, help);
    out.sample(name, {}, value);
  };
  one("reflex_cluster_lookup_tenants", "gauge", "Tenants this server's lookup index tails.", stats.tenants);
  one("reflex_cluster_lookup_entries", "gauge", "Entries in this server's lookup index.", stats.entries);
  one("reflex_cluster_lookup_bytes", "gauge", "Estimated bytes held by this server's lookup index.", stats.bytes);
  one(
    "reflex_cluster_lookup_builds_total",
    "counter",
    "Tenant builds of the lookup index: first uses, then rebuilds after a change log lost records.",
    stats.builds,
  );
  one(
    "reflex_cluster_lookup_refused_total",
    "counter",
    "Hits and context matches the re-check refused (changed, deleted or expired since indexed).",
    stats.refused,
  );
  const gets = "reflex_cluster_lookup_recheck_gets_total";
  out.family(gets, "counter", "Single-key re-check GETs, by the path that answered them.");
  out.sample(gets, { path: "direct" }, stats.directGets.direct);
  out.sample(gets, { path: "cluster" }, stats.directGets.viaCluster);
  one(
    "reflex_cluster_lookup_recheck_direct_failures_total",
    "counter",
    "Direct re-check GETs that failed (a redirect, a closed connection) and were sent again through ioredis.",
    stats.directGets.failedDirect,
  );
}

/**
 * The replica families of a Redis Cluster store (`replicaStats()`): writes accepted on a
 * shard's master alone (`--redis-when-replica-lost accept`), writes refused for want of a
 * replica (`refuse`), and the shards this server last saw without an online replica.
 */
export function clusterReplicaFamilies(out: Exposition, store: RedisClusterStore): void {
  const stats = store.replicaStats();
  out.family(
    "reflex_cluster_master_only_writes_total",
    "counter",
    "Writes acknowledged on a shard's master alone because it had no online replica (X-Reflex-Durability: master-only).",
  );
  out.sample("reflex_cluster_master_only_writes_total", {}, stats.masterOnlyWrites);
  out.family(
    "reflex_cluster_degraded_refusals_total",
    "counter",
    "Writes refused with degraded (503) because their shard had no online replica.",
  );
  out.sample("reflex_cluster_degraded_refusals_total", {}, stats.refusedWrites);
  out.family(
    "reflex_cluster_shards_without_replica",
    "gauge",
    "Shards whose last write by this server found no online replica.",
  );
  out.sample("reflex_cluster_shards_without_replica", {}, stats.shardsWithoutReplica.length);
}
