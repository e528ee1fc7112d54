/**
 * `@reflex/gateway`: an OpenAI-compatible caching proxy over the Reflex store (the exact tier).
 *
 * @example
 * import { loadGatewayConfig, startGateway } from "@reflex/gateway";
 * const gateway = await startGateway(loadGatewayConfig(["--port", "8080"], process.env));
 * // clients: OPENAI_BASE_URL=http://127.0.0.1:8080/v1
 */
export { createGatewayApp, type GatewayApp, type GatewayAppOptions } from "./app.ts";
export { checkGatewayBinding } from "./bind-policy.ts";
export { type CachedAnswer, decodeCachedAnswer, encodeCachedAnswer, type TokenUsage } from "./cache/cached-answer.ts";
export { ExactCache, type ExactHit } from "./cache/exact-cache.ts";
export { type CanonicalRequest, canonicalRequest } from "./canonical/canonical-request.ts";
export { contextHash } from "./canonical/context-hash.ts";
export { LEFT_OUT_FIELDS } from "./canonical/left-out-fields.ts";
export { type CachedEndpoint, parseRequestBody, type RequestBody } from "./canonical/request-body.ts";
export { DEFAULT_GATEWAY_CONFIG, type GatewayConfig, loadGatewayConfig } from "./config.ts";
export { gatewayExitOnSignal } from "./exit-on-signal.ts";
export type { CachePolicy, GatewayDeps, GatewayEnv } from "./gateway-deps.ts";
export {
  GATEWAY_ERRORS,
  GatewayError,
  type GatewayErrorCode,
  isGatewayError,
  type OpenAiErrorBody,
} from "./gateway-error.ts";
export { GatewayMetrics, type Outcome, type Tier } from "./observe/gateway-metrics.ts";
export { GATEWAY_LOCK_OWNER, openGatewayStore } from "./open-store.ts";
export { CACHE_HEADER, ENTRY_HEADER, TIER_HEADER } from "./routes/reflex-headers.ts";
export { type RunningGateway, type StartGatewayOptions, startGateway } from "./server.ts";
export { keyedTenant } from "./tenancy/keyed-tenant.ts";
export { ANONYMOUS_TENANT, type Caller, type Tenancy } from "./tenancy/tenancy.ts";
export { GATEWAY_USAGE } from "./usage.ts";
