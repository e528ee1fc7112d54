import { Exposition } from "./exposition.ts";
import type { OperationMetrics } from "./operation-metrics.ts";
import type { StorageSnapshot } from "./storage-snapshot.ts";

/** Options of {@link renderPrometheus}. */
export interface PrometheusOptions {
  /** Per-tenant series are emitted only while there are at most this many tenants (label cardinality). Default 64. */
  readonly maxTenantLabels?: number;
}

/** Content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Renders operation metrics and storage figures in the Prometheus text format
 * (what `GET /metrics` serves).
 *
 * Families: `reflex_store_operations_total{op,code}` (code "ok" for successes),
 * `reflex_store_operation_duration_seconds{op}` (histogram, `le` from
 * `LATENCY_BUCKETS_SECONDS`, read off each operation's recorder at render time),
 * `reflex_store_operation_bytes_total{op}`, `reflex_store_tenants`,
 * `reflex_store_entries`, `reflex_store_bytes`, and per tenant
 * `reflex_store_tenant_entries{tenant}` / `reflex_store_tenant_bytes{tenant}`
 * while the tenant count stays under `maxTenantLabels`; with `operations`, also
 * `reflex_store_expirations_total` and `reflex_store_evictions_total{reason}`.
 */
export function renderPrometheus(
  operations: OperationMetrics | undefined,
  storage?: StorageSnapshot,
  options: PrometheusOptions = {},
): string {
  const out = new Exposition();
  renderOperations(out, operations);
  if (storage !== undefined) renderStorage(out, storage, options);
  return out.text();
}

function renderOperations(out: Exposition, metrics: OperationMetrics | undefined): void {
  const operations = Object.entries(metrics?.snapshot() ?? {});

  out.family("reflex_store_operations_total", "counter", "Store operations, by operation and outcome code.");
  for (const [op, figures] of operations) {
    const failures = Object.values(figures.errors).reduce((sum, n) => sum + n, 0);
    out.sample("reflex_store_operations_total", { op, code: "ok" }, figures.count - failures);
    for (const [code, n] of Object.entries(figures.errors))
      out.sample("reflex_store_operations_total", { op, code }, n);
  }

  out.family("reflex_store_operation_duration_seconds", "histogram", "Latency of store operations.");
  for (const [op] of operations) {
    const histogram = metrics?.histogram(op);
    if (histogram !== undefined) out.histogram("reflex_store_operation_duration_seconds", { op }, histogram);
  }

  out.family("reflex_store_operation_bytes_total", "counter", "Bytes written by stores and read by loads.");
  for (const [op, figures] of operations) out.sample("reflex_store_operation_bytes_total", { op }, figures.bytes);

  if (metrics !== undefined) {
    const retention = metrics.retentionSnapshot();
    out.family("reflex_store_expirations_total", "counter", "Entries removed because their time to live ran out.");
    out.sample("reflex_store_expirations_total", {}, retention.expired);
    out.family("reflex_store_evictions_total", "counter", "Entries evicted to keep within a size bound, by bound.");
    for (const reason of ["tenant_entries", "tenant_bytes", "root_entries", "root_bytes"]) {
      out.sample("reflex_store_evictions_total", { reason }, retention.evicted[reason] ?? 0);
    }
  }
}

function renderStorage(out: Exposition, storage: StorageSnapshot, options: PrometheusOptions): void {
  out.family("reflex_store_tenants", "gauge", "Tenants in the store.");
  out.sample("reflex_store_tenants", {}, storage.tenantCount);
  out.family("reflex_store_entries", "gauge", "Entries in the store.");
  out.sample("reflex_store_entries", {}, storage.entryCount);
  out.family("reflex_store_bytes", "gauge", "Bytes of entry files in the store.");
  out.sample("reflex_store_bytes", {}, storage.totalBytes);
  const perTenant = storage.perTenant;
  if (perTenant !== undefined && perTenant.length <= (options.maxTenantLabels ?? 64)) {
    out.family("reflex_store_tenant_entries", "gauge", "Entries of one tenant.");
    for (const t of perTenant)
      out.sample("reflex_store_tenant_entries", { tenant: t.tenantId.toString() }, t.entryCount);
    out.family("reflex_store_tenant_bytes", "gauge", "Bytes of entry files of one tenant.");
    for (const t of perTenant) out.sample("reflex_store_tenant_bytes", { tenant: t.tenantId.toString() }, t.totalBytes);
  }
}
