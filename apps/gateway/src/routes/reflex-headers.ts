import type { Outcome } from "../observe/gateway-metrics.ts";

/** `X-Reflex-Cache`: `hit`, `miss` (looked up, not found) or `bypass` (not looked up). */
export const CACHE_HEADER = "x-reflex-cache";
/** `X-Reflex-Tier`: which tier answered a hit (`exact` here; the semantic tiers come next). */
export const TIER_HEADER = "x-reflex-tier";
/** `X-Reflex-Entry`: the entry id (the request's 64-bit key, decimal). */
export const ENTRY_HEADER = "x-reflex-entry";

/**
 * Sets the gateway's headers of a cached endpoint's answer: outcome, entry id, and on a hit
 * the tier and `Age` (seconds since the answer was stored).
 *
 * @example setReflexHeaders(headers, "hit", entryId, 12)
 */
export function setReflexHeaders(
  headers: Headers,
  outcome: Exclude<Outcome, "error">,
  entryId: bigint,
  ageSeconds?: number,
): void {
  headers.set(CACHE_HEADER, outcome);
  headers.set(ENTRY_HEADER, entryId.toString());
  if (outcome === "hit") {
    headers.set(TIER_HEADER, "exact");
    headers.set("age", String(ageSeconds ?? 0));
  }
}

/**
 * The headers of a hit, as a plain record (cheaper than `Headers` on the hot path): the
 * content type, `X-Reflex-Cache: hit`, the entry id, the tier and `Age`.
 *
 * @example new Response(body, { headers: hitHeaders("application/json", entryId, 12) })
 */
export function hitHeaders(contentType: string, entryId: bigint, ageSeconds: number): Record<string, string> {
  return {
    "content-type": contentType,
    [CACHE_HEADER]: "hit",
    [ENTRY_HEADER]: entryId.toString(),
    [TIER_HEADER]: "exact",
    age: String(ageSeconds),
  };
}
