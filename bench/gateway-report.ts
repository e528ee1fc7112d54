/** The gateway scenarios' latency tables (12 and 13), for report.ts. */
import { formatRatio, formatTime } from "./harness.ts";
import type { Results } from "./results.ts";

/**
 * One row per measure (those starting with `measurePrefix`) and subject: samples, p50, p99, and against the measure's reference
 * (the upstream called directly, or bare Bun.serve) the p50 it adds and the ratio of p50s.
 */
export function gatewayLatencyTable(results: Results, measurePrefix: string): string {
  const points = results.gatewayLatency.filter((p) => p.measure.startsWith(measurePrefix));
  if (points.length === 0) return "_not run_";
  const lines = [
    "| measure | subject | samples | p50 | p99 | p50 added vs ref | vs ref (p50) | how |",
    "|---|---|--:|--:|--:|--:|--:|---|",
  ];
  const ms = (value: number) => (Number.isFinite(value) ? formatTime(value * 1e6) : "n/a");
  for (const p of points) {
    const reference = points.find((r) => r.measure === p.measure && r.reference === true);
    const added =
      p.reference === true ? "ref" : reference === undefined ? "" : `${(p.p50Ms - reference.p50Ms).toFixed(3)} ms`;
    const ratio = p.reference === true || reference === undefined ? "" : formatRatio(p.p50Ms / reference.p50Ms);
    lines.push(
      `| ${p.measure} | ${p.subject} | ${p.samples} | ${ms(p.p50Ms)} | ${ms(p.p99Ms)} | ${added} | ${ratio} | ${p.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}
