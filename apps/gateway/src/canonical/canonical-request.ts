import { hash64 } from "./hash64.ts";
import { isLeftOut } from "./left-out-fields.ts";
import type { RequestBody } from "./request-body.ts";
import { stableJson } from "./stable-json.ts";

/** The canonical form of a cacheable request and its 64-bit key. */
export interface CanonicalRequest {
  /**
   * UTF-8 of `{"endpoint":…,"request":{…}}`: the endpoint, and the body without the
   * left-out fields (left-out-fields.ts) and without top-level `null`s (a `null` field means
   * the provider's default, as an absent one does), keys sorted at every depth.
   */
  readonly bytes: Uint8Array;
  /** `hash64(bytes)`: the entry id. */
  readonly key: bigint;
}

const encoder = new TextEncoder();

/**
 * The canonical request of `body`: what its cache key is made of. Two requests have the same
 * canonical bytes exactly when they ask the same endpoint the same thing, whatever their key
 * order, delivery options (stream, stream_options) and bookkeeping fields (user, metadata, ...).
 *
 * @example canonicalRequest(parseRequestBody("chat.completions", text)).key // the entry id
 */
export function canonicalRequest(body: RequestBody): CanonicalRequest {
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body.fields)) {
    if (value === null || isLeftOut(field)) continue;
    kept[field] = value;
  }
  const bytes = encoder.encode(stableJson({ endpoint: body.endpoint, request: kept }));
  return { bytes, key: hash64(bytes) };
}
