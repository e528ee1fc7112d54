import type { EntryStore } from "@reflex/core";
import { type CachedAnswer, readCachedAnswer } from "../cache/cached-answer.ts";
import type { SemanticMetrics } from "../observe/semantic-metrics.ts";
import type { Caller } from "../tenancy/tenancy.ts";
import type { Embedder } from "./embedder.ts";
import type { RerankVerifier } from "./rerank-verifier.ts";
import type { SemanticTextMode } from "./semantic-config.ts";
import { semanticText } from "./semantic-text.ts";

/** What a request asks of the semantic tier: its semantic text and its threshold (> 0). */
export interface SemanticAsk {
  readonly text: string;
  readonly minSimilarity: number;
}

/** A semantic tier's answer to a request. */
export type SemanticLookup =
  | {
      readonly kind: "hit";
      readonly tier: "semantic" | "semantic-verified";
      /** The candidate entry that answers (another request's entry, in the same context). */
      readonly entryId: bigint;
      readonly answer: CachedAnswer;
      readonly ageSeconds: number;
      readonly similarity: number;
    }
  | {
      readonly kind: "miss";
      /** The best similarity seen in the context (null: no candidate, or no embedding). */
      readonly nearest: number | null;
    };

/** Options of {@link SemanticTier}. */
export interface SemanticTierOptions {
  readonly store: EntryStore;
  readonly embedder: Embedder;
  readonly metrics: SemanticMetrics;
  /** How a stored request's semantic text is read (the same rule as the new request's). */
  readonly textMode: SemanticTextMode;
  /** The L3 verifier and the least score it must give; undefined: L2 only. */
  readonly verifier?: { readonly client: RerankVerifier; readonly threshold: number } | undefined;
  /** Called with every store failure of a search or a candidate's load (a miss, never an error). */
  readonly onStoreError: (error: unknown) => void;
  /** Told of a failed verification (the error holds no text). */
  readonly onVerifierFailure: (error: unknown) => void;
}

/** Candidates the verifier sees at once (L3); L2 alone takes the best. */
const VERIFIED_CANDIDATES = 3;

/**
 * The semantic tiers over an `EntryStore`: L2 embeds the request's semantic text (embedder.ts)
 * and searches the caller's tenant within the request's context hash; the best entry at or
 * above the threshold answers. With a verifier (L3), up to three such candidates are scored
 * by the rerank server against the new text (each candidate's own semantic text, read from its
 * stored canonical request) and the best one at or above the verifier's threshold answers;
 * a verifier that fails serves nothing. Every failure is a miss, never an error.
 *
 * @example
 * const result = await tier.lookup(caller, contextHash, { text: "capital of France?", minSimilarity: 0.95 });
 */
export class SemanticTier {
  readonly #o: SemanticTierOptions;
  readonly #embeddings = new WeakMap<SemanticAsk, Promise<Uint8Array | undefined>>();

  constructor(options: SemanticTierOptions) {
    this.#o = options;
  }

  /** The embedding of `ask`'s text (once per ask: the lookup's and the store's are the same call). */
  embedding(caller: Caller, ask: SemanticAsk): Promise<Uint8Array | undefined> {
    let pending = this.#embeddings.get(ask);
    if (pending === undefined) {
      pending = this.#o.embedder.embed(caller, ask.text);
      this.#embeddings.set(ask, pending);
    }
    return pending;
  }

  /** Resolves once the embedding-cache writes started so far have finished. */
  settled(): Promise<void> {
    return this.#o.embedder.settled();
  }

