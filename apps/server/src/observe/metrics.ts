import { type EntryStore, NvmeStorage } from "@reflex/core";
import { RedisClusterStore } from "@reflex/redis-cluster";
import {
  Exposition,
  type HttpMetrics,
  type OperationMetrics,
  type ProcessMetrics,
  renderPrometheus,
} from "@reflex/stats";
import packageJson from "../../package.json" with { type: "json" };
import { clusterLookupFamilies } from "./cluster-metrics.ts";

export { PROMETHEUS_CONTENT_TYPE } from "@reflex/stats";

/**
 * Anything that renders Prometheus text for `/metrics` (by default
 * {@link storeMetrics}: the store's operation metrics and live size).
 */
export interface MetricsSource {
  /** The whole exposition, in the Prometheus text format 0.0.4. */
  renderPrometheus(): string | Promise<string>;
}

/** The server's own figures beside the store's (`startServer` gives both). */
export interface ServerFigures {
  /** Requests by method, route template and status class. */
  readonly http?: HttpMetrics;
  /** CPU, RSS, open fds, start time, event-loop lag. */
  readonly process?: ProcessMetrics;
}

/**
 * The `/metrics` source of a store: `reflex_build_info`, its live size
 * (`reflex_store_tenants`, `reflex_store_entries`, `reflex_store_bytes`, per-tenant
 * gauges while the tenant count is small), an `NvmeStorage`'s mappings, file cache and
 * lookup index gauges or a `RedisClusterStore`'s lookup families (cluster-metrics.ts)
 * and, when given the `OperationMetrics` the store records into, per-operation counters
 * and latency histograms; with `figures`, the HTTP and process families too.
 *
 * @example
 * const operations = new OperationMetrics();
 * const store = new NvmeStorage(root, { recorder: operations });
 * createApp(store, { metrics: storeMetrics(store, operations) });
 */
export function storeMetrics(
  store: EntryStore,
  operations?: OperationMetrics,
  figures: ServerFigures = {},
): MetricsSource {
  return {
    renderPrometheus() {
      const out = new Exposition();
      out.family("reflex_build_info", "gauge", "Always 1; the labels name the server's version and runtime.");
      out.sample("reflex_build_info", buildLabels(store), 1);
      if (store instanceof NvmeStorage) engineGauges(out, store);
      else if (store instanceof RedisClusterStore) clusterLookupFamilies(out, store);
      figures.http?.render(out);
      figures.process?.render(out);
      return out.text() + renderPrometheus(operations, store.liveStats());
    },
  };
}

function buildLabels(store: EntryStore): Record<string, string> {
  return {
    version: packageJson.version,
    bun_version: Bun.version,
    store: store instanceof NvmeStorage ? "nvme" : "redis-cluster",
  };
}

/** Gauges of an NvmeStorage's memory: live mappings, the file cache, the lookup index. */
function engineGauges(out: Exposition, store: NvmeStorage): void {
  const gauge = (name: string, help: string, value: number) => {
    out.family(name, "gauge", help);
    out.sample(name, {}, value);
  };
  gauge(
    "reflex_store_live_mappings",
    "Entry files mapped into memory now (the kernel caps a process near 65k).",
    store.liveMappings,
  );
  const cache = store.cacheUsage;
  gauge("reflex_file_cache_entries", "Entry files held by the handle cache.", cache.entries);
  gauge("reflex_file_cache_bytes", "Bytes of entry files held by the handle cache.", cache.bytes);
  const lookup = store.lookupStats();
  if (lookup === null) return;
  gauge("reflex_lookup_entries", "Entries in the lookup index (for findByContext).", lookup.entries);
  gauge("reflex_lookup_searchable_entries", "Entries of the lookup index with a searchable vector.", lookup.searchable);
  gauge("reflex_lookup_bytes", "Estimated bytes held by the lookup index.", lookup.bytes);
  gauge("reflex_lookup_max_bytes", "Memory bound of the lookup index, in bytes.", lookup.maxBytes);
  gauge(
    "reflex_lookup_dropped_entries",
    "Entries left out of the lookup index at its bound (lookups fail while > 0).",
    lookup.dropped,
  );
  gauge("reflex_lookup_ready", "1 once the lookup index has read every entry file.", lookup.ready ? 1 : 0);
}
