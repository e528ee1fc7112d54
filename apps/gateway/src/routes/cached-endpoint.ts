import type { Context } from "hono";
import { usageOf } from "../cache/cached-answer.ts";
import { isCompleteAnswer } from "../cache/complete-answer.ts";
import { type CanonicalRequest, canonicalRequest } from "../canonical/canonical-request.ts";
import { contextHash } from "../canonical/context-hash.ts";
import { type CachedEndpoint, parseRequestBody, type RequestBody } from "../canonical/request-body.ts";
import type { GatewayDeps, GatewayEnv } from "../gateway-deps.ts";
import type { Outcome } from "../observe/gateway-metrics.ts";
import type { Caller } from "../tenancy/tenancy.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "../upstream/forward-headers.ts";
import type { WholeAnswer } from "../upstream/upstream-client.ts";
import { type CacheControls, cacheControls } from "./cache-controls.ts";
import { readBodyLimited } from "./read-body.ts";
import { setReflexHeaders } from "./reflex-headers.ts";

/** The upstream path of each cached endpoint. */
const UPSTREAM_PATHS: Readonly<Record<CachedEndpoint, string>> = {
  "chat.completions": "/chat/completions",
  embeddings: "/embeddings",
};

const decoder = new TextDecoder();

/** One request of a cached endpoint, read and decided. */
export interface CachedRequest {
  readonly endpoint: CachedEndpoint;
  readonly caller: Caller;
  /** The body text as the client sent it (forwarded upstream unchanged). */
  readonly text: string;
  readonly body: RequestBody;
  readonly canonical: CanonicalRequest;
  readonly controls: CacheControls;
  /** Look the request up (not `no-cache`, and cacheable under the policy). */
  readonly lookup: boolean;
  /** Store a complete answer (not `no-store`, and cacheable under the policy). */
  readonly store: boolean;
  /** The client's headers (forwarded, less the gateway's own). */
  readonly headers: Headers;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
}

/** A flight of one upstream call that identical requests share: the answer, read whole. */
export interface WholeFlight {
  /** The canonical request it answers (a joiner with the same key but other bytes does not join). */
  readonly canonical: Uint8Array;
  readonly answer: Promise<WholeAnswer>;
}

/**
 * True when a request's sampling is random: `temperature` above 0, or absent (the provider's
 * default, 1). `--no-cache-sampled` leaves such requests uncached.
 */
export function isSampled(body: RequestBody): boolean {
  return body.endpoint === "chat.completions" && (body.temperature === undefined || body.temperature > 0);
}

/**
 * The handler of a cached endpoint (`POST /v1/chat/completions`, `POST /v1/embeddings`):
 * tenant → body checks → canonical request → exact lookup → on a hit the stored answer; on a
 * miss one upstream call per identical request in flight, its answer sent as it came and,
 * when complete, stored after it is on its way.
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
      const headers = new Headers({ "content-type": "application/json" });
      setReflexHeaders(headers, "hit", hit.entryId, hit.ageSeconds);
      return new Response(hit.answer.body, { status: 200, headers });
    }
  }
  const outcome: Outcome = request.lookup ? "miss" : "bypass";
  deps.metrics.request(endpoint, outcome, "none");
  c.set("outcome", outcome);
  return missWhole(deps, request, outcome);
}

async function readRequest(
  c: Context<GatewayEnv>,
  deps: GatewayDeps,
  endpoint: CachedEndpoint,
): Promise<CachedRequest> {
  const caller = deps.tenancy.resolve(c.req.header("authorization") ?? null);
  c.set("caller", caller);
  const text = await readBodyLimited(c.req.raw, deps.policy.maxBodyBytes);
  const body = parseRequestBody(endpoint, text);
  const controls = cacheControls(c.req.raw.headers);
  const cacheable = deps.policy.cacheSampled || !isSampled(body);
  return {
    endpoint,
    caller,
    text,
    body,
    canonical: canonicalRequest(body),
    controls,
    lookup: cacheable && !controls.noCache,
    store: cacheable && !controls.noStore,
    headers: c.req.raw.headers,
    signal: c.req.raw.signal,
  };
}

/** A miss answered by the upstream in one JSON body, shared by identical requests in flight. */
async function missWhole(deps: GatewayDeps, request: CachedRequest, outcome: "miss" | "bypass"): Promise<Response> {
  const key = `${request.caller.tenant}:${request.canonical.key}`;
  const start = (): WholeFlight => ({ canonical: request.canonical.bytes, answer: callUpstream(deps, request) });
  const joined = deps.flights.join(key, start) as { leader: boolean; value: WholeFlight };
  let flight = joined.value;
  let leader = joined.leader;
  if (!leader && Buffer.compare(flight.canonical, request.canonical.bytes) !== 0) {
    flight = start(); // the same 64-bit key for another request: never share its answer
    leader = true;
  } else if (leader) {
    const done = () => deps.flights.done(key, flight);
    flight.answer.then(done, done);
  } else {
    deps.metrics.singleFlightJoin();
  }
  const answer = await flight.answer;
  if (leader && request.store && answer.status === 200) {
    // Not on the response path: the write starts once the answer is on its way.
    setImmediate(() => storeWhole(deps, request, answer.body));
  }
  const headers = clientResponseHeaders(answer.headers);
  setReflexHeaders(headers, outcome, request.canonical.key);
  return new Response(answer.body, { status: answer.status, headers });
}

function callUpstream(deps: GatewayDeps, request: CachedRequest): Promise<WholeAnswer> {
  const started = performance.now();
  return deps.upstream
    .whole({
      method: "POST",
      path: UPSTREAM_PATHS[request.endpoint],
      headers: upstreamRequestHeaders(request.headers, request.caller.upstreamAuthorization),
      body: request.text,
    })
    .then((answer) => {
      deps.metrics.upstream(request.endpoint, (performance.now() - started) * 1e6);
      return answer;
    });
}

/** Stores a complete JSON answer (the upstream's exact bytes); counts the outcome. */
function storeWhole(deps: GatewayDeps, request: CachedRequest, body: Uint8Array): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(body));
  } catch {
    return;
  }
  if (!isCompleteAnswer(request.endpoint, parsed)) return;
  void deps.cache
    .store({
      tenant: request.caller.tenant,
      canonical: request.canonical,
      contextHash: contextHash(request.body),
      answer: { origin: "json", usage: usageOf(parsed), body },
      ttlSeconds: request.controls.ttlSeconds ?? deps.policy.defaultTtlSeconds,
    })
    .then((stored) => {
      if (stored) deps.metrics.stored();
    });
}
