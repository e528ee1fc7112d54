import type { MetricsSnapshot, RetentionSnapshot } from "./operation-metrics.ts";
import type { StorageSnapshot } from "./storage-snapshot.ts";

/** Options of {@link renderPrometheus}. */
export interface PrometheusOptions {
  /** Per-tenant series are emitted only while there are at most this many tenants (label cardinality). Default 64. */
  readonly maxTenantLabels?: number;
  /** Retention figures: adds `reflex_store_expirations_total` and `reflex_store_evictions_total{reason}`. */
  readonly retention?: RetentionSnapshot;
}

/** Content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

class Exposition {
  readonly lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "summary", help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, labelPairs: Record<string, string>, value: number): void {
    this.lines.push(`${name}${labels(labelPairs)} ${formatNumber(value)}`);
  }
}

/**
 * Renders operation metrics and storage figures in the Prometheus text format
 * (what `GET /metrics` serves).
 *
 * Families: `reflex_store_operations_total{op,code}` (code "ok" for successes),
 * `reflex_store_operation_duration_seconds{op,quantile}` (summary),
 * `reflex_store_operation_bytes_total{op}`, `reflex_store_tenants`,
 * `reflex_store_entries`, `reflex_store_bytes`, and per tenant
 * `reflex_store_tenant_entries{tenant}` / `reflex_store_tenant_bytes{tenant}`
 * while the tenant count stays under `maxTenantLabels`; with `options.retention`,
 * `reflex_store_expirations_total` and `reflex_store_evictions_total{reason}`.
 */
export function renderPrometheus(
  metrics: MetricsSnapshot,
  storage?: StorageSnapshot,
  options: PrometheusOptions = {},
): string {
  const out = new Exposition();
  const operations = Object.entries(metrics);

  out.family("reflex_store_operations_total", "counter", "Store operations, by operation and outcome code.");
  for (const [op, figures] of operations) {
    const failures = Object.values(figures.errors).reduce((sum, n) => sum + n, 0);
    out.sample("reflex_store_operations_total", { op, code: "ok" }, figures.count - failures);
    for (const [code, n] of Object.entries(figures.errors))
      out.sample("reflex_store_operations_total", { op, code }, n);
  }

  out.family("reflex_store_operation_duration_seconds", "summary", "Latency of store operations.");
  for (const [op, figures] of operations) {
    const latency = figures.latencySeconds;
    const quantiles: [string, number][] = [
      ["0.5", latency.p50],
      ["0.9", latency.p90],
      ["0.99", latency.p99],
      ["0.999", latency.p999],
    ];
    for (const [quantile, value] of quantiles) {
      out.sample("reflex_store_operation_duration_seconds", { op, quantile }, value);
    }
    out.sample("reflex_store_operation_duration_seconds_sum", { op }, latency.sum);
    out.sample("reflex_store_operation_duration_seconds_count", { op }, figures.count);
  }

  out.family("reflex_store_operation_bytes_total", "counter", "Bytes written by stores and read by loads.");
  for (const [op, figures] of operations) out.sample("reflex_store_operation_bytes_total", { op }, figures.bytes);

  if (options.retention !== undefined) {
    out.family("reflex_store_expirations_total", "counter", "Entries removed because their time to live ran out.");
    out.sample("reflex_store_expirations_total", {}, options.retention.expired);
    out.family("reflex_store_evictions_total", "counter", "Entries evicted to keep within a size bound, by bound.");
    for (const reason of ["tenant_entries", "tenant_bytes", "root_entries", "root_bytes"]) {
      out.sample("reflex_store_evictions_total", { reason }, options.retention.evicted[reason] ?? 0);
    }
  }

  if (storage !== undefined) {
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
      for (const t of perTenant)
        out.sample("reflex_store_tenant_bytes", { tenant: t.tenantId.toString() }, t.totalBytes);
    }
  }
  return `${out.lines.join("\n")}\n`;
}
