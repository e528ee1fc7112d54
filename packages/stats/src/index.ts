/**
 * `@reflex/stats`: operation metrics with latency histograms, storage snapshots,
 * JSON and Prometheus exposition (store, HTTP and process metrics).
 *
 * @example
 * import { OperationMetrics, renderPrometheus } from "@reflex/stats";
 * const metrics = new OperationMetrics();
 * metrics.record("load", 4_200, null, 4096);
 * renderPrometheus(metrics, { tenantCount: 1, entryCount: 1, totalBytes: 4096 });
 */
export { Exposition, LATENCY_BUCKETS_SECONDS, type MetricType } from "./exposition.ts";
export { HttpMetrics, UNMATCHED_ROUTE } from "./http-metrics.ts";
export { LatencyHistogram } from "./latency-histogram.ts";
export {
  type MetricsSnapshot,
  OperationMetrics,
  type OperationSnapshot,
  REPORTED_QUANTILES,
  type RetentionSnapshot,
} from "./operation-metrics.ts";
export { ProcessMetrics } from "./process-metrics.ts";
export { PROMETHEUS_CONTENT_TYPE, type PrometheusOptions, renderPrometheus } from "./prometheus.ts";
export {
  type StorageSnapshot,
  type StorageSnapshotJson,
  storageSnapshotToJson,
  type TenantUsage,
} from "./storage-snapshot.ts";
