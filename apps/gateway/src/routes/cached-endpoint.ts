import type { Context } from "hono";
import type { CachedAnswer } from "../cache/cached-answer.ts";
import type { CachedEndpoint } from "../canonical/request-body.ts";
import type { GatewayDeps, GatewayEnv } from "../gateway-deps.ts";
import type { Outcome, Tier } from "../observe/gateway-metrics.ts";
import { replaySse } from "../stream/stream-replay.ts";
import { type CachedRequest, readRequest, SSE_CONTENT_TYPE } from "./cached-request.ts";
import { answerMiss, answerParaphraseJoin } from "./miss.ts";
import { formatSimilarity, hitHeaders, NEAREST_HEADER } from "./reflex-headers.ts";

/**
 * The handler of a cached endpoint (`POST /v1/chat/completions`, `POST /v1/embeddings`):
 * tenant → body checks → canonical request → exact lookup (L1) → on an exact miss, when
 * configured, the semantic tiers (L2 search within the context, L3 verification) → on a hit
 * the stored answer (as JSON, or replayed as SSE for `stream: true`); on a miss the upstream
 * (miss.ts), whose answer is stored with the semantic text's embedding; a semantic miss
 * while a paraphrase of it is in flight (without L3) shares that call instead.
 *
 * @example app.post("/v1/embeddings", cachedEndpoint(deps, "embeddings"));
 */
export function cachedEndpoint(deps: GatewayDeps, endpoint: CachedEndpoint) {
  return async function answerCachedEndpoint(c: Context<GatewayEnv>): Promise<Response> {
    try {
      return await answer(c, deps, endpoint);
    } catch (error) {
      deps.metrics.request(endpoint, "error", "none");
      c.set("outcome", "error");
      throw error;
    }
  };
}

async function answer(c: Context<GatewayEnv>, deps: GatewayDeps, endpoint: CachedEndpoint): Promise<Response> {
  const request = await readRequest(c, deps, endpoint);
  if (request.lookup) {
    const hit = await deps.cache.lookup(request.caller.tenant, request.canonical);
    if (hit !== undefined) {
      deps.metrics.request(endpoint, "hit", "exact");
      deps.metrics.cachedTokens(hit.answer.usage);
      c.set("outcome", "hit");
      return hitResponse(request, hit, "exact");
    }
  }
  let nearest: number | null | undefined;
  let embedding: Uint8Array | undefined;
  if (request.lookup && request.semantic !== undefined && deps.semantic !== undefined) {
    const found = await deps.semantic.tier.lookup(request.caller, request.context, request.semantic);
    if (found.kind === "hit") {
      deps.metrics.request(endpoint, "hit", found.tier);
      deps.metrics.cachedTokens(found.answer.usage);
      c.set("outcome", "hit");
      return hitResponse(request, found, found.tier);
    }
    nearest = found.nearest;
    const paraphrases = deps.semantic.paraphrases;
    if (paraphrases !== undefined && request.share) {
      embedding = await deps.semantic.tier.embedding(request.caller, request.semantic);
      const join =
        embedding === undefined
          ? undefined
          : paraphrases.find(request.caller.tenant, request.context, embedding, request.semantic.minSimilarity);
      if (join !== undefined) {
        deps.metrics.request(endpoint, "miss", "none");
        c.set("outcome", "miss");
        return answerParaphraseJoin(deps, request, join);
      }
    }
  }
  const outcome: Outcome = request.lookup ? "miss" : "bypass";
  deps.metrics.request(endpoint, outcome, "none");
  c.set("outcome", outcome);
  const response = await answerMiss(deps, request, outcome, embedding);
  if (nearest !== undefined && nearest !== null) response.headers.set(NEAREST_HEADER, formatSimilarity(nearest));
  return response;
}

/** A hit of any tier: the entry that answered, its answer and age, and (semantic) its similarity. */
interface AnyHit {
  readonly entryId: bigint;
  readonly answer: CachedAnswer;
  readonly ageSeconds: number;
  readonly similarity?: number;
}

/** The stored answer: its JSON bytes as they are (the fast path), or replayed as SSE. */
function hitResponse(request: CachedRequest, hit: AnyHit, tier: Exclude<Tier, "none">): Response {
  const stream = request.body.stream;
  const type = stream ? SSE_CONTENT_TYPE : "application/json";
  const headers = hitHeaders(type, hit.entryId, hit.ageSeconds, tier, hit.similarity);
  if (!stream) return new Response(hit.answer.body, { status: 200, headers });
  const completion = JSON.parse(new TextDecoder().decode(hit.answer.body)) as Record<string, unknown>;
  return new Response(replaySse(completion, { includeUsage: request.body.includeUsage }), { status: 200, headers });
}
