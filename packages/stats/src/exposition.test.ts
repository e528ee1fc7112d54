import { describe, expect, test } from "bun:test";
import { Exposition, LATENCY_BUCKETS_SECONDS } from "./exposition.ts";
import { LatencyHistogram } from "./latency-histogram.ts";

describe("Exposition", () => {
  test("families, samples with escaped labels, special numbers", () => {
    const out = new Exposition();
    out.family("x_total", "counter", "An example.");
    out.sample("x_total", { path: 'a"b\\c\nd' }, 3);
    out.sample("x_total", {}, Number.POSITIVE_INFINITY);
    expect(out.text()).toBe(
      '# HELP x_total An example.\n# TYPE x_total counter\nx_total{path="a\\"b\\\\c\\nd"} 3\nx_total +Inf\n',
    );
    expect(new Exposition().text()).toBe("");
  });

  test("a histogram series: one bucket per bound and +Inf, then _sum in seconds and _count", () => {
    const histogram = new LatencyHistogram();
    histogram.record(500); // 0.5 us
    histogram.record(3_000_000_000); // 3 s
    const out = new Exposition();
    out.histogram("h_seconds", { op: "load" }, histogram);
    const lines = out.lines;
    expect(lines).toHaveLength(LATENCY_BUCKETS_SECONDS.length + 3);
    expect(lines[0]).toBe('h_seconds_bucket{op="load",le="0.000001"} 1');
    expect(lines).toContain('h_seconds_bucket{op="load",le="2.5"} 1');
    expect(lines).toContain('h_seconds_bucket{op="load",le="5"} 2');
    expect(lines.slice(-3)).toEqual([
      'h_seconds_bucket{op="load",le="+Inf"} 2',
      'h_seconds_sum{op="load"} 3.0000005',
      'h_seconds_count{op="load"} 2',
    ]);
  });
});
