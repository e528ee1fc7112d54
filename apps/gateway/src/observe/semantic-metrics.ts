import { type Exposition, LatencyHistogram } from "@reflex/stats";

/** Why a request the semantic tier looked at was not a semantic hit. */
export type SemanticMissReason =
  | "no_candidate"
  | "below_threshold"
  | "rejected"
  | "verifier_failed"
  | "embedding_failed";

const MISS_REASONS: readonly SemanticMissReason[] = [
  "no_candidate",
  "below_threshold",
  "rejected",
  "verifier_failed",
  "embedding_failed",
];

/** The `le` bounds of the nearest-similarity histogram: fine where thresholds live. */
export const NEAREST_BUCKETS: readonly number[] = [
  0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.875, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 1,
];

/**
 * The semantic tiers' figures for `/metrics`:
 * - `reflex_gateway_semantic_nearest` (histogram of the best similarity of semantic misses
 *   that had a candidate: where to put a threshold)
 * - `reflex_gateway_semantic_misses_total{reason}`
 * - `reflex_gateway_embedding_duration_seconds`, `reflex_gateway_rerank_duration_seconds`
 *   (histograms of the calls the gateway makes itself)
 * - `reflex_gateway_embedding_cache_total{result="hit"|"miss"}`
 *
 * @example
 * metrics.nearestOnMiss(0.91);
 * metrics.render(exposition);
 */
export class SemanticMetrics {
  readonly #nearestCounts = new Array<number>(NEAREST_BUCKETS.length).fill(0);
  #nearestCount = 0;
  #nearestSum = 0;
  readonly #misses = new Map<SemanticMissReason, number>();
  readonly #embedding = new LatencyHistogram();
  readonly #rerank = new LatencyHistogram();
  readonly #embeddingCache = { hit: 0, miss: 0 };

  /** Counts a semantic miss; with a similarity, records it in the nearest histogram. */
  miss(reason: SemanticMissReason, nearest?: number | null): void {
    this.#misses.set(reason, (this.#misses.get(reason) ?? 0) + 1);
    if (nearest === undefined || nearest === null) return;
    this.#nearestCount++;
    this.#nearestSum += nearest;
    for (const [i, le] of NEAREST_BUCKETS.entries()) {
      if (nearest <= le) this.#nearestCounts[i] = (this.#nearestCounts[i] ?? 0) + 1;
    }
  }

  /** Semantic misses so far for `reason`. */
  misses(reason: SemanticMissReason): number {
    return this.#misses.get(reason) ?? 0;
  }

  /** Records one embedding call's duration, in ns. */
  embeddingCall(durationNs: number): void {
    this.#embedding.record(Math.max(0, Math.round(durationNs)));
  }

  /** Records one rerank call's duration, in ns. */
  rerankCall(durationNs: number): void {
    this.#rerank.record(Math.max(0, Math.round(durationNs)));
  }

  /** Counts an embedding looked up in the gateway's embedding cache. */
  embeddingCacheLookup(result: "hit" | "miss"): void {
    this.#embeddingCache[result]++;
  }

  /** Embedding-cache lookups so far. */
  get embeddingCache(): Readonly<{ hit: number; miss: number }> {
    return this.#embeddingCache;
  }

  /** Embedding calls made so far. */
  get embeddingCalls(): number {
    return this.#embedding.count;
  }

  /** Appends the semantic families to `out`. */
  render(out: Exposition): void {
    out.family(
      "reflex_gateway_semantic_nearest",
      "histogram",
      "Best cosine similarity of semantic misses that had a candidate (to choose a threshold).",
    );
    for (const [i, le] of NEAREST_BUCKETS.entries()) {
      out.sample("reflex_gateway_semantic_nearest_bucket", { le: String(le) }, this.#nearestCounts[i] as number);
    }
    out.sample("reflex_gateway_semantic_nearest_bucket", { le: "+Inf" }, this.#nearestCount);
    out.sample("reflex_gateway_semantic_nearest_sum", {}, this.#nearestSum);
    out.sample("reflex_gateway_semantic_nearest_count", {}, this.#nearestCount);
    out.family("reflex_gateway_semantic_misses_total", "counter", "Requests the semantic tier did not answer, by why.");
    for (const reason of MISS_REASONS)
      out.sample("reflex_gateway_semantic_misses_total", { reason }, this.misses(reason));
    out.family(
      "reflex_gateway_embedding_duration_seconds",
      "histogram",
      "The gateway's own embedding calls (cache misses only).",
    );
    out.histogram("reflex_gateway_embedding_duration_seconds", {}, this.#embedding);
    out.family("reflex_gateway_rerank_duration_seconds", "histogram", "Rerank (L3 verifier) calls.");
    out.histogram("reflex_gateway_rerank_duration_seconds", {}, this.#rerank);
    out.family(
      "reflex_gateway_embedding_cache_total",
      "counter",
      "Lookups of the gateway's embedding cache (same text and model: no second call).",
    );
    out.sample("reflex_gateway_embedding_cache_total", { result: "hit" }, this.#embeddingCache.hit);
    out.sample("reflex_gateway_embedding_cache_total", { result: "miss" }, this.#embeddingCache.miss);
  }
}
