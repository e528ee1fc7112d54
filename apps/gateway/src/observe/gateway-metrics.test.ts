import { describe, expect, test } from "bun:test";
import { HttpMetrics } from "@reflex/stats";
import { GatewayMetrics } from "./gateway-metrics.ts";

describe("GatewayMetrics", () => {
  test("counts requests, tokens, joins and store errors, and renders them", () => {
    const metrics = new GatewayMetrics();
    metrics.request("chat.completions", "hit", "exact");
    metrics.request("chat.completions", "hit", "exact");
    metrics.request("chat.completions", "miss", "none");
    metrics.upstream("chat.completions", 2_000_000);
    metrics.cachedTokens({ prompt: 10, completion: 4 });
    metrics.cachedTokens(undefined);
    metrics.singleFlightJoin();
    metrics.storeError("store");
    metrics.streamAbandoned("cut");
    metrics.stored();
    expect(metrics.requests("chat.completions", "hit")).toBe(2);
    expect(metrics.joins).toBe(1);
    expect(metrics.storeErrors).toEqual({ lookup: 0, store: 1 });
    const http = new HttpMetrics();
    http.record("POST", "/v1/chat/completions", 200, 1_000);
    const text = metrics.render(http);
    expect(text).toContain('reflex_gateway_requests_total{endpoint="chat.completions",outcome="hit",tier="exact"} 2');
    expect(text).toContain('reflex_gateway_requests_total{endpoint="chat.completions",outcome="miss",tier="none"} 1');
    expect(text).toContain('reflex_gateway_cached_tokens_total{kind="prompt"} 10');
    expect(text).toContain('reflex_gateway_cached_tokens_total{kind="completion"} 4');
    expect(text).toContain("reflex_gateway_single_flight_joins_total 1");
    expect(text).toContain('reflex_gateway_store_errors_total{operation="store"} 1');
    expect(text).toContain('reflex_gateway_upstream_duration_seconds_count{endpoint="chat.completions"} 1');
    expect(text).toContain('reflex_gateway_streams_abandoned_total{reason="cut"} 1');
    expect(text).toContain("reflex_http_requests_total");
  });
});
