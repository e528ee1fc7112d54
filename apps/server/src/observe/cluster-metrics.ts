import type { RedisClusterStore } from "@reflex/redis-cluster";
import type { Exposition } from "@reflex/stats";

/**
 * The lookup families of a Redis Cluster store (`lookupStats()`): the tenants it tails, the
 * index's size, its builds (first uses, then rebuilds after a gap or a reset in a change log),
 * the hits its re-check refused, and how the re-check's single GETs went (straight to the
 * slot's master, or through ioredis; and the direct ones that failed and were sent again).
 */
export function clusterLookupFamilies(out: Exposition, store: RedisClusterStore): void {
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
