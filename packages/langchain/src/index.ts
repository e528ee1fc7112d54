/**
 * `@reflex/langchain`: LangChain JS caches on the Reflex store, through `@reflex/client`.
 *
 * @example
 * import { ReflexClient } from "@reflex/client";
 * import { ReflexCache } from "@reflex/langchain";
 * const cache = new ReflexCache({ client: new ReflexClient({ baseUrl: "http://127.0.0.1:8080" }), tenant: 1n });
 * const model = new ChatOpenAI({ model: "gpt-4o-mini", cache }); // any LangChain model takes `cache`
 */
export { cacheKey, llmContextHash } from "./cache-key.ts";
export { encodeF16 } from "./f16.ts";
export { ReflexCache, type ReflexCacheOptions } from "./reflex-cache.ts";
export { ReflexSemanticCache, type ReflexSemanticCacheOptions } from "./reflex-semantic-cache.ts";
