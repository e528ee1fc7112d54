import type { Context } from "hono";
import type { ExactHit } from "../cache/exact-cache.ts";
import type { CachedEndpoint } from "../canonical/request-body.ts";
import type { GatewayDeps, GatewayEnv } from "../gateway-deps.ts";
import type { Outcome } from "../observe/gateway-metrics.ts";
import { replaySse } from "../stream/stream-replay.ts";
import { type CachedRequest, readRequest, SSE_CONTENT_TYPE } from "./cached-request.ts";
import { answerMiss } from "./miss.ts";
import { hitHeaders } from "./reflex-headers.ts";

/**
 * The handler of a cached endpoint (`POST /v1/chat/completions`, `POST /v1/embeddings`):
 * tenant → body checks → canonical request → exact lookup → on a hit the stored answer (as
 * JSON, or replayed as SSE for `stream: true`); on a miss the upstream (miss.ts).
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
      return hitResponse(request, hit);
    }
  }
  const outcome: Outcome = request.lookup ? "miss" : "bypass";
  deps.metrics.request(endpoint, outcome, "none");
  c.set("outcome", outcome);
  return answerMiss(deps, request, outcome);
}

/** The stored answer: its JSON bytes as they are (the fast path), or replayed as SSE. */
function hitResponse(request: CachedRequest, hit: ExactHit): Response {
  const stream = request.body.stream;
  const headers = hitHeaders(stream ? SSE_CONTENT_TYPE : "application/json", hit.entryId, hit.ageSeconds);
  if (!stream) return new Response(hit.answer.body, { status: 200, headers });
  const completion = JSON.parse(new TextDecoder().decode(hit.answer.body)) as Record<string, unknown>;
  return new Response(replaySse(completion, { includeUsage: request.body.includeUsage }), { status: 200, headers });
}
