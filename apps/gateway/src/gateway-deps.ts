import type { Logger } from "@reflex/server";
import type { HttpMetrics, ProcessMetrics } from "@reflex/stats";
import type { ExactCache } from "./cache/exact-cache.ts";
import type { Flight } from "./cache/flight.ts";
import type { SingleFlight } from "./cache/single-flight.ts";
import type { GatewayMetrics, Outcome } from "./observe/gateway-metrics.ts";
import type { ParaphraseFlights } from "./semantic/paraphrase-flights.ts";
import type { ThresholdSettings } from "./semantic/semantic-ask.ts";
import type { SemanticTier } from "./semantic/semantic-tier.ts";
import type { Caller, Tenancy } from "./tenancy/tenancy.ts";
import type { UpstreamClient } from "./upstream/upstream-client.ts";

/** What the gateway decides per request, from its options. */
export interface CachePolicy {
  /** Cache requests whose sampling is random (temperature > 0 or absent). Default true. */
  readonly cacheSampled: boolean;
  /** TTL of stored answers without an `X-Reflex-TTL`, in seconds (0: never); undefined: the store's default. */
  readonly defaultTtlSeconds: number | undefined;
  /** Largest request body read, in bytes. */
  readonly maxBodyBytes: number;
}

/** The semantic tiers' parts, when an embedding model is configured. */
export interface SemanticDeps {
  readonly tier: SemanticTier;
  /** Thresholds and the semantic text rule, per request. */
  readonly settings: ThresholdSettings;
  /** The embedding model (part of the context hash of entries stored with an embedding). */
  readonly embeddingModel: string;
  /** Semantic misses in flight that paraphrases join; undefined with L3 (a join would be unverified). */
  readonly paraphrases?: ParaphraseFlights | undefined;
}

/**
 * Every part of a gateway, shared through this one object: the routes read what they need
 * from it and nothing reaches back into the app.
 */
export interface GatewayDeps {
  readonly tenancy: Tenancy;
  readonly upstream: UpstreamClient;
  readonly cache: ExactCache;
  /** Identical misses in flight, by `tenant:key`. */
  readonly flights: SingleFlight<Flight>;
  /** L2 and L3; undefined: the gateway is exact-only. */
  readonly semantic?: SemanticDeps | undefined;
  readonly metrics: GatewayMetrics;
  readonly policy: CachePolicy;
  readonly logger: Logger;
  /** Requests by method, route and status class (rendered on `/metrics`). */
  readonly http: HttpMetrics;
  /** CPU, memory and event-loop figures, when `/metrics` shows them. */
  readonly process?: ProcessMetrics;
}

/** The Hono environment of the gateway app: what middleware hands to handlers. */
export interface GatewayEnv {
  Variables: {
    /** The request's id (`X-Request-Id`, echoed or generated). */
    requestId: string;
    /** Who is calling, once the tenancy resolved it. */
    caller: Caller;
    /** How a cached endpoint answered, for the request log. */
    outcome: Outcome;
  };
}
