import { isTtlText, TTL_GRAMMAR } from "@reflex/codec";
import { GatewayError } from "../gateway-error.ts";

/** The per-request header that sets the stored answer's time to live, in seconds. */
export const TTL_HEADER = "x-reflex-ttl";

/** What a request asks of the cache. */
export interface CacheControls {
  /** `Cache-Control: no-cache`: do not answer from the cache (the fresh answer is still stored). */
  readonly noCache: boolean;
  /** `Cache-Control: no-store`: do not store the answer. */
  readonly noStore: boolean;
  /** `X-Reflex-TTL`: seconds the stored answer lives (0: never expires), else undefined. */
  readonly ttlSeconds: number | undefined;
}

const NO_CONTROLS: CacheControls = { noCache: false, noStore: false, ttlSeconds: undefined };

/**
 * The cache controls of a request's headers. `Cache-Control` directives are matched case-
 * insensitively and others ignored; a malformed `X-Reflex-TTL` is an `invalid_header` error.
 *
 * @example cacheControls(new Headers({ "cache-control": "no-store" })).noStore // true
 */
export function cacheControls(headers: Headers): CacheControls {
  const cacheControl = headers.get("cache-control");
  const ttl = headers.get(TTL_HEADER);
  if (cacheControl === null && ttl === null) return NO_CONTROLS; // the usual request: nothing asked
  const directives = new Set(
    (cacheControl ?? "")
      .toLowerCase()
      .split(",")
      .map((directive) => directive.trim()),
  );
  if (ttl !== null && !isTtlText(ttl.trim())) {
    throw new GatewayError("invalid_header", `X-Reflex-TTL must be ${TTL_GRAMMAR}`);
  }
  return {
    noCache: directives.has("no-cache"),
    noStore: directives.has("no-store"),
    ttlSeconds: ttl === null ? undefined : Number(ttl.trim()),
  };
}
