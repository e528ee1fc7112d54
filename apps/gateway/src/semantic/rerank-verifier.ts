import { GatewayError } from "../gateway-error.ts";
import { postJson } from "./post-json.ts";

/** Options of {@link RerankVerifier}. */
export interface RerankVerifierOptions {
  /** The rerank endpoint, the full URL (`http://127.0.0.1:8787/rerank`, `.../v1/rerank`). */
  readonly url: string;
  /** The `model` field, for servers that serve several. */
  readonly model: string | undefined;
  /** `Authorization: Bearer <key>`; undefined sends none. */
  readonly key: string | undefined;
  readonly timeoutMs: number;
}

/**
 * The L3 verifier: the common `/rerank` API (Cohere, Jina, vLLM, text-embeddings-inference's
 * compatible route): `{model?, query, documents: [...]}` answered with
 * `{results: [{index, relevance_score}]}`. A bare array of `{index, score}` (TEI's own
 * `/rerank` answer) is read too. Failures (down, slow, a malformed answer) are
 * `rerank_failed` GatewayErrors; the caller then serves no candidate.
 *
 * @example
 * const scores = await verifier.scores("capital of France?", ["France's capital city?"]); // [0.97]
 */
export class RerankVerifier {
  readonly #options: RerankVerifierOptions;

  constructor(options: RerankVerifierOptions) {
    this.#options = options;
  }

  /** The relevance score of each document to `query`, in the documents' order. */
  async scores(query: string, documents: readonly string[]): Promise<number[]> {
    const { url, model, key, timeoutMs } = this.#options;
    const answer = await postJson({
      url,
      body: { ...(model === undefined ? {} : { model }), query, documents, top_n: documents.length },
      authorization: key === undefined ? undefined : `Bearer ${key}`,
      timeoutMs,
      code: "rerank_failed",
    });
    const results = Array.isArray(answer) ? answer : (answer as { results?: unknown } | null)?.results;
    if (!Array.isArray(results)) throw new GatewayError("rerank_failed", "the rerank answer has no results");
    const scores = new Array<number>(documents.length).fill(Number.NaN);
    for (const result of results) {
      const { index, relevance_score: relevance, score } = (result ?? {}) as Record<string, unknown>;
      const value = typeof relevance === "number" ? relevance : score;
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= documents.length) {
        throw new GatewayError("rerank_failed", "the rerank answer has a bad index");
      }
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new GatewayError("rerank_failed", "the rerank answer has a bad score");
      }
      scores[index] = value;
    }
    if (scores.some(Number.isNaN)) throw new GatewayError("rerank_failed", "the rerank answer misses a document");
    return scores;
  }
}
