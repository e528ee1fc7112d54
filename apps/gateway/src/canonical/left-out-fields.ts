/**
 * The request fields that are NOT part of a request's cache key, each with why: they change
 * how or to whom an answer is delivered, or what the provider keeps, never the answer itself.
 * Every other field is in the key, unknown ones included (a field the gateway does not know
 * might change the answer, so it is safer to key on it). This is the one list; the README
 * repeats it.
 */
export const LEFT_OUT_FIELDS: Readonly<Record<string, string>> = {
  stream: "delivery only: a stored answer is replayed as SSE or as one JSON body",
  stream_options: "delivery only: usage is kept with the entry and added to a replay that asks for it",
  user: "an end-user id for the provider's abuse monitoring",
  safety_identifier: "the newer name of `user`",
  metadata: "tags the provider stores with the completion",
  store: "whether the provider keeps the completion",
  service_tier: "the provider's processing tier (latency and price, not content)",
  prompt_cache_key: "a routing hint for the provider's own prompt cache",
};

const LEFT_OUT = new Set(Object.keys(LEFT_OUT_FIELDS));

/** True when `field` (a top-level request field) is left out of the cache key. */
export function isLeftOut(field: string): boolean {
  return LEFT_OUT.has(field);
}