  /** The semantic answer to `ask` in `caller`'s tenant and the context `context`, or a miss. */
  async lookup(caller: Caller, context: bigint, ask: SemanticAsk): Promise<SemanticLookup> {
    const { store, metrics, verifier } = this.#o;
    const embedding = await this.embedding(caller, ask);
    if (embedding === undefined) {
      metrics.miss("embedding_failed");
      return { kind: "miss", nearest: null };
    }
    let result: Awaited<ReturnType<EntryStore["searchWithNearest"]>>;
    try {
      result = await store.searchWithNearest(caller.tenant, embedding, {
        contextHash: context,
        k: verifier === undefined ? 1 : VERIFIED_CANDIDATES,
        minSimilarity: ask.minSimilarity,
      });
    } catch (error) {
      this.#o.onStoreError(error);
      metrics.miss("no_candidate");
      return { kind: "miss", nearest: null };
    }
    const { hits, nearest } = result;
    if (hits.length === 0) {
      metrics.miss(nearest === null ? "no_candidate" : "below_threshold", nearest);
      return { kind: "miss", nearest };
    }
    const candidates: Candidate[] = [];
    for (const hit of hits) {
      const candidate = await this.#load(caller.tenant, hit.entryId, hit.similarity);
      if (candidate !== undefined) candidates.push(candidate);
    }
    const best = verifier === undefined ? candidates[0] : await this.#verify(ask.text, candidates);
    if (best === undefined) {
      if (verifier === undefined || candidates.length === 0) metrics.miss("no_candidate", nearest);
      return { kind: "miss", nearest };
    }
    return {
      kind: "hit",
      tier: verifier === undefined ? "semantic" : "semantic-verified",
      entryId: best.entryId,
      answer: best.answer,
      ageSeconds: best.ageSeconds,
      similarity: best.similarity,
    };
  }

  async #load(tenant: bigint, entryId: bigint, similarity: number): Promise<Candidate | undefined> {
    let handle: Awaited<ReturnType<EntryStore["load"]>>;
    try {
      handle = await this.#o.store.load(entryId, tenant);
    } catch (error) {
      this.#o.onStoreError(error);
      return undefined;
    }
    try {
      const record = readCachedAnswer(handle.payloadBlob);
      if (record === undefined) return undefined;
      const ageSeconds = Math.max(0, Math.floor(Date.now() / 1000) - Number(handle.timestamp));
      return { entryId, similarity, ageSeconds, answer: record.answer, canonical: record.canonical };
    } finally {
      handle.release();
    }
  }

  /** The best candidate the verifier scores at or above its threshold; undefined otherwise (counted). */
  async #verify(query: string, candidates: readonly Candidate[]): Promise<Candidate | undefined> {
    const { metrics, verifier, textMode } = this.#o;
    if (verifier === undefined || candidates.length === 0) return undefined;
    const documents: string[] = [];
    const kept: Candidate[] = [];
    for (const candidate of candidates) {
      const text = storedSemanticText(candidate.canonical, textMode);
      if (text === undefined) continue;
      documents.push(text);
      kept.push(candidate);
    }
    if (kept.length === 0) return undefined;
    const started = performance.now();
    let scores: number[];
    try {
      scores = await verifier.client.scores(query, documents);
    } catch (error) {
      this.#o.onVerifierFailure(error);
      metrics.miss("verifier_failed", candidates[0]?.similarity);
      return undefined;
    } finally {
      metrics.rerankCall((performance.now() - started) * 1e6);
    }
    let best: Candidate | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const [i, score] of scores.entries()) {
      if (score >= verifier.threshold && score > bestScore) {
        best = kept[i];
        bestScore = score;
      }
    }
    if (best === undefined) metrics.miss("rejected", candidates[0]?.similarity);
    return best;
  }
}

interface Candidate {
  readonly entryId: bigint;
  readonly similarity: number;
  readonly ageSeconds: number;
  readonly answer: CachedAnswer;
  readonly canonical: Uint8Array;
}

const decoder = new TextDecoder();

/** The semantic text of a stored canonical request (`{"endpoint":..,"request":{..}}`). */
function storedSemanticText(canonical: Uint8Array, mode: SemanticTextMode): string | undefined {
  try {
    const parsed = JSON.parse(decoder.decode(canonical)) as { request?: { messages?: unknown } };
    const messages = parsed.request?.messages;
    return Array.isArray(messages) ? semanticText(messages, mode) : undefined;
  } catch {
    return undefined;
  }
}
