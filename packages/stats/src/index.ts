/**
 * `@reflex/stats`: operation metrics with latency histograms, storage snapshots,
 * JSON and Prometheus exposition.
 *
 * @example
 * import { OperationMetrics, renderPrometheus } from "@reflex/stats";
 * const metrics = new OperationMetrics();
 * metrics.record("load", 4_200, null, 4096);
 * renderPrometheus(metrics.snapshot(), { tenantCount: 1, entryCount: 1, totalBytes: 4096 });
 */
export { LatencyHistogram } from "./latency-histogram.ts";
export {
  type MetricsSnapshot,
  OperationMetrics,
  type OperationSnapshot,
  REPORTED_QUANTILES,
  type RetentionSnapshot,
} from "./operation-metrics.ts";
export { PROMETHEUS_CONTENT_TYPE, type PrometheusOptions, renderPrometheus } from "./prometheus.ts";
export {
  type StorageSnapshot,
  type StorageSnapshotJson,
  storageSnapshotToJson,
  type TenantUsage,
} from "./storage-snapshot.ts";
