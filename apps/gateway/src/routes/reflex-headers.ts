import type { Outcome, Tier } from "../observe/gateway-metrics.ts";

/** `X-Reflex-Cache`: `hit`, `miss` (looked up, not found) or `bypass` (not looked up). */
export const CACHE_HEADER = "x-reflex-cache";
/** `X-Reflex-Tier`: which tier answered a hit: `exact`, `semantic` or `semantic-verified`. */
export const TIER_HEADER = "x-reflex-tier";
/** `X-Reflex-Similarity`: on a semantic hit, the cosine similarity of the entry that answered. */
export const SIMILARITY_HEADER = "x-reflex-similarity";
/** `X-Reflex-Nearest`: on a miss the semantic tier looked at, the best similarity it saw in the context. */
export const NEAREST_HEADER = "x-reflex-nearest";
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
 * content type, `X-Reflex-Cache: hit`, the entry id (the entry that answered), the tier and
 * `Age`; on a semantic hit, the similarity too.
 *
 * @example new Response(body, { headers: hitHeaders("application/json", entryId, 12) })
 */
export function hitHeaders(
  contentType: string,
  entryId: bigint,
  ageSeconds: number,
  tier: Exclude<Tier, "none"> = "exact",
  similarity?: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": contentType,
    [CACHE_HEADER]: "hit",
    [ENTRY_HEADER]: entryId.toString(),
    [TIER_HEADER]: tier,
    age: String(ageSeconds),
  };
  if (similarity !== undefined) headers[SIMILARITY_HEADER] = formatSimilarity(similarity);
  return headers;
}

/** A similarity as a header value: four decimals (`0.9731`). */
export function formatSimilarity(similarity: number): string {
  return similarity.toFixed(4);
}
