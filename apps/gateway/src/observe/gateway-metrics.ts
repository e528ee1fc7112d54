import { Exposition, type HttpMetrics, LatencyHistogram, type ProcessMetrics } from "@reflex/stats";
import type { TokenUsage } from "../cache/cached-answer.ts";
import { SemanticMetrics } from "./semantic-metrics.ts";

/** How a cached endpoint's request was answered (the `X-Reflex-Cache` header, or `error`). */
export type Outcome = "hit" | "miss" | "bypass" | "error";
/** Which tier answered a hit; `none` for everything else. */
export type Tier = "exact" | "semantic" | "semantic-verified" | "none";

const HIT_TIERS: readonly Tier[] = ["exact", "semantic", "semantic-verified"];

const OUTCOMES: readonly Outcome[] = ["hit", "miss", "bypass", "error"];

/**
 * The gateway's own figures for `/metrics`, beside the HTTP and process families of
 * `@reflex/stats`:
 * - `reflex_gateway_requests_total{endpoint,outcome,tier}`
 * - `reflex_gateway_upstream_duration_seconds{endpoint}` (to the upstream's response headers)
 * - `reflex_gateway_cached_tokens_total{kind="prompt"|"completion"}` (from each hit's stored usage)
 * - `reflex_gateway_single_flight_joins_total`, `reflex_gateway_store_errors_total{operation}`,
 *   `reflex_gateway_stored_answers_total`, `reflex_gateway_streams_abandoned_total{reason}`;
 * - the semantic tiers' families ({@link SemanticMetrics}).
 *
 * @example
 * const metrics = new GatewayMetrics();
 * metrics.request("chat.completions", "hit", "exact");
 * metrics.render(); // Prometheus text
 */
export class GatewayMetrics {
  /** The semantic tiers' figures (rendered with the rest). */
  readonly semantic = new SemanticMetrics();
  readonly #requests = new Map<string, number>();
  readonly #upstream = new Map<string, LatencyHistogram>();
  #promptTokens = 0;
  #completionTokens = 0;
  #joins = 0;
  #stored = 0;
  readonly #storeErrors = { lookup: 0, store: 0 };
  readonly #abandoned = { cut: 0, client_gone: 0 };

  /** Counts one answered request of a cached endpoint. */
  request(endpoint: string, outcome: Outcome, tier: Tier): void {
    const key = `${endpoint}\u0000${outcome}\u0000${tier}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  /** Requests counted so far with these labels (tests, the bench). */
  requests(endpoint: string, outcome: Outcome, tier: Tier = outcome === "hit" ? "exact" : "none"): number {
    return this.#requests.get(`${endpoint}\u0000${outcome}\u0000${tier}`) ?? 0;
  }

  /** Records an upstream call's time to response headers, in ns. */
  upstream(endpoint: string, durationNs: number): void {
    let histogram = this.#upstream.get(endpoint);
    if (histogram === undefined) {
      histogram = new LatencyHistogram();
      this.#upstream.set(endpoint, histogram);
    }
    histogram.record(Math.max(0, Math.round(durationNs)));
  }

  /** Counts the tokens a hit saved (its stored usage). */
  cachedTokens(usage: TokenUsage | undefined): void {
    if (usage === undefined) return;
    this.#promptTokens += usage.prompt;
    this.#completionTokens += usage.completion;
  }

  /** Counts a request that joined an identical request's upstream call. */
  singleFlightJoin(): void {
    this.#joins++;
  }

  /** Single-flight joins so far. */
  get joins(): number {
    return this.#joins;
  }

  /** Counts an answer written to the store. */
  stored(): void {
    this.#stored++;
  }

  /** Answers written to the store so far. */
  get storedAnswers(): number {
    return this.#stored;
  }

  /** Counts a failed store lookup or write (the request itself was answered). */
  storeError(operation: "lookup" | "store"): void {
    this.#storeErrors[operation]++;
  }

  /** Store errors so far, by operation. */
  get storeErrors(): Readonly<{ lookup: number; store: number }> {
    return this.#storeErrors;
  }

  /** Counts a stream that ended without a complete answer: cut by the upstream, or every client gone. */
  streamAbandoned(reason: "cut" | "client_gone"): void {
    this.#abandoned[reason]++;
  }

  /** Streams abandoned so far, by reason. */
  get abandonedStreams(): Readonly<{ cut: number; client_gone: number }> {
    return this.#abandoned;
  }

  /** The gateway families, then `http` and `process` when given, in the Prometheus text format. */
  render(http?: HttpMetrics, process?: ProcessMetrics): string {
    const out = new Exposition();
    out.family("reflex_gateway_requests_total", "counter", "Requests of the cached endpoints by outcome and tier.");
    const endpoints = new Set(["chat.completions", "embeddings"]);
    for (const key of this.#requests.keys()) endpoints.add(key.split("\u0000")[0] as string);
    for (const endpoint of endpoints) {
      for (const outcome of OUTCOMES) {
        const tiers: readonly Tier[] = outcome === "hit" ? HIT_TIERS : ["none"];
        for (const tier of tiers)
          out.sample(
            "reflex_gateway_requests_total",
            { endpoint, outcome, tier },
            this.requests(endpoint, outcome, tier),
          );
      }
    }
    out.family(
      "reflex_gateway_upstream_duration_seconds",
      "histogram",
      "Time from sending a request upstream to its response headers.",
    );
    for (const [endpoint, histogram] of this.#upstream) {
      out.histogram("reflex_gateway_upstream_duration_seconds", { endpoint }, histogram);
    }
    out.family(
      "reflex_gateway_cached_tokens_total",
      "counter",
      "Tokens served from the cache (each hit's stored usage).",
    );
    out.sample("reflex_gateway_cached_tokens_total", { kind: "prompt" }, this.#promptTokens);
    out.sample("reflex_gateway_cached_tokens_total", { kind: "completion" }, this.#completionTokens);
    out.family(
      "reflex_gateway_single_flight_joins_total",
      "counter",
      "Requests answered by an identical request's upstream call already in flight.",
    );
    out.sample("reflex_gateway_single_flight_joins_total", {}, this.#joins);
    out.family("reflex_gateway_stored_answers_total", "counter", "Answers written to the store.");
    out.sample("reflex_gateway_stored_answers_total", {}, this.#stored);
    out.family(
      "reflex_gateway_store_errors_total",
      "counter",
      "Store lookups and writes that failed (the request was answered).",
    );
    out.sample("reflex_gateway_store_errors_total", { operation: "lookup" }, this.#storeErrors.lookup);
    out.sample("reflex_gateway_store_errors_total", { operation: "store" }, this.#storeErrors.store);
    out.family(
      "reflex_gateway_streams_abandoned_total",
      "counter",
      "Upstream streams that ended incomplete (nothing stored).",
    );
    out.sample("reflex_gateway_streams_abandoned_total", { reason: "cut" }, this.#abandoned.cut);
    out.sample("reflex_gateway_streams_abandoned_total", { reason: "client_gone" }, this.#abandoned.client_gone);
    this.semantic.render(out);
    http?.render(out);
    process?.render(out);
    return out.text();
  }
}
