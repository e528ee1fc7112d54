import type { LatencyHistogram } from "./latency-histogram.ts";

/**
 * The `le` bounds of every latency histogram on `/metrics`, in seconds: 1 µs to 10 s in
 * 1-2.5-5 steps, then `+Inf`. The same for every family and every scrape, so series
 * aggregate across instances and time.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
  2.5, 5, 10,
];

const LATENCY_BUCKETS_NS = LATENCY_BUCKETS_SECONDS.map((seconds) => Math.round(seconds * 1e9));

/** A metric family's type in the text format. */
export type MetricType = "counter" | "gauge" | "histogram";

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labels(pairs: Readonly<Record<string, string>>): string {
  const parts = Object.entries(pairs).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/**
 * Lines of a Prometheus text exposition (format 0.0.4), built family by family:
 * `family()` writes HELP and TYPE, then `sample()` or `histogram()` the family's series.
 *
 * @example
 * const out = new Exposition();
 * out.family("reflex_up", "gauge", "Always 1.");
 * out.sample("reflex_up", {}, 1);
 * out.text(); // "# HELP reflex_up Always 1.\n# TYPE reflex_up gauge\nreflex_up 1\n"
 */
export class Exposition {
  readonly lines: string[] = [];

  /** Starts a family: its HELP and TYPE lines. */
  family(name: string, type: MetricType, help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }

  /** One sample line. */
  sample(name: string, labelPairs: Readonly<Record<string, string>>, value: number): void {
    this.lines.push(`${name}${labels(labelPairs)} ${formatNumber(value)}`);
  }

  /**
   * One histogram series from a nanosecond recorder: cumulative `_bucket{le}` at
   * {@link LATENCY_BUCKETS_SECONDS} and `+Inf`, `_sum` (seconds) and `_count`.
   */
  histogram(name: string, labelPairs: Readonly<Record<string, string>>, histogram: LatencyHistogram): void {
    const counts = histogram.cumulativeCounts(LATENCY_BUCKETS_NS);
    for (const [i, le] of LATENCY_BUCKETS_SECONDS.entries()) {
      this.sample(`${name}_bucket`, { ...labelPairs, le: String(le) }, counts[i] as number);
    }
    this.sample(`${name}_bucket`, { ...labelPairs, le: "+Inf" }, histogram.count);
    this.sample(`${name}_sum`, labelPairs, histogram.sum / 1e9);
    this.sample(`${name}_count`, labelPairs, histogram.count);
  }

  /** The exposition: every line, newline-terminated. */
  text(): string {
    return this.lines.length === 0 ? "" : `${this.lines.join("\n")}\n`;
  }
}
