import { Exposition } from "./exposition.ts";
import { LatencyHistogram } from "./latency-histogram.ts";

/** The route label of a request no route matched (one label, whatever its path). */
export const UNMATCHED_ROUTE = "unmatched";

const METHODS = new Set(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]);
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** The series of one (method, route): a duration histogram per status class, made on first use. */
class RouteSeries {
  readonly byClass: (LatencyHistogram | undefined)[] = [undefined, undefined, undefined, undefined, undefined];
}

/**
 * HTTP request figures by method, route template and status class, for `/metrics`:
 * `reflex_http_requests_total{method,route,status_class}` and the histogram
 * `reflex_http_request_duration_seconds{method,route,status_class}`. Label values are bounded:
 * the route is a template (`/v1/tenants/:tenant/entries/:id`) or {@link UNMATCHED_ROUTE},
 * an unknown method is `OTHER`, the status a class (`2xx`). A record is two Map lookups, a Set lookup and
 * one histogram record.
 *
 * @example
 * const http = new HttpMetrics();
 * http.record("GET", "/v1/tenants/:tenant/entries/:id/payload", 200, 31_000);
 * http.render(); // Prometheus text
 */
export class HttpMetrics {
  readonly #routes = new Map<string, Map<string, RouteSeries>>();

  /** Records one answered request: its method, route template, status and duration in ns. */
  record(method: string, route: string, status: number, durationNs: number): void {
    let byMethod = this.#routes.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#routes.set(route, byMethod);
    }
    const methodLabel = METHODS.has(method) ? method : "OTHER";
    let series = byMethod.get(methodLabel);
    if (series === undefined) {
      series = new RouteSeries();
      byMethod.set(methodLabel, series);
    }
    const index = Math.min(Math.max(Math.floor(status / 100) - 1, 0), 4);
    let histogram = series.byClass[index];
    if (histogram === undefined) {
      histogram = new LatencyHistogram();
      series.byClass[index] = histogram;
    }
    histogram.record(durationNs);
  }

  /** Requests recorded so far for a method, route and class (`"2xx"`), for tests and stats. */
  count(method: string, route: string, statusClass: string): number {
    const index = CLASSES.indexOf(statusClass as (typeof CLASSES)[number]);
    return this.#routes.get(route)?.get(method)?.byClass[index]?.count ?? 0;
  }

  /** Both families in the Prometheus text format (into `out` when given). */
  render(out = new Exposition()): string {
    const series: [Record<string, string>, LatencyHistogram][] = [];
    for (const route of [...this.#routes.keys()].sort()) {
      const byMethod = this.#routes.get(route) as Map<string, RouteSeries>;
      for (const method of [...byMethod.keys()].sort()) {
        for (const [i, histogram] of (byMethod.get(method) as RouteSeries).byClass.entries()) {
          if (histogram !== undefined) series.push([{ method, route, status_class: CLASSES[i] as string }, histogram]);
        }
      }
    }
    out.family(
      "reflex_http_requests_total",
      "counter",
      "HTTP requests answered, by method, route template and status class.",
    );
    for (const [labels, histogram] of series) out.sample("reflex_http_requests_total", labels, histogram.count);
    out.family(
      "reflex_http_request_duration_seconds",
      "histogram",
      "Time from a request's arrival to its response (headers; not the body's transfer).",
    );
    for (const [labels, histogram] of series) out.histogram("reflex_http_request_duration_seconds", labels, histogram);
    return out.text();
  }
}
