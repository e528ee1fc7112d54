import type { EntryStore } from "@reflex/core";
import { type OperationMetrics, renderPrometheus } from "@reflex/stats";

export { PROMETHEUS_CONTENT_TYPE } from "@reflex/stats";

/**
 * Anything that renders Prometheus text for `/metrics` (by default
 * {@link storeMetrics}: the store's operation metrics and live size).
 */
export interface MetricsSource {
  /** The whole exposition, in the Prometheus text format 0.0.4. */
  renderPrometheus(): string | Promise<string>;
}

/**
 * The `/metrics` source of a store: its live size (`reflex_store_tenants`,
 * `reflex_store_entries`, `reflex_store_bytes`, per-tenant gauges while the tenant
 * count is small) and, when given the `OperationMetrics` the store records into,
 * per-operation counters and latency quantiles.
 *
 * @example
 * const operations = new OperationMetrics();
 * const store = new NvmeStorage(root, { recorder: operations });
 * createApp(store, { metrics: storeMetrics(store, operations) });
 */
export function storeMetrics(store: EntryStore, operations?: OperationMetrics): MetricsSource {
  return {
    renderPrometheus() {
      return renderPrometheus(
        operations?.snapshot() ?? {},
        store.liveStats(),
        operations === undefined ? {} : { retention: operations.retentionSnapshot() },
      );
    },
  };
}
