import type { Context } from "hono";
import { type CanonicalRequest, canonicalRequest } from "../canonical/canonical-request.ts";
import { contextHash } from "../canonical/context-hash.ts";
import { type CachedEndpoint, parseRequestBody, type RequestBody } from "../canonical/request-body.ts";
import type { GatewayDeps, GatewayEnv } from "../gateway-deps.ts";
import { semanticAsk } from "../semantic/semantic-ask.ts";
import type { SemanticAsk } from "../semantic/semantic-tier.ts";
import type { Caller } from "../tenancy/tenancy.ts";
import { type CacheControls, cacheControls } from "./cache-controls.ts";
import { readBodyLimited } from "./read-body.ts";

/** One request of a cached endpoint, read and decided. */
export interface CachedRequest {
  readonly endpoint: CachedEndpoint;
  readonly caller: Caller;
  /** The body text as the client sent it (forwarded upstream unchanged). */
  readonly text: string;
  readonly body: RequestBody;
  readonly canonical: CanonicalRequest;
  /** The context hash (the entry's `context_hash`; the semantic tier searches within it). */
  readonly context: bigint;
  /** What the semantic tier is asked (undefined: exact-only: off, not chat, or no safe text). */
  readonly semantic: SemanticAsk | undefined;
  readonly controls: CacheControls;
  /** Look the request up (not `no-cache`, and cacheable under the policy). */
  readonly lookup: boolean;
  /** Store a complete answer (not `no-store`, and cacheable under the policy). */
  readonly store: boolean;
  /** Share an identical request's upstream call (cacheable under the policy). */
  readonly share: boolean;
  /** The client's headers (forwarded, less the gateway's own). */
  readonly headers: Headers;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
}

/** The content type of a streamed answer. */
export const SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8";

/**
 * True when a request's sampling is random: `temperature` above 0, or absent (the provider's
 * default, 1). `--no-cache-sampled` leaves such requests uncached.
 */
export function isSampled(body: RequestBody): boolean {
  return body.endpoint === "chat.completions" && (body.temperature === undefined || body.temperature > 0);
}

/**
 * Reads a cached endpoint's request: the caller (401 first), the body within the limit, its
 * checks, the cache controls, the canonical request and what the policy allows.
 */
export async function readRequest(
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
  const semantic = deps.semantic;
  return {
    endpoint,
    caller,
    text,
    body,
    canonical: canonicalRequest(body),
    context: contextHash(body, semantic?.embeddingModel),
    semantic:
      semantic === undefined ? undefined : semanticAsk(semantic.settings, caller.tenant, body, c.req.raw.headers),
    controls,
    lookup: cacheable && !controls.noCache,
    store: cacheable && !controls.noStore,
    share: cacheable,
    headers: c.req.raw.headers,
    signal: c.req.raw.signal,
  };
}
