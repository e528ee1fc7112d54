import { describe, expect, test } from "bun:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { HttpMetrics, UNMATCHED_ROUTE } from "./http-metrics.ts";

const PAYLOAD = "/v1/tenants/:tenant/entries/:id/payload";

describe("HttpMetrics", () => {
  test("counts by method, route and status class, and renders both families", () => {
    const http = new HttpMetrics();
    http.record("GET", PAYLOAD, 200, 30_000);
    http.record("GET", PAYLOAD, 304, 20_000);
    http.record("GET", PAYLOAD, 404, 25_000);
    http.record("GET", PAYLOAD, 200, 2_000_000);
    http.record("PUT", UNMATCHED_ROUTE, 404, 1_000);
    expect(http.count("GET", PAYLOAD, "2xx")).toBe(2);
    expect(http.count("GET", PAYLOAD, "3xx")).toBe(1);
    expect(http.count("GET", PAYLOAD, "5xx")).toBe(0);
    const text = http.render();
    const families = parsePrometheusTextFormat(text) as { name: string; type: string; metrics: unknown[] }[];
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ["reflex_http_requests_total", "COUNTER"],
      ["reflex_http_request_duration_seconds", "HISTOGRAM"],
    ]);
    expect(text).toContain(`reflex_http_requests_total{method="GET",route="${PAYLOAD}",status_class="2xx"} 2\n`);
    expect(text).toContain(`reflex_http_requests_total{method="PUT",route="unmatched",status_class="4xx"} 1\n`);
    expect(text).toContain(
      `reflex_http_request_duration_seconds_bucket{method="GET",route="${PAYLOAD}",status_class="2xx",le="0.00005"} 1\n`,
    );
    expect(text).toContain(
      `reflex_http_request_duration_seconds_bucket{method="GET",route="${PAYLOAD}",status_class="2xx",le="+Inf"} 2\n`,
    );
  });

  test("label values stay bounded: unknown methods are OTHER, odd statuses clamp to a class", () => {
    const http = new HttpMetrics();
    for (const method of ["BREW", "PROPFIND", "get"]) http.record(method, UNMATCHED_ROUTE, 404, 1);
    http.record("GET", UNMATCHED_ROUTE, 999, 1);
    expect(http.count("OTHER", UNMATCHED_ROUTE, "4xx")).toBe(3);
    expect(http.count("GET", UNMATCHED_ROUTE, "5xx")).toBe(1);
    expect(http.render()).not.toContain("BREW");
  });
});
